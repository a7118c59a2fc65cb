"""The transform stage (src/preflight/transform/): SAM expanded offline with spans back to the SAM lines,
AWS::LanguageExtensions expanded with spans back to the loop, other macros reported once per file."""

from __future__ import annotations

import os
import textwrap

import pytest

from preflight.resolve.pins import Pins
from preflight.source.document import load_text
from preflight.transform import expand
from tests.conftest import ROOT, run

SAM_HEAD = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"

CYCLE = SAM_HEAD + textwrap.dedent("""\
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
      Thumbnails:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: app.handler
          CodeUri: src/
          Policies:
            - S3ReadPolicy:
                BucketName: !Ref Bucket
          Events:
            Upload:
              Type: S3
              Properties:
                Bucket: !Ref Bucket
                Events: s3:ObjectCreated:*
    """)


def _codes(findings, severity=None):
    return sorted(f.code for f in findings if severity is None or f.severity == severity)


def test_the_classic_sam_cycle_is_found_at_sam_lines():
    findings = [f for f in run(CYCLE) if f.code == "PF1001"]
    assert len(findings) == 1
    cycle = findings[0]
    assert cycle.severity == "error" and cycle.span.line == 4  # the bucket
    assert {"Thumbnails", "ThumbnailsRole", "ThumbnailsUploadPermission"} <= set(cycle.related)
    # the generated resources are named with the SAM source that made them
    assert "ThumbnailsRole from Thumbnails.Policies" in cycle.message
    assert "ThumbnailsUploadPermission from Thumbnails.Events.Upload" in cycle.message


def test_the_cycle_edges_point_at_the_policy_template_and_the_event():
    expansion = expand(load_text(CYCLE, "t.yaml"))
    resources = expansion.document.root["Resources"]
    role_policy = resources["ThumbnailsRole"]["Properties"]["Policies"]
    assert role_policy.item_span(0).line == 13  # - S3ReadPolicy:
    notification = resources["Bucket"]["Properties"]
    assert notification.value_span("NotificationConfiguration").line == 19  # the S3 event's Properties
    assert expansion.origins["ThumbnailsUploadPermission"].span.line == 16  # Upload:
    assert expansion.origins["ThumbnailsUploadPermission"].via == ""
    assert expansion.origins["ThumbnailsRole"].where == "Thumbnails.Policies"


def test_no_cycle_when_the_policy_names_the_bucket_by_a_known_name():
    fixed = CYCLE.replace("  Bucket:\n    Type: AWS::S3::Bucket\n",
                          "  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub up-${AWS::AccountId}\n")
    fixed = fixed.replace("BucketName: !Ref Bucket", "BucketName: !Sub up-${AWS::AccountId}")
    assert "PF1001" not in _codes(run(fixed))


GENERATED_REFS = SAM_HEAD + textwrap.dedent("""\
    Resources:
      Api:
        Type: AWS::Serverless::Api
        Properties:
          StageName: Prod
      Function:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: app.handler
          InlineCode: "def handler(e, c): return {}"
          Policies: [AWSLambdaBasicExecutionRole]
          Events:
            Implicit:
              Type: Api
              Properties: {Path: /, Method: get}
            Explicit:
              Type: Api
              Properties: {RestApiId: !Ref Api, Path: /x, Method: get}
    Outputs:
      ImplicitStage:
        Value: !Ref ServerlessRestApiProdStage
      Stage:
        Value: !Ref ApiProdStage
      StageProperty:
        Value: !Ref Api.Stage
      Role:
        Value: !GetAtt FunctionRole.Arn
    """)


def test_references_to_generated_resources_resolve():
    findings = run(GENERATED_REFS)
    assert "PF1002" not in _codes(findings), [f.message for f in findings]
    assert _codes(findings, "error") == []


def test_managed_policy_names_resolve_offline_in_the_pinned_partition():
    default = expand(load_text(GENERATED_REFS, "t.yaml")).document.root["Resources"]
    arns = default["FunctionRole"]["Properties"]["ManagedPolicyArns"]
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in arns
    china = expand(load_text(GENERATED_REFS, "t.yaml"), Pins(region="cn-north-1")).document.root["Resources"]
    assert "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in (
        china["FunctionRole"]["Properties"]["ManagedPolicyArns"])


