"""Minimal edits to a near-miss statement (fix/nearmiss.py, issue 9): where exactly one statement for the service
is one element away from allowing the failing request, that element is edited (an action added, a principal's
Region, a Resource entry, a condition value) instead of a second statement being added; where the edit would
grant more than the documented minimal statement, the documented statement is added as before. Each case is
fixed by the engine (re-checked: the finding gone, none added; verified: no new access) and compared line by
line; the no-new-access verifier is shown to accept these edits and to refuse their wrong variants."""

from __future__ import annotations

import difflib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.api import check_text
from preflight.fix.access import new_access
from preflight.fix.engine import fix_text, kept_outside

# --------------------------------------------------------------------------------------------------- templates

LOGS_KEY = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  LogsKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: EnableIamPolicies
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'
            Action: 'kms:*'
            Resource: '*'
          - Sid: LogsUseTheKey  # CloudWatch Logs
            Effect: Allow
            Principal:
              Service: !Sub 'logs.${AWS::Region}.amazonaws.com'
            Action:
              - kms:Decrypt
              - kms:GenerateDataKey
            Resource: '*'
            Condition:
              ArnLike:
                kms:EncryptionContext:aws:logs:arn: !Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*'
  AppLogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /app/orders
      KmsKeyId: !GetAtt LogsKey.Arn
"""
WITH_ENCRYPT = LOGS_KEY.replace("              - kms:GenerateDataKey\n",
                                "              - kms:GenerateDataKey\n              - kms:Encrypt\n")
OTHER_REGION = WITH_ENCRYPT.replace("Service: !Sub 'logs.${AWS::Region}.amazonaws.com'",
                                    "Service: logs.eu-west-1.amazonaws.com")
OTHER_GROUP = WITH_ENCRYPT.replace("ArnLike:", "ArnEquals:").replace("log-group:*'", "log-group:/app/payments'")
LONG_FORM = OTHER_GROUP.replace(
    "kms:EncryptionContext:aws:logs:arn: !Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
    "log-group:/app/payments'",
    "kms:EncryptionContext:aws:logs:arn:\n                  Fn::Sub: arn:${AWS::Partition}:logs:${AWS::Region}:"
    "${AWS::AccountId}:log-group:/app/payments")
FLOW_CRLF = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  LogsKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - {Sid: Root, Effect: Allow, Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}, \
Action: 'kms:*', Resource: '*'}
          - {Sid: Logs, Effect: Allow, Principal: {Service: [logs.eu-west-1.amazonaws.com]}, Action: [kms:Encrypt, \
kms:Decrypt, kms:GenerateDataKey], Resource: '*', Condition: {ArnLike: {'kms:EncryptionContext:aws:logs:arn': \
!Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*'}}}  # logs
  AppLogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /app/orders
      KmsKeyId: !GetAtt LogsKey.Arn
""".replace("\n", "\r\n")


def _json_key(action: str, condition: str) -> str:
    return json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "LogsKey": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Root", "Effect": "Allow",
                 "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                 "Action": "kms:*", "Resource": "*"},
                {"Sid": "Logs", "Effect": "Allow",
                 "Principal": {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}},
                 "Action": "@ACTION@", "Resource": "*",
                 "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {
                     "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:@GROUP@"}}}},
            ]}}},
            "AppLogGroup": {"Type": "AWS::Logs::LogGroup",
                            "Properties": {"LogGroupName": "/app/orders",
                                           "KmsKeyId": {"Fn::GetAtt": ["LogsKey", "Arn"]}}},
        },
    }, indent=2).replace('"@ACTION@"', action).replace("@GROUP@", condition)


JSON_ACTION = _json_key('["kms:Decrypt", "kms:GenerateDataKey"]', "*")
JSON_CONTEXT = _json_key('["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"]', "/app/payments")

