"""Wildcard matching of Action / Resource / ARN patterns, concrete and symbolic.

Each case names the AWS documentation page it comes from.
"""

from __future__ import annotations

from typing import Any

import pytest

from preflight.policy.facts import DOC_ACTION, DOC_CONDITION_OPERATORS, DOC_RESOURCE, DOC_VARIABLES
from preflight.policy.match import bind, compile_pattern, match, match_arn
from preflight.policy.tri import NO, YES

from .conftest import ACCOUNT, PARTITION, REGION, UNKNOWN_IMPORT, attr, param, ref, sym

# (id, doc, pattern, value, fold (action), expected)
CONCRETE = [
    ("resource-star-spans-colons", DOC_RESOURCE, "arn:aws:s3:::*", "arn:aws:s3:::bucket/key/x", False, True),
    (
        "resource-star-spans-segments",
        DOC_RESOURCE,
        "arn:aws:iam::*",
        "arn:aws:iam::111122223333:role/r",
        False,
        True,
    ),
    (
        "resource-star-in-segment",
        DOC_RESOURCE,
        "arn:aws:iam::111122223333:user/accounting/*",
        "arn:aws:iam::111122223333:user/accounting/bob",
        False,
        True,
    ),
    (
        "resource-star-other-path",
        DOC_RESOURCE,
        "arn:aws:iam::111122223333:user/accounting/*",
        "arn:aws:iam::111122223333:user/sales/bob",
        False,
        False,
    ),
    (
        "resource-question-one-char",
        DOC_RESOURCE,
        "arn:aws:s3:::bucket/?",
        "arn:aws:s3:::bucket/a",
        False,
        True,
    ),
    (
        "resource-question-not-two",
        DOC_RESOURCE,
        "arn:aws:s3:::bucket/?",
        "arn:aws:s3:::bucket/ab",
        False,
        False,
    ),
    (
        "resource-question-spans-colon",
        DOC_RESOURCE,
        "arn:aws:sqs:us-east-1?111122223333:q",
        "arn:aws:sqs:us-east-1:111122223333:q",
        False,
        True,
    ),
    (
        "resource-case-sensitive",
        DOC_RESOURCE,
        "arn:aws:iam::111122223333:user/Bob",
        "arn:aws:iam::111122223333:user/bob",
        False,
        False,
    ),
    ("resource-lone-star", DOC_RESOURCE, "*", "arn:aws:kms:us-east-1:111122223333:key/k", False, True),
    (
        "resource-no-partial-without-star",
        DOC_RESOURCE,
        "arn:aws:s3:::bucket",
        "arn:aws:s3:::bucket/key",
        False,
        False,
    ),
    ("action-case-insensitive", DOC_ACTION, "S3:getobject", "s3:GetObject", True, True),
    ("action-prefix-wildcard", DOC_ACTION, "s3:Get*", "s3:GetObjectVersion", True, True),
    ("action-prefix-wildcard-miss", DOC_ACTION, "s3:Get*", "s3:PutObject", True, False),
    ("action-service-star", DOC_ACTION, "kms:*", "kms:GenerateDataKey", True, True),
    ("action-other-service", DOC_ACTION, "kms:*", "s3:GetObject", True, False),
    ("action-inner-wildcard", DOC_ACTION, "iam:*AccessKey*", "iam:CreateAccessKey", True, True),
]


@pytest.mark.parametrize(
    ("doc", "pattern", "value", "fold", "expected"), [c[1:] for c in CONCRETE], ids=[c[0] for c in CONCRETE]
)
def test_concrete_wildcards(doc: str, pattern: str, value: str, fold: bool, expected: bool) -> None:
    assert match(compile_pattern(pattern, fold=fold), value) is (YES if expected else NO)


LOG_GROUP = sym("arn:", PARTITION, ":logs:", REGION, ":", ACCOUNT, ":log-group:/app/web")