def test_the_expansion_makes_no_aws_call_and_reads_no_aws_configuration(monkeypatch):
    import boto3
    import boto3.session

    def refuse(*args, **kwargs):
        raise AssertionError("an AWS session or client was created")

    monkeypatch.setattr(boto3.session.Session, "__init__", refuse)
    monkeypatch.setattr(boto3, "client", refuse)
    monkeypatch.setattr(boto3, "Session", refuse)
    app = SAM_HEAD + textwrap.dedent("""\
        Mappings:
          Apps:
            aws: {id: "arn:aws:serverlessrepo:us-east-1:123456789012:applications/Rotation", version: 1.1.0}
        Resources:
          Rotation:
            Type: AWS::Serverless::Application
            Properties:
              Location:
                ApplicationId: !FindInMap [Apps, !Ref AWS::Partition, id]
                SemanticVersion: !FindInMap [Apps, !Ref AWS::Partition, version]
        """)
    findings = run(app)
    assert _codes(findings, "error") == []
    resources = expand(load_text(app, "t.yaml")).document.root["Resources"]
    assert resources["Rotation"]["Type"] == "AWS::CloudFormation::Stack"
    assert run(GENERATED_REFS) is not None


def test_a_finding_on_a_generated_resource_points_at_the_event_and_names_the_generated_id():
    template = SAM_HEAD + textwrap.dedent("""\
        Resources:
          Function:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: app.handler
              InlineCode: "def handler(e, c): return {}"
              Events:
                Nightly:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 day)
                    Name: a-rule-name-that-is-much-too-long-for-eventbridge-which-allows-64-chars
        """)
    [finding] = [f for f in run(template) if f.code == "PF3001"]
    assert (finding.span.line, finding.resource) == (15, "FunctionNightly")
    assert finding.related == ("Function",)
    assert "AWS::Events::Rule FunctionNightly is generated by the SAM transform from Function.Events.Nightly" in (
        finding.message)


def test_a_globals_value_is_reported_at_the_globals_entry_once():
    template = SAM_HEAD + textwrap.dedent("""\
        Globals:
          Function:
            Runtime: nodejs14.x
        Resources:
          One:
            Type: AWS::Serverless::Function
            Properties: {Handler: a.b, InlineCode: x}
          Two:
            Type: AWS::Serverless::Function
            Properties: {Handler: a.b, InlineCode: x}
        """)
    runtime = [f for f in run(template) if f.code == "PF4002"]
    assert [(f.span.line, f.severity) for f in runtime] == [(5, "error")]


def test_a_template_that_does_not_translate_gets_one_finding_with_the_translators_message():
    template = SAM_HEAD + textwrap.dedent("""\
        Resources:
          Function:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: app.handler
              InlineCode: x
              Events:
                Get:
                  Type: Api
                  Properties: {Path: /}
          Api:
            Type: AWS::Serverless::Api
        """)
    failures = [f for f in run(template) if f.code == "PF0030"]
    assert len(failures) == 1
    assert failures[0].span.line == 11  # the event the translator names
    assert "Invalid Serverless Application Specification document" in failures[0].message
    assert "Property 'Method' is required" in failures[0].message


def test_text_edits_are_dropped_on_generated_resources():
    from preflight.findings import Edit, Finding, Fix
    from preflight.source.span import NO_SPAN
    from preflight.transform import annotate

    expansion = expand(load_text(CYCLE, "t.yaml"))
    finding = Finding("t.yaml", NO_SPAN, "PF6201", "bucket-policy-service", "error", "m", "ThumbnailsRole",
                      fix=Fix("add", "safe", (Edit(0, 0, "x"),)))
    [out] = annotate([finding], expansion)
    assert out.fix is not None and out.fix.edits == () and out.fix.safety == "display"
    assert out.related == ("Thumbnails",)


# ----------------------------------------------------------------------------------- AWS::LanguageExtensions

FOREACH = textwrap.dedent("""\
    Transform: AWS::LanguageExtensions
    Parameters:
      Names:
        Type: CommaDelimitedList
        Default: "Orders, Invoices"
      Policy:
        Type: String
        Default: Retain
    Conditions:
      Fn::ForEach::Is:
        - Name
        - !Ref Names
        - Is${Name}: !Equals [!Ref AWS::Region, us-east-1]
    Resources:
      Fn::ForEach::Topics:
        - Name
        - !Ref Names
        - Topic${Name}:
            Type: AWS::SNS::Topic
            Condition: Is${Name}
            DeletionPolicy: !Ref Policy
            Properties:
              TopicName: !Sub ${Name}-topic
          Fn::ForEach::Queues:
            - Kind
            - [dead-letter, main]
            - Queue${Name}&{Kind}:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !Join ["-", [!Ref Name, !Ref Kind]]
                  DelaySeconds: {Fn::Length: [1, 2, 3]}
    Outputs:
      Fn::ForEach::Arns:
        - Name
        - !Ref Names
        - ${Name}Arn:
            Value: !Ref Topic${Name}
      Dead:
        Value: !GetAtt QueueOrdersdeadletter.Arn
    """)


