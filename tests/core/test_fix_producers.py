"""Fix producers: the fixes the checks attach (issue 9). Each safe or unsafe fix, applied, removes its finding
and adds none; a fix that cannot be made safely as text is display-only and says why."""

from __future__ import annotations

import json

import pytest

from preflight.fix.edits import apply
from preflight.resolve.pins import Pins
from tests.conftest import run

KEY_AND_GROUP = """\
Resources:
  LogsKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Root
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'
            Action: 'kms:*'
            Resource: '*'
  AppLogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /app/orders
      KmsKeyId: !GetAtt LogsKey.Arn
"""


def only(findings, code):
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, found
    return found[0]


def fixed(text, code, path="t.yaml", **kwargs):
    """The text after the fix of the one finding of ``code``, checked: the finding is gone, nothing new."""
    before = run(text, path, **kwargs)
    finding = only(before, code)
    assert finding.fix is not None and finding.fix.edits, finding.fix
    new = apply(text, list(finding.fix.edits))
    after = run(new, path, **kwargs)
    assert [f for f in after if f.code == code] == []
    assert {f.code for f in after} <= {f.code for f in before}
    return finding, new


def test_key_policy_statement_uses_the_templates_references():
    finding, new = fixed(KEY_AND_GROUP, "PF6101")
    assert finding.fix.safety == "safe" and finding.fix.reason is None
    assert "Service: !Sub 'logs.${AWS::Region}.amazonaws.com'" in new
    assert "!Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*'" in new


def test_pinned_account_and_region_are_never_written_as_literals():
    pins = Pins(region="eu-west-1", account_id="123456789012")
    _, new = fixed(KEY_AND_GROUP, "PF6101", pins=pins)
    assert "123456789012" not in new and "eu-west-1" not in new


def test_json_key_policy_fix_keeps_json():
    document = json.loads(json.dumps({"Resources": {
        "LogsKey": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
             "Action": "kms:*", "Resource": "*"}]}}},
        "AppLogGroup": {"Type": "AWS::Logs::LogGroup",
                        "Properties": {"KmsKeyId": {"Fn::GetAtt": ["LogsKey", "Arn"]}}}}}))
    text = json.dumps(document, indent=2) + "\n"
    _, new = fixed(text, "PF6101", "t.json")
    statement = json.loads(new)["Resources"]["LogsKey"]["Properties"]["KeyPolicy"]["Statement"][-1]
    assert statement["Principal"] == {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}}
    assert '\n            },\n            {\n              "Sid": "AllowCloudWatchLogs",\n' in new  # 2-space indent


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ("KeyPolicy: !If [Prod, {Statement: []}, {Statement: []}]", "chosen by Fn::If"),
        ("KeyPolicy:\n        Statement: !If [Prod, [], []]", "inside Fn::If"),
        ("KeyPolicy: !Sub '{\"Statement\": []}'", "built by one string"),
    ],
    ids=["policy-if", "statement-if", "sub-string"],
)
def test_policies_the_fix_cannot_edit_stay_display_only_with_the_reason(policy, reason):
    text = (
        "Conditions:\n  Prod: !Equals [!Ref 'AWS::Region', us-east-1]\nResources:\n  LogsKey:\n"
        "    Type: AWS::KMS::Key\n    Properties:\n      " + policy + "\n  AppLogGroup:\n"
        "    Type: AWS::Logs::LogGroup\n    Properties:\n      KmsKeyId: !GetAtt LogsKey.Arn\n"
    )
    found = [f for f in run(text) if f.code == "PF6101"]
    for finding in found:
        assert finding.fix.safety == "display" and not finding.fix.edits
        assert reason in finding.fix.reason


