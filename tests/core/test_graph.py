"""Dependency graph: edges with locations, conditional edges, cycles and their explanation."""

from __future__ import annotations

from preflight.model.graph import Graph
from preflight.model.template import build_template
from preflight.source import load_text
from tests.conftest import run

TEMPLATE = """
Conditions:
  C: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  A:
    Type: AWS::SNS::Topic
    DependsOn: [B]
    Properties:
      TopicName: !Sub "${C1}-${B.TopicName}"
  B:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !If [C, !Ref A2, x]
  A2:
    Type: AWS::SNS::Topic
  C1:
    Type: AWS::SNS::Topic
Outputs:
  O:
    Value: !GetAtt A.TopicArn
"""


def graph(text: str) -> Graph:
    return Graph(build_template(load_text(text)))


def test_edges_have_kind_location_and_conditions():
    g = graph(TEMPLATE)
    edges = sorted((e.source, e.target, e.kind, e.span.line, e.when) for e in g.edges)
    assert edges == [
        ("A", "B", "DependsOn", 7, ()),
        ("A", "B", "Sub", 9, ()),
        ("A", "C1", "Sub", 9, ()),
        ("B", "A2", "Ref", 13, (("C", True),)),
    ]
    assert [(e.source, e.target) for e in g.output_edges] == [("O", "A")]
    assert g.depends("A", "A2") and not g.depends("A2", "A")


def test_strongly_connected_components_in_template_order():
    g = graph("""
Resources:
  X: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt Y.TopicName}}
  Y: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt Z.TopicName}}
  Z: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt X.TopicName}}
  Self: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt Self.TopicName}}
  Free: {Type: AWS::SNS::Topic}
""")
    assert g.strongly_connected() == [["X", "Y", "Z"], ["Self"]]
    cycle = g.cycle_path(["X", "Y", "Z"])
    assert [(e.source, e.target) for e in cycle] == [("X", "Y"), ("Y", "Z"), ("Z", "X")]


def test_cycle_finding_lists_each_edge_with_its_line():
    (finding,) = [f for f in run("""
Resources:
  X: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt Y.TopicName}}
  Y:
    Type: AWS::SNS::Topic
    DependsOn: X
""") if f.code == "PF1001"]
    assert finding.severity == "error" and finding.resource == "X" and finding.related == ("Y",)
    assert finding.message.startswith("Circular dependency between resources: [X, Y].")
    assert finding.notes == ("X -> Y: GetAtt at Properties.TopicName (line 3)", "Y -> X: DependsOn at DependsOn (line 6)")
    assert (finding.span.line, finding.span.column) == (3, 3)


def test_key_policy_cycle_gets_the_key_policy_hint():
    findings = run("""
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: !GetAtt AppRole.Arn}
            Action: kms:Decrypt
            Resource: "*"
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: []}
      Policies:
        - PolicyName: key
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: kms:Decrypt, Resource: !GetAtt Key.Arn}
""")
    (cycle,) = [f for f in findings if f.code == "PF1001"]
    assert "The key policy of Key names AppRole" in cycle.message


def test_cycle_only_in_some_scenarios_is_a_warning_that_names_them():
    (finding,) = [f for f in run("""
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  X: {Type: AWS::SNS::Topic, Properties: {TopicName: !If [IsProd, !GetAtt Y.TopicName, x]}}
  Y: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt X.TopicName}}
""") if f.code == "PF1001"]
    assert finding.severity == "warning"
    assert finding.notes[-1] == "the cycle exists only when: IsProd=true"


def test_cycle_through_a_resource_that_never_exists_is_not_reported():
    findings = run("""
Conditions:
  Never: !Equals [a, b]
Resources:
  X: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt Y.TopicName}}
  Y: {Type: AWS::SNS::Topic, Condition: Never, Properties: {TopicName: !GetAtt X.TopicName}}
""")
    assert [f.code for f in findings if f.code == "PF1001"] == []
