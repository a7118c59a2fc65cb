"""Measure the policy evaluator: statement evaluations per second and whole decisions per second.

Run: python bench/bench_policy.py [--seconds N]

The workload mixes what preflight evaluates at deploy time: a KMS key policy with service-principal statements
and encryption-context conditions, a bucket policy for log delivery, identity policies with wildcards, with
concrete requests and symbolic ones (region, account and resource names unknown offline).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from preflight.policy import Principal, Request, evaluate, parse_policy
from preflight.policy.statements import evaluate_statement, prepare
from preflight.resolve.pins import ACCOUNT, REGION
from preflight.resolve.values import Symbol, Symbolic

PARTITION = Symbol("AWS::Partition", "pseudo", "the partition", min_len=3, max_len=10)
BUCKET = Symbol("ref:LogBucket", "resource", "the name of LogBucket")


def sym(*parts: Any) -> Any:
    return Symbolic.of(list(parts))


ROOT = sym("arn:", PARTITION, ":iam::", ACCOUNT, ":root")
KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "EnableIAM",
            "Effect": "Allow",
            "Principal": {"AWS": ROOT},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Principal": {"Service": sym("logs.", REGION, ".amazonaws.com")},
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": sym("arn:aws:logs:", REGION, ":", ACCOUNT, ":*")
                }
            },
        },
        {
            "Sid": "CloudTrail",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": sym(
                        "arn:aws:cloudtrail:*:", ACCOUNT, ":trail/*"
                    )
                }
            },
        },
        {
            "Sid": "DenyOtherAccounts",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"kms:CallerAccount": sym(ACCOUNT)},
                "Bool": {"aws:PrincipalIsAWSService": "false"},
            },
        },
    ],
}
BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": f"Delivery{n}",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": sym("arn:aws:s3:::", BUCKET, f"/prefix{n}/AWSLogs/", ACCOUNT, "/*"),
            "Condition": {
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceAccount": sym(ACCOUNT),
                }
            },
        }
        for n in range(6)
    ]
    + [
        {
            "Sid": "TLS",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [sym("arn:aws:s3:::", BUCKET), sym("arn:aws:s3:::", BUCKET, "/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}
IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "arn:aws:s3:::app-*"},
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": sym("arn:aws:kms:", REGION, ":", ACCOUNT, ":key/*"),
        },
        {
            "Effect": "Allow",
            "Action": "logs:*",
            "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:/app/*",
        },
        {"Effect": "Deny", "NotAction": ["s3:*", "kms:*", "logs:*"], "Resource": "*"},
    ],
}


def requests() -> list[tuple[Request, Any, list[Any]]]:
    key = parse_policy(KEY_POLICY, kind="kms-key", name="AppKey")
    bucket = parse_policy(BUCKET_POLICY, kind="s3-bucket", name="LogBucket")
    ident = [parse_policy(IDENTITY, kind="identity", name="AppRolePolicy")]
    key_arn = sym("arn:aws:kms:", REGION, ":", ACCOUNT, ":key/abc")
    return [
        (
            Request(
                Principal("service", sym("logs.", REGION, ".amazonaws.com")),
                "kms:GenerateDataKey",
                key_arn,
                {
                    "kms:EncryptionContext:aws:logs:arn": sym(
                        "arn:aws:logs:", REGION, ":", ACCOUNT, ":log-group:/app"
                    ),
                    "kms:CallerAccount": sym(ACCOUNT),
                },
            ),
            key,
            [],
        ),
        (
            Request(
                Principal("service", "cloudtrail.amazonaws.com"),
                "kms:GenerateDataKey",
                "arn:aws:kms:us-east-1:111122223333:key/k",
                {
                    "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"
                },
            ),
            key,
            [],
        ),
        (
            Request(
                Principal("aws", "arn:aws:iam::111122223333:role/app"),
                "kms:Decrypt",
                key_arn,
                {"kms:CallerAccount": "111122223333"},
            ),
            key,
            ident,
        ),
        (
            Request(
                Principal("service", "delivery.logs.amazonaws.com"),
                "s3:PutObject",
                sym("arn:aws:s3:::", BUCKET, "/prefix3/AWSLogs/", ACCOUNT, "/x.log.gz"),
                {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceAccount": sym(ACCOUNT),
                    "aws:SecureTransport": True,
                },
            ),
            bucket,
            [],
        ),
        (
            Request(
                Principal("aws", "arn:aws:iam::111122223333:role/app"),
                "s3:GetObject",
                "arn:aws:s3:::app-data/k",
                {"aws:SecureTransport": True},
            ),
            bucket,
            ident,
        ),
        (
            Request(Principal("aws", "arn:aws:iam::111122223333:role/app"), "ec2:RunInstances", "*"),
            None,
            ident,
        ),
    ]


def best_rate(seconds: float, round_of_work: Callable[[], int]) -> float:
    """Items per CPU second: the best of short rounds (like timeit, the least disturbed by other processes)."""
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start, done = time.process_time(), 0
        while time.process_time() - start < 0.2:
            done += round_of_work()
        best = max(best, done / (time.process_time() - start))
    return best


def wall_rate(seconds: float, round_of_work: Callable[[], int]) -> float:
    """Items per wall-clock second over the whole run (lower when the machine is shared)."""
    start, done = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        done += round_of_work()
    return done / (time.perf_counter() - start)


def bench_statements(seconds: float) -> tuple[float, float]:
    work = []
    for req, rp, ids in requests():
        prep = prepare(req)
        for policy in ([rp] if rp else []) + ids:
            work.extend((stmt, policy, prep) for stmt in policy.statements)

    def one_round() -> int:
        for stmt, policy, prep in work:
            evaluate_statement(stmt, policy, prep)
        return len(work)

    return best_rate(seconds, one_round), wall_rate(seconds, one_round)


def bench_decisions(seconds: float) -> tuple[float, float]:
    work = requests()
    per_round = sum(
        (len(rp.statements) if rp else 0) + sum(len(p.statements) for p in ids) for _, rp, ids in work
    )

    def one_round() -> int:
        for req, rp, ids in work:
            evaluate(req, rp, ids)
        return len(work)

    decisions = best_rate(seconds, one_round)
    return decisions, decisions * per_round / len(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    per_statement, wall = bench_statements(args.seconds)
    decisions, statements_in_decisions = bench_decisions(args.seconds)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"statement evaluations/s: {per_statement:,.0f} (per CPU second, best of 0.2 s rounds)")
    print(
        f"statement evaluations/s: {wall:,.0f} (wall clock, load average {load:.1f} on {os.cpu_count()} CPUs)"
    )
    print(
        f"decisions/s (evaluate(), with explanations): {decisions:,.0f} ({statements_in_decisions:,.0f} statements/s)"
    )


if __name__ == "__main__":
    main()