def test_cdk_code_for_a_construct_path():
    text = KEY_AND_GROUP.replace(
        "    Type: AWS::KMS::Key\n", "    Type: AWS::KMS::Key\n    Metadata:\n      aws:cdk:path: Stack/LogsKey/Resource\n"
    )
    finding = only(run(text), "PF6101")
    assert finding.fix.cdk.splitlines()[2] == "logs_key.add_to_resource_policy(iam.PolicyStatement("
    assert 'principals=[iam.ServicePrincipal(Fn.sub("logs.${AWS::Region}.amazonaws.com"))]' in finding.fix.cdk


TRAIL = """\
Resources:
  TrailBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'trail-${AWS::AccountId}'
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: audit
      IsLogging: true
      S3BucketName: !Ref TrailBucket
"""


def test_a_missing_bucket_policy_is_added_and_the_trail_ordered_after_it():
    _finding, new = fixed(TRAIL, "PF6201")
    assert "  TrailBucketPolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref TrailBucket\n" in new
    assert "    Type: AWS::CloudTrail::Trail\n    DependsOn: TrailBucketPolicy\n" in new
    assert "trail/audit'" in new  # the trail by its name, not ${Trail} (which would close a cycle)


def test_a_generated_trail_name_would_close_a_cycle():
    finding = only(run(TRAIL.replace("      TrailName: audit\n", "")), "PF6201")
    assert finding.fix.safety == "display" and "cycle" in finding.fix.reason


ORDER = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: cloudtrail.amazonaws.com}
            Action: s3:GetBucketAcl
            Resource: !GetAtt Bucket.Arn
          - Effect: Allow
            Principal: {Service: cloudtrail.amazonaws.com}
            Action: s3:PutObject
            Resource: !Sub '${Bucket.Arn}/AWSLogs/${AWS::AccountId}/*'
            Condition: {StringEquals: {'s3:x-amz-acl': bucket-owner-full-control}}
  Trail:
    Type: AWS::CloudTrail::Trail
    DependsOn: Bucket
    Properties:
      IsLogging: true
      S3BucketName: !Ref Bucket
"""


def test_depends_on_scalar_becomes_a_list():
    finding, new = fixed(ORDER, "PF2001")
    assert finding.fix.safety == "safe" and "    DependsOn: [Bucket, Policy]\n" in new


def test_depends_on_that_would_close_a_cycle_is_display_only():
    text = ORDER.replace("            Resource: !GetAtt Bucket.Arn\n",
                         "            Resource: !GetAtt Bucket.Arn\n            Condition: {StringEquals: "
                         "{'aws:SourceArn': !GetAtt Trail.Arn}}\n")
    finding = only(run(text), "PF2001")
    assert finding.fix.safety == "display" and "cycle" in finding.fix.reason


def test_depends_on_a_resource_that_may_not_be_created_is_display_only():
    """DependsOn cannot be conditional: naming a resource that some scenario creating the dependent leaves out
    would be 'Unresolved resource dependencies' (PF1006), so the fix says so instead of writing it."""
    text = "Parameters:\n  Audit: {Type: String, AllowedValues: ['yes', 'no']}\nConditions:\n" \
        "  Auditing: !Equals [!Ref Audit, 'yes']\n" + ORDER.replace(
            "  Policy:\n    Type: AWS::S3::BucketPolicy\n",
            "  Policy:\n    Type: AWS::S3::BucketPolicy\n    Condition: Auditing\n")
    finding = only(run(text), "PF2001")
    assert finding.fix.safety == "display"
    assert finding.fix.reason.startswith(
        "Policy is not created in every case that creates Trail (Audit=no, i.e. Auditing=false), and DependsOn "
        "cannot be conditional")


def test_trust_policy_gets_the_service_principal():
    text = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: 'x'}
"""
    _finding, new = fixed(text, "PF6301")
    assert "          - Effect: Allow\n            Principal:\n              Service: lambda.amazonaws.com\n" in new


def test_tags_mapping_in_json_becomes_key_value_list():
    text = json.dumps({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {
        "CidrBlock": "10.0.0.0/16", "Tags": {"Name": "net", "team": "x"}}}}}, indent=4)
    _, new = fixed(text, "PF8005", "t.json")
    assert json.loads(new)["Resources"]["Vpc"]["Properties"]["Tags"] == [
        {"Key": "Name", "Value": "net"}, {"Key": "team", "Value": "x"}]