TRAIL = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  TrailBucket:
    Type: AWS::S3::Bucket
  TrailBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref TrailBucket
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Sid: AWSCloudTrailAclCheck
            Effect: Allow
            Principal:
              Service: cloudtrail.amazonaws.com
            Action: s3:GetBucketAcl
            Resource: !GetAtt TrailBucket.Arn
            Condition:
              StringEquals:
                aws:SourceArn: !Sub 'arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/audit'
          - Sid: AWSCloudTrailWrite
            Effect: Allow
            Principal:
              Service: cloudtrail.amazonaws.com
            Action: s3:PutObject
            Resource: !Sub '${TrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*'
            Condition:
              StringEquals:
                s3:x-amz-acl: bucket-owner-full-control
                aws:SourceArn: !Sub 'arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/audit'
  Trail:
    Type: AWS::CloudTrail::Trail
    DependsOn: TrailBucketPolicy
    Properties:
      TrailName: audit
      IsLogging: true
      S3BucketName: !Ref TrailBucket
"""
KEY_PREFIX = TRAIL + "      S3KeyPrefix: audit\n"
RENAMED_TRAIL = TRAIL.replace("trail/audit'", "trail/old-audit'")
SECOND_TRAIL = TRAIL + """\
  Trail2:
    Type: AWS::CloudTrail::Trail
    DependsOn: TrailBucketPolicy
    Properties:
      TrailName: audit2
      IsLogging: true
      S3BucketName: !Ref TrailBucket
"""
SLR = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/autoscaling.amazonaws.com/" \
      "AWSServiceRoleForAutoScaling"
VIA_SERVICE = f"""\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  ImageId:
    Type: AWS::EC2::Image::Id
  SubnetId:
    Type: AWS::EC2::Subnet::Id
Resources:
  VolumeKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: EnableIamPolicies
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'
            Action: 'kms:*'
            Resource: '*'
          - Sid: AutoScalingUsesTheKey
            Effect: Allow
            Principal:
              AWS: !Sub '{SLR}'
            Action: [kms:Decrypt, kms:GenerateDataKeyWithoutPlaintext]
            Resource: '*'
            Condition:
              StringEquals:
                kms:ViaService: !Sub 's3.${{AWS::Region}}.amazonaws.com'
          - Sid: AutoScalingAttachesVolumes
            Effect: Allow
            Principal:
              AWS: !Sub '{SLR}'
            Action: kms:CreateGrant
            Resource: '*'
            Condition:
              Bool:
                kms:GrantIsForAWSResource: true
              StringEquals:
                kms:ViaService: !Sub 's3.${{AWS::Region}}.amazonaws.com'
  LaunchTemplate:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        ImageId: !Ref ImageId
        InstanceType: t3.micro
        BlockDeviceMappings:
          - DeviceName: /dev/xvda
            Ebs:
              Encrypted: true
              KmsKeyId: !Ref VolumeKey
  WebGroup:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: '1'
      MaxSize: '2'
      VPCZoneIdentifier:
        - !Ref SubnetId
      LaunchTemplate:
        LaunchTemplateId: !Ref LaunchTemplate
        Version: !GetAtt LaunchTemplate.LatestVersionNumber
"""
TRUST = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: "sts:TagSession"
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt FunctionRole.Arn
      Code:
        ZipFile: 'def handler(event, context): return event'
"""

_SOURCE_ARN = "!Sub 'arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/"
_LOG_GROUP = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"

