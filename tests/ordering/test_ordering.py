"""Ordering checks (PF2001-PF2010): how resources are related, what counts as ordered, and the severities."""

from __future__ import annotations

import pytest

from preflight.checks.ordering import segments, walk
from tests.conftest import run


def found(text: str, prefix: str = "PF20") -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    return [(f.code, f.severity, f.resource, f.related) for f in run(text) if f.code.startswith(prefix)]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("S3BucketName", ("S3BucketName",)),
        (
            "NotificationConfiguration.LambdaConfigurations.*.Function",
            ("NotificationConfiguration", "LambdaConfigurations", "*", "Function"),
        ),
        (
            "LoadBalancerAttributes.[access_logs.s3.bucket]",
            ("LoadBalancerAttributes", "[access_logs.s3.bucket]"),
        ),
    ],
    ids=["plain", "list-items", "key-value-with-dots"],
)
def test_segments(path, expected):
    assert segments(path) == expected


def test_walk_follows_both_branches_of_if_without_naming_it():
    node = {"A": {"Fn::If": ["C", [{"B": 1}], [{"B": 2}, {"B": 3}]]}}
    assert list(walk(node, segments("A.*.B"))) == [(("A", 0, "B"), 1), (("A", 0, "B"), 2), (("A", 1, "B"), 3)]


BUCKET_POLICY = """
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Logs
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: cloudtrail.amazonaws.com}
            Action: s3:PutObject
            Resource: !Sub "arn:aws:s3:::audit-logs-1/*"
"""


def test_literal_bucket_name_relates_the_trail_to_the_policy():
    text = f"""
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties: {{BucketName: audit-logs-1}}
{BUCKET_POLICY}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties: {{IsLogging: true, S3BucketName: audit-logs-1}}
"""
    assert found(text) == [("PF2001", "warning", "Trail", ("Policy",))]


def test_an_order_through_other_resources_counts():
    text = f"""
Resources:
  Logs:
    Type: AWS::S3::Bucket
{BUCKET_POLICY}
  Marker:
    Type: AWS::SNS::Topic
    DependsOn: Policy
  Trail:
    Type: AWS::CloudTrail::Trail
    DependsOn: Marker
    Properties: {{IsLogging: true, S3BucketName: !Ref Logs}}
"""
    assert found(text) == []


def test_a_policy_that_refers_to_the_trail_fails_every_time_unless_conditional():
    template = """
Parameters:
  Enable: {{Type: String, AllowedValues: ["yes", "no"]}}
Conditions:
  Enabled: !Equals [!Ref Enable, "yes"]
Resources:
  Logs:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    {condition}
    Properties:
      Bucket: !Ref Logs
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: cloudtrail.amazonaws.com}}
            Action: s3:PutObject
            Resource: !Sub "${{Logs.Arn}}/*"
            Condition:
              StringEquals: {{aws:SourceArn: !Sub "arn:aws:cloudtrail:${{AWS::Region}}:${{AWS::AccountId}}:trail/${{Trail}}"}}
  Trail:
    Type: AWS::CloudTrail::Trail
    {condition}
    Properties: {{IsLogging: true, S3BucketName: !Ref Logs}}
"""
    always = run(template.format(condition=""))
    assert [(f.code, f.severity) for f in always if f.code == "PF2001"] == [("PF2001", "error")]
    assert (
        "its PolicyDocument.Statement.0.Condition.StringEquals.aws:SourceArn refers to Trail (Sub)"
        in next(f for f in always if f.code == "PF2001").message
    )
    sometimes = [f for f in run(template.format(condition="Condition: Enabled")) if f.code == "PF2001"]
    assert [(f.code, f.severity) for f in sometimes] == [("PF2001", "warning")]
    assert sometimes[0].notes[-1] == "only when: Enabled=true"


NOTIFY = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{Version: "2012-10-17", Statement: []}}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {{ZipFile: "x"}}
  Other:
    Type: AWS::S3::Bucket
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Fn.Arn
      Principal: {principal}
      SourceArn: {source}
  Inbox:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations: [{{Event: "s3:ObjectCreated:*", Function: !GetAtt Fn.Arn}}]
