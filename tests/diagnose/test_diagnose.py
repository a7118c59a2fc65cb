"""preflight diagnose: formats, reasoning (root vs cascade vs rollback blockers, nested stacks), classification,
the template mapping, the three outputs and the exit codes."""

from __future__ import annotations

import json
import os

import pytest

from preflight.cli import main
from preflight.diagnose.core import diagnose
from preflight.diagnose.events import parse_events
from preflight.errors import InputError
from tests.diagnose.streams import FORMATS, render, scenario

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "diagnose")
KMS_REASON = (
    'Resource handler returned message: "The specified KMS key does not exist or is not allowed to be used '
    "with Arn 'arn:aws:logs:us-east-1:111122223333:log-group:/app/x' (Service: CloudWatchLogs, Status Code: "
    '400, Request ID: 0f0e)" (RequestToken: 1a2b, HandlerErrorCode: GeneralServiceException)'
)
OTHERS = [("AppKey", "AWS::KMS::Key"), ("Topic", "AWS::SNS::Topic"), ("Fn", "AWS::Lambda::Function")]


def _run(text: str, *more: str) -> dict:
    parsed = [parse_events(text)] + [parse_events(t, f"nested{i}") for i, t in enumerate(more)]
    return diagnose(parsed).to_json("test")


def test_json_contract_keys_are_exact() -> None:
    out = _run(
        render("json", scenario("AppLogs", "AWS::Logs::LogGroup", KMS_REASON, OTHERS, blocker=True), True)
    )
    for key in (
        "version",
        "stack",
        "operation",
        "root_shown",
        "root",
        "rollback_blockers",
        "cascade",
        "findings",
    ):
        assert key in out
    assert set(out["root"]) >= {
        "resource",
        "type",
        "status",
        "reason",
        "category",
        "explanation",
        "codes",
        "nested_stack",
        "location",
    }
    assert out["stack"] == "demo-stack" and out["operation"] == "CREATE"
    assert out["root"]["resource"] == "AppLogs" and out["root"]["codes"] == ["PF6101"]
    assert out["root"]["category"] == "kms-service-access" and out["root"]["location"] is None
    assert [b["resource"] for b in out["rollback_blockers"]] == ["AppKey"]
    assert {c["resource"] for c in out["cascade"]} == {"Topic", "Fn", "demo-stack"}
    assert set(out["rollback_blockers"][0]) >= {"resource", "status", "reason", "explanation"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("newest_first", [True, False], ids=["newest-first", "oldest-first"])
def test_every_format_and_order(fmt: str, newest_first: bool) -> None:
    out = _run(render(fmt, scenario("AppLogs", "AWS::Logs::LogGroup", KMS_REASON, OTHERS), newest_first))
    assert out["root"]["resource"] == "AppLogs" and out["root"]["category"] == "kms-service-access"
    assert "Topic" in {c["resource"] for c in out["cascade"]}


@pytest.mark.parametrize("fmt", ["json", "console-tabs", "cdk", "sam"])
def test_cut_off_input_says_root_not_shown(fmt: str) -> None:
    out = _run(
        render(
            fmt,
            scenario("AppLogs", "AWS::Logs::LogGroup", KMS_REASON, OTHERS, blocker=True, show_root=False),
            True,
        )
    )
    assert out["root_shown"] is False and out["root"] is None
    assert "AppLogs" in out["listed_failed"] and "not in the input" in out["note"]
    assert [b["resource"] for b in out["rollback_blockers"]] == ["AppKey"]


def test_rollback_blocker_alone_is_never_the_root() -> None:
    text = (
        "2024-05-01 10:00:05 UTC\tdemo\tROLLBACK_FAILED\tThe following resource(s) failed to delete: [Db].\n"
        "2024-05-01 10:00:04 UTC\tDb\tDELETE_FAILED\tCannot delete protected Cluster, please disable deletion "
        "protection and try again. (Service: Rds; Status Code: 400; Error Code: InvalidParameterCombination)\n"
        "2024-05-01 10:00:01 UTC\tdemo\tROLLBACK_IN_PROGRESS\tThe following resource(s) failed to create: "
        "[Web]. Rollback requested by user.\n"
    )
    out = _run(text)
    assert out["root_shown"] is False and out["root"] is None
    blocker = out["rollback_blockers"][0]
    assert blocker["resource"] == "Db" and blocker["codes"] == ["PF7001"]
    assert "Deletion protection" in blocker["explanation"]
    assert out["listed_failed"] == ["Web"]


def test_update_rollback_failure_is_a_blocker_and_the_last_operation_counts() -> None:
    events = [
        ("2024-05-01T09:00:00Z", "demo", "UPDATE_IN_PROGRESS", "User Initiated"),
        ("2024-05-01T09:00:02Z", "Old", "UPDATE_FAILED", "Internal Failure"),
        ("2024-05-01T10:00:00Z", "demo", "UPDATE_IN_PROGRESS", "User Initiated"),
        (
            "2024-05-01T10:00:03Z",
            "Queue",
            "UPDATE_FAILED",
            (
                'Resource handler returned message: "Value 99999999 for '
                'parameter VisibilityTimeout is invalid" (HandlerErrorCode: InvalidRequest)'
            ),
        ),
        (
            "2024-05-01T10:00:04Z",
            "demo",
            "UPDATE_ROLLBACK_IN_PROGRESS",
            ("The following resource(s) failed to update: [Queue]."),
        ),
        (
            "2024-05-01T10:00:09Z",
            "Table",
            "UPDATE_FAILED",
            ('Resource handler returned message: "Subscriber limit exceeded"'),
        ),
        (
            "2024-05-01T10:00:10Z",
            "demo",
            "UPDATE_ROLLBACK_FAILED",
            ("The following resource(s) failed to update: [Table]."),
        ),
    ]
    text = json.dumps(
        [
            {
                "StackName": "demo",
                "LogicalResourceId": lid,
                "ResourceStatus": st,
                "Timestamp": ts,
                "ResourceStatusReason": r,
            }
            for ts, lid, st, r in reversed(events)
        ]
    )
    out = _run(text)
    assert out["operation"] == "UPDATE" and out["root"]["resource"] == "Queue"
    assert out["root"]["category"] == "invalid-value"
    assert [b["resource"] for b in out["rollback_blockers"]] == ["Table"]
    assert "Old" not in {c["resource"] for c in out["cascade"]}


def test_nested_stack_events_are_followed_when_given() -> None:
    parent = (
        "2024-05-01 10:00:02 UTC | Parent | ROLLBACK_IN_PROGRESS | The following resource(s) failed to "
        "create: [Logging].\n"
        "2024-05-01 10:00:01 UTC | Logging | CREATE_FAILED | Embedded stack arn:aws:cloudformation:us-east-1:"
        "111122223333:stack/Parent-Logging-ABC/1 was not successfully created: The following resource(s) "
        "failed to create: [Recorder].\n"
    )
    child = json.dumps(
        {
            "StackEvents": [
                {
                    "StackName": "Parent-Logging-ABC",
                    "LogicalResourceId": "Bucket",
                    "ResourceStatus": "CREATE_FAILED",
                    "ResourceStatusReason": "Resource creation cancelled",
                    "Timestamp": "2024-05-01T10:00:00Z",
                },
                {
                    "StackName": "Parent-Logging-ABC",
                    "LogicalResourceId": "Recorder",
                    "ResourceType": "AWS::Config::ConfigurationRecorder",
                    "ResourceStatus": "CREATE_FAILED",
                    "Timestamp": "2024-05-01T09:59:59Z",
                    "ResourceStatusReason": "Failed to put configuration recorder 'default' because "
                    "the maximum number of configuration recorders: 1 is reached. (Service: Config)",
                },
            ]
        }
    )
    out = _run(parent, child)
    assert out["root"]["resource"] == "Recorder" and out["root"]["category"] == "limit-exceeded"
    assert out["root"]["nested_stack"] == {
        "resource": "Logging",
        "stack": "Parent-Logging-ABC",
        "failed_resources": ["Recorder"],
        "events_shown": True,
    }


@pytest.mark.parametrize(
    ("text", "category", "cycle"),
    [
        ("Circular dependency between resources: [A, B, C]", "circular-dependency", ["A", "B", "C"]),
        (
            (
                "An error occurred (ValidationError) when calling the CreateStack operation: Template format error: "
                "Unresolved resource dependencies [Missing] in the Resources block of the template"
            ),
            "template-structure",
            None,
        ),
        (
            " ❌  demo failed: ValidationError: Template format error: Unrecognized resource types: [AWS::X::Y]",
            "template-structure",
            None,
        ),
    ],
    ids=["cycle", "cli-validation", "cdk-validation"],
)
def test_change_set_errors_without_events(text: str, category: str, cycle: list[str] | None) -> None:
    out = _run(text)
    assert out["operation"] == "VALIDATION" and out["root"]["category"] == category
    assert out["root"]["resource"] is None and out["root"].get("cycle") == cycle


@pytest.mark.parametrize(
    "text",
    ["", "   \n", "hello world\nnothing to see", '{"not": "events"}', "\x00\x01"],
    ids=["empty", "blank", "prose", "json-object", "binary"],
)
def test_unrecognised_input_names_what_was_expected(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_events(text, "paste.txt")
    assert "paste.txt" in str(info.value) and "describe-stack-events" in str(info.value)


def test_cli_exit_codes(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("nothing here\n")
    assert main(["diagnose", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt" in err and "expected stack events" in err and "Traceback" not in err
    assert main(["diagnose", str(tmp_path / "missing.txt")]) == 2
    good = tmp_path / "events.json"
    good.write_text(render("json", scenario("AppLogs", "AWS::Logs::LogGroup", KMS_REASON, OTHERS), True))
    assert main(["diagnose", str(good), "--template", str(tmp_path / "nope.yaml")]) == 2
    assert main(["diagnose", str(good), "--template", "a", "--cdk-out", "b"]) == 2
    capsys.readouterr()
    report = tmp_path / "report.md"
    assert main(["diagnose", str(good), "--format", "markdown", "-o", str(report)]) == 0
    text = report.read_text()
    for heading in (
        "## What went wrong",
        "## Impact",
        "## How to fix it",
        "## How to prevent a recurrence",
        "## If it happens again, check first",
    ):
        assert heading in text
    assert "AppLogs" in text and "kms-service-access" in text


def test_example_with_template_predicts_the_failure(capsys: pytest.CaptureFixture[str]) -> None:
    events = os.path.join(EXAMPLE, "events.txt")
    template = os.path.join(ROOT, "examples", "cloudtrail", "failing.yaml")
    assert main(["diagnose", events, "--template", template, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stack"] == "orders-trail" and out["operation"] == "CREATE"
    root = out["root"]
    assert (root["resource"], root["type"], root["category"]) == (
        "Trail",
        "AWS::CloudTrail::Trail",
        "bucket-policy-service",
    )
    assert root["location"] == {"file": template, "line": 52, "column": 3}
    assert out["predicted_by"]["code"] == "PF6201" and out["predicted_by"]["resource"] == "Trail"
    assert [f["code"] for f in out["other_findings"]] == ["PF2001", "PF6102"]
    assert [c["resource"] for c in out["cascade"]] == ["TrailBucketPolicy", "orders-trail"]
    assert len(out["findings"]) == 4, "the template's findings are listed as in check's JSON"
    assert main(["diagnose", events, "--template", template]) == 0
    text = capsys.readouterr().out
    assert "Predicted by PF6201" in text and "Cascade (2)" in text


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            "12:19:03 UTC-0700\tCREATE_FAILED\tAWS::EFS::FileSystem\tVolumes\t"
            "Resource is not supported in this region\n"
        ),
    )
    assert main(["diagnose", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["root"]["resource"] == "Volumes" and out["root"]["category"] == "region-account"


def test_cdk_summary_alone_gives_the_reason_and_the_template_the_resource(tmp_path) -> None:
    from preflight.diagnose.core import load_template

    template = (
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n  Logs:\n    Type: AWS::Logs::LogGroup\n"
        "    Properties:\n      KmsKeyId: !GetAtt Key.Arn\n"
    )
    text = (
        " ❌  PythonStack failed: Error: The stack named PythonStack failed creation, it may need to be manually "
        "deleted from the AWS console: ROLLBACK_COMPLETE: " + KMS_REASON + "\n"
    )
    parsed = parse_events(text)
    assert parsed.fmt == "tool-summary" and parsed.stack == "PythonStack"
    out = diagnose([parsed], [load_template("t.yaml", template, [])]).to_json("test")
    assert out["root"]["category"] == "kms-service-access" and out["root"]["status"] is None
    assert out["root"]["resource"] == "Logs" and "only AWS::Logs::LogGroup" in out["root"]["inferred"]


def test_a_second_real_failure_is_reported_apart_not_as_cascade() -> None:
    text = (
        '12:00:05 PM | CREATE_FAILED | AWS::Lambda::Function | Fn Resource handler returned message: "The '
        'runtime parameter of nodejs12.x is no longer supported for creating or updating AWS Lambda functions"\n'
        "12:00:06 PM | CREATE_FAILED | AWS::Logs::LogGroup | Logs Internal Failure\n"
    )
    out = _run(text)
    assert out["root"]["resource"] == "Fn" and out["root"]["category"] == "invalid-value"
    assert out["other_failures"] == [
        {"resource": "Logs", "status": "CREATE_FAILED", "reason": "Internal Failure", "category": "other"}
    ]
    assert out["cascade"] == []


def test_cdk_out_locates_the_construct(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    template = {
        "Resources": {
            "KeyA1": {"Type": "AWS::KMS::Key", "Metadata": {"aws:cdk:path": "App/Key/Resource"}},
            "Logs00112233": {
                "Type": "AWS::Logs::LogGroup",
                "Metadata": {"aws:cdk:path": "App/Logs/Resource"},
                "Properties": {"KmsKeyId": {"Fn::GetAtt": ["KeyA1", "Arn"]}},
            },
        }
    }
    (assembly / "App.template.json").write_text(json.dumps(template, indent=1))
    (assembly / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "App": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "App.template.json"},
                    }
                }
            }
        )
    )
    events = tmp_path / "cdk.txt"
    events.write_text(
        f"App | 2/4 | 12:58:26 PM | CREATE_FAILED        | AWS::Logs::LogGroup | App/Logs/Resource "
        f"(Logs00112233) {KMS_REASON}\n"
    )
    assert main(["diagnose", str(events), "--cdk-out", str(assembly), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["input_format"] == ["cdk-deploy"] and out["root"]["resource"] == "Logs00112233"
    assert (
        out["root"]["location"]["file"].endswith("App.template.json") and out["root"]["location"]["line"] > 1
    )
    assert out["predicted_by"]["code"] == "PF6101"
    assert out["predicted_by"]["construct_path"] == "App/Logs/Resource"


def test_readme_example_is_the_real_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """README's "Diagnosing a failed deployment" block is this run's output (long lines cut at 114 characters)."""
    monkeypatch.chdir(ROOT)
    assert (
        main(["diagnose", "examples/diagnose/events.txt", "--template", "examples/cloudtrail/failing.yaml"])
        == 0
    )
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    shown = [line if len(line) <= 114 else line[:111] + "..." for line in lines]
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    command = (
        "$ preflight diagnose examples/diagnose/events.txt --template examples/cloudtrail/failing.yaml\n"
    )
    block = readme.split(command, 1)[1].split("\n```", 1)[0]
    assert block.split("\n") == shown


def test_the_stack_arn_of_the_events_pins_region_account_and_name(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  AppLogs:\n    Type: AWS::Logs::LogGroup\n")
    events = tmp_path / "events.json"
    events.write_text(render("json", scenario("AppLogs", "AWS::Logs::LogGroup", KMS_REASON, OTHERS), True))
    assert main(["diagnose", str(events), "--template", str(template), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pinned_from_events"] == {
        "partition": "aws",
        "region": "us-east-1",
        "account_id": "123456789012",
        "stack_name": "demo-stack",
    }
    assert (
        main(
            [
                "diagnose",
                str(events),
                "--template",
                str(template),
                "--format",
                "json",
                "--region",
                "eu-west-1",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert "region" not in out["pinned_from_events"], "an explicit --region wins"


def test_a_resource_sam_generated_is_located_at_its_sam_source(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The events name what CloudFormation created: for a SAM template, resources the transform generated."""
    template = os.path.join(ROOT, "examples", "sam", "failing.yaml")
    events = tmp_path / "events.json"
    events.write_text(json.dumps({"StackEvents": [
        {"StackName": "thumbs", "LogicalResourceId": "ListFunctionNightly", "ResourceType": "AWS::Events::Rule",
         "ResourceStatus": "CREATE_FAILED", "Timestamp": "2026-12-01T10:00:02Z",
         "ResourceStatusReason": "1 validation error detected: Value 'refresh-the-thumbnail-listing-cache-every-"
                                 "night-for-the-public-gallery' at 'name' failed to satisfy constraint: Member must "
                                 "have length less than or equal to 64"},
        {"StackName": "thumbs", "LogicalResourceId": "thumbs", "ResourceType": "AWS::CloudFormation::Stack",
         "ResourceStatus": "CREATE_IN_PROGRESS", "Timestamp": "2026-12-01T10:00:00Z",
         "ResourceStatusReason": "User Initiated"}]}))
    assert main(["diagnose", "--format", "json", str(events), "--template", template]) == 0
    root = json.loads(capsys.readouterr().out)["root"]
    assert root["resource"] == "ListFunctionNightly" and root["type"] == "AWS::Events::Rule"
    assert root["location"] is not None and root["location"]["line"] == 43  # the Nightly event of ListFunction