# id, template, file name, code, the lines removed and added (in order), the change's words
NEAR_MISSES = [
    ("action-block-list", LOGS_KEY, "t.yaml", "PF6101",
     [], ["              - kms:Encrypt"], "added action kms:Encrypt"),
    ("action-json-list", JSON_ACTION, "t.json", "PF6101",
     ['              "Action": ["kms:Decrypt", "kms:GenerateDataKey"],'],
     ['              "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],'], "added action kms:Encrypt"),
    ("action-scalar-trust", TRUST, "t.yaml", "PF6301",
     ['            Action: "sts:TagSession"'], ['            Action: ["sts:TagSession", "sts:AssumeRole"]'],
     "added action sts:AssumeRole"),
    ("principal-region", OTHER_REGION, "t.yaml", "PF6101",
     ["              Service: logs.eu-west-1.amazonaws.com"],
     ["              Service: !Sub 'logs.${AWS::Region}.amazonaws.com'"],
     "replaced the service principal logs.eu-west-1.amazonaws.com"),
    ("principal-region-flow-crlf", FLOW_CRLF, "t.yaml", "PF6101",
     [FLOW_CRLF.split("\r\n")[9]],
     [FLOW_CRLF.split("\r\n")[9].replace("[logs.eu-west-1.amazonaws.com]",
                                         "[!Sub 'logs.${AWS::Region}.amazonaws.com']")],
     "replaced the service principal"),
    ("resource-key-prefix", KEY_PREFIX, "t.yaml", "PF6201",
     ["            Resource: !Sub '${TrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*'"],
     [("            Resource: [!Sub '${TrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*', "
       "!Sub 'arn:${AWS::Partition}:s3:::${TrailBucket}/audit/AWSLogs/${AWS::AccountId}/*']")], "added resource"),
    ("source-arn-another-trail", RENAMED_TRAIL, "t.yaml", "PF6201",
     [f"                aws:SourceArn: {_SOURCE_ARN}old-audit'"] * 2,
     [f"                aws:SourceArn: {_SOURCE_ARN}audit'"] * 2, "replaced the aws:SourceArn value"),
    ("source-arn-kept-for-the-other-trail", SECOND_TRAIL, "t.yaml", "PF6201",
     [f"                aws:SourceArn: {_SOURCE_ARN}audit'"] * 2,
     [f"                aws:SourceArn: [{_SOURCE_ARN}audit', {_SOURCE_ARN}audit2']"] * 2,
     "to the aws:SourceArn values"),
    ("encryption-context-another-group", OTHER_GROUP, "t.yaml", "PF6101",
     [f"                kms:EncryptionContext:aws:logs:arn: !Sub '{_LOG_GROUP}/app/payments'"],
     [f"                kms:EncryptionContext:aws:logs:arn: !Sub '{_LOG_GROUP}/app/orders'"],
     "replaced the kms:EncryptionContext:aws:logs:arn value"),
    ("encryption-context-long-form", LONG_FORM, "t.yaml", "PF6101",
     [f"                  Fn::Sub: {_LOG_GROUP}/app/payments"], [f"                  Fn::Sub: '{_LOG_GROUP}/app/orders'"],
     "replaced the kms:EncryptionContext:aws:logs:arn value"),
    ("encryption-context-json", JSON_CONTEXT, "t.json", "PF6101",
     [f'                    "Fn::Sub": "{_LOG_GROUP}/app/payments"'],
     [f'                    "Fn::Sub": "{_LOG_GROUP}/app/orders"'],
     "replaced the kms:EncryptionContext:aws:logs:arn value"),
    ("via-service", VIA_SERVICE, "t.yaml", "PF6103",
     ["                kms:ViaService: !Sub 's3.${AWS::Region}.amazonaws.com'"] * 2,
     ["                kms:ViaService: !Sub 'ec2.${AWS::Region}.amazonaws.com'"] * 2, "replaced the kms:ViaService value"),
]


def _changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(old.split("\n"), new.split("\n")):
        if line.startswith("- "):
            removed.append(line[2:].rstrip("\r"))
        elif line.startswith("+ "):
            added.append(line[2:].rstrip("\r"))
    return removed, added


def _the_fix(text: str, path: str, code: str):
    [finding] = [f for f in check_text(text, path) if f.code == code and f.fix is not None]
    return finding


@pytest.mark.parametrize(("text", "path", "code", "removed", "added", "words"),
                         [c[1:] for c in NEAR_MISSES], ids=[c[0] for c in NEAR_MISSES])
def test_a_near_miss_statement_is_edited_minimally(text, path, code, removed, added, words):
    finding = _the_fix(text, path, code)
    assert finding.fix.safety == "safe", finding.fix.reason
    assert finding.fix.title.startswith("edit ")
    assert finding.fix.changes and all(c.startswith("edited statement ") for c in finding.fix.changes)
    assert all(words in c for c in finding.fix.changes), finding.fix.changes

    result = fix_text(text, path)
    assert not [r for r in result.refused if r.code == code], [r.reason for r in result.refused]
    assert [a.title for a in result.applied if a.code == code] == [finding.fix.title]
    assert _changed_lines(text, result.text) == (removed, added)
    assert not [f for f in result.findings if f.code == code and f.resource == finding.resource]
    assert result.access == []  # verified by the engine ...
    assert new_access(text, result.text, path) == []  # ... and again, original against result
    assert kept_outside(text, result.text, [e for a in result.applied for e in a.edits])
    assert ("\r\n" in text) == ("\r\n" in result.text) and result.text.count("\n") == result.text.count("\r\n") \
        or "\r\n" not in text
    assert not fix_text(result.text, path).changed  # idempotent


