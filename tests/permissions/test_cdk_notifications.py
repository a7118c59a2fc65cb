"""CDK's Custom::S3BucketNotifications is checked like the bucket's own NotificationConfiguration: S3 tests the
same destinations when the CDK handler puts the configuration (services/notifications.py)."""

from __future__ import annotations

import pytest

from preflight.api import fix_text
from tests.conftest import lines, run

MISSING = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt FnRole.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
  HandlerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt HandlerRole.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
  BucketNotifications:
    Type: Custom::S3BucketNotifications
    Properties:
      ServiceToken: !GetAtt Handler.Arn
      BucketName: !Ref Bucket
      NotificationConfiguration:
        LambdaFunctionConfigurations:
          - Events: ["s3:ObjectCreated:*"]
            LambdaFunctionArn: !GetAtt Fn.Arn
        QueueConfigurations:
          - Events: ["s3:ObjectCreated:*"]
            QueueArn: !GetAtt Queue.Arn
        TopicConfigurations:
          - Events: ["s3:ObjectRemoved:*"]
            TopicArn: !Ref Topic
      Managed: true
      SkipDestinationValidation: false
"""

RACE = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt FnRole.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
  HandlerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt HandlerRole.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
  FnPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: s3.amazonaws.com
      SourceAccount: !Ref AWS::AccountId
      SourceArn: !GetAtt Bucket.Arn
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
            Condition: {ArnLike: {"aws:SourceArn": !GetAtt Bucket.Arn}}
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: sns:Publish
            Resource: !Ref Topic
            Condition: {ArnLike: {"aws:SourceArn": !GetAtt Bucket.Arn}}
  BucketNotifications:
    Type: Custom::S3BucketNotifications
    Properties:
      ServiceToken: !GetAtt Handler.Arn
      BucketName: !Ref Bucket
      NotificationConfiguration:
        LambdaFunctionConfigurations:
          - Events: ["s3:ObjectCreated:*"]
            LambdaFunctionArn: !GetAtt Fn.Arn
        QueueConfigurations:
          - Events: ["s3:ObjectCreated:*"]
            QueueArn: !GetAtt Queue.Arn
        TopicConfigurations:
          - Events: ["s3:ObjectRemoved:*"]
            TopicArn: !Ref Topic
      Managed: true
      SkipDestinationValidation: false
"""

ORDERED = RACE.replace("    Type: Custom::S3BucketNotifications\n",
                       "    Type: Custom::S3BucketNotifications\n    DependsOn: [FnPermission, QueuePolicy, TopicPolicy]\n")
S3_ERROR = ("Unable to validate the following destination configurations (Service: Amazon S3; Status Code: 400; "
            "Error Code: InvalidArgument)")


def test_missing_permission_and_policies_are_errors_on_the_custom_resource() -> None:
    findings = run(MISSING)
    assert [(f.code, f.severity, f.resource, f.span.line) for f in findings] == [
        ("PF6402", "error", "BucketNotifications", 41),
        ("PF6206", "error", "BucketNotifications", 44),
        ("PF6206", "error", "BucketNotifications", 47),
    ]
    assert lines(findings, "PF6206") == [
        (f"44:11 PF6206 {S3_ERROR}: s3.amazonaws.com -> SQS:SendMessage on "
         "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Queue} is not allowed: there is no queue policy (none in "
         "the template names Queue)"),
        (f"47:11 PF6206 {S3_ERROR}: s3.amazonaws.com -> SNS:Publish on "
         "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:${Topic} is not allowed: there is no topic policy (none in "
         "the template names Topic)"),
    ]
    assert "Bucket" in findings[1].related and "Queue" in findings[1].related


def test_the_lambda_fix_adds_the_permission_for_the_bucket_and_orders_the_custom_resource() -> None:
    result = fix_text(MISSING.replace(MISSING[MISSING.index("        QueueConfigurations"):
                                              MISSING.index("      Managed")], ""), "t.yaml")
    assert "SourceArn: !GetAtt Bucket.Arn" in result.text
    assert "DependsOn: FnBucketNotificationsInvokePermission" in result.text
    assert run(result.text) == []


def test_unordered_permission_and_policies_are_races() -> None:
    findings = run(RACE)
    assert [(f.code, f.severity, f.resource, f.span.line) for f in findings] == [("PF2002", "warning",
                                                                                  "BucketNotifications", 66)] * 3
    assert "Add DependsOn: FnPermission to BucketNotifications." in findings[0].message


def test_ordered_permission_and_policies_are_clean() -> None:
    assert run(ORDERED) == []


@pytest.mark.parametrize("skip", ["true", "'true'"], ids=["bool", "string"])
def test_skipped_destination_validation_deploys_and_fails_at_runtime(skip: str) -> None:
    findings = run(MISSING.replace("SkipDestinationValidation: false", f"SkipDestinationValidation: {skip}"))
    assert {(f.code, f.severity, f.phase) for f in findings} == {("PF6402", "warning", "runtime"),
                                                                 ("PF6206", "warning", "runtime")}