# (id, doc, pattern, value, outcome: "yes" | "no" | the exact depends text)
SYMBOLIC = [
    (
        "same-symbol-matches-itself",
        DOC_RESOURCE,
        sym("arn:aws:s3:::", ref("Bucket"), "/*"),
        sym("arn:aws:s3:::", ref("Bucket"), "/AWSLogs/x"),
        "yes",
    ),
    ("star-absorbs-symbols", DOC_RESOURCE, "arn:*:logs:*:*:log-group:/app/*", LOG_GROUP, "yes"),
    (
        "literal-region-depends-on-region",
        DOC_RESOURCE,
        "arn:aws:logs:us-west-2:*",
        LOG_GROUP,
        "depends on AWS::Partition = aws, AWS::Region = us-west-2",
    ),
    ("other-log-group-is-no", DOC_RESOURCE, "arn:*:logs:*:*:log-group:/other/*", LOG_GROUP, "no"),
    (
        "account-charset-excludes-letters",
        DOC_RESOURCE,
        "arn:aws:iam::abcdefghijkl:root",
        sym("arn:aws:iam::", ACCOUNT, ":root"),
        "no",
    ),
    (
        "account-length-excludes-short-id",
        DOC_RESOURCE,
        "arn:aws:iam::12345:root",
        sym("arn:aws:iam::", ACCOUNT, ":root"),
        "no",
    ),
    (
        "account-literal-depends",
        DOC_RESOURCE,
        "arn:aws:iam::111122223333:root",
        sym("arn:aws:iam::", ACCOUNT, ":root"),
        "depends on AWS::AccountId = 111122223333",
    ),
    (
        "pattern-parameter-depends",
        DOC_RESOURCE,
        sym("arn:aws:s3:::", param("BucketName"), "/*"),
        "arn:aws:s3:::my-bucket/key",
        "depends on parameter BucketName = my-bucket",
    ),
    (
        "allowed-values-decide-yes",
        DOC_RESOURCE,
        sym("arn:aws:s3:::", param("Env", ("dev", "prod")), "-*"),
        "arn:aws:s3:::dev-logs",
        "depends on parameter Env = dev",
    ),
    (
        "allowed-values-all-miss",
        DOC_RESOURCE,
        sym("arn:aws:s3:::", param("Env", ("dev", "prod")), "-*"),
        "arn:aws:s3:::test-logs",
        "no",
    ),
    (
        "allowed-values-all-hit",
        DOC_RESOURCE,
        "arn:aws:s3:::*-logs",
        sym("arn:aws:s3:::", param("Env", ("dev", "prod")), "-logs"),
        "yes",
    ),
    (
        "unknown-value-depends",
        DOC_RESOURCE,
        "arn:aws:kms:*:*:key/*",
        UNKNOWN_IMPORT,
        "depends on Fn::ImportValue of 'shared-key-arn'",
    ),
    ("star-matches-unknown", DOC_RESOURCE, "*", UNKNOWN_IMPORT, "yes"),
    (
        "whole-attribute-depends",
        DOC_RESOURCE,
        "arn:aws:sns:*:*:alerts",
        sym(attr("Topic.Arn")),
        "depends on GetAtt Topic.Arn",
    ),
    (
        "service-principal-region",
        DOC_RESOURCE,
        "logs.us-west-2.amazonaws.com",
        sym("logs.", REGION, ".amazonaws.com"),
        "depends on AWS::Region = us-west-2",
    ),
    (
        "service-principal-not-a-region",
        DOC_RESOURCE,
        "logs.amazonaws.com",
        sym("logs.", REGION, ".amazonaws.com"),
        "no",
    ),
]


@pytest.mark.parametrize(
    ("doc", "pattern", "value", "expected"), [c[1:] for c in SYMBOLIC], ids=[c[0] for c in SYMBOLIC]
)
def test_symbolic_matching(doc: str, pattern: Any, value: Any, expected: str) -> None:
    assert str(match(compile_pattern(pattern), value)) == expected


