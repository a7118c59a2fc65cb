"""PF6303-PF6305: the identity permissions of roles services call with while the stack deploys (Lambda event
source mappings, CloudTrail's and API Gateway's CloudWatch Logs roles): certain denials, warnings naming the policy
preflight cannot read, and nothing when a value known only at deploy time decides."""

from __future__ import annotations

import textwrap

import pytest

from preflight.resolve.pins import Pins
from tests.conftest import run

LAMBDA_TRUST = """
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]"""


def _findings(body: str, code: str, **kwargs: object) -> list[tuple[str, int, int, str, str]]:
    text = "Resources:\n" + body.strip("\n") + "\n"
    return [
        (f.severity, f.span.line, f.span.column, f.resource or "", f.message)
        for f in run(text, **kwargs)
        if f.code == code
    ]


def _mapping(role_props: str, source: str = "!GetAtt Queue.Arn", extra: str = "") -> str:
    return f"""
  Queue:
    Type: AWS::SQS::Queue
    Properties: {{QueueName: jobs}}
  Role:
    Type: AWS::IAM::Role
    Properties:{LAMBDA_TRUST}
{textwrap.indent(textwrap.dedent(role_props).strip(chr(10)), "      ") if role_props.strip() else ""}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {{ZipFile: x}}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: {source}
{extra}"""


SQS_POLICY = """
Policies:
  - PolicyName: Poll
    PolicyDocument:
      Statement:
        - Effect: Allow
          Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]
          Resource: {resource}
"""


# --- PF6303 ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
        "!Sub 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole'",
        "!Join ['', ['arn:', !Ref AWS::Partition, ':iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole']]",
    ],
    ids=["literal", "sub-partition", "join-partition"],
)
def test_sqs_managed_policy_grants_the_calls(arn):
    assert _findings(_mapping(f"ManagedPolicyArns: [{arn}]"), "PF6303") == []


@pytest.mark.parametrize(
    "resource",
    ["!GetAtt Queue.Arn", "'*'", "!Sub 'arn:${AWS::Partition}:sqs:*:*:jobs'"],
    ids=["getatt", "star", "wildcard-region"],
)
def test_sqs_policy_naming_the_queue_passes(resource):
    assert _findings(_mapping(SQS_POLICY.format(resource=resource)), "PF6303") == []


def test_role_without_queue_permissions_is_an_error_on_function_name():
    body = _mapping("ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]")
    [(severity, line, column, resource, message)] = _findings(body, "PF6303")
    assert (severity, line, column, resource) == ("error", 21, 21, "Mapping")
    assert message.startswith(
        "The provided execution role does not have permissions to call ReceiveMessage on SQS"
    )
    assert "policies: AWSLambdaBasicExecutionRole" in message
    assert "(nor sqs:DeleteMessage, sqs:GetQueueAttributes)" in message
    assert message.endswith(
        'Add to Role: {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", '
        '"sqs:GetQueueAttributes"], "Resource": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs"}'
    )


def test_missing_one_call_names_only_that_call():
    body = _mapping(SQS_POLICY.replace("sqs:DeleteMessage, ", "").format(resource="!GetAtt Queue.Arn"))
    [(severity, *_, message)] = _findings(body, "PF6303")
    assert severity == "error"
    assert "permissions to call DeleteMessage on SQS" in message
    assert '"Action": "sqs:DeleteMessage"' in message


def test_queue_policy_naming_the_role_grants_the_calls():
    extra = """
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: !GetAtt Role.Arn}
            Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]
            Resource: !GetAtt Queue.Arn
"""
    assert _findings(_mapping("", extra=extra), "PF6303") == []


