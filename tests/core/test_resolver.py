"""Resolver: each intrinsic (well-formed and malformed), pseudo parameters, pins, parameters, scenarios."""

from __future__ import annotations

import pytest

from preflight.model.template import build_template
from preflight.resolve.pins import NO_VALUE, Pins
from preflight.resolve.resolver import Resolver
from preflight.resolve.scenarios import DEFAULT, MAX_SCENARIOS
from preflight.resolve.values import Symbol, Symbolic, Unknown
from preflight.source import load_text

TEMPLATE = """
Parameters:
  Env:
    Type: String
    AllowedValues: [dev, prod]
    Default: dev
  Name:
    Type: String
    MaxLength: 20
  Subnets:
    Type: CommaDelimitedList
    Default: "a, b"
  Ami:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami
Mappings:
  Sizes:
    dev: {Instance: t3.micro}
    prod: {Instance: m5.large}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsEast: !Equals [!Ref "AWS::Region", us-east-1]
  ProdEast: !And [!Condition IsProd, !Condition IsEast]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "logs-${AWS::AccountId}-${AWS::Region}"
  Generated:
    Type: AWS::S3::Bucket
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      Path: /svc/
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /app/logs
"""


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(build_template(load_text(TEMPLATE)))


def value(resolver: Resolver, text: str, scenario=DEFAULT):
    return resolver.resolve(load_text("v: " + text).root["v"], scenario)


@pytest.mark.parametrize("expr,expected", [
    ("!Join ['-', [a, b, c]]", "a-b-c"),
    ("!Select [1, [a, b, c]]", "b"),
    ("!Split [',', 'a,b']", ["a", "b"]),
    ("!FindInMap [Sizes, prod, Instance]", "m5.large"),
    ("!Base64 abc", "YWJj"),
    ("!Cidr ['10.0.0.0/16', 2, 8]", ["10.0.0.0/24", "10.0.1.0/24"]),
    ("!Length [a, b]", 2),
    ("!ToJsonString {a: 1}", '{"a":1}'),
    ("!Equals [a, a]", True),
    ("!Not [!Equals [a, a]]", False),
    ("!Or [!Equals [a, b], !Equals [c, c]]", True),
    ("!Sub 'x-${!Literal}'", "x-${Literal}"),
    ("!Sub ['${A}-${B}', {A: 1, B: two}]", "1-two"),
    ("!Ref Env", "dev"),
    ("!Ref Subnets", ["a", "b"]),
    ("!Ref Role", "app"),
    ("!Ref Logs", "/app/logs"),
    ("!Ref AWS::Partition", "aws"),
    ("!Ref AWS::URLSuffix", "amazonaws.com"),
], ids=lambda v: v if isinstance(v, str) and v.startswith("!") else None)
def test_known_values(resolver, expr, expected):
    assert value(resolver, expr) == expected


def test_pseudo_parameters_are_symbols_unless_pinned(resolver):
    region = value(resolver, "!Ref AWS::Region")
    assert isinstance(region, Symbol) and region.key == "AWS::Region"
    pinned = Resolver(build_template(load_text(TEMPLATE)), Pins(region="cn-north-1", account_id="111122223333"))
    assert value(pinned, "!Ref AWS::Region") == "cn-north-1"
    assert value(pinned, "!Ref AWS::Partition") == "aws-cn", "the partition follows a pinned region"
    assert value(pinned, "!Sub 'arn:${AWS::Partition}:s3:::${Bucket}'") == \
        "arn:aws-cn:s3:::logs-111122223333-cn-north-1"


def test_sub_keeps_symbols_as_parts(resolver):
    result = value(resolver, "!Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:x'")
    assert isinstance(result, Symbolic)
    assert result.parts[0] == "arn:aws:logs:"
    assert [s.key for s in result.symbols] == ["AWS::Region", "AWS::AccountId"]
    assert result.length_bounds() == (len("arn:aws:logs:::log-group:x") + 9 + 12, len("arn:aws:logs:::log-group:x") + 15 + 12)


def test_parameter_without_default_is_a_bounded_symbol(resolver):
    name = value(resolver, "!Ref Name")
    assert isinstance(name, Symbol) and name.max_len == 20 and name.description == "parameter Name"


def test_ssm_parameter_default_is_not_its_value(resolver):
    ami = value(resolver, "!Ref Ami")
    assert isinstance(ami, Symbol) and "SSM" in ami.description