# (id, pattern, value, expected): ArnLike checks the six components separately
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN)
ARN = [
    (
        "arn-like-region-wildcard",
        "arn:aws:sns:*:111122223333:alerts",
        "arn:aws:sns:us-east-1:111122223333:alerts",
        "yes",
    ),
    (
        "arn-like-star-stays-in-component",
        "arn:aws:sns:us-east-*:111122223333:alerts",
        "arn:aws:sns:us-east-1:999999999999:111122223333:alerts",
        "no",
    ),
    (
        "arn-like-resource-part-may-hold-colons",
        "arn:aws:logs:*:*:log-group:*",
        "arn:aws:logs:us-east-1:111122223333:log-group:/a:b",
        "yes",
    ),
    ("arn-like-not-an-arn", "arn:aws:sns:*:*:*", "alerts", "no"),
    (
        "arn-like-symbolic-components",
        "arn:aws:logs:*:*:log-group:/app/*",
        LOG_GROUP,
        "depends on AWS::Partition = aws",
    ),
    (
        "arn-like-whole-symbol",
        "arn:aws:cloudtrail:*:*:trail/*",
        sym(attr("Trail.Arn")),
        "depends on GetAtt Trail.Arn",
    ),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), [c[1:] for c in ARN], ids=[c[0] for c in ARN])
def test_arn_operator_matching(pattern: str, value: Any, expected: str) -> None:
    assert DOC_CONDITION_OPERATORS
    assert str(match_arn(compile_pattern(pattern), value)) == expected


# Policy variables and their escapes (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)
VARIABLES = [
    (
        "variable-substituted",
        "arn:aws:s3:::b/${aws:username}/*",
        {"aws:username": "alice"},
        "arn:aws:s3:::b/alice/x",
        "yes",
    ),
    (
        "variable-other-user",
        "arn:aws:s3:::b/${aws:username}/*",
        {"aws:username": "bob"},
        "arn:aws:s3:::b/alice/x",
        "no",
    ),
    (
        "variable-key-case-insensitive",
        "arn:aws:s3:::b/${AWS:UserName}/*",
        {"aws:username": "alice"},
        "arn:aws:s3:::b/alice/x",
        "yes",
    ),
    (
        "variable-absent-matches-nothing",
        "arn:aws:s3:::b/${aws:username}/*",
        {},
        "arn:aws:s3:::b/alice/x",
        "no",
    ),
    ("variable-default-used", "arn:aws:s3:::b/${aws:username, 'anon'}/*", {}, "arn:aws:s3:::b/anon/x", "yes"),
    (
        "variable-value-is-literal",
        "arn:aws:s3:::b/${aws:username}",
        {"aws:username": "*"},
        "arn:aws:s3:::b/x",
        "no",
    ),
    ("escape-star-is-literal", "arn:aws:s3:::b/${*}", {}, "arn:aws:s3:::b/x", "no"),
    ("escape-star-matches-star", "arn:aws:s3:::b/${*}", {}, "arn:aws:s3:::b/*", "yes"),
    ("escape-question-and-dollar", "arn:aws:s3:::b/${?}${$}", {}, "arn:aws:s3:::b/?$", "yes"),
    (
        "symbolic-variable-value",
        "arn:aws:s3:::b/${aws:SourceAccount}/*",
        {"aws:sourceaccount": sym(ACCOUNT)},
        sym("arn:aws:s3:::b/", ACCOUNT, "/x"),
        "yes",
    ),
]


@pytest.mark.parametrize(
    ("pattern", "context", "value", "expected"), [c[1:] for c in VARIABLES], ids=[c[0] for c in VARIABLES]
)
def test_policy_variables(pattern: str, context: dict[str, Any], value: Any, expected: str) -> None:
    assert DOC_VARIABLES
    bound = bind(compile_pattern(pattern, variables=True), context)
    assert str(NO if bound is None else match(bound, value)) == expected


def test_variables_are_literal_without_version_2012() -> None:
    """Under Version 2008-10-17 "${aws:username}" is plain text (DOC_VERSION)."""
    pattern = compile_pattern("arn:aws:s3:::b/${aws:username}", variables=False)
    assert match(pattern, "arn:aws:s3:::b/${aws:username}") is YES
    assert match(pattern, "arn:aws:s3:::b/alice") is NO


def test_patterns_are_compiled_once() -> None:
    assert compile_pattern("arn:aws:s3:::b/*") is compile_pattern("arn:aws:s3:::b/*")
