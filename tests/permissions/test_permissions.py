"""Behaviour of the permission checks beyond the goldens: facts observed in deployed templates (no finding),
severities (error only when certain), pins turning dependencies into answers, and what is left unknown."""

from __future__ import annotations

import textwrap

import pytest

from preflight.resolve.pins import Pins
from tests.conftest import run

ROOT_KEY = """
  {name}:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'
            Action: 'kms:*'
            Resource: '*'
"""


def _template(body: str) -> str:
    return "Resources:\n" + textwrap.dedent(body).strip("\n").replace("\n", "\n") + "\n"


def _codes(text: str, prefix: str = "PF6", **kwargs: object) -> list[tuple[str, str, str | None]]:
    return sorted((f.code, f.severity, f.resource) for f in run(text, **kwargs) if f.code.startswith(prefix))


# --- services that use the caller's identity need no service principal in the key policy (corpus) -----------------
CALLER_IDENTITY = {
    "secrets-manager": """
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      KmsKeyId: !Ref Key
      GenerateSecretString: {PasswordLength: 20}
""",
    "dynamodb": """
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref Key}
""",
    "sns-topic": """
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref Key
""",
    "rds": """
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: mysql
      DBInstanceClass: db.t3.micro
      AllocatedStorage: '20'
      MasterUsername: admin
      ManageMasterUserPassword: true
      StorageEncrypted: true
      KmsKeyId: !Ref Key
""",
}


@pytest.mark.parametrize("body", CALLER_IDENTITY.values(), ids=CALLER_IDENTITY.keys())
def test_caller_identity_services_need_no_service_principal(body):
    text = "Resources:" + ROOT_KEY.format(name="Key") + body
    assert _codes(text, "PF61") == []


# --- facts from deployed templates ----------------------------------------------------------------------------------
def test_global_logs_principal_without_condition_is_enough():
    text = "Resources:" + ROOT_KEY.format(name="Key").rstrip() + """
          - Effect: Allow
            Principal: {Service: logs.amazonaws.com}
            Action: [kms:Encrypt, kms:Decrypt, kms:GenerateDataKey]
            Resource: '*'
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      KmsKeyId: !GetAtt Key.Arn
"""
    assert _codes(text, "PF61") == []


def test_logs_statement_without_encrypt_fails_and_names_the_statement():
    text = "Resources:" + ROOT_KEY.format(name="Key").rstrip() + """
          - Sid: Services
            Effect: Allow
            Principal: {Service: logs.amazonaws.com}
            Action: [kms:Decrypt, kms:GenerateDataKey, kms:CreateGrant]
            Resource: '*'
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /app
      KmsKeyId: !GetAtt Key.Arn
"""
    [finding] = [f for f in run(text) if f.code == "PF6101"]
    assert finding.severity == "error" and finding.resource == "Logs" and finding.related == ("Key",)
    assert "kms:Encrypt" in finding.message and 'statement 2 "Services"' in finding.message
    assert finding.fix is not None and finding.fix.safety == "safe" and "kms:Encrypt*" in finding.fix.title


def test_missing_logs_statement_only_under_a_condition_is_a_warning():
    text = """
Parameters:
  Encrypt: {Type: String, AllowedValues: ['yes', 'no'], Default: 'no'}
Conditions:
  UseKey: !Equals [!Ref Encrypt, 'yes']
Resources:""" + ROOT_KEY.format(name="Key") + """
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      KmsKeyId: !If [UseKey, !GetAtt Key.Arn, !Ref AWS::NoValue]
"""
    [finding] = [f for f in run(text) if f.code == "PF6101"]
    assert finding.severity == "warning" and "(when Encrypt=yes, i.e. UseKey=true)" in finding.message and finding.when == ("Encrypt=yes, i.e. UseKey=true",)


def test_region_bound_logs_principal_depends_on_the_region_and_a_pin_decides():
    text = "Resources:" + ROOT_KEY.format(name="Key").rstrip() + """
          - Effect: Allow
            Principal: {Service: logs.eu-west-1.amazonaws.com}
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']
            Resource: '*'
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      KmsKeyId: !GetAtt Key.Arn
"""
    [finding] = [f for f in run(text) if f.code == "PF6101"]
    assert finding.severity == "warning" and "AWS::Region = eu-west-1" in finding.message
    assert _codes(text, "PF6101", pins=Pins(region="eu-west-1")) == []
    assert _codes(text, "PF6101", pins=Pins(region="us-east-1")) == [("PF6101", "error", "Logs")]


def test_key_outside_the_template_is_not_checked():
    text = """
Parameters:
  KeyArn: {Type: String}
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      KmsKeyId: !Ref KeyArn
"""
    assert _codes(text) == []


TRAIL = """
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: trail-logs
      {ownership}
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: cloudtrail.amazonaws.com}}
            Action: s3:GetBucketAcl
            Resource: arn:aws:s3:::trail-logs
          - Effect: Allow
            Principal: {{Service: cloudtrail.amazonaws.com}}
            Action: s3:PutObject
            Resource: arn:aws:s3:::trail-logs/AWSLogs/*
            Condition: {{StringEquals: {{s3:x-amz-acl: bucket-owner-full-control}}}}
  Trail:
    Type: AWS::CloudTrail::Trail
    DependsOn: Policy
    Properties:
      IsLogging: true
      S3BucketName: !Ref Bucket
"""


@pytest.mark.parametrize(
    "ownership",
    ["", "OwnershipControls: {Rules: [{ObjectOwnership: BucketOwnerEnforced}]}"],
    ids=["default-ownership", "acls-disabled-accepts-bucket-owner-full-control"],
)
def test_cloudtrail_needs_only_get_bucket_acl_and_put_object(ownership):
    assert _codes("Resources:" + TRAIL.format(ownership=ownership), "PF62") == []