# --------------------------------------------------------------------------------------------------- refused

MULTI_PRINCIPAL = LOGS_KEY.replace(
    "              Service: !Sub 'logs.${AWS::Region}.amazonaws.com'\n",
    "              Service:\n                - !Sub 'logs.${AWS::Region}.amazonaws.com'\n                - s3.amazonaws.com\n")
UNSCOPED = LOGS_KEY[:LOGS_KEY.index("            Condition:")] + LOGS_KEY[LOGS_KEY.index("  AppLogGroup:"):]
_LOGS = LOGS_KEY[LOGS_KEY.index("          - Sid: LogsUseTheKey"):LOGS_KEY.index("  AppLogGroup:")]
TWO_AWAY = LOGS_KEY.replace("  AppLogGroup:", _LOGS.replace("LogsUseTheKey", "LogsToo").replace(
    "kms:Decrypt\n", "kms:ReEncrypt*\n") + "  AppLogGroup:")
TWO_ELEMENTS = OTHER_GROUP.replace("              - kms:Encrypt\n", "")
WIDER_THAN_DOCUMENTED = KEY_PREFIX.replace(
    "                s3:x-amz-acl: bucket-owner-full-control\n                aws:SourceArn: "
    f"{_SOURCE_ARN}audit'\n", "                s3:x-amz-acl: bucket-owner-full-control\n")

REFUSED = [
    # adding kms:Encrypt to a statement that also names s3.amazonaws.com would grant it to S3 too
    ("other-principals", MULTI_PRINCIPAL, "PF6101"),
    # the documented statement is scoped by the encryption context; this one is not (a confused deputy)
    ("unscoped", UNSCOPED, "PF6101"),
    # two statements are one element away: which one to edit is not clear
    ("two-statements-one-away", TWO_AWAY, "PF6101"),
    # one statement, two elements away (the action and the encryption context)
    ("two-elements-away", TWO_ELEMENTS, "PF6101"),
    # the write statement lacks aws:SourceArn: a new resource would be written to on behalf of any trail
    ("resource-without-source-arn", WIDER_THAN_DOCUMENTED, "PF6201"),
]


