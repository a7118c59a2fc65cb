"""PF0013-PF0015: top-level sections, resource keys, parameters and outputs as CloudFormation validates them."""

from __future__ import annotations

from preflight.api import fix_text
from tests.conftest import lines, run

SECTION_CASE = """Resources:
  Queue:
    Type: AWS::SQS::Queue
outputs:
  QueueUrl:
    Value: !Ref Queue
"""


def test_section_of_other_case_is_renamed_by_a_safe_fix() -> None:
    [finding] = [f for f in run(SECTION_CASE, "t.yaml") if f.code == "PF0013"]
    assert finding.fix is not None and finding.fix.safety == "safe"
    assert fix_text(SECTION_CASE, "t.yaml").text == SECTION_CASE.replace("outputs:", "Outputs:")


def test_macro_may_consume_an_unknown_section_so_it_is_a_warning() -> None:
    template = """Transform: MyCompanyMacro
Settings:
  Tier: gold
Resources:
  Queue:
    Type: AWS::SQS::Queue
"""
    findings = [f for f in run(template, "t.yaml") if f.code == "PF0013"]
    assert [f.severity for f in findings] == ["warning"]
    assert lines(findings) == [
        (
            "2:1 PF0013 Template format error: Invalid template property or properties [Settings]; unless the "
            "macro(s) MyCompanyMacro remove it"
        )
    ]


def test_sam_globals_and_connectors_are_sections_and_keys_of_sam_templates() -> None:
    template = """Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
Resources:
  Queue:
    Type: AWS::SQS::Queue
"""
    assert [f for f in run(template, "t.yaml") if f.code in ("PF0013", "PF0014")] == []


def test_version_is_a_key_of_custom_resources_only() -> None:
    template = """Resources:
  Seed:
    Type: Custom::Seed
    Version: "1.0"
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:seed
  Queue:
    Type: AWS::SQS::Queue
    Version: "1.0"
"""
    assert lines([f for f in run(template, "t.yaml") if f.code == "PF0014"]) == [
        "9:5 PF0014 Template format error: Invalid template resource property 'Version'"
    ]
