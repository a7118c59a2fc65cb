"""Schema value constraints (preflight.schema.constraints): the snapshot and the verdicts, one line per case."""

from __future__ import annotations

import pytest

from preflight.resolve.values import Symbol, Symbolic
from preflight.schema import constraints as sc
from tests.conftest import lines, run

ROLE = sc.Constraint(
    pattern=r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$", prefix="arn:"
)
NAME = sc.Constraint(pattern=r"^[\w+=,.@-]+$", charset=r"[\w+=,.@-]", max_len=64, min_len=1)
PROTOCOL = sc.Constraint(enum=("HTTP", "HTTPS"))
RANGE = sc.Constraint(minimum=5, maximum=300)
STACK = Symbol("AWS::StackName", "pseudo", "the stack name", min_len=1, max_len=128)
ACCOUNT = Symbol("AWS::AccountId", "pseudo", "the account id", min_len=12, max_len=12)

KNOWN = [
    ("role-name", ROLE, "my-role", "pattern"),
    ("role-arn", ROLE, "arn:aws:iam::123456789012:role/x", None),
    ("enum", PROTOCOL, "http", "enum"),
    ("enum-ok", PROTOCOL, "HTTP", None),
    ("below-minimum", RANGE, 2, "minimum"),
    ("numeric-string", RANGE, "301", "maximum"),
    ("in-range", RANGE, "30", None),
    ("too-long", NAME, "x" * 65, "maxLength"),
    ("empty", NAME, "", "minLength"),
    ("boolean-skipped", RANGE, True, None),
    ("search-not-anchored", sc.Constraint(pattern="[0-9]"), "abc1", None),
]


@pytest.mark.parametrize(("case", "constraint", "value", "keyword"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_values(case: str, constraint: sc.Constraint, value: object, keyword: str | None) -> None:
    verdict = sc.check_known(constraint, value)
    assert (verdict.keyword if verdict else None) == keyword


SYMBOLIC = [
    ("wrong-literal-start", ROLE, Symbolic(("alias/", STACK)), "pattern"),
    ("arn-start", ROLE, Symbolic(("arn:aws:iam::", ACCOUNT, ":role/x")), None),
    ("symbol-first-unknown", ROLE, Symbolic((STACK, "-role")), None),
    ("forbidden-character", NAME, Symbolic((STACK, ":role")), "pattern"),
    ("too-long-whatever-the-stack", NAME, Symbolic((STACK, "-" + "x" * 64)), "maxLength"),
    ("may-fit", NAME, Symbolic((STACK, "-role")), None),
]


@pytest.mark.parametrize(("case", "constraint", "value", "keyword"), SYMBOLIC, ids=[s[0] for s in SYMBOLIC])
def test_symbolic_values_judged_by_their_literals_only(
    case: str, constraint: sc.Constraint, value: Symbolic, keyword: str | None
) -> None:
    verdict = sc.check_symbolic(constraint, value)
    assert (verdict.keyword if verdict else None) == keyword


def test_snapshot_keeps_registry_types_only() -> None:
    """Types with create/read/delete handlers are validated against their schema; NON_PROVISIONABLE ones are not
    in the snapshot (AWS::CodeBuild::Project is served by CloudFormation's older implementation)."""
    role = sc.type_constraints("AWS::Lambda::Function")
    assert role is not None and role["Role"].prefix == "arn:"
    assert sc.type_constraints("AWS::CodeBuild::Project") is None
    assert sc.type_constraints("AWS::No::Such") is None


def test_value_failing_in_one_scenario_is_a_warning_naming_it() -> None:
    template = """
Parameters:
  Fast: {Type: String, AllowedValues: ["yes", "no"], Default: "no"}
Conditions:
  IsFast: !Equals [!Ref Fast, "yes"]
Resources:
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Protocol: HTTP
      Port: 80
      VpcId: vpc-0123456789abcdef0
      HealthCheckIntervalSeconds: !If [IsFast, 1, 30]
"""
    findings = [f for f in run(template, "t.yaml") if f.code == "PF4016"]
    assert [f.severity for f in findings] == ["warning"]
    assert lines(findings) == [
        (
            "13:35 PF4016 Properties validation failed for resource Group with message: "
            "#/HealthCheckIntervalSeconds: failed validation constraint for keyword [minimum] (1 is less than the "
            "minimum 5) (when Fast=yes, i.e. IsFast=true)"
        )
    ]


def test_dynamic_reference_is_not_judged() -> None:
    template = """
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: "20"
      MasterUsername: !Sub "{{resolve:secretsmanager:${AWS::StackName}-db-credentials-with-a-long-name:SecretString:username}}"
"""
    assert [f for f in run(template, "t.yaml") if f.code == "PF4016"] == []


def test_parameter_whose_allowed_values_partly_fail_is_not_reported() -> None:
    """The author chose which values to allow; only when none passes is the template wrong."""
    template = """
Parameters:
  Protocol: {Type: String, AllowedValues: [HTTP, http]}
Resources:
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Protocol: !Ref Protocol, Port: 80, VpcId: vpc-0123456789abcdef0}
"""
    assert [f for f in run(template, "t.yaml") if f.code == "PF4016"] == []


def test_reference_of_unknown_kind_is_not_judged() -> None:
    template = """
Resources:
  Rule:
    Type: AWS::Events::Rule
    Properties: {ScheduleExpression: rate(1 hour)}
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !Ref Rule
      Code: {ZipFile: "x"}
"""
    assert [f for f in run(template, "t.yaml") if f.code == "PF4017"] == []


def test_property_rules_cite_aws_and_their_types_are_subscribed() -> None:
    from preflight.checks.property_values import _rule_types
    from preflight.data._snapshot import data

    rules = data("property_rules")["rules"]
    assert {r["type"] for r in rules} == set(_rule_types())
    for rule in rules:
        assert rule["code"] in ("PF4018", "PF4019") and rule["why"]
        assert rule["source"] and all(s.startswith("https://docs.aws.amazon.com/") for s in rule["source"])


def test_snapshot_reproduces_from_the_installed_cfn_lint() -> None:
    import json
    import os
    import sys
    from importlib import metadata

    from preflight.data import snapshot_info
    from tests.conftest import ROOT

    try:
        version = metadata.version("cfn-lint")
    except metadata.PackageNotFoundError:
        pytest.skip("cfn-lint is not installed (it is the refresh script's source, not a test dependency)")
    if not any(s.startswith(f"cfn-lint@{version} ") for s in snapshot_info("schemas_values").source):
        pytest.skip("installed cfn-lint differs from the snapshot's source version")
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        import refresh_value_schemas
    finally:
        sys.path.pop(0)
    payload = refresh_value_schemas.build("2000-01-01")
    with open(refresh_value_schemas.OUT, encoding="utf-8") as handle:
        assert payload["data"] == json.load(handle)["data"]


def test_unanchored_arn_pattern_rejects_a_reference_that_returns_a_name() -> None:
    """ManagedPolicyArns items match 'arn:(aws...)?:iam::...' anywhere: a policy's physical id contains no 'arn:'."""
    template = """
Resources:
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: read
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
      Roles: [app]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}]
      ManagedPolicyArns: [!Ref Inline]
"""
    [finding] = [f for f in run(template, "t.yaml") if f.code == "PF4017"]
    assert finding.related == ("Inline",)
    assert (
        "(!Ref Inline returns a CloudFormation-generated physical ID, and ManagedPolicyArns needs an ARN:"
        in (finding.message)
    )