@pytest.mark.parametrize(("text", "code"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_the_documented_statement_is_added_when_an_edit_would_grant_more(text, code):
    finding = _the_fix(text, "t.yaml", code)
    assert finding.fix.safety == "safe"
    assert not finding.fix.title.startswith("edit ")
    assert finding.fix.changes and all(c.startswith("added statement ") for c in finding.fix.changes)
    result = fix_text(text, "t.yaml")
    assert [a.code for a in result.applied if a.code == code] == [code]
    removed, added = _changed_lines(text, result.text)
    assert not removed and any("- Sid: " in line for line in added)
    assert not [f for f in result.findings if f.code == code and f.resource == finding.resource]
    assert new_access(text, result.text, "t.yaml") == []


# --------------------------------------------------------------------------------------------------- verifier


def _edited(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text
    return text.replace(old, new, count)


_ADD_ENCRYPT = ("              - kms:GenerateDataKey\n", "              - kms:GenerateDataKey\n              - kms:Encrypt\n")
VERIFIER = [
    # the minimal edits themselves
    ("action", LOGS_KEY, *_ADD_ENCRYPT, None),
    ("principal-region", OTHER_REGION, "Service: logs.eu-west-1.amazonaws.com",
     "Service: !Sub 'logs.${AWS::Region}.amazonaws.com'", None),
    ("encryption-context", OTHER_GROUP, "log-group:/app/payments'", "log-group:/app/orders'", None),
    ("source-arn", RENAMED_TRAIL, "trail/old-audit'", "trail/audit'", None),
    ("via-service", VIA_SERVICE.replace("'s3.", "'ec2.", 1), "'s3.${AWS::Region}", "'ec2.${AWS::Region}", None),
    # their wrong variants
    ("action-for-other-principals", MULTI_PRINCIPAL, *_ADD_ENCRYPT, "s3.amazonaws.com"),
    ("action-unscoped", UNSCOPED, *_ADD_ENCRYPT, "on behalf of any account"),
    ("undocumented-action", LOGS_KEY, _ADD_ENCRYPT[0],
     "              - kms:GenerateDataKey\n              - kms:ScheduleKeyDeletion\n", "does not document"),
    ("principal-another-service", OTHER_REGION, "Service: logs.eu-west-1.amazonaws.com", "Service: events.amazonaws.com",
     "events.amazonaws.com"),
    ("encryption-context-another-account", OTHER_GROUP, "${AWS::AccountId}:log-group:/app/payments'",
     "444455556666:log-group:/app/orders'", "another account (444455556666)"),
    ("source-arn-another-account", RENAMED_TRAIL, "${AWS::AccountId}:trail/old-audit'", "444455556666:trail/audit'",
     "another account (444455556666)"),
    ("source-arn-any-trail", RENAMED_TRAIL, f"StringEquals:\n                aws:SourceArn: {_SOURCE_ARN}old-audit'",
     "StringLike:\n                aws:SourceArn: '*'", "on behalf of any account"),
]


@pytest.mark.parametrize(("text", "old", "new", "violation"), [c[1:] for c in VERIFIER], ids=[c[0] for c in VERIFIER])
def test_the_verifier_accepts_minimal_edits_and_refuses_wrong_ones(text, old, new, violation):
    found = new_access(text, _edited(text, old, new), "t.yaml")
    if violation is None:
        assert found == []
    else:
        assert found and any(violation in v for v in found), found


# --------------------------------------------------------------------------------------------------- property

_SERVICES = {"regional": "!Sub 'logs.${AWS::Region}.amazonaws.com'", "global": "logs.amazonaws.com",
             "other-region": "logs.eu-west-1.amazonaws.com"}
_CONDITIONS = {
    "none": "",
    "any-group": "            Condition:\n              ArnLike:\n                kms:EncryptionContext:aws:logs:arn: "
                 f"!Sub '{_LOG_GROUP}*'\n",
    "this-group": "            Condition:\n              ArnEquals:\n                kms:EncryptionContext:aws:logs:arn: "
                  f"!Sub '{_LOG_GROUP}/app/orders'\n",
    "other-group": "            Condition:\n              ArnEquals:\n                kms:EncryptionContext:aws:logs:arn: "
                   f"!Sub '{_LOG_GROUP}/app/other'\n",
    "account": "            Condition:\n              StringEquals:\n                aws:SourceAccount: !Ref AWS::AccountId\n",
}
_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey", "kms:ReEncrypt*",
            "kms:CreateGrant"]


def _logs_statement(service: str, others: list[str], actions: list[str], condition: str) -> str:
    principals = [_SERVICES[service], *others]
    principal = (f"              Service: {principals[0]}\n" if len(principals) == 1 else
                 "              Service:\n" + "".join(f"                - {p}\n" for p in principals))
    action = (f"            Action: {actions[0]}\n" if len(actions) == 1 else
              "            Action:\n" + "".join(f"              - {a}\n" for a in actions))
    return (f"          - Sid: Logs\n            Effect: Allow\n            Principal:\n{principal}{action}"
            f"            Resource: '*'\n{_CONDITIONS[condition]}")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service=st.sampled_from(sorted(_SERVICES)),
       others=st.lists(st.sampled_from(["s3.amazonaws.com", "rds.amazonaws.com"]), unique=True, max_size=2),
       actions=st.lists(st.sampled_from(_ACTIONS), unique=True, min_size=1, max_size=4),
       condition=st.sampled_from(sorted(_CONDITIONS)))
def test_property_a_minimal_edit_is_kept_only_when_it_grants_nothing_beyond_the_documented_statement(
        service, others, actions, condition):
    text = LOGS_KEY[:LOGS_KEY.index("          - Sid: LogsUseTheKey")] + \
        _logs_statement(service, others, actions, condition) + LOGS_KEY[LOGS_KEY.index("  AppLogGroup:"):]
    findings = [f for f in check_text(text, "t.yaml") if f.code == "PF6101"]
    result = fix_text(text, "t.yaml")
    assert not [r for r in result.refused if r.code == "PF6101"], [r.reason for r in result.refused]
    if result.changed:
        assert new_access(text, result.text, "t.yaml") == []
    edits = [f for f in findings if f.fix is not None and f.fix.title.startswith("edit ")]
    if edits:  # an edited statement is scoped as the documentation does, and names only CloudWatch Logs unless
        # the edit is the principal itself (the other principals then gain nothing)
        assert condition in ("any-group", "this-group", "other-group")
        assert not others or all("replaced the service principal" in c for f in edits for c in f.fix.changes)
    one_away = service != "other-region" and (
        (condition in ("any-group", "this-group") and "kms:Encrypt" not in actions)
        or (condition == "other-group" and "kms:Encrypt" in actions and "kms:CreateGrant" not in actions))
    if not others and one_away:  # and such a statement is edited
        assert edits, [f.fix.title for f in findings if f.fix]
    safe = [f for f in findings if f.fix is not None and f.fix.safety == "safe"]
    if safe:
        assert not [f for f in result.findings if f.code == "PF6101" and f.severity == "error"]


# --------------------------------------------------------------------------------------------------- mixed

_ACL_CHECK_WRONG = ("""\
            Resource: !GetAtt TrailBucket.Arn
            Condition:
              StringEquals:
                aws:SourceArn: !Sub 'arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/audit'
""", "            Resource: !Sub '${TrailBucket.Arn}/acl'\n")  # two elements away: the documented one is added
# the write statement one element away (its aws:SourceArn names an old trail), and the last statement of the list
RENAMED_WRITE = TRAIL.replace(*_ACL_CHECK_WRONG).replace(f"{_SOURCE_ARN}audit'\n  Trail:",
                                                        f"{_SOURCE_ARN}old'\n  Trail:")
# the write statement lacks only s3:PutObject, in an Action list that ends the statement list
WRITE_ACTION_LAST = TRAIL.replace(*_ACL_CHECK_WRONG).replace(
    "            Action: s3:PutObject\n", "").replace(
    f"{_SOURCE_ARN}audit'\n  Trail:", f"{_SOURCE_ARN}audit'\n            Action:\n              - s3:GetObjectAcl\n"
                                      "  Trail:")


def test_one_request_edits_its_near_miss_and_another_adds_its_statement():
    finding = _the_fix(RENAMED_WRITE, "t.yaml", "PF6201")
    assert [c.split(":")[0].split(" (")[0] for c in finding.fix.changes] == [
        'edited statement 2 "AWSCloudTrailWrite"', 'added statement "AWSCloudTrailAclCheck2"']
    result = fix_text(RENAMED_WRITE, "t.yaml")
    assert not result.refused and not [f for f in result.findings if f.code == "PF6201"]
    removed, added = _changed_lines(RENAMED_WRITE, result.text)
    assert removed == [f"                aws:SourceArn: {_SOURCE_ARN}old'"]
    assert added[0] == f"                aws:SourceArn: {_SOURCE_ARN}audit'"
    assert added[1] == "          - Sid: AWSCloudTrailAclCheck2"
    assert new_access(RENAMED_WRITE, result.text, "t.yaml") == []


def test_an_edit_where_the_statements_are_inserted_gives_way_to_the_documented_statements():
    finding = _the_fix(WRITE_ACTION_LAST, "t.yaml", "PF6201")
    assert finding.fix.changes == ('added statement "AWSCloudTrailAclCheck2"', 'added statement "AWSCloudTrailWrite2"')
    result = fix_text(WRITE_ACTION_LAST, "t.yaml")
    assert not result.refused and not [f for f in result.findings if f.code == "PF6201"]