def test_foreach_expands_resources_conditions_outputs_and_nested_loops():
    expansion = expand(load_text(FOREACH, "t.yaml"))
    root = expansion.document.root
    assert sorted(root["Resources"]) == ["QueueInvoicesdeadletter", "QueueInvoicesmain", "QueueOrdersdeadletter",
                                         "QueueOrdersmain", "TopicInvoices", "TopicOrders"]
    assert sorted(root["Conditions"]) == ["IsInvoices", "IsOrders"]
    assert sorted(root["Outputs"]) == ["Dead", "InvoicesArn", "OrdersArn"]
    topic = root["Resources"]["TopicOrders"]
    assert topic["Properties"]["TopicName"] == {"Fn::Sub": "Orders-topic"}
    assert topic["Condition"] == "IsOrders" and topic["DeletionPolicy"] == "Retain"
    queue = root["Resources"]["QueueOrdersdeadletter"]["Properties"]
    assert queue["QueueName"] == {"Fn::Join": ["-", ["Orders", "dead-letter"]]}
    assert queue["DelaySeconds"] == 3
    # spans go back to the loop's fragment
    assert root["Resources"].key_span("QueueOrdersmain").line == 27
    assert expansion.origins["QueueOrdersmain"].where == (
        "Fn::ForEach::Topics (Name = Orders), Fn::ForEach::Queues (Kind = main)")
    assert _codes(run(FOREACH), "error") == []


def test_valid_foreach_templates_are_no_longer_rejected():
    codes = _codes(run(FOREACH))
    assert not {"PF0004", "PF1002", "PF0005", "PF8001"} & set(codes), codes


def test_a_foreach_over_a_parameter_without_default_says_what_it_depends_on():
    template = FOREACH.replace('    Default: "Orders, Invoices"\n', "")
    findings = run(template)
    unknown = [f for f in findings if f.code == "PF0032"]
    assert unknown and all(f.severity == "info" and "parameter Names" in f.message for f in unknown)
    assert "--parameters Names=" in unknown[0].message
    # what the loop would generate is not reported as unresolved
    assert "PF1002" not in _codes(findings)
    pinned = run(template, pins=Pins(parameters={"Names": "A,B"}))
    assert "PF0032" not in _codes(pinned)


def test_a_finding_on_a_generated_resource_names_the_loop_and_the_item():
    template = textwrap.dedent("""\
        Transform: AWS::LanguageExtensions
        Resources:
          Fn::ForEach::Topics:
            - Name
            - [ok, a-queue-name-that-is-far-too-long-for-sqs-which-accepts-eighty-characters-at-the-most]
            - Queue&{Name}:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !Sub ${Name}
        """)
    [finding] = [f for f in run(template) if f.code == "PF3001"]
    assert finding.span.line == 9
    assert "AWS::SQS::Queue Queueaqueuename" in finding.message
    assert "is generated by Fn::ForEach::Topics (Name = a-queue-name-that" in finding.message


def test_sam_and_language_extensions_run_in_the_listed_order():
    template = textwrap.dedent("""\
        Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
        Resources:
          Fn::ForEach::Functions:
            - Name
            - [Orders, Invoices]
            - ${Name}Function:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.handler
                  CodeUri: !Sub src/${Name}
        Outputs:
          Role:
            Value: !GetAtt OrdersFunctionRole.Arn
        """)
    findings = run(template)
    assert _codes(findings, "error") == []
    expansion = expand(load_text(template, "t.yaml"))
    origin = expansion.origins["OrdersFunctionRole"]
    assert origin.source == "OrdersFunction" and origin.via == "Fn::ForEach::Functions (Name = Orders)"


# ----------------------------------------------------------------------------------- what cannot run here


def test_macros_include_and_tool_tags_give_one_finding_per_file():
    template = textwrap.dedent("""\
        Transform: MyMacro
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !Rain::Embed name.txt
              DisplayName: !Rain::Embed display.txt
          Fn::Transform:
            Name: AWS::Include
            Parameters: {Location: s3://bucket/more.yaml}
        """)
    findings = run(template)
    assert [f.code for f in findings if f.code.startswith("PF00")] == ["PF0031"]
    [finding] = findings
    assert finding.span.line == 1 and finding.severity == "warning"
    for part in ("the macro MyMacro", "AWS::Include (line 8)", "!Rain::Embed (line 6 and 1 more)", "rain pkg"):
        assert part in finding.message


@pytest.mark.parametrize("name", ["AWS::SecretsManager-2024-09-16", "AWS::CodeDeployBlueGreen"],
                         ids=["secrets-manager", "codedeploy"])