def test_explicit_deny_names_the_statement():
    role = """
Policies:
  - PolicyName: Poll
    PolicyDocument:
      Statement:
        - {Effect: Allow, Action: 'sqs:*', Resource: '*'}
        - {Sid: NoDeletes, Effect: Deny, Action: sqs:DeleteMessage, Resource: '*'}
"""
    [(severity, *_, message)] = _findings(_mapping(role), "PF6303")
    assert severity == "error"
    assert "call DeleteMessage on SQS" in message
    assert 'statement 2 "NoDeletes" (line 15) denies it. A Deny wins over every Allow' in message
    assert "Add to Role" not in message


def test_queue_outside_the_template_is_a_warning_naming_its_policy():
    body = _mapping(
        "", source="!Sub 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:shared-jobs'"
    )
    [(severity, *_, message)] = _findings(body, "PF6303")
    assert severity == "warning"
    assert (
        "unless the resource policy of arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:shared-jobs (outside the "
        "template) allows sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes"
    ) in message


def test_unknown_managed_policy_is_a_warning_naming_it():
    body = _mapping("ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonSQSFullAccess]")
    [(severity, *_, message)] = _findings(body, "PF6303")
    assert severity == "warning"
    assert (
        "unless a policy of Role that preflight cannot read (arn:aws:iam::aws:policy/AmazonSQSFullAccess)"
        in message
    )


def test_conditional_mapping_is_a_warning_naming_the_condition():
    body = _mapping("", extra="").replace(
        "  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n",
        "  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Condition: Polling\n",
    )
    text = (
        "Parameters:\n  Poll: {Type: String, AllowedValues: ['yes', 'no']}\n"
        "Conditions:\n  Polling: !Equals [!Ref Poll, 'yes']\n"
    )
    findings = [f for f in run(text + "Resources:\n" + body.strip("\n") + "\n") if f.code == "PF6303"]
    [finding] = findings
    assert finding.severity == "warning"
    assert "(when " in finding.message and "Polling" in finding.message


def test_region_written_in_the_policy_is_decided_by_a_pin():
    body = _mapping(SQS_POLICY.format(resource="arn:aws:sqs:us-east-1:*:jobs"))
    assert _findings(body, "PF6303") == []
    assert _findings(body, "PF6303", pins=Pins(region="us-east-1")) == []
    [(severity, *_)] = _findings(body, "PF6303", pins=Pins(region="eu-west-1"))
    assert severity == "error"


def test_source_arn_from_a_parameter_is_not_guessed():
    text = "Parameters:\n  QueueArn: {Type: String}\n"
    body = _mapping("", source="!Ref QueueArn")
    findings = [f for f in run(text + "Resources:\n" + body.strip("\n") + "\n") if f.code == "PF6303"]
    assert findings == []


def test_role_outside_the_template_is_not_checked():
    body = _mapping("").replace("Role: !GetAtt Role.Arn", "Role: arn:aws:iam::123456789012:role/worker")
    assert _findings(body, "PF6303") == []


def test_function_reached_through_an_alias():
    body = (
        _mapping("").replace("FunctionName: !Ref Fn", "FunctionName: !Ref Live")
        + """
  Version:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Fn}
  Live:
    Type: AWS::Lambda::Alias
    Properties: {FunctionName: !Ref Fn, FunctionVersion: !GetAtt Version.Version, Name: live}
"""
    )
    [(severity, _, _, resource, _)] = _findings(body, "PF6303")
    assert (severity, resource) == ("error", "Mapping")


STREAMS = """
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
"""


@pytest.mark.parametrize(
    "resource",
    ["!GetAtt Table.StreamArn", "!Sub '${Table.Arn}/stream/*'", "'*'"],
    ids=["stream-arn", "table-streams", "star"],
)
def test_dynamodb_stream_permissions_pass(resource):
    role = f"""
Policies:
  - PolicyName: Stream
    PolicyDocument:
      Statement:
        - Effect: Allow
          Action: [dynamodb:DescribeStream, dynamodb:GetShardIterator, dynamodb:GetRecords, dynamodb:ListStreams]
          Resource: {resource}
"""
    body = _mapping(role, source="!GetAtt Table.StreamArn") + STREAMS
    assert _findings(body, "PF6303") == []


