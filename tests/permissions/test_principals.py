"""Principals IAM, KMS and S3 refuse (issue #13, class 1): service principal data, partitions, pins and origins.

Real failures behind the cases (minimal templates written from each thread's description):
- hashicorp/terraform#35086: `Invalid principal in policy: "SERVICE":"tagging.amazonaws.com"`;
- terraform-aws-modules/terraform-aws-rds-aurora#437: `monitoring.rds.amazonaws.com.cn` refused in aws-cn;
- aws-samples/aws-secure-environment-accelerator#1136: a role trusting itself by ARN;
- aws-samples/aws-iam-access-key-auto-rotation#26: a role of a stack not deployed yet.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import pathlib
import sys

import pytest

from preflight.data import service_principals as sp
from preflight.resolve.pins import Pins
from tests.conftest import ROOT, run

ROLE = """
Parameters:
  Auditor:
    Type: String
    Default: '111111111111'
Mappings:
  Accounts:
    Prod: {{Id: '222222222222'}}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: self-role
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              {principal}
            Action: sts:AssumeRole
"""


def _found(principal: str, code: str, pins: Pins | None = None) -> list[tuple[str, str, str | None, str]]:
    findings = run(ROLE.format(principal=principal), pins=pins)
    return [(f.code, f.severity, f.phase, f.message) for f in findings if f.code == code]


# --- the data -------------------------------------------------------------------------------------------------------
CLASSIFY = [
    ("lambda.amazonaws.com", "aws", "known", None),
    ("ecs-tasks.amazonaws.com", "aws", "known", None),
    ("logs.eu-west-1.amazonaws.com", "aws", "known", None),
    ("lamda.amazonaws.com", "aws", "near-miss", "lambda.amazonaws.com"),
    ("cloudtrial.amazonaws.com", "aws", "near-miss", "cloudtrail.amazonaws.com"),
    ("ec2.amazon.com", "aws", "near-miss", "ec2.amazonaws.com"),
    ("tagging.amazonaws.com", "aws", "rejected", None),
    ("ec2.amazonaws.com.cn", "aws", "other-partition", "ec2.amazonaws.com"),
    ("ec2.amazonaws.com.cn", "aws-cn", "known", None),
    ("monitoring.rds.amazonaws.com.cn", "aws-cn", "rejected", None),
    ("ssm.us-east-1.amazonaws.com", "aws", "unlisted", None),
    ("lamda.eu-west-1.amazonaws.com", "aws", "near-miss", "lambda.amazonaws.com"),
    ("example-worker.amazonaws.com", "aws", "unlisted", None),
]


@pytest.mark.parametrize(
    "name,partition,status,suggestion", CLASSIFY, ids=[f"{c[0]}@{c[1]}" for c in CLASSIFY]
)
def test_classify(name: str, partition: str, status: str, suggestion: str | None) -> None:
    verdict = sp.classify(name, partition)
    assert (verdict.status, verdict.suggestion) == (status, suggestion)


def test_snapshot_is_sourced_dated_and_every_curated_entry_cites_a_page() -> None:
    raw = json.loads((pathlib.Path(ROOT) / "src/preflight/data/service_principals.json").read_text("utf-8"))
    assert set(raw) == {"source", "retrieved", "notes", "data"}
    assert dt.date.fromisoformat(raw["retrieved"]) == sp.retrieved()
    assert all(s.startswith("https://") or "@" in s for s in raw["source"])
    sources = raw["data"]["principals"].values()
    assert all(s == "managed-policies" or s.startswith("https://docs.aws.amazon.com/") for s in sources)
    assert all(e["evidence"].startswith("https://") for e in raw["data"]["rejected"].values())
    assert len(raw["data"]["principals"]) > 250


def test_refresh_script_reads_principals_from_managed_policy_documents() -> None:
    path = pathlib.Path(ROOT) / "scripts" / "refresh_service_principals.py"
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location("refresh_service_principals", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    document = {
        "Statement": [
            {"Condition": {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "not a name"]}}},
            {"Resource": "arn:aws:iam::*:role/aws-service-role/ops.example.amazonaws.com/AWSServiceRoleForX"},
        ]
    }
    policies = {"P": {"latestVersionId": "v1", "versions": {"v1": {"document": document}}}}
    assert module.principals_in_policies(policies) == {"lambda.amazonaws.com", "ops.example.amazonaws.com"}
    payload = module.build("0.0.0", policies, "2026-12-04")
    assert "vpc-flow-logs.amazonaws.com" in payload["data"]["principals"]  # curated, with its page
    assert "tagging.amazonaws.com" not in payload["data"]["principals"]


# --- PF6510 / PF6511 ------------------------------------------------------------------------------------------------
def test_other_partition_depends_on_the_partition_unless_pinned() -> None:
    principal = "Service: ec2.amazonaws.com.cn"
    assert [f[:3] for f in _found(principal, "PF6510")] == [("PF6510", "warning", "deploy")]
    assert "preflight assumes partition aws" in _found(principal, "PF6510")[0][3]
    assert [f[:2] for f in _found(principal, "PF6510", Pins(region="us-east-1"))] == [("PF6510", "error")]
    assert _found(principal, "PF6510", Pins(region="cn-north-1")) == []


def test_china_only_rejection_in_aws_cn() -> None:
    found = _found("Service: monitoring.rds.amazonaws.com.cn", "PF6510", Pins(region="cn-northwest-1"))
    assert [f[:2] for f in found] == [("PF6510", "error")]


KEY = """
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: kms:*
            Resource: '*'
          - Effect: Allow
            Principal: {Service: [cloudtrial.amazonaws.com, example-worker.amazonaws.com]}
            Action: kms:GenerateDataKey*
            Resource: '*'
