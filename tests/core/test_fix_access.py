"""No new access (fix/access.py): an edit may grant only what AWS documents for the service that needs it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.fix.access import new_access

KEY = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Root
            Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: 'kms:*'
            Resource: '*'
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      KmsKeyId: !GetAtt Key.Arn
"""
# The statement CloudWatch Logs documents, scoped by the encryption context of the account's log groups.
LOGS_STATEMENT = """\
          - Sid: AllowCloudWatchLogs
            Effect: Allow
            Principal: {Service: !Sub 'logs.${AWS::Region}.amazonaws.com'}
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*']
            Resource: '*'
            Condition:
              ArnLike:
                kms:EncryptionContext:aws:logs:arn: !Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*'
"""
BUCKET = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Sid: TlsOnly
            Effect: Deny
            Principal: '*'
            Action: 's3:*'
            Resource: [!GetAtt Bucket.Arn, !Sub '${Bucket.Arn}/*']
            Condition: {Bool: {aws:SecureTransport: 'false'}}
"""


def _add(template: str, statement: str) -> str:
    """Append a statement after the last one of the template's (only) Statement list."""
    return template.rstrip("\n").replace("\n  Logs:", "\n" + statement.rstrip("\n") + "\n  Logs:") + "\n" \
        if "\n  Logs:" in template else template.rstrip("\n") + "\n" + statement


def test_an_unchanged_template_grants_nothing_new():
    assert new_access(KEY, KEY, "t.yaml") == []


def test_the_documented_scoped_statement_is_accepted():
    assert new_access(KEY, _add(KEY, LOGS_STATEMENT), "t.yaml") == []


def test_the_same_statement_without_its_condition_is_a_confused_deputy():
    unscoped = "\n".join(LOGS_STATEMENT.splitlines()[:5]) + "\n"
    (violation,) = new_access(KEY, _add(KEY, unscoped), "t.yaml")
    assert violation.startswith("key policy of Key: the service principal logs.amazonaws.com gains access on "
                                "behalf of any account")
    assert "kms:decrypt" in violation


@pytest.mark.parametrize("principal,who", [
    ("'*'", "another account (444455556666)"),
    ("{AWS: '444455556666'}", "another account (444455556666)"),
    ("{AWS: !GetAtt Role.Arn}", "the role Role"),
], ids=["star", "other-account", "a-role-of-the-template"])
def test_new_access_for_a_non_service_principal_is_a_violation(principal, who):
    base = KEY + ("  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
                  "        Statement:\n          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, "
                  "Action: 'sts:AssumeRole'}\n")
    statement = (f"          - Effect: Allow\n            Principal: {principal}\n            Action: kms:Decrypt\n"
                 f"            Resource: '*'\n")
    violations = new_access(base, _add(base, statement), "t.yaml")
    assert any(f"new access for {who}" in v and v.endswith("kms:decrypt") for v in violations), violations


def test_an_undocumented_action_for_a_service_is_a_violation():
    statement = ("          - Effect: Allow\n            Principal: {Service: logs.amazonaws.com}\n"
                 "            Action: kms:ScheduleKeyDeletion\n            Resource: '*'\n")
    (violation,) = new_access(KEY, _add(KEY, statement), "t.yaml")
    assert violation == ("key policy of Key: new access for the service principal logs.amazonaws.com to actions "
                         "AWS does not document for it: kms:schedulekeydeletion")


def test_removing_a_tls_only_deny_is_a_violation():
    edited = BUCKET.replace("Effect: Deny", "Effect: Allow")
    violations = new_access(BUCKET, edited, "t.yaml")
    assert any(v.startswith('the Deny statement statement 1 "TlsOnly" of the bucket policy of Bucket is removed')
               for v in violations), violations


def test_turning_off_a_public_access_block_is_a_violation():
    edited = BUCKET.replace("RestrictPublicBuckets: true", "RestrictPublicBuckets: false")
    assert new_access(BUCKET, edited, "t.yaml") == [
        "Bucket: PublicAccessBlockConfiguration.RestrictPublicBuckets is turned off: a fix never opens a bucket"]


def test_a_trust_policy_gains_only_the_service_that_assumes_the_role():
    role = ("Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
            "        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, "
            "Action: 'sts:AssumeRole'}\n")
    lam = role.replace("{Service: ec2.amazonaws.com}", "{Service: [ec2.amazonaws.com, lambda.amazonaws.com]}")
    assert new_access(role, lam, "t.yaml") == []
    anyone = role.replace("{Service: ec2.amazonaws.com}", "'*'")
    assert any("another account" in v for v in new_access(role, anyone, "t.yaml"))


