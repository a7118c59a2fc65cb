"""PF8001-PF8005: behaviour beyond the golden templates (intrinsics, conditions, transforms, fixes, locations)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from preflight.resolve.pins import Pins
from preflight.schema import store
from tests.conftest import ROOT, lines, run


def pf8(text: str, path: str = "t.yaml", **kwargs: object) -> list[str]:
    return [line for line in lines(run(textwrap.dedent(text), path, **kwargs)) if " PF80" in line]


def severities(text: str, **kwargs: object) -> list[tuple[str, str]]:
    return sorted(
        (f.code, f.severity)
        for f in run(textwrap.dedent(text), "t.yaml", **kwargs)
        if f.code.startswith("PF80")
    )


# --------------------------------------------------------------------------- intrinsic functions


@pytest.mark.parametrize(
    "value",
    [
        "!Ref Versioning",
        "!GetAtt Other.Config",
        "!FindInMap [M, k, v]",
        "!ImportValue Exported",
        "!Select [0, !Ref Configs]",
        "!If [On, {Status: Enabled}, !Ref AWS::NoValue]",
    ],
    ids=["ref-string-param", "getatt", "findinmap", "importvalue", "select", "if-novalue"],
)
def test_computed_values_of_unknown_shape_match_an_object(value: str) -> None:
    text = f"""
    Parameters:
      Versioning: {{Type: String}}
      Configs: {{Type: CommaDelimitedList}}
      Flag: {{Type: String}}
    Conditions:
      On: !Equals [!Ref Flag, "on"]
    Mappings:
      M: {{k: {{v: x}}}}
    Resources:
      Other:
        Type: AWS::S3::Bucket
      Bucket:
        Type: AWS::S3::Bucket
        Properties:
          VersioningConfiguration: {value}
    """
    found = pf8(text)
    if value == "!Ref Versioning":
        # A String parameter is a single value: Ref of it cannot be a mapping.
        assert found == [
            (
                "16:32 PF8005 Properties validation failed: #/VersioningConfiguration: expected type: "
                "JSONObject, found: String (Ref Versioning returns a single value; VersioningConfiguration "
                "takes a mapping)"
            )
        ]
    else:
        assert found == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("!Ref Subnets", []),
        ("!Split [',', !Ref Csv]", []),
        ("!GetAZs ''", []),
        (
            "!Ref Csv",
            [
                (
                    "12:18 PF8005 Properties validation failed: #/SubnetIds: expected type: JSONArray, found: String "
                    "(Ref Csv returns a single value; SubnetIds takes a list)"
                )
            ],
        ),
        (
            "!Ref Group",
            [
                (
                    "12:18 PF8005 Properties validation failed: #/SubnetIds: expected type: JSONArray, found: String "
                    "(Ref Group returns a single value; SubnetIds takes a list)"
                )
            ],
        ),
        (
            "!Join [',', [a, b]]",
            [
                (
                    "12:18 PF8005 Properties validation failed: #/SubnetIds: expected type: JSONArray, "
                    "found: String (Fn::Join returns a single value; SubnetIds takes a list)"
                )
            ],
        ),
    ],
    ids=["list-param", "split", "getazs", "string-param", "resource-ref", "join"],
)
def test_functions_with_a_documented_result_kind(value: str, expected: list[str]) -> None:
    text = f"""
    Parameters:
      Subnets: {{Type: "List<AWS::EC2::Subnet::Id>"}}
      Csv: {{Type: String}}
    Resources:
      Group:
        Type: AWS::EC2::SecurityGroup
        Properties: {{GroupDescription: g}}
      Subnets1:
        Type: AWS::RDS::DBSubnetGroup
        Properties:
          SubnetIds: {value}
          DBSubnetGroupDescription: d
    """
    assert pf8(text) == expected


def test_list_parameter_where_a_single_value_is_required() -> None:
    text = """
    Parameters:
      Names: {Type: CommaDelimitedList}
    Resources:
      Queue:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: !Ref Names
    """
    assert pf8(text) == [
        (
            "8:18 PF8005 Properties validation failed: #/QueueName: expected type: String, found: "
            "JSONArray (Ref Names returns a list; QueueName takes a single value)"
        )
    ]


def test_both_branches_of_fn_if_are_checked_at_their_own_location() -> None:
    text = """
    Parameters:
      Flag: {Type: String}
    Conditions:
      On: !Equals [!Ref Flag, "on"]
    Resources:
      Network:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
          Tags: !If [On, {Name: a}, [{Key: Name, Value: b}]]
    """
    assert pf8(text) == [
        (
            "11:22 PF8005 Properties validation failed: #/Tags: expected type: JSONArray, found: "
            "JSONObject (Tags takes a list of Key/Value pairs, not a mapping of tag names to values)"
        )
    ]


def test_keys_produced_at_deploy_time_are_not_judged() -> None:
    text = """
    Transform: AWS::LanguageExtensions
    Resources:
      Table:
        Type: AWS::DynamoDB::Table
        Properties:
          KeySchema:
            - AttributeName: pk
              KeyType: HASH
          Fn::ForEach::Attributes:
            - Name
            - [AttributeDefinitions]
            - ${Name}: []
    """
    assert pf8(text) == []


def test_null_values_are_not_a_shape_question() -> None:
    text = """
    Resources:
      Queue:
        Type: AWS::SQS::Queue
        Properties:
          QueueName:
    """
    assert pf8(text) == []


# --------------------------------------------------------------------------- locations and messages


def test_a_misspelt_required_property_is_reported_once_with_its_spelling() -> None:
    text = """
    Resources:
      Recorder:
        Type: AWS::Config::ConfigurationRecorder
        Properties:
          RoleArn: arn:aws:iam::111122223333:role/config
    """
    assert pf8(text) == ["6:7 PF8003 Encountered unsupported property RoleArn (did you mean RoleARN?)"]


def test_missing_properties_section_is_located_at_the_resource() -> None:
    text = """
    Resources:
      Role:
        Type: AWS::IAM::Role
    """
    assert pf8(text) == [
        (
            "3:3 PF8004 Properties validation failed: #: required key [AssumeRolePolicyDocument] not "
            "found (Property AssumeRolePolicyDocument cannot be empty)"
        )
    ]


def test_json_template_locations() -> None:
    text = '{"Resources": {"Key": {"Type": "AWS::KMS::Key",\n  "Properties": {"KeyRotationStatus": true}}}}\n'
    assert pf8(text, "t.json") == [
        (
            "2:18 PF8003 Encountered unsupported property KeyRotationStatus "
            "(AWS::KMS::Key has no such property)"
        )
    ]


def test_unknown_types_get_no_property_findings() -> None:
    text = """
    Resources:
      Gateway:
        Type: AWS::EC2::NATGateway
        Properties:
          Bogus: 1
    """
    assert pf8(text) == [
        (
            "4:11 PF8001 Template format error: Unrecognized resource types: [AWS::EC2::NATGateway] "
            "(did you mean AWS::EC2::NatGateway?)"
        )
    ]


# --------------------------------------------------------------------------- kinds of type


@pytest.mark.parametrize(
    ("rtype", "props", "expected"),
    [
        ("Custom::Seeder", "{ServiceToken: !ImportValue Fn, Anything: [1, {a: b}]}", []),
        (
            "AWS::CloudFormation::CustomResource",
            "{Anything: 1}",
            [
                (
                    "5:5 PF8004 Properties validation failed: #: required key [ServiceToken] not found (Property ServiceToken "
                    "cannot be empty)"
                )
            ],
        ),
        ("Acme::Network::Vpc::MODULE", "{Whatever: 1}", []),
    ],
    ids=["custom-named", "custom-resource-without-token", "module"],
)
def test_custom_resources_and_modules(rtype: str, props: str, expected: list[str]) -> None:
    text = f"""
    Resources:
      Thing:
        Type: {rtype}
        Properties: {props}
    """
    assert pf8(text) == expected


def test_third_party_namespace_is_a_warning() -> None:
    text = """
    Resources:
      Cluster:
        Type: MongoDB::Atlas::Cluster
    """
    assert severities(text) == [("PF8001", "warning")]


def test_sam_types_with_and_without_the_transform() -> None:
    body = """
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties: {Runtime: python3.12, Handler: a.h, CodeUri: .}
      Typo:
        Type: AWS::Serverless::Functions
    """
    assert severities(body) == [("PF8001", "error"), ("PF8002", "error")]
    with_transform = pf8("Transform: AWS::Serverless-2016-10-31\n" + textwrap.dedent(body))
    assert with_transform == [
        (
            "8:11 PF8001 Template format error: Unrecognized resource types: "
            "[AWS::Serverless::Functions] (did you mean AWS::Serverless::Function?)"
        )
    ]


def test_a_custom_macro_turns_errors_into_warnings() -> None:
    text = """
    Transform: [AWS::Serverless-2016-10-31, AcmeExpander]
    Resources:
      Queue:
        Type: AWS::SQS::Queue
        Properties:
          Colour: blue
    """
    found = run(textwrap.dedent(text))
    assert [(f.code, f.severity) for f in found if f.code.startswith("PF80")] == [("PF8003", "warning")]
    assert "AcmeExpander" in next(f.message for f in found if f.code == "PF8003")


def test_a_resource_some_scenario_does_not_create_gets_warnings() -> None:
    text = """
    Parameters:
      Env: {Type: String, AllowedValues: [prod, dev]}
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
    Resources:
      Queue:
        Type: AWS::SQS::Queue
        Condition: IsProd
        Properties:
          Colour: blue
    """
    found = [f for f in run(textwrap.dedent(text)) if f.code == "PF8003"]
    assert [(f.severity, f.message) for f in found] == [
        (
            "warning",
            (
                "Encountered unsupported property Colour (AWS::SQS::Queue has no such property); fails only "
                "when condition IsProd is true (the resource is created)"
            ),
        )
    ]


def test_single_mapping_where_a_list_of_such_mappings_is_required_is_a_warning() -> None:
    text = """
    Resources:
      Group:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: web
          SecurityGroupIngress:
            IpProtocol: tcp
            FromPort: 443
            ToPort: 443
            CidrIp: 10.0.0.0/8
    """
    assert severities(text) == [("PF8005", "warning")]


def test_pinned_region_without_the_type() -> None:
    region = "eu-west-1"
    rtype = next(
        t for t in sorted(store.known_types()) if region in store.regions_without(t) and t.startswith("AWS::")
    )
    text = f"""
    Resources:
      Thing:
        Type: {rtype}
    """
    found = [f for f in run(textwrap.dedent(text), "t.yaml", pins=Pins(region=region)) if f.code == "PF8001"]
    assert [f.message for f in found] == [
        (
            f"Template format error: Unrecognized resource types: [{rtype}] ({rtype} "
            f"is not available in {region})"
        )
    ]
    assert [f for f in run(textwrap.dedent(text), "t.yaml") if f.code == "PF8001"] == []


# --------------------------------------------------------------------------- fixes


def _apply(text: str, findings: list, code: str) -> str:
    edits = sorted(
        (e for f in findings if f.code == code and f.fix for e in f.fix.edits),
        key=lambda e: e.start,
        reverse=True,
    )
    for edit in edits:
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


@pytest.mark.parametrize(
    "folder", ["PF8001_unknown-resource-type", "PF8003_unsupported-property"], ids=["PF8001", "PF8003"]
)
def test_case_fix_gives_the_fixed_golden_and_is_idempotent(folder: str) -> None:
    code = folder.split("_")[0]
    base = os.path.join(ROOT, "tests", "golden", folder)
    failing = Path(base, "failing.yaml").read_text(encoding="utf-8")
    fixed = Path(base, "fixed.yaml").read_text(encoding="utf-8")
    findings = run(failing, "failing.yaml")
    assert all(f.fix is None or f.fix.safety == "safe" for f in findings if f.code == code)
    result = _apply(failing, findings, code)
    assert result == fixed
    after = run(result, "fixed.yaml")
    assert [f for f in after if f.code == code and f.fix] == []
    assert len([f for f in after if f.code == code]) == len([f for f in findings if f.code == code]) - 1
    assert _apply(result, after, code) == result


def test_json_fix_edits_the_name_inside_its_quotes() -> None:
    text = (
        '{"Resources": {"Rec": {"Type": "AWS::Config::ConfigurationRecorder",\n'
        '  "Properties": {"RoleArn": "arn:aws:iam::111122223333:role/c"}}}}\n'
    )
    findings = run(text, "t.json")
    assert '"RoleARN": "arn' in _apply(text, findings, "PF8003")