"""


@pytest.mark.parametrize(
    ("principal", "source", "expected"),
    [
        ("s3.amazonaws.com", '"arn:aws:s3:::inbox-1"', [("PF2002", "warning", "Inbox", ("Permission",))]),
        ("s3.amazonaws.com", "!GetAtt Other.Arn", []),
        ("apigateway.amazonaws.com", '"arn:aws:s3:::inbox-1"', []),
        ("s3.amazonaws.com", "!GetAtt Inbox.Arn", [("PF2002", "error", "Inbox", ("Permission",))]),
    ],
    ids=[
        "race",
        "permission-for-another-bucket",
        "permission-for-another-service",
        "permission-after-bucket",
    ],
)
def test_notification_permissions(principal, source, expected):
    assert found(NOTIFY.format(principal=principal, source=source)) == expected


def test_a_bucket_on_a_dependency_cycle_is_left_to_pf1001():
    text = NOTIFY.format(principal="s3.amazonaws.com", source="!GetAtt Inbox.Arn").replace(
        'AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}',
        'AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}\n      Description: !Ref Inbox',
    )
    codes = {f.code for f in run(text)}
    assert "PF1001" in codes and "PF2002" not in codes


STAGE = """
Parameters:
  Level: {{Type: String, Default: {level}}}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: x}}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {{RestApiId: !Ref Api}}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      MethodSettings: [{{ResourcePath: "/*", HttpMethod: "*", LoggingLevel: !Ref Level}}]
"""


@pytest.mark.parametrize(
    ("level", "expected"),
    [("INFO", [("PF2007", "warning", "Stage", ())]), ("OFF", [])],
    ids=["logging-from-parameter-default", "logging-off"],
)
def test_stage_logging_without_account(level, expected):
    assert found(STAGE.format(level=level)) == expected


ROUTE = """
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {{CidrBlock: 10.0.0.0/16}}
  Vgw:
    Type: AWS::EC2::VPNGateway
    Properties: {{Type: ipsec.1}}
  Attach:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {{VpcId: !Ref Vpc, VpnGatewayId: !Ref Vgw}}
  Table:
    Type: AWS::EC2::RouteTable
    Properties: {{VpcId: !Ref Vpc}}
  ToOffice:
    Type: AWS::EC2::Route
    Properties: {{RouteTableId: !Ref Table, DestinationCidrBlock: 192.168.0.0/16, {target}}}
"""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("GatewayId: !Ref Vgw", [("PF2005", "warning", "ToOffice", ("Attach",))]),
        ("TransitGatewayId: tgw-0123456789abcdef0", []),
    ],
    ids=["route-to-vpn-gateway", "route-to-something-else"],
)
def test_routes_wait_for_their_gateway_attachment(target, expected):
    assert found(ROUTE.format(target=target)) == expected


CONSUMER = """
Resources:
  Source:
    Type: {source}
    Properties: {{}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{Version: "2012-10-17", Statement: []}}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {{ZipFile: "x"}}
  Access:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: access
      Roles: [!Ref Role]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Action: "{action}", Resource: "*"}}
          - {{Effect: Deny, Action: "*", Resource: "*", Condition: {{Bool: {{aws:SecureTransport: false}}}}}}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Source.Arn
"""


@pytest.mark.parametrize(
    ("source", "action", "expected"),
    [
        ("AWS::SQS::Queue", "SQS:Receive*", [("PF2008", "warning", "Mapping", ("Access", "Role"))]),
        ("AWS::SQS::Queue", "s3:GetObject", []),
        ("AWS::Kinesis::Stream", "sqs:*", []),
        ("AWS::Kinesis::Stream", "kinesis:*", [("PF2008", "warning", "Mapping", ("Access", "Role"))]),
    ],
    ids=["grants-the-source-action", "grants-unrelated-action", "grants-another-source", "grants-kinesis"],
)
def test_event_source_mapping_waits_for_the_policy_that_grants_its_source(source, action, expected):
    assert found(CONSUMER.format(source=source, action=action)) == expected


def test_a_role_policy_that_refers_to_its_consumer_is_an_error():
    text = """
Parameters:
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
  Groups: {Type: "List<AWS::EC2::SecurityGroup::Id>"}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
  Network:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: eni
      Roles: [!Ref Role]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: ["ec2:CreateNetworkInterface"], Resource: "*"}
          - {Effect: Allow, Action: ["lambda:InvokeFunction"], Resource: !GetAtt Fn.Arn}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "x"}
      VpcConfig: {SubnetIds: !Ref Subnets, SecurityGroupIds: !Ref Groups}
"""
    findings = [f for f in run(text) if f.code == "PF2008"]
    assert [(f.severity, f.resource) for f in findings] == [("error", "Fn")]
    assert "Network is created after Fn because its PolicyDocument.Statement.1.Resource refers to Fn" in (
        findings[0].message
    )
