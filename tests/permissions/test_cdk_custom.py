"""CDK's own custom resources checked like the calls they make (PF6521, PF6522), and the deploying principal's
use of keys that services use on its behalf (PF6520)."""

from __future__ import annotations

import pathlib

import pytest

from preflight.checks.permissions.cdk_custom import iam_action
from preflight.resolve.pins import Pins
from tests.conftest import ROOT, run

GOLDEN = pathlib.Path(ROOT, "tests", "golden")


@pytest.mark.parametrize(("service", "action", "expected"), [
    ("SSM", "getParameter", "ssm:GetParameter"),
    ("@aws-sdk/client-ssm", "GetParameterCommand", "ssm:GetParameter"),
    ("CloudWatchLogs", "putRetentionPolicy", "logs:PutRetentionPolicy"),
    ("@aws-sdk/client-cloudwatch-logs", "PutRetentionPolicyCommand", "logs:PutRetentionPolicy"),
    ("CognitoIdentityServiceProvider", "describeUserPoolClient", "cognito-idp:DescribeUserPoolClient"),
    ("@aws-sdk/client-sfn", "StartExecutionCommand", "states:StartExecution"),
    ("S3", "putBucketNotificationConfiguration", "s3:PutBucketNotification"),  # aws/aws-cdk#19355's kind
    ("S3", "putBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"),
    ("Lambda", "InvokeCommand", "lambda:InvokeFunction"),  # aws/aws-cdk#34183
    ("kinesisanalyticsv2", "describeApplication", "kinesisanalytics:DescribeApplication"),  # aws/aws-cdk#16053
    ("CloudWatch", "tagResource", "cloudwatch:TagResource"),  # aws/aws-cdk#32968
    ("SES", "verifyDomainIdentity", "ses:VerifyDomainIdentity"),  # aws/aws-cdk#4533
    ("NotAService", "doThing", None),
    ("SSM", "notAnAction", None),
], ids=["v2", "v3", "logs-v2", "logs-v3", "cognito", "sfn", "s3-notification", "s3-lifecycle", "lambda-invoke",
        "kinesisanalyticsv2", "cloudwatch", "ses", "unknown-service", "unknown-action"])
def test_sdk_call_maps_to_its_iam_action(service: str, action: str, expected: str | None) -> None:
    assert iam_action(service, action) == expected


SDK = (GOLDEN / "PF6521_cdk-sdk-call-denied" / "failing.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("edit", "codes"), [
    (("ssm:GetParameters", "ssm:GetParameters"), ["PF6521"]),
    (("ssm:GetParameters", "ssm:Get*"), []),
    (("ssm:GetParameters\n            Resource: \"*\"",
      "ssm:GetParameter\n            Resource: !Sub \"arn:${AWS::Partition}:ssm:us-east-1:${AWS::AccountId}:parameter/x\""),
     []),  # a resource-scoped statement that names the action: the call's resource is not known, so not decided
    (("Effect: Allow", "Effect: Deny"), ["PF6521"]),
    (("      ManagedPolicyArns:\n", "      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/PowerUserAccess\n"), []),
    ((r'"action":"getParameter"', r'"action":"getParameter","x":'), []),  # not JSON: not read
], ids=["missing-action", "wildcard-allows", "scoped-statement-unknown", "deny", "unknown-managed-policy",
        "malformed-call"])
def test_sdk_call_is_decided_only_when_certain(edit: tuple[str, str], codes: list[str]) -> None:
    template = SDK.replace(*edit)
    assert [f.code for f in run(template) if f.code.startswith("PF652")] == codes


DEPLOYMENT = (GOLDEN / "PF6522_cdk-bucket-deployment-denied" / "failing.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("edit", "codes"), [
    (("      Prune: true\n", "      Prune: true\n      ServerSideEncryption: aws:kms\n"), []),
    (("      Prune: true\n", "      Prune: true\n      ServerSideEncryption: AES256\n"), ["PF6522"]),
    (("Effect: Deny", "Effect: Allow"), []),
    (("      Prune: true\n", "      Prune: true\n      DestinationBucketKeyPrefix: !Ref AWS::StackName\n"), []),
], ids=["sends-the-header", "wrong-header-value", "no-deny", "prefix-unknown"])
def test_bucket_deployment_against_the_bucket_policy(edit: tuple[str, str], codes: list[str]) -> None:
    assert [f.code for f in run(DEPLOYMENT.replace(*edit)) if f.code == "PF6522"] == codes


KEY_ONLY_FOR_APP = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::123412341234:role/App}
            Action: "kms:*"
            Resource: "*"
"""


@pytest.mark.parametrize("resource", [
    ("  Secret:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      KmsKeyId: !Ref Key\n"
     "      GenerateSecretString: {}\n"),
    ("  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n      DBInstanceClass: db.t3.micro\n"
     "      AllocatedStorage: '20'\n      MasterUsername: app\n      ManageMasterUserPassword: true\n"
     "      StorageEncrypted: true\n      KmsKeyId: !GetAtt Key.Arn\n"),
], ids=["secret", "rds"])
def test_deployer_key_use_for_each_service(resource: str) -> None:
    template = KEY_ONLY_FOR_APP + resource
    unpinned = [(f.code, f.severity, f.phase) for f in run(template) if f.code == "PF6520"]
    assert unpinned == [("PF6520", "warning", "deploy")]
    pinned = run(template, pins=Pins(role_arn="arn:aws:iam::123412341234:role/Deployer"))
    assert [(f.code, f.severity) for f in pinned if f.code == "PF6520"] == [("PF6520", "error")]
    allowed = run(template, pins=Pins(role_arn="arn:aws:iam::123412341234:role/App"))
    assert [f.code for f in allowed if f.code == "PF6520"] == []