"""


def test_key_policy_near_miss_is_a_warning_and_unlisted_names_are_not_reported() -> None:
    findings = [f for f in run(KEY) if f.code in ("PF6510", "PF6511")]
    assert [(f.code, f.severity, f.span.line) for f in findings] == [("PF6510", "warning", 14)]
    assert findings[0].message.startswith("Policy contains a statement with one or more invalid principals.")


# --- PF6504: malformed ARNs, example accounts, pins and origins -----------------------------------------------------
@pytest.mark.parametrize(
    "pins",
    [None, Pins(region="cn-north-1"), Pins(account_id="123456789012")],
    ids=["unpinned", "china", "account"],
)
@pytest.mark.parametrize(
    "arn", ["arn:aws:iam:::aws:role/x", "arn:aws:iam::role/x"], ids=["partition-slot", "short"]
)
def test_malformed_arn_is_an_error_whatever_the_pins(arn: str, pins: Pins | None) -> None:
    assert [f[:2] for f in _found(f"AWS: '{arn}'", "PF6504", pins)] == [("PF6504", "error")]


ROOT_PRINCIPAL = "AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'"


def test_pinned_account_is_a_fact_not_a_finding() -> None:
    assert _found(ROOT_PRINCIPAL, "PF6504", Pins(account_id="123456789012")) == []
    found = _found(
        "AWS: !Sub 'arn:aws:iam::${Auditor}:root'", "PF6504", Pins(parameters={"Auditor": "111111111111"})
    )
    assert found == []


@pytest.mark.parametrize(
    "principal,where",
    [
        ("AWS: !Sub 'arn:aws:iam::${Auditor}:root'", "(from the default of parameter Auditor: "),
        (
            "AWS: !Sub ['arn:aws:iam::${A}:root', {A: !FindInMap [Accounts, Prod, Id]}]",
            "(from mapping Accounts: ",
        ),
    ],
    ids=["default", "mapping"],
)
def test_origin_of_an_example_account_is_named_truthfully(principal: str, where: str) -> None:
    found = _found(principal, "PF6504", Pins(account_id="123456789012"))
    assert [f[:2] for f in found] == [("PF6504", "warning")]
    assert where in found[0][3]
    assert "parameter default or mapping" not in found[0][3]


# --- PF6512 / PF6513 / PF6514 ---------------------------------------------------------------------------------------
def test_role_outside_the_template_is_an_account_warning() -> None:
    found = _found("AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/other-stack-role'", "PF6512")
    assert [f[:3] for f in found] == [("PF6512", "warning", "account")]
    assert "role other-stack-role to exist in the stack's account" in found[0][3]


def test_role_trusting_itself_by_arn_is_an_error() -> None:
    found = _found("AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/self-role'", "PF6513")
    assert [f[:2] for f in found] == [("PF6513", "error")]
    assert found[0][3].startswith(
        'Invalid principal in policy: "AWS":"arn:aws:iam::${AWS::AccountId}:role/self-role"'
    )


def test_wildcard_trust_is_accepted_so_only_an_info() -> None:
    assert [f[:2] for f in _found("AWS: '*'", "PF6514")] == [("PF6514", "info")]
    assert [f.severity for f in run(ROLE.format(principal="AWS: '*'")) if f.severity == "error"] == []


MALFORMED = [
    (
        "arn:aws:iam:::aws:role/x",
        "an ARN has six fields (arn:partition:service:region:account:resource), this one 7",
    ),
    ("arn:aws:iam::12345678901:root", "its account field must be a 12-digit account id, not '12345678901'"),
    ("arn:aws:s3:::bucket", "its service field is 's3': a principal ARN is an iam or sts ARN"),
    ("arn:aws:sts::123456789013:role/x", "its resource field must start with assumed-role/, federated-user/"),
]


@pytest.mark.parametrize("arn,why", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_arn_says_which_field_is_wrong(arn: str, why: str) -> None:
    found = _found(f"AWS: '{arn}'", "PF6504")
    assert [f[3] for f in found] == [
        f"Invalid principal in policy: AWS principal {arn} is not a valid principal: {why}"
    ]


def test_symbolic_arn_with_a_misplaced_field_is_an_error() -> None:
    found = _found("AWS: !Sub 'arn:aws:iam:${AWS::Region}:${AWS::AccountId}:role/x'", "PF6504")
    assert [f[:2] for f in found] == [("PF6504", "error")]
    assert found[0][3].endswith("its Region field must be empty (arn:partition:iam::account:...)")


OAI = """
Resources:
  Identity:
    Type: AWS::CloudFront::CloudFrontOriginAccessIdentity
    Properties:
      CloudFrontOriginAccessIdentityConfig: {Comment: site}
  Bucket:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal:
              AWS:
                - 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL'
                - !Sub 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ${Identity}'
            Action: s3:GetObject
            Resource: !Sub '${Bucket.Arn}/*'