def test_bucket_name_lower_cased_is_unsafe():
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub 'Reports-${AWS::AccountId}'\n"
    finding = only(run(text), "PF3002")
    assert finding.fix.safety == "unsafe"
    assert "BucketName: !Sub 'reports-${AWS::AccountId}'" in apply(text, list(finding.fix.edits))


def test_retain_is_display_only_for_a_fixed_name():
    text = """\
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      DBInstanceIdentifier: orders
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: '20'
      MasterUsername: u
      ManageMasterUserPassword: true
      DeletionProtection: true
"""
    finding = only(run(text), "PF7001")
    assert finding.fix.safety == "display" and "PF7003" in finding.fix.reason
    finding, new = fixed(text.replace("      DBInstanceIdentifier: orders\n", ""), "PF7001")
    assert finding.fix.safety == "unsafe" and "    Type: AWS::RDS::DBInstance\n    DeletionPolicy: Retain\n" in new


SG_CYCLE = """\
Resources:
  A:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: a
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationSecurityGroupId: !Ref B}
  B:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: b
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, SourceSecurityGroupId: !Ref A}
"""


def test_security_group_cycle_moves_the_ingress_rule():
    _finding, new = fixed(SG_CYCLE, "PF1001")
    assert "SecurityGroupIngress:" not in new.split("  B:")[1].split("Type: AWS::EC2::SecurityGroupIngress")[0]
    assert "      GroupId: !GetAtt B.GroupId\n" in new and "SourceSecurityGroupId: !Ref A" in new


def test_a_lone_egress_rule_does_not_move():
    text = SG_CYCLE.replace("SecurityGroupIngress", "SecurityGroupEgress").replace("SourceSecurityGroupId",
                                                                                    "DestinationSecurityGroupId")
    finding = only(run(text), "PF1001")
    assert finding.fix.safety == "display" and "allow-all egress" in finding.fix.reason


SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: mysql
      EngineVersion: '8.0.34'
      DBInstanceClass: db.t3.medium
      AllocatedStorage: '20'
      MasterUsername: orders
      ManageMasterUserPassword: true
  Function:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.7
      Handler: index.handler
      InlineCode: 'def handler(event, context): return None'
"""


def test_after_the_sam_transform_only_resources_written_in_the_file_are_edited():
    findings = run(SAM)
    engine = only(findings, "PF4001")
    assert engine.fix.safety == "unsafe"
    assert "EngineVersion: '8.0.46'" in apply(SAM, list(engine.fix.edits))
    runtime = only(findings, "PF4002")
    assert runtime.fix.safety == "display" and "generated by AWS::Serverless-2016-10-31" in runtime.fix.reason


def test_a_statement_whose_sid_is_not_a_string_does_not_break_the_fix():
    """Found by fuzzing (bench/fuzz.py, 2026-12-04): a Sid written as a mapping (unhashable) in the policy the fix
    adds a statement to; the statement is added with its own Sid."""
    text = ORDER.replace("          - Effect: Allow\n            Principal: {Service: cloudtrail.amazonaws.com}\n"
                         "            Action: s3:GetBucketAcl\n",
                         "          - Effect: Allow\n            Sid: {Bad: 1}\n"
                         "            Principal: {Service: cloudtrail.amazonaws.com}\n"
                         "            Action: s3:GetBucketAcl\n", 1).replace(
        "Resource: !Sub '${Bucket.Arn}/AWSLogs/${AWS::AccountId}/*'", "Resource: !Sub '${Bucket.Arn}/other/*'").replace(
        "      IsLogging: true\n", "      IsLogging: true\n      TrailName: audit\n")
    [finding] = [f for f in run(text) if f.code == "PF6201"]
    assert finding.fix is not None and finding.fix.safety == "safe" and finding.fix.edits