def test_dynamodb_table_arn_does_not_reach_its_stream():
    role = """
Policies:
  - PolicyName: Table
    PolicyDocument:
      Statement:
        - {Effect: Allow, Action: 'dynamodb:*', Resource: !GetAtt Table.Arn}
"""
    body = _mapping(role, source="!GetAtt Table.StreamArn") + STREAMS
    [(severity, *_, message)] = _findings(body, "PF6303")
    assert severity == "warning"
    assert message.startswith(
        "Lambda cannot read records from ${Table.StreamArn} (the mapping may also fail to "
        'create: "Cannot access stream ${Table.StreamArn}.'
    )
    assert '"Resource": "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders/stream/*"' in message


def test_kinesis_stream_without_permissions_is_a_warning():
    extra = "\n  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n"
    body = _mapping(
        "ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        source="!GetAtt Stream.Arn",
        extra=extra,
    )
    [(severity, *_, message)] = _findings(body, "PF6303")
    assert severity == "warning"
    assert (
        "Lambda calls kinesis:DescribeStream on arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${Stream}"
        in message
    )
    assert "(nor kinesis:GetShardIterator, kinesis:GetRecords)" in message


def test_kinesis_managed_policy_grants_the_reads():
    extra = "\n  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n"
    body = _mapping(
        "ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole]",
        source="!GetAtt Stream.Arn",
        extra=extra,
    )
    assert _findings(body, "PF6303") == []


def test_kinesis_consumer_is_not_checked():
    body = _mapping("", source="arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1")
    assert _findings(body, "PF6303") == []


# --- PF6304 ----------------------------------------------------------------------------------------------------------
def _trail(statement: str, managed: str = "") -> str:
    return f"""
  TrailLogs:
    Type: AWS::Logs::LogGroup
    Properties: {{LogGroupName: trail-audit}}
  TrailRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Principal: {{Service: cloudtrail.amazonaws.com}}, Action: sts:AssumeRole}}]
      {managed}
      Policies:
        - PolicyName: Logs
          PolicyDocument:
            Statement:
{textwrap.indent(textwrap.dedent(statement).strip(chr(10)), " " * 14)}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: central-audit
      CloudWatchLogsLogGroupArn: !GetAtt TrailLogs.Arn
      CloudWatchLogsRoleArn: !GetAtt TrailRole.Arn
"""


@pytest.mark.parametrize(
    "resource",
    [
        "!GetAtt TrailLogs.Arn",
        (
            "!Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:trail-audit:log-stream:"
            "${AWS::AccountId}_CloudTrail_${AWS::Region}*'"
        ),
        "!Sub '${TrailLogs.Arn}:log-stream:*'",
        "'*'",
    ],
    ids=["group-arn-star", "documented", "getatt-log-stream", "star"],
)
def test_trail_role_reaching_the_log_streams_passes(resource):
    statement = (
        f"- {{Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents], Resource: {resource}}}"
    )
    assert _findings(_trail(statement), "PF6304") == []


def test_trail_role_naming_only_the_log_group_is_an_error_on_the_role_property():
    statement = (
        "- {Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents], "
        "Resource: !Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:trail-audit'}"
    )
    [(severity, line, column, resource, message)] = _findings(_trail(statement), "PF6304")
    assert (severity, line, column, resource) == ("error", 22, 30, "Trail")
    assert message.startswith(
        "Access denied. Verify in IAM that the role has adequate permissions. "
        "(InvalidCloudWatchLogsLogGroupArnException): CloudTrail calls logs:CreateLogStream on "
        "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:trail-audit:log-stream:* with "
        "TrailRole (the CloudWatchLogsRoleArn of Trail; policies: Logs)"
    )