def test_pinned_parameters_win_over_defaults():
    resolver = Resolver(build_template(load_text(TEMPLATE)), Pins(parameters={"Env": "prod", "Name": "x"}))
    assert value(resolver, "!FindInMap [Sizes, !Ref Env, Instance]") == "m5.large"
    assert value(resolver, "!Ref Name") == "x"


def test_resource_refs_and_arns(resolver):
    assert value(resolver, "!Ref Bucket") == Symbolic.of(["logs-", value(resolver, "!Ref AWS::AccountId"), "-",
                                                          value(resolver, "!Ref AWS::Region")])
    generated = value(resolver, "!Ref Generated")
    assert isinstance(generated, Symbol) and generated.key == "ref:Generated"
    assert str(value(resolver, "!GetAtt Role.Arn")) == "arn:aws:iam::${AWS::AccountId}:role/svc/app"
    assert str(value(resolver, "!GetAtt Logs.Arn")).endswith("log-group:/app/logs:*"), "GetAtt Arn adds ':*'"
    assert str(resolver.arn_of(resolver.template.resources["Logs"])).endswith("log-group:/app/logs")
    assert str(value(resolver, "!GetAtt Generated.Arn")) == "arn:aws:s3:::${Generated}"


def test_getazs_select_gives_one_symbol_per_index(resolver):
    az = value(resolver, "!Select [1, !GetAZs '']")
    assert isinstance(az, Symbol) and az.key == "az:1"


def test_import_value_is_a_symbol(resolver):
    imported = value(resolver, "!ImportValue shared-vpc")
    assert isinstance(imported, Symbol) and imported.key == "import:shared-vpc"


@pytest.mark.parametrize("expr,reason", [
    ("!Join ['-', a]", "malformed Fn::Join"),
    ("!Select [x, [a]]", "malformed Fn::Select"),
    ("!Select [5, [a]]", "outside a list of 1"),
    ("!If [Nope, a, b]", "not defined"),
    ("!FindInMap [Sizes, test, Instance]", "that the mapping does not have"),
    ("!Ref Missing", "not a parameter or resource"),
    ("!GetAtt Missing.Arn", "not a resource"),
    ("!Split [',', !Ref Name]", "known only at deploy time"),
    ("!Transform {Name: X}", "macro or transform"),
], ids=["join", "select-index", "select-range", "if-undefined", "map-key", "ref", "getatt", "split", "transform"])
def test_malformed_or_undecidable_calls_are_unknown_with_a_reason(resolver, expr, reason):
    result = value(resolver, expr)
    assert isinstance(result, Unknown) and reason in result.reason


def test_novalue_removes_keys_and_items(resolver):
    node = load_text("v: {a: !Ref AWS::NoValue, b: [1, !Ref AWS::NoValue, 2]}").root["v"]
    assert resolver.resolve(node) == {"b": [1, 2]}
    assert value(resolver, "!Ref AWS::NoValue") is NO_VALUE


def test_scenarios_are_the_satisfiable_condition_vectors(resolver):
    scenarios = resolver.scenarios
    assert not scenarios.truncated
    vectors = {s.conditions for s in scenarios.scenarios}
    # Env in {dev, prod} x Region in {us-east-1, other}: ProdEast is true only when both are.
    assert vectors == {
        (("IsProd", a), ("IsEast", b), ("ProdEast", a and b)) for a in (True, False) for b in (True, False)
    }
    for scenario in scenarios.scenarios:
        expected = "prod" if scenario.condition("IsProd") else "dev"
        assert value(resolver, "!If [IsProd, prod, dev]", scenario) == expected
        assert value(resolver, "!Ref Env", scenario) == expected, "Ref follows the scenario's input"


def test_mutually_exclusive_conditions_never_both_true():
    template = build_template(load_text("""
Parameters:
  Env: {Type: String}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  IsProd: !Equals [!Ref Env, prod]
Resources:
  T: {Type: AWS::SNS::Topic}
"""))
    vectors = {s.conditions for s in Resolver(template).scenarios.scenarios}
    assert (("IsDev", True), ("IsProd", True)) not in vectors
    assert len(vectors) == 3


def test_scenario_enumeration_is_bounded():
    conditions = "\n".join(f"  C{i}: !Equals [!Ref P{i}, x]" for i in range(10))
    params = "\n".join(f"  P{i}: {{Type: String}}" for i in range(10))
    template = build_template(load_text(f"Parameters:\n{params}\nConditions:\n{conditions}\n"
                                        "Resources:\n  T: {Type: AWS::SNS::Topic}\n"))
    scenarios = Resolver(template).scenarios
    assert scenarios.truncated and len(scenarios.scenarios) <= MAX_SCENARIOS
