"""Conditions as scenarios (issue 13, classes 3 and 4): constant conditions are folded, a resource that no
scenario creates is not checked as if it were created, references to a resource its Condition leaves out are
reported in the scenarios that leave it out (PF1006), and account-state checks do not go silent behind a Condition
that holds by default."""

from __future__ import annotations

import glob
import json
import os

import pytest

from preflight.model.template import build_template
from preflight.resolve.pins import Pins
from preflight.resolve.resolver import Resolver
from preflight.resolve.scenarios import DEFAULT
from preflight.source.document import load_text
from preflight.source.nodes import plain_values
from tests.conftest import ROOT, run


def _resolver(text: str, pins: Pins | None = None) -> Resolver:
    return Resolver(build_template(load_text(text)), pins)


CONDITIONS = """
Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  Never: !Equals ['true', 'false']
  Always: !Not [!Condition Never]
  Both: !And [!Condition Never, !Condition InEast]
  Either: !Or [!Condition Never, !Condition Always]
  InEast: !Equals [!Ref AWS::Region, us-east-1]
  AccountIsProd: !Equals [!Ref AWS::AccountId, prod]
  RegionNamedDev: !Equals [!Sub '${AWS::Region}', dev]
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Topic: {Type: AWS::SNS::Topic}
"""


@pytest.mark.parametrize(
    ("name", "pins", "expected"),
    [
        ("Never", None, {False}),
        ("Always", None, {True}),
        ("Both", None, {False}),
        ("Either", None, {True}),
        ("InEast", None, {True, False}),
        ("InEast", Pins(region="us-east-1"), {True}),
        ("InEast", Pins(region="eu-west-1"), {False}),
        # shapes: an account id is 12 digits, a Region never "dev"
        ("AccountIsProd", None, {False}),
        ("RegionNamedDev", None, {False}),
        ("IsProd", None, {True, False}),
    ],
    ids=[
        "equals-literals",
        "not",
        "and",
        "or",
        "region",
        "region-pinned-east",
        "region-pinned-west",
        "account-id-shape",
        "region-shape-in-sub",
        "parameter",
    ],
)
def test_constant_conditions_are_folded(name: str, pins: Pins | None, expected: set[bool]) -> None:
    resolver = _resolver(CONDITIONS, pins)
    assert {s.condition(name) for s in resolver.scenarios.scenarios} == expected


def test_a_resource_false_in_every_scenario_is_never_created() -> None:
    text = (
        CONDITIONS
        + """
  Gone: {Type: AWS::SNS::Topic, Condition: Never}
  Maybe: {Type: AWS::SNS::Topic, Condition: IsProd}
  EastOnly: {Type: AWS::SNS::Topic, Condition: InEast}
"""
    )
    assert _resolver(text).never_created() == {"Gone"}
    assert _resolver(text, Pins(region="eu-west-1")).never_created() == {"Gone", "EastOnly"}


# --- never-created resources are not checked -----------------------------------------------------------------------
GOLDEN = sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "*", "failing.yaml")))