def test_aws_hosted_transforms_are_advice(name):
    findings = run(f"Transform: {name}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    assert [(f.code, f.severity) for f in findings] == [("PF0031", "info")]


def test_the_sam_example_points_at_sam_lines():
    path = os.path.join(ROOT, "examples", "sam", "failing.yaml")
    with open(path, encoding="utf-8") as handle:
        findings = run(handle.read(), path)
    errors = sorted((f.span.line, f.code) for f in findings if f.severity == "error")
    assert errors == [(9, "PF4002"), (14, "PF1001"), (47, "PF3001")]
    with open(os.path.join(ROOT, "examples", "sam", "fixed.yaml"), encoding="utf-8") as handle:
        assert _codes(run(handle.read()), "error") == []


def test_a_loop_without_the_language_extensions_transform_is_one_clear_error():
    template = FOREACH.replace("Transform: AWS::LanguageExtensions\n", "")
    findings = run(template)
    assert [(f.code, f.severity, f.span.line) for f in findings if f.severity == "error"] == [("PF0032", "error", 9)]
    assert "needs 'Transform: AWS::LanguageExtensions'" in findings[0].message


def test_conditions_and_resources_of_an_unknown_loop_are_not_reported_as_undefined():
    template = textwrap.dedent("""\
        Transform: AWS::LanguageExtensions
        Parameters:
          Names:
            Type: CommaDelimitedList
        Conditions:
          Fn::ForEach::Is:
            - Name
            - !Ref Names
            - Is${Name}: !Equals [!Ref AWS::Region, us-east-1]
        Resources:
          Fn::ForEach::Topics:
            - Name
            - !Ref Names
            - Topic${Name}:
                Type: AWS::SNS::Topic
          Queue:
            Type: AWS::SQS::Queue
            Condition: IsOrders
            DependsOn: TopicOrders
            Properties:
              QueueName: !GetAtt TopicOrders.TopicName
              Tags: [{Key: k, Value: !If [IsOrders, a, b]}]
        """)
    findings = run(template)
    assert [(f.code, f.severity) for f in findings] == [("PF0032", "info"), ("PF0032", "info")]
    # a name no loop can produce still is
    assert "PF1002" in _codes(run(template.replace("DependsOn: TopicOrders", "DependsOn: Missing")))


def test_without_the_translator_the_template_is_checked_as_written_with_one_warning(monkeypatch):
    from preflight.transform import sam

    def missing() -> None:
        raise ImportError("No module named 'samtranslator'")

    monkeypatch.setattr(sam, "_translator_module", missing)
    findings = run(CYCLE)
    [warning] = [f for f in findings if f.code == "PF0030"]
    assert warning.severity == "warning" and warning.span.line == 2
    assert "pip install aws-sam-translator" in warning.message


def test_a_json_sam_template_points_at_its_json_lines():
    import json

    body = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "a.b", "InlineCode": "x",
            "Events": {"Nightly": {"Type": "Schedule", "Properties": {
                "Schedule": "rate(1 day)", "Name": "n" * 70}}}}}}}
    [finding] = [f for f in run(json.dumps(body, indent=1), "t.json") if f.code == "PF3001"]
    assert finding.resource == "FnNightly" and finding.span.line == 15


def test_a_top_level_include_is_a_warning():
    template = "Transform:\n  Name: AWS::Include\n  Parameters: {Location: s3://b/k.yaml}\nResources:\n" \
               "  Topic:\n    Type: AWS::SNS::Topic\n"
    assert [(f.code, f.severity, f.span.line) for f in run(template)] == [("PF0031", "warning", 2)]


def test_parameters_sam_must_resolve_get_stand_in_values_and_one_info():
    template = SAM_HEAD + textwrap.dedent("""\
        Parameters:
          AliasName: {Type: String}
          Unused: {Type: String}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: a.b
              InlineCode: x
              AutoPublishAlias: !Ref AliasName
        Outputs:
          Alias:
            Value: !Ref Fn.Alias
        """)
    findings = run(template)
    assert [(f.code, f.severity) for f in findings] == [("PF0030", "info")]
    assert "parameter(s) AliasName (no default" in findings[0].message
    assert run(template, pins=Pins(parameters={"AliasName": "live"})) == []


def test_explain_policy_reads_the_expanded_template():
    from preflight.explain_cmd import explain_policy

    path = os.path.join(ROOT, "examples", "sam", "fixed.yaml")
    text, allowed = explain_policy(path, "ThumbnailFunctionUploadPermission", "s3.amazonaws.com",
                                   "lambda:InvokeFunction", None, ["aws:SourceAccount=${AWS::AccountId}"], Pins())
    assert allowed and "line 32:13  function policy ThumbnailFunctionUploadPermission" in text  # the S3 event
