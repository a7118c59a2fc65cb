"""What IAM, KMS and S3 refuse in a policy when the stack stores it (checks/permissions/policy_validity.py): empty
principals, permissions policies (PF6515), and problems that only some parameter values produce."""

from __future__ import annotations

from tests.conftest import run

ROLE = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: {principal}
            Action: sts:AssumeRole
"""


def found(text, code):
    return [(f.span.line, f.span.column, f.severity, f.message) for f in run(text) if f.code == code]


def test_an_empty_principal_list_is_refused_by_iam():
    """IAM: "The passed in policy has a statement with no principals!" (a list of accounts that came out empty)."""
    assert found(ROLE.format(principal="[]"), "PF6505") == [
        (10, 15, "error", ("MalformedPolicyDocument: missing Principal: the Principal names no principal (an "
                         "empty list or mapping)"))
    ]


def test_a_principal_list_with_an_account_is_accepted():
    text = ROLE.format(principal="[!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root']")
    assert found(text, "PF6505") == []


def test_an_empty_principal_in_one_scenario_is_a_warning_naming_it():
    text = """\
Parameters:
  Consumer: {Type: String, Default: ''}
Conditions:
  HasConsumer: !Not [!Equals [!Ref Consumer, '']]
""" + ROLE.format(principal="!If [HasConsumer, !Sub 'arn:${AWS::Partition}:iam::${Consumer}:root', "
                  "!Ref AWS::NoValue]")
    [(line, _, severity, message)] = found(text, "PF6505")
    assert (line, severity) == (14, "warning")
    assert message.endswith("the Principal names no principal (an empty list or mapping) (when Consumer='', "
                            "i.e. HasConsumer=false)")


def test_an_inline_role_policy_with_a_principal_is_refused():
    text = ROLE.format(principal="!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'") + """\
      Policies:
        - PolicyName: reader
          PolicyDocument:
            Statement:
              - Effect: Allow
                Principal: '*'
                Action: s3:GetObject
                Resource: '*'
"""
    assert found(text, "PF6515") == [
        (17, 28, "error", ("Policy document should not specify a principal: inline policy reader of Role: a "
                          "permissions policy cannot name a Principal: it applies to the identity it is attached to"))
    ]


def test_a_valid_inline_policy_is_not_reported():
    text = ROLE.format(principal="!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'") + """\
      Policies:
        - PolicyName: reader
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [s3:GetObject, 'kms:Decrypt']
                Resource: '*'
"""
    assert found(text, "PF6515") == []


NOTIFIED_QUEUE = """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: alias/aws/sqs
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
  Bucket:
    Type: AWS::S3::Bucket
    DependsOn: QueuePolicy
    Properties:
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt Queue.Arn
"""


def test_s3_notifications_to_a_queue_with_an_aws_managed_key_fail_the_create():
    """S3 tests the destination when the notification configuration is put: the AWS managed key cannot let S3 use
    it, so the create fails (an error, phase deploy), unlike alarms, whose deliveries fail after deployment."""
    [finding] = [f for f in run(NOTIFIED_QUEUE) if f.code == "PF6106"]
    assert (finding.severity, finding.phase) == ("error", None)
    assert finding.message.startswith("Unable to validate the following destination configurations")
    assert "Queue is encrypted with the AWS managed key alias/aws/sqs" in finding.message
