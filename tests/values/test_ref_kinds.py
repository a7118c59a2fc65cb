"""The Ref/GetAtt kind table (preflight.data.ref_kinds): what a reference to each resource type returns."""

from __future__ import annotations

import pytest

from preflight.data.ref_kinds import arn_expression, attribute_value, name_expression, ref_value

REF_KINDS = [
    ("AWS::IAM::Role", "name", "the role name"),
    ("AWS::KMS::Key", "name", "the key ID"),
    ("AWS::Lambda::Function", "name", "the function name"),
    ("AWS::S3::Bucket", "name", "the bucket name"),
    ("AWS::Logs::LogGroup", "name", "the log group name"),
    ("AWS::SQS::Queue", "url", "the queue URL"),
    ("AWS::SNS::Topic", "arn", "the topic ARN"),
    (
        "AWS::SecretsManager::Secret",
        "arn",
        "the secret ARN",
    ),  # its primaryIdentifier is called Id, yet an ARN
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "arn", "the target group ARN"),
    ("AWS::IAM::ManagedPolicy", "arn", "the policy ARN"),
]


@pytest.mark.parametrize(("type_name", "kind", "what"), REF_KINDS, ids=[r[0] for r in REF_KINDS])
def test_ref_kind(type_name: str, kind: str, what: str) -> None:
    value = ref_value(type_name)
    assert value is not None and (value.kind, value.what) == (kind, what)


UNKNOWN = ["AWS::Events::Rule", "AWS::WAFv2::WebACL", "AWS::No::Such"]


@pytest.mark.parametrize("type_name", UNKNOWN, ids=UNKNOWN)
def test_composite_or_unknown_ref_is_not_judged(type_name: str) -> None:
    """'EventBusName|RuleName' may start with an ARN; a composite or unknown Ref has no kind."""
    assert ref_value(type_name) is None


ATTRIBUTES = [
    ("AWS::IAM::Role", "Arn", "arn"),
    ("AWS::KMS::Key", "Arn", "arn"),
    ("AWS::DynamoDB::Table", "StreamArn", "arn"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupName", "name"),
    ("AWS::KMS::Key", "KeyId", None),
    ("AWS::S3::Bucket", "DomainName", None),
    ("AWS::IAM::Role", "NoSuchAttribute", None),
]


@pytest.mark.parametrize(
    ("type_name", "attribute", "kind"), ATTRIBUTES, ids=[f"{t}.{a}" for t, a, _ in ATTRIBUTES]
)
def test_attribute_kind(type_name: str, attribute: str, kind: str | None) -> None:
    value = attribute_value(type_name, attribute)
    assert (value.kind if value else None) == kind


EXPRESSIONS = [
    ("AWS::IAM::Role", "!GetAtt X.Arn", "!Ref X"),
    ("AWS::SNS::Topic", "!Ref X", None),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "!Ref X", None),
    ("AWS::Kinesis::Stream", "!GetAtt X.Arn", "!Ref X"),
]


@pytest.mark.parametrize(("type_name", "arn", "name"), EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_expressions_that_return_the_arn_or_the_name(type_name: str, arn: str, name: str | None) -> None:
    assert arn_expression("X", type_name) == arn
    assert name_expression("X", type_name) == name
