"""Condition operators, IfExists, Null and the set operators, one documented behaviour per case."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from preflight.policy.conditions import eval_conditions
from preflight.policy.facts import DOC_CONDITION_OPERATORS, DOC_MULTI_VALUE_CONDITIONS, DOC_MULTIVALUED
from preflight.policy.model import parse_statement

from .conftest import ACCOUNT, UNKNOWN_IMPORT, param, sym

OPS = DOC_CONDITION_OPERATORS
STRING = OPS + "#Conditions_String"
NUMERIC = OPS + "#Conditions_Numeric"
DATE = OPS + "#Conditions_Date"
BOOL = OPS + "#Conditions_Boolean"
BINARY = OPS + "#Conditions_BinaryEquals"
IP = OPS + "#Conditions_IPAddress"
ARN = OPS + "#Conditions_ARN"
IFEXISTS = OPS + "#Conditions_IfExists"
NULL = OPS + "#Conditions_Null"


def decide(condition: dict[str, Any], context: dict[str, Any], *, version: str = "2012-10-17") -> str:
    stmt, problems = parse_statement(
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition},
        0,
        variables=version == "2012-10-17",
    )
    assert not problems
    return str(eval_conditions(stmt.conditions, {k.lower(): v for k, v in context.items()}, stmt.variables))


# (id, doc, condition, request context, expected)
CASES = [
    # String operators
    (
        "string-equals",
        STRING,
        {"StringEquals": {"aws:PrincipalTag/job": "admin"}},
        {"aws:PrincipalTag/job": "admin"},
        "yes",
    ),
    (
        "string-equals-case-sensitive",
        STRING,
        {"StringEquals": {"aws:PrincipalTag/job": "admin"}},
        {"aws:PrincipalTag/job": "Admin"},
        "no",
    ),
    (
        "string-equals-ignore-case",
        STRING,
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/job": "admin"}},
        {"aws:PrincipalTag/job": "ADMIN"},
        "yes",
    ),
    (
        "string-equals-no-wildcards",
        STRING,
        {"StringEquals": {"s3:prefix": "home/*"}},
        {"s3:prefix": "home/x"},
        "no",
    ),
    (
        "string-like-wildcards",
        STRING,
        {"StringLike": {"s3:prefix": "home/*"}},
        {"s3:prefix": "home/x"},
        "yes",
    ),
    (
        "string-values-are-or",
        DOC_MULTI_VALUE_CONDITIONS,
        {"StringEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}},
        {"aws:SourceVpc": "vpc-2"},
        "yes",
    ),
    (
        "negated-values-are-nor",
        DOC_MULTI_VALUE_CONDITIONS,
        {"StringNotEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}},
        {"aws:SourceVpc": "vpc-2"},
        "no",
    ),
    (
        "negated-other-value",
        DOC_MULTI_VALUE_CONDITIONS,
        {"StringNotEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}},
        {"aws:SourceVpc": "vpc-3"},
        "yes",
    ),
    (
        "keys-are-and",
        DOC_MULTI_VALUE_CONDITIONS,
        {"StringEquals": {"aws:SourceVpc": "vpc-1", "aws:SourceAccount": "111122223333"}},
        {"aws:SourceVpc": "vpc-1"},
        "no",
    ),
    (
        "operators-are-and",
        DOC_MULTI_VALUE_CONDITIONS,
        {"StringEquals": {"aws:SourceVpc": "vpc-1"}, "Bool": {"aws:SecureTransport": "true"}},
        {"aws:SourceVpc": "vpc-1", "aws:SecureTransport": True},
        "yes",
    ),
    (
        "key-names-case-insensitive",
        OPS,
        {"StringEquals": {"AWS:SOURCEACCOUNT": "111122223333"}},
        {"aws:SourceAccount": "111122223333"},
        "yes",
    ),
    # Absent keys
    ("absent-key-is-false", OPS, {"StringEquals": {"aws:SourceAccount": "111122223333"}}, {}, "no"),
    ("absent-key-negated-is-true", OPS, {"StringNotLike": {"aws:SourceArn": "arn:aws:s3:::x"}}, {}, "yes"),
    ("absent-key-arn-not-like-is-true", ARN, {"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::x"}}, {}, "yes"),
    (
        "ifexists-absent-is-true",
        IFEXISTS,
        {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
        {},
        "yes",
    ),
    (
        "ifexists-present-mismatch",
        IFEXISTS,
        {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
        {"ec2:InstanceType": "m5.large"},
        "no",
    ),
    (
        "ifexists-present-match",
        IFEXISTS,
        {"StringEqualsIfExists": {"ec2:InstanceType": ["t3.micro", "t3.small"]}},
        {"ec2:InstanceType": "t3.small"},
        "yes",
    ),
    ("null-true-when-absent", NULL, {"Null": {"aws:TokenIssueTime": "true"}}, {}, "yes"),
    (
        "null-true-when-present",
        NULL,
        {"Null": {"aws:TokenIssueTime": "true"}},
        {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"},
        "no",
    ),
    (
        "null-false-when-present",
        NULL,
        {"Null": {"aws:TokenIssueTime": "false"}},
        {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"},
        "yes",
    ),
    (
        "null-present-unknown-value",
        NULL,
        {"Null": {"aws:SourceArn": "false"}},
        {"aws:SourceArn": UNKNOWN_IMPORT},
        "yes",
    ),
    # Numeric, Date, Bool, Binary, IP
    ("numeric-less-than", NUMERIC, {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"}, "yes"),
    (
        "numeric-less-than-equal-edge",
        NUMERIC,
        {"NumericLessThanEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": 10},
        "yes",
    ),
    ("numeric-not-a-number", NUMERIC, {"NumericEquals": {"s3:max-keys": "ten"}}, {"s3:max-keys": "10"}, "no"),
    ("numeric-not-equals-absent", NUMERIC, {"NumericNotEquals": {"s3:max-keys": "10"}}, {}, "yes"),
    (
        "date-greater-than-iso",
        DATE,
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2021-06-01T12:00:00Z"},
        "yes",
    ),
    (
        "date-less-than-epoch",
        DATE,
        {"DateLessThan": {"aws:EpochTime": "1600000000"}},
        {"aws:EpochTime": "1500000000"},
        "yes",
    ),
    (
        "date-iso-against-epoch",
        DATE,
        {"DateLessThan": {"aws:CurrentTime": "2020-01-01"}},
        {"aws:CurrentTime": "1500000000"},
        "yes",
    ),
    ("bool-false", BOOL, {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": False}, "yes"),
    ("bool-mismatch", BOOL, {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": False}, "no"),
    (
        "bool-string-value",
        BOOL,
        {"Bool": {"aws:SecureTransport": "TRUE"}},
        {"aws:SecureTransport": "true"},
        "yes",
    ),
    (
        "binary-equals",
        BINARY,
        {"BinaryEquals": {"key": base64.b64encode(b"QmluYXJ5").decode()}},
        {"key": base64.b64encode(b"QmluYXJ5").decode()},
        "yes",
    ),
    (
        "binary-equals-bytes",
        BINARY,
        {"BinaryEquals": {"key": base64.b64encode(b"abc").decode()}},
        {"key": b"abc"},
        "yes",
    ),
    (
        "ip-in-cidr",
        IP,
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "203.0.113.7"},
        "yes",
    ),
    (
        "ip-outside-cidr",
        IP,
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "198.51.100.7"},
        "no",
    ),
    (
        "not-ip-outside",
        IP,
        {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
        {"aws:SourceIp": "198.51.100.7"},
        "yes",
    ),
    ("ip-v6", IP, {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, "yes"),
    # ARN operators
    (
        "arn-like",
        ARN,
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs-*"}},
        {"aws:SourceArn": "arn:aws:s3:::logs-1"},
        "yes",
    ),
    (
        "arn-equals-wildcards",
        ARN,
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:t"}},
        {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t"},
        "yes",
    ),
    (
        "arn-not-like-match",
        ARN,
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::logs-*"}},
        {"aws:SourceArn": "arn:aws:s3:::logs-1"},
        "no",
    ),
    # Multivalued keys and set operators
    (
        "forallvalues-subset",
        DOC_MULTIVALUED,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
        {"aws:TagKeys": ["env"]},
        "yes",
    ),
    (
        "forallvalues-outside",
        DOC_MULTIVALUED,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
        {"aws:TagKeys": ["env", "cost"]},
        "no",
    ),
    (
        "forallvalues-absent-is-true",
        DOC_MULTIVALUED,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
        {},
        "yes",
    ),
    (
        "forallvalues-empty-is-true",
        DOC_MULTIVALUED,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
        {"aws:TagKeys": []},
        "yes",
    ),
    (
        "foranyvalue-one-match",
        DOC_MULTIVALUED,
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}},
        {"aws:TagKeys": ["cost", "env"]},
        "yes",
    ),
    (
        "foranyvalue-absent-is-false",
        DOC_MULTIVALUED,
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}},
        {},
        "no",
    ),
    (
        "foranyvalue-not-equals",
        DOC_MULTIVALUED,
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["env"]}},
        {"aws:TagKeys": ["env", "cost"]},
        "yes",
    ),
    (
        "forallvalues-not-like",
        DOC_MULTIVALUED,
        {"ForAllValues:StringNotLike": {"aws:TagKeys": ["secret*"]}},
        {"aws:TagKeys": ["env", "secret-x"]},
        "no",
    ),
    (
        "forallvalues-like-ifexists",
        DOC_MULTIVALUED,
        {"ForAllValues:StringLikeIfExists": {"aws:TagKeys": ["e*"]}},
        {"aws:TagKeys": ["env"]},
        "yes",
    ),
    (
        "multivalued-without-set-operator",
        DOC_MULTIVALUED,
        {"StringEquals": {"aws:TagKeys": "env"}},
        {"aws:TagKeys": ["env", "cost"]},
        (
            "depends on aws:TagKeys has 2 values but StringEquals has no ForAnyValue/ForAllValues "
            "(AWS documents multivalued keys only with a set operator)"
        ),
    ),
    # Symbolic and unknown request values
    (
        "symbolic-source-account-same-symbol",
        STRING,
        {"StringEquals": {"aws:SourceAccount": sym(ACCOUNT)}},
        {"aws:SourceAccount": sym(ACCOUNT)},
        "yes",
    ),
    (
        "symbolic-source-account-literal",
        STRING,
        {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        {"aws:SourceAccount": sym(ACCOUNT)},
        "depends on AWS::AccountId = 111122223333",
    ),
    (
        "unknown-value-depends",
        STRING,
        {"StringEquals": {"aws:SourceArn": "arn:aws:s3:::b"}},
        {"aws:SourceArn": UNKNOWN_IMPORT},
        "depends on Fn::ImportValue of 'shared-key-arn'",
    ),
    (
        "negated-unknown-depends",
        STRING,
        {"StringNotEquals": {"aws:SourceArn": "arn:aws:s3:::b"}},
        {"aws:SourceArn": UNKNOWN_IMPORT},
        "depends on Fn::ImportValue of 'shared-key-arn'",
    ),
    (
        "numeric-symbol-with-allowed-values",
        NUMERIC,
        {"NumericLessThan": {"s3:max-keys": "100"}},
        {"s3:max-keys": sym(param("Keys", ("10", "50")))},
        "yes",
    ),
    (
        "numeric-symbol-without-allowed-values",
        NUMERIC,
        {"NumericLessThan": {"s3:max-keys": "100"}},
        {"s3:max-keys": sym(param("Keys"))},
        "depends on parameter Keys",
    ),
    # Policy variables in condition values
    (
        "variable-in-condition",
        STRING,
        {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
        {"aws:ResourceAccount": "111122223333", "aws:PrincipalAccount": "111122223333"},
        "yes",
    ),
    (
        "unknown-operator-never-matches",
        OPS,
        {"StringEqualz": {"aws:SourceAccount": "111122223333"}},
        {"aws:SourceAccount": "111122223333"},
        "no",
    ),
]


@pytest.mark.parametrize(
    ("doc", "condition", "context", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_condition_operators(
    doc: str, condition: dict[str, Any], context: dict[str, Any], expected: str
) -> None:
    assert decide(condition, context) == expected


def test_variable_is_text_under_version_2008() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"""
    condition = {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}
    context = {"aws:ResourceAccount": "111122223333", "aws:PrincipalAccount": "111122223333"}
    assert decide(condition, context, version="2008-10-17") == "no"
    assert (
        decide(condition, {"aws:ResourceAccount": "${aws:PrincipalAccount}"}, version="2008-10-17") == "yes"
    )