def test_trail_role_missing_one_call_is_a_runtime_warning():
    statement = "- {Effect: Allow, Action: [logs:CreateLogStream, logs:DescribeLogStreams], Resource: '*'}"
    [(severity, *_, message)] = _findings(_trail(statement), "PF6304")
    assert severity == "warning"
    # the trail is created, then deliveries fail: the phase says so, unlike the rule's create-time errors
    assert [
        f.phase for f in run("Resources:\n" + _trail(statement).strip("\n") + "\n") if f.code == "PF6304"
    ] == ["runtime"]
    assert message.startswith(
        "after deployment, CloudTrail cannot deliver events to "
        "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:trail-audit: CloudTrail calls "
        "logs:PutLogEvents"
    )


def test_trail_role_with_an_unknown_managed_policy_is_a_warning_naming_it():
    statement = "- {Effect: Allow, Action: s3:GetObject, Resource: '*'}"
    body = _trail(
        statement, managed="ManagedPolicyArns: [arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy]"
    )
    [(severity, *_, message)] = _findings(body, "PF6304")
    assert severity == "warning"
    assert (
        "unless a policy of TrailRole that preflight cannot read (arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy)"
        in message
    )


def test_trail_role_with_cloudwatch_logs_full_access_passes():
    statement = "- {Effect: Allow, Action: s3:GetObject, Resource: '*'}"
    body = _trail(statement, managed="ManagedPolicyArns: [arn:aws:iam::aws:policy/CloudWatchLogsFullAccess]")
    assert _findings(body, "PF6304") == []


# --- PF6305 ----------------------------------------------------------------------------------------------------------
def _account(role_props: str) -> str:
    return f"""
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Principal: {{Service: apigateway.amazonaws.com}}, Action: sts:AssumeRole}}]
{textwrap.indent(textwrap.dedent(role_props).strip(chr(10)), "      ") if role_props.strip() else ""}
  Account:
    Type: AWS::ApiGateway::Account
    Properties:
      CloudWatchRoleArn: !GetAtt ApiRole.Arn
"""


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        "!Sub 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'",
        "!Join ['', ['arn:', !Ref AWS::Partition, ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs']]",
        "arn:aws-cn:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    ],
    ids=["literal", "sub-partition", "join-partition", "china"],
)
def test_account_role_with_the_managed_policy_passes(arn):
    assert _findings(_account(f"ManagedPolicyArns: [{arn}]"), "PF6305") == []


def test_account_role_without_logging_permissions_is_an_error_on_the_role_property():
    [(severity, line, column, resource, message)] = _findings(_account(""), "PF6305")
    assert (severity, line, column, resource) == ("error", 11, 26, "Account")
    assert message.startswith(
        "The role ARN does not have required permissions configured. Please grant trust "
        "permission for API Gateway and add the required role policy."
    )
    assert "with ApiRole (the CloudWatchRoleArn of Account; policies: none)" in message
    assert message.endswith(
        ", or attach arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    )


def test_account_role_with_some_logging_permissions_is_not_reported():
    role = """
Policies:
  - PolicyName: Write
    PolicyDocument:
      Statement:
        - {Effect: Allow, Action: [logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents], Resource: '*'}
"""
    assert _findings(_account(role), "PF6305") == []


def test_account_role_scoped_to_some_log_groups_is_not_reported():
    role = """
Policies:
  - PolicyName: Write
    PolicyDocument:
      Statement:
        - {Effect: Allow, Action: 'logs:*', Resource: 'arn:aws:logs:*:*:log-group:API-Gateway-Execution-Logs*'}
"""
    assert _findings(_account(role), "PF6305") == []


def test_account_role_with_an_unknown_managed_policy_is_a_warning_naming_it():
    [(severity, *_, message)] = _findings(
        _account("ManagedPolicyArns: [arn:aws:iam::aws:policy/PowerUserAccess]"), "PF6305"
    )
    assert severity == "warning"
    assert (
        "unless a policy of ApiRole that preflight cannot read (arn:aws:iam::aws:policy/PowerUserAccess)"
        in message
    )