def test_deny_on_the_encryption_header_makes_the_trail_bucket_a_warning():
    text = "Resources:" + TRAIL.format(ownership="").replace("""          - Effect: Allow
            Principal: {Service: cloudtrail.amazonaws.com}
            Action: s3:GetBucketAcl""", """          - Effect: Deny
            Principal: '*'
            Action: s3:PutObject
            Resource: arn:aws:s3:::trail-logs/*
            Condition: {StringNotEquals: {s3:x-amz-server-side-encryption: aws:kms}}
          - Effect: Allow
            Principal: {Service: cloudtrail.amazonaws.com}
            Action: s3:GetBucketAcl""")
    [finding] = [f for f in run(text) if f.code == "PF6201"]
    assert finding.severity == "warning"
    assert "whether CloudTrail sends the x-amz-server-side-encryption header" in finding.message


def test_s3_is_not_the_principal_for_a_service_writing_to_an_sse_kms_bucket():
    granted_to_s3 = "Resources:" + ROOT_KEY.format(name="Key").rstrip() + """
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: ['kms:GenerateDataKey*', 'kms:Encrypt']
            Resource: '*'
""" + TRAIL.format(ownership="""BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms', KMSMasterKeyID: !GetAtt Key.Arn}""")
    assert _codes(granted_to_s3, "PF6105") == [("PF6105", "warning", "Trail")]
    granted_to_writer = granted_to_s3.replace("Service: s3.amazonaws.com", "Service: cloudtrail.amazonaws.com")
    assert _codes(granted_to_writer, "PF6105") == []


def test_elb_account_of_one_region_is_a_warning_unless_the_region_is_pinned():
    text = """
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: alb-logs}
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::127311923021:root}
            Action: s3:PutObject
            Resource: arn:aws:s3:::alb-logs/AWSLogs/*
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [subnet-1, subnet-2]
      LoadBalancerAttributes:
        - {Key: access_logs.s3.enabled, Value: 'true'}
        - {Key: access_logs.s3.bucket, Value: !Ref Bucket}
"""
    [finding] = [f for f in run(text) if f.code == "PF6202"]
    assert finding.severity == "warning" and "us-east-1" in finding.message
    assert _codes(text, "PF6202", pins=Pins(region="us-east-1")) == []
    assert _codes(text, "PF6202", pins=Pins(region="eu-west-1")) == [("PF6202", "error", "Lb")]


def test_trust_conditions_are_the_services_business():
    text = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
            Condition: {StringEquals: {sts:ExternalId: abc}}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: 'def handler(e, c): return e'}
"""
    assert _codes(text, "PF6301") == []


def test_runtime_trust_failure_is_a_warning():
    text = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      TaskRoleArn: !GetAtt Role.Arn
      ContainerDefinitions: [{Name: app, Image: nginx}]
"""
    assert _codes(text, "PF6301") == [("PF6301", "warning", "Task")]


def test_sam_api_ref_is_an_id_not_an_arn():
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod}
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: index.handler, InlineCode: 'x'}
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub '${Api}/*/GET/x'
"""
    [finding] = [f for f in run(text) if f.code == "PF6401"]
    assert "Ref Api returns the REST API ID" in finding.message


def test_source_arn_from_a_parameter_is_not_guessed():
    text = """
Parameters:
  Source: {Type: String}
Resources:
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: fn
      Action: lambda:InvokeFunction
      Principal: s3.amazonaws.com
      SourceArn: !Ref Source
"""
    assert _codes(text, "PF64") == []


@pytest.mark.parametrize(
    "arn,code",
    [
        ("arn:aws:iam::aws:policy/service-role/ConfigRole", "PF6501"),
        ("arn:aws:iam::aws:policy/service-role/AWS_ConfigRole", None),
        ("arn:aws:iam::123456789012:policy/mine", None),
        ("arn:aws:iam::aws:policy/aws-service-role/AWSConfigServiceRolePolicy", "PF6502"),
    ],
    ids=["config-role-typo", "real-config-role", "customer-managed", "service-linked-policy"],
)
def test_managed_policy_arns(arn, code):
    text = f"""
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Principal: {{Service: config.amazonaws.com}}, Action: sts:AssumeRole}}]
      ManagedPolicyArns: ['{arn}']
"""
    found = [c for c, _, _ in _codes(text, "PF650")]
    assert found == ([code] if code else [])


MALFORMED = {
    "key-policy-as-json-text": """
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: '{"Statement": []}'
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {KmsKeyId: !GetAtt Key.Arn}
""",
    "attributes-not-a-list": """
  Bucket: {Type: AWS::S3::Bucket}
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      LoadBalancerAttributes: {Key: access_logs.s3.bucket, Value: !Ref Bucket}
""",
    "notification-not-a-list": """
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Role: arn:aws:iam::1:role/x, Code: {ZipFile: x}}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration: {LambdaConfigurations: {Function: !GetAtt Fn.Arn}}
""",
    "managed-policies-not-a-list": """
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: {Effect: Allow, Principal: '*', Action: 'sts:AssumeRole'}}
      ManagedPolicyArns: arn:aws:iam::aws:policy/ReadOnlyAccess
""",
    "role-without-trust-policy": """
  Role:
    Type: AWS::IAM::Role
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Role: !GetAtt Role.Arn, Code: {ZipFile: x}}
""",
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_shapes_do_not_crash_the_permission_checks(body):
    run("Resources:" + body)  # strict mode: a crashing check raises