"""


def test_cloudfront_origin_access_identity_is_a_valid_principal() -> None:
    assert [f.code for f in run(OAI) if f.code.startswith("PF65")] == []


# Real failures from public threads: (thread, principal line, the code, pins, the fixed principal line).
REAL = [
    (
        "hashicorp/terraform#35086",
        "Service: tagging.amazonaws.com",
        "PF6510",
        None,
        "Service: lambda.amazonaws.com",
    ),
    (
        "terraform-aws-modules/terraform-aws-rds-aurora#437",
        "Service: monitoring.rds.amazonaws.com.cn",
        "PF6510",
        Pins(region="cn-north-1"),
        "Service: monitoring.rds.amazonaws.com",
    ),
    (
        "aws-samples/aws-secure-environment-accelerator#1136",
        "AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/self-role'",
        "PF6513",
        None,
        "AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'",
    ),
    (
        "aws-samples/aws-iam-access-key-auto-rotation#26",
        "AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/asa-account-inventory-role'",
        "PF6512",
        None,
        "AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'",
    ),
    (
        "aws-samples/aws-cdk-examples#801",
        "Service: amazonaws.com",
        "PF6504",
        None,
        "Service: ec2.amazonaws.com",
    ),
    (
        "aws/aws-cdk#17646",
        "Service: !Join ['', ['ssm.', !Ref 'AWS::Region', '.amazonaws.com']]",
        "PF6511",
        None,
        "Service: ssm.amazonaws.com",
    ),
]


@pytest.mark.parametrize("thread,principal,code,pins,fixed", REAL, ids=[r[0] for r in REAL])
def test_real_failures_are_caught_and_their_fixes_are_not(
    thread: str, principal: str, code: str, pins: Pins | None, fixed: str
) -> None:
    assert _found(principal, code, pins), thread
    assert _found(fixed, code, pins) == []


SLR_KEY = """
Resources:
  {extra}
  Key:
    Type: AWS::KMS::Key
    {depends}
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling'
            Action: kms:Decrypt
            Resource: '*'
"""
SLR = """Linked:
    Type: AWS::IAM::ServiceLinkedRole
    Properties:
      AWSServiceName: autoscaling.amazonaws.com"""


@pytest.mark.parametrize(
    "extra,depends,expected",
    [
        ("Topic: {Type: AWS::SNS::Topic}", "", [("PF6512", "warning", "account")]),
        (SLR, "", [("PF6513", "warning", "deploy")]),
        (SLR, "DependsOn: Linked", []),
    ],
    ids=["account-dependency", "created-unordered", "created-first"],
)
def test_service_linked_role_in_a_key_policy(
    extra: str, depends: str, expected: list[tuple[str, str, str]]
) -> None:
    findings = run(SLR_KEY.format(extra=extra, depends=depends))
    assert [(f.code, f.severity, f.phase) for f in findings if f.code in ("PF6512", "PF6513")] == expected


OIDC = """
Resources:
  GitHub:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList: [sts.amazonaws.com]
  Role:
    Type: AWS::IAM::Role
    {depends}
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal:
              Federated: !Sub 'arn:aws:iam::${{AWS::AccountId}}:oidc-provider/{provider}'
            Action: sts:AssumeRoleWithWebIdentity
"""


@pytest.mark.parametrize(
    "provider,depends,expected",
    [
        ("oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE", "", [("PF6512", "warning", "account")]),
        ("token.actions.githubusercontent.com", "", [("PF6513", "warning", "deploy")]),
        ("token.actions.githubusercontent.com", "DependsOn: GitHub", []),
    ],
    ids=["other-provider", "created-unordered", "created-first"],
)
def test_federated_provider_must_exist(
    provider: str, depends: str, expected: list[tuple[str, str, str]]
) -> None:
    findings = run(OIDC.format(provider=provider, depends=depends))
    found = [f for f in findings if f.code in ("PF6512", "PF6513")]
    assert [(f.code, f.severity, f.phase) for f in found] == expected
    assert all(
        "Federated principals must be valid domain names or SAML metadata ARNs" in f.message for f in found
    )