def test_a_lambda_permission_needs_its_source_arn():
    function = ("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n"
                "      Handler: index.handler\n      Role: arn:aws:iam::111122223333:role/x\n"
                "      Code: {ZipFile: 'def handler(e, c): pass'}\n")
    scoped = function + ("  Perm:\n    Type: AWS::Lambda::Permission\n    Properties:\n      FunctionName: !Ref Fn\n"
                         "      Action: lambda:InvokeFunction\n      Principal: s3.amazonaws.com\n"
                         "      SourceAccount: !Ref AWS::AccountId\n"
                         "      SourceArn: arn:aws:s3:::my-bucket\n")
    assert new_access(function, scoped, "t.yaml") == []
    unscoped = scoped.replace("      SourceAccount: !Ref AWS::AccountId\n      SourceArn: arn:aws:s3:::my-bucket\n", "")
    (violation,) = new_access(function, unscoped, "t.yaml")
    assert "s3.amazonaws.com gains access on behalf of any account" in violation


def test_a_template_that_no_longer_loads_is_refused():
    assert new_access(KEY, KEY + "  Broken: [\n", "t.yaml") == ["the edited template no longer loads"]


_OUTSIDERS = st.sampled_from(["'*'", "{AWS: '444455556666'}", "{AWS: 'arn:aws:iam::444455556666:root'}",
                              "{AWS: !Sub 'arn:${AWS::Partition}:iam::444455556666:role/x'}"])
_ACTIONS = st.sampled_from(["kms:Decrypt", "kms:Encrypt", "kms:*", "kms:Describe*", "kms:GenerateDataKey*",
                            "kms:CreateGrant", "kms:ScheduleKeyDeletion"])
_CONDITIONS = st.sampled_from(["", "            Condition: {Bool: {aws:SecureTransport: 'true'}}\n",
                               "            Condition: {StringEquals: {kms:ViaService: s3.us-east-1.amazonaws.com}}\n"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(principal=_OUTSIDERS, actions=st.lists(_ACTIONS, min_size=1, max_size=3, unique=True), condition=_CONDITIONS)
def test_property_any_grant_to_another_account_is_caught(principal, actions, condition):
    statement = (f"          - Effect: Allow\n            Principal: {principal}\n"
                 f"            Action: [{', '.join(actions)}]\n            Resource: '*'\n{condition}")
    violations = new_access(KEY, _add(KEY, statement), "t.yaml")
    assert any("new access for another account" in v for v in violations), (statement, violations)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=st.lists(_ACTIONS, min_size=1, max_size=3, unique=True))
def test_property_narrowing_never_counts_as_new_access(actions):
    """Adding a Deny, or an Allow the root statement already covers, grants nothing new to anyone."""
    deny = (f"          - Effect: Deny\n            Principal: '*'\n            Action: [{', '.join(actions)}]\n"
            f"            Resource: '*'\n            Condition: {{Bool: {{aws:SecureTransport: 'false'}}}}\n")
    assert new_access(KEY, _add(KEY, deny), "t.yaml") == []
    again = (f"          - Effect: Allow\n            Principal: {{AWS: !Sub 'arn:${{AWS::Partition}}:iam::"
             f"${{AWS::AccountId}}:root'}}\n            Action: [{', '.join(actions)}]\n            Resource: '*'\n")
    assert new_access(KEY, _add(KEY, again), "t.yaml") == []


def test_an_edit_outside_policies_and_their_resources_is_not_modelled(monkeypatch):
    """A DependsOn on a log group cannot change who may do what: no model is built (a cheap answer)."""
    from preflight.fix import access

    def no_model(*args, **kwargs):
        raise AssertionError("a model was built")

    edited = KEY.replace("    Type: AWS::Logs::LogGroup\n", "    Type: AWS::Logs::LogGroup\n    DependsOn: Key\n")
    monkeypatch.setattr(access, "_side", no_model)
    assert new_access(KEY, edited, "t.yaml") == []
    with pytest.raises(AssertionError, match="a model was built"):
        new_access(KEY, _add(KEY, LOGS_STATEMENT), "t.yaml")