def _conditioned_out(path: str) -> str | None:
    """The golden failing template with every resource and output behind a condition that is always false."""
    with open(path, encoding="utf-8") as handle:
        doc = plain_values(load_text(handle.read(), path).root)
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict) or doc.get("Transform"):
        return None
    conditions = doc.get("Conditions") if isinstance(doc.get("Conditions"), dict) else {}
    doc["Conditions"] = {**conditions, "NeverIssue13": {"Fn::Equals": ["a", "b"]}}
    for node in [*doc["Resources"].values(), *(doc.get("Outputs") or {}).values()]:
        if isinstance(node, dict):
            node["Condition"] = "NeverIssue13"
    doc["Resources"]["KeepIssue13"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    return json.dumps(doc, indent=1)


@pytest.mark.parametrize("path", GOLDEN, ids=[os.path.basename(os.path.dirname(p)) for p in GOLDEN])
def test_golden_failures_vanish_when_nothing_is_created(path: str) -> None:
    """Every check path respects a Condition that is false in every scenario: only template-format findings
    (CloudFormation validates the whole template before evaluating conditions) remain."""
    text = _conditioned_out(path)
    if text is None:
        pytest.skip("not a plain template")
    left = [f"{f.code} {f.message[:80]}" for f in run(text, "t.json") if f.category != "template-structure"]
    assert left == []


# --- PF1006 --------------------------------------------------------------------------------------------------------
REFERENCES = """
Parameters:
  Analytics: {Type: String, AllowedValues: ['Yes', 'No'], Default: 'No'}
Conditions:
  AnalyticsOn: !Equals [!Ref Analytics, 'Yes']
  InEast: !Equals [!Ref AWS::Region, us-east-1]
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Condition: AnalyticsOn
    Properties: {ShardCount: 1}
  EastTopic:
    Type: AWS::SNS::Topic
    Condition: InEast
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      Tags:
        - {Key: a, Value: !If [AnalyticsOn, !Ref Stream, none]}
        - {Key: b, Value: !GetAtt EastTopic.TopicName}
"""


def test_reference_guarded_by_fn_if_is_fine_and_region_dependency_is_named() -> None:
    found = [f for f in run(REFERENCES) if f.code == "PF1006"]
    assert [(f.severity, f.related, f.span.line) for f in found] == [("warning", ("EastTopic",), 20)]
    assert "(when " in found[0].message and "InEast=false" in found[0].message


def test_pinned_region_makes_it_certain() -> None:
    west = [f for f in run(REFERENCES, pins=Pins(region="eu-west-1")) if f.code == "PF1006"]
    assert [(f.severity, f.related) for f in west] == [("error", ("EastTopic",))]
    assert [f for f in run(REFERENCES, pins=Pins(region="us-east-1")) if f.code == "PF1006"] == []


# --- account state behind a Condition (PF5001) ---------------------------------------------------------------------
DETECTOR = """
Parameters:
  CreateDetector: {{Type: String, AllowedValues: ['true', 'false'], Default: '{default}'}}
Conditions:
  MakeDetector: !Equals [!Ref CreateDetector, 'true']
Resources:
  Detector:
    Type: AWS::GuardDuty::Detector
    Condition: MakeDetector
    Properties: {{Enable: true}}
"""


@pytest.mark.parametrize(
    ("default", "pins", "expected"),
    [
        ("false", None, []),  # opt-in: the documented guard
        ("true", None, [("warning", True)]),  # holds by default: reported, naming the scenario
        (
            "false",
            Pins(parameters={"CreateDetector": "true"}),
            [("warning", False)],
        ),  # pinned: every scenario
    ],
    ids=["opt-in-guard", "guard-true-by-default", "guard-true-when-pinned"],
)
def test_singleton_behind_a_default_true_condition(
    default: str, pins: Pins | None, expected: list[tuple[str, bool]]
) -> None:
    found = [f for f in run(DETECTOR.format(default=default), pins=pins) if f.code == "PF5001"]
    assert [(f.severity, "(when CreateDetector=true" in f.message) for f in found] == expected
    assert all(
        "Condition MakeDetector of Detector holds with the parameter defaults" in f.message for f in found
    )


def test_default_scenario_is_the_parameter_defaults() -> None:
    resolver = _resolver(DETECTOR.format(default="true"))
    assert resolver.condition("MakeDetector", DEFAULT) is True


# --- a live resource is not judged by what a never-created one would do ---------------------------------------------
LOG_BUCKET = """
Conditions:
  Never: !Equals ['a', 'b']
Resources:
  TrailBucket:
    Type: AWS::S3::Bucket
  Trail:
    Type: AWS::CloudTrail::Trail
    {condition}
    Properties:
      IsLogging: true
      S3BucketName: !Ref TrailBucket
"""


@pytest.mark.parametrize(
    ("condition", "expected"),
    [("Condition: Never", []), ("", ["TrailBucket"])],
    ids=["never-created", "created"],
)
def test_a_log_bucket_receives_nothing_from_a_writer_never_created(
    condition: str, expected: list[str]
) -> None:
    found = [f.resource for f in run(LOG_BUCKET.format(condition=condition)) if f.code == "PF7002"]
    assert found == expected
