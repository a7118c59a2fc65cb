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
