"""The explanation renderer behind ``preflight explain-policy``: decision, why, and the deciding lines."""

from __future__ import annotations

from preflight.policy import Request, evaluate, explain, explain_request
from preflight.source.document import load_text

from .conftest import REGION, aws, service, sym, yaml_policy

KEY_POLICY = """\
Version: '2012-10-17'
Statement:
  - Sid: EnableIAM
    Effect: Allow
    Principal: {AWS: 'arn:aws:iam::111122223333:root'}
    Action: 'kms:*'
    Resource: '*'
  - Sid: AllowLogs
    Effect: Allow
    Principal: {Service: logs.us-west-2.amazonaws.com}
    Action: ['kms:Encrypt*', 'kms:GenerateDataKey*']
    Resource: '*'
    Condition:
      ArnLike: {'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-west-2:111122223333:log-group:*'}
"""

LOGS_REQUEST = Request(
    service(sym("logs.", REGION, ".amazonaws.com")),
    "kms:GenerateDataKey",
    sym("arn:aws:kms:", REGION, ":111122223333:key/k"),
    {"kms:EncryptionContext:aws:logs:arn": sym("arn:aws:logs:", REGION, ":111122223333:log-group:/app")},
)


def test_explain_depends_names_region_and_line() -> None:
    """A key policy written for us-west-2 (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html)."""
    text = explain_request(load_text(KEY_POLICY).root, LOGS_REQUEST, kind="kms-key", name="LogsKey")
    assert (
        text
        == """\
Decision: Depends on AWS::Region = us-west-2
Request: service principal logs.${AWS::Region}.amazonaws.com -> kms:GenerateDataKey on arn:aws:kms:${AWS::Region}:111122223333:key/k
Context: kms:EncryptionContext:aws:logs:arn = arn:aws:logs:${AWS::Region}:111122223333:log-group:/app
Why:
  - the key policy LogsKey allows service principal logs.${AWS::Region}.amazonaws.com to perform kms:GenerateDataKey only if AWS::Region = us-west-2
Deciding statements:
  line 8:5  key policy LogsKey, statement 2 "AllowLogs" (Allow): may allow (depends on AWS::Region = us-west-2)
      Principal: depends on AWS::Region = us-west-2
      Action: yes
      Resource: yes
      Condition ArnLike kms:EncryptionContext:aws:logs:arn: depends on AWS::Region = us-west-2
      condition keys tested: kms:EncryptionContext:aws:logs:arn
Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"""
    )


def test_explain_kms_missing_identity_policy() -> None:
    """Root delegation without an identity policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)."""
    policy = yaml_policy(KEY_POLICY, "kms-key", "LogsKey")
    decision = evaluate(
        Request(
            aws("arn:aws:iam::111122223333:role/app"),
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/k",
        ),
        policy,
    )
    text = explain(decision)
    assert text.splitlines()[:5] == [
        "Decision: ImplicitDeny (no statement allows the request)",
        "Request: aws principal arn:aws:iam::111122223333:role/app -> kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/k",
        "Why:",
        "  - the key policy LogsKey has no statement that allows aws principal arn:aws:iam::111122223333:role/app to perform kms:Decrypt",
        "  - no identity policy of aws principal arn:aws:iam::111122223333:role/app allows kms:Decrypt on this resource",
    ]
    assert (
        '  line 3:5  key policy LogsKey, statement 1 "EnableIAM" (Allow): allows, but is not enough on its own'
        in text
    )


def test_explain_request_guesses_identity_policy() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    }
    text = explain_request(
        document, Request(aws("arn:aws:iam::111122223333:role/r"), "s3:GetObject", "arn:aws:s3:::b/k")
    )
    assert text.splitlines()[0] == "Decision: Allow"
    assert "identity policy, statement 1 (Allow): allows (identity policy)" in text
