"""Rollback blockers (PF7001-PF7003): when a resource is protected, non-empty or retained, and when not."""

from __future__ import annotations

import pytest

from tests.conftest import run


def found(text: str) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.severity, f.resource) for f in run(text) if f.code.startswith("PF70")]


TABLE = """
Parameters:
  Protect: {{Type: String{default}}}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    {policy}
    Properties:
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
      BillingMode: PAY_PER_REQUEST
      DeletionProtectionEnabled: {value}
"""


@pytest.mark.parametrize(
    ("default", "policy", "value", "expected"),
    [
        ("", "", "true", [("PF7001", "warning", "Table")]),
        ("", "DeletionPolicy: RetainExceptOnCreate", "true", [("PF7001", "warning", "Table")]),
        ("", "DeletionPolicy: Retain", "true", []),
        ("", "", "false", []),
        ("", "", "1", []),
        ("", "", "!Ref Protect", []),
        (", Default: 'true'", "", "!Ref Protect", [("PF7001", "warning", "Table")]),
    ],
    ids=[
        "default-policy",
        "retain-except-on-create",
        "retain",
        "off",
        "not-a-boolean",
        "unknown-parameter",
        "parameter-default",
    ],
)
def test_deletion_protection(default, policy, value, expected):
    assert found(TABLE.format(default=default, policy=policy, value=value)) == expected


def test_load_balancer_deletion_protection_attribute():
    text = """
Parameters:
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
Resources:
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: !Ref Subnets
      LoadBalancerAttributes:
        - {Key: deletion_protection.enabled, Value: "true"}
"""
    findings = [f for f in run(text) if f.code == "PF7001"]
    assert [f.resource for f in findings] == ["Lb"]
    assert findings[0].message.startswith(
        "Lb has LoadBalancerAttributes deletion_protection.enabled = true and no "
        "DeletionPolicy (CloudFormation applies Delete)"
    )


LOGS = """
Resources:
  Logs:
    Type: AWS::S3::Bucket
    {policy}
  Data:
    Type: AWS::S3::Bucket
    Properties:
      LoggingConfiguration: {{DestinationBucketName: !Ref Logs}}
{extra}
"""
AUTO_DELETE = """
  LogsAutoDelete:
    Type: Custom::S3AutoDeleteObjects
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:cleaner
      BucketName: !Ref Logs
"""


@pytest.mark.parametrize(
    ("policy", "extra", "expected"),
    [
        ("", "", [("PF7002", "info", "Logs")]),
        # the template asks for a delete that the first log file makes impossible: certain, so not an info
        ("DeletionPolicy: Delete", "", [("PF7002", "warning", "Logs")]),
        ("DeletionPolicy: RetainExceptOnCreate", "", []),
        ("DeletionPolicy: Retain", "", []),
        # emptied when the stack is deleted, but access logs keep arriving for hours after (aws/aws-cdk#21776)
        ("", AUTO_DELETE, [("PF7002", "warning", "Logs")]),
        ("DeletionPolicy: Retain", AUTO_DELETE, []),
    ],
    ids=[
        "default",
        "delete",
        "retain-except-on-create",
        "retain",
        "emptied-too-early",
        "emptied-but-retained",
    ],
)
def test_bucket_that_receives_access_logs_later(policy, extra, expected):
    assert found(LOGS.format(policy=policy, extra=extra)) == expected


def test_rollback_blockers_are_warnings_of_phase_rollback_never_errors():
    """A certain rollback blocker is a warning, not an error: the create it follows succeeds (PF7002.md)."""
    findings = [f for f in run(LOGS.format(policy="DeletionPolicy: Delete", extra="")) if f.code == "PF7002"]
    assert [(f.severity, f.phase) for f in findings] == [("warning", "rollback")]
    assert "certainly cannot do once the first logs arrive" in findings[0].message
    later = [f for f in run(LOGS.format(policy="", extra="")) if f.code == "PF7002"]
    assert [(f.severity, f.phase) for f in later] == [("info", None)]


def test_emptied_bucket_names_the_custom_resource_that_runs_too_early():
    findings = [f for f in run(LOGS.format(policy="", extra=AUTO_DELETE)) if f.code == "PF7002"]
    assert [(f.resource, f.related, f.phase) for f in findings] == [
        ("Logs", ("LogsAutoDelete", "Data"), "rollback")
    ]
    assert (
        "LogsAutoDelete empties it when it is deleted, but these logs are delivered hours after"
        in findings[0].message
    )
    assert findings[0].notes == (
        "AWS documentation: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html#LogDeliveryBestEffort",
    )


def test_emptied_bucket_of_a_writer_that_stops_with_the_stack_is_not_reported():
    text = """
Resources:
  Logs:
    Type: AWS::S3::Bucket
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: !Ref Logs
"""
    assert found(text) == [("PF7002", "info", "Logs")]
    assert found(text + AUTO_DELETE) == []


def test_load_balancer_logs_block_even_the_rollback_of_a_failed_create():
    text = """
Parameters:
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
Resources:
  Logs:
    Type: AWS::S3::Bucket
    DeletionPolicy: RetainExceptOnCreate
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: !Ref Subnets
      LoadBalancerAttributes:
        - {Key: access_logs.s3.enabled, Value: "true"}
        - {Key: access_logs.s3.bucket, Value: !Ref Logs}
  Disabled:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: !Ref Subnets
      LoadBalancerAttributes:
        - {Key: access_logs.s3.enabled, Value: "false"}
        - {Key: access_logs.s3.bucket, Value: !Ref Logs}
"""
    findings = [f for f in run(text) if f.code == "PF7002"]
    assert [(f.severity, f.resource, f.related) for f in findings] == [("warning", "Logs", ("Lb",))]


NAMED = """
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: {policy}
    Properties:
      BucketName: {name}
"""


@pytest.mark.parametrize(
    ("policy", "name", "expected"),
    [
        ("Retain", "fixed-name-1", [("PF7003", "warning", "Bucket")]),
        ("Retain", '!Sub "data-${AWS::StackName}-${AWS::Region}"', [("PF7003", "warning", "Bucket")]),
        ("Retain", "!Select [2, !Split ['/', !Ref AWS::StackId]]", []),
        ("RetainExceptOnCreate", "fixed-name-1", []),
        ("Delete", "fixed-name-1", []),
    ],
    ids=["literal", "stack-name", "stack-id", "retain-except-on-create", "delete"],
)
def test_retained_fixed_names(policy, name, expected):
    assert found(NAMED.format(policy=policy, name=name)) == expected


def test_retained_fixed_names_are_reported_once_per_template():
    text = "Resources:\n" + "".join(
        f"  Q{i}:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Retain\n    Properties: {{QueueName: q-{i}}}\n"
        for i in range(7)
    )
    findings = [f for f in run(text) if f.code == "PF7003"]
    assert len(findings) == 1
    assert findings[0].resource == "Q0" and findings[0].related == ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6")
    assert "Q4 (AWS::SQS::Queue named q-4) and 2 more." in findings[0].message
