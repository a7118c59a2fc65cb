"""The command line as a user runs it: JSON contract, text format, exit codes, inputs, pins, cdk.out."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from preflight.cli import main, parse_parameters
from preflight.errors import UsageError

BROKEN = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Missing\n"
CLEAN = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
WARNING_ONLY = '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"},}}'


@pytest.fixture
def files(tmp_path):
    (tmp_path / "broken.yaml").write_text(BROKEN)
    (tmp_path / "clean.yaml").write_text(CLEAN)
    (tmp_path / "trailing.json").write_text(WARNING_ONLY)
    (tmp_path / "notes.yaml").write_text("just: a config file\n")
    (tmp_path / "README.md").write_text("# not a template\n")
    return tmp_path


def test_json_report_follows_the_contract(files, capsys):
    assert main(["check", "--format", "json", str(files / "broken.yaml")]) == 1
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"version", "files_checked", "findings"} and report["files_checked"] == 1
    (finding,) = report["findings"]
    assert finding == {
        "file": str(files / "broken.yaml"), "line": 5, "column": 18, "end_line": 5, "end_column": 30,
        "code": "PF1002", "category": "template-structure", "severity": "error",
        "message": "Template format error: Unresolved resource dependencies [Missing] in the Resources block of "
                   "the template",
        "resource": "Topic", "related": [], "fix": None, "doc_url": "docs/checks/PF1002.md",
    }


def test_text_report_shows_location_source_line_caret_and_resource(files, capsys):
    main(["check", "--color", "never", str(files / "broken.yaml")])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"{files / 'broken.yaml'}:5:18 error PF1002 Template format error: Unresolved resource "
                      f"dependencies [Missing] in the Resources block of the template")
    assert out[1] == "          TopicName: !Ref Missing"
    assert out[2] == "    " + " " * 17 + "^" + "~" * 11
    assert out[3] == "    = resource Topic"
    assert out[-1] == "1 file checked: 1 error, 0 warnings, 0 infos"


@pytest.mark.parametrize("args,code", [
    (["clean.yaml"], 0),
    (["broken.yaml"], 1),
    (["trailing.json"], 0),
    (["trailing.json", "--fail-on", "info"], 1),
    (["clean.yaml", "missing.yaml"], 2),
    (["clean.yaml", "--format", "xml"], 2),
    (["clean.yaml", "--parameters", "A"], 2),
], ids=["clean", "error", "info-below-threshold", "fail-on-info", "missing-file", "bad-format", "bad-parameter"])
def test_exit_codes(files, args, code, capsys):
    argv = ["check"] + [str(files / a) if a.endswith((".yaml", ".json")) else a for a in args]
    assert main(argv) == code if code != 2 or "--format" not in args else _exits(argv, code)


def _exits(argv, code):
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code == code


def test_folders_are_searched_and_non_templates_skipped(files, capsys):
    assert main(["check", "-v", "--format", "json", str(files)]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["files_checked"] == 3
    assert f"skipped {files / 'notes.yaml'}" in captured.err
    assert "3 template(s), 1 file(s) skipped" in captured.err


def test_cdk_out_is_read_through_its_manifest_with_construct_paths(tmp_path, capsys):
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    template = {"Resources": {"TopicA1B2": {"Type": "AWS::SNS::Topic", "Metadata": {"aws:cdk:path": "App/Alerts/Resource"},
                                            "Properties": {"TopicName": {"Ref": "Nope"}}}}}
    (assembly / "App.template.json").write_text(json.dumps(template))
    (assembly / "asset.json").write_text(json.dumps({"Resources": {"X": {"Type": "AWS::SNS::Topic"}}}))
    (assembly / "manifest.json").write_text(json.dumps({"artifacts": {
        "App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"}},
        "Tree": {"type": "cdk:tree"}}}))
    assert main(["check", "--format", "json", str(assembly)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["files_checked"] == 1, "only the stacks of the manifest, not every JSON file"
    assert report["findings"][0]["construct_path"] == "App/Alerts/Resource"


def test_parameters_in_every_accepted_form(tmp_path):
    cli_file = tmp_path / "cli.json"
    cli_file.write_text(json.dumps([{"ParameterKey": "Env", "ParameterValue": "prod"}]))
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"Size": "3"}))
    assert parse_parameters([str(cli_file), str(plain), "Name=app=1"]) == {"Env": "prod", "Size": "3", "Name": "app=1"}
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(UsageError):
        parse_parameters([str(bad)])


def test_pinned_values_reach_the_checks(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text("Parameters:\n  Env: {Type: String}\nConditions:\n  P: !Equals [!Ref Env, prod]\nResources:\n"
                    "  X: {Type: AWS::SNS::Topic, Properties: {TopicName: !If [P, !GetAtt Y.TopicName, x]}}\n"
                    "  Y: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt X.TopicName}}\n")
    assert main(["check", "--format", "json", str(path)]) == 0, "a cycle in some scenarios only is a warning"
    capsys.readouterr()
    assert main(["check", "--format", "json", "--parameters", "Env=prod", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)["findings"][0]["severity"] == "error"


def test_output_file_is_written_atomically(files, capsys):
    target = files / "report.json"
    target.write_text("old")
    main(["check", "--format", "json", "-o", str(target), str(files / "broken.yaml")])
    assert json.loads(target.read_text())["files_checked"] == 1
    assert capsys.readouterr().out == ""
    assert not [n for n in os.listdir(files) if n.startswith(".preflight-")]


def test_hostile_input_is_a_finding_not_a_traceback(tmp_path):
    laughs = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 10) + "]\n" for i in range(9))
    cases = {"laughs.yaml": laughs, "deep.json": "[" * 50_000 + "]" * 50_000, "binary.yaml": "a: \x00",
             "empty.yaml": "", "list.yaml": "- a\n- b\n", "latin1.yaml": None}
    for name, text in cases.items():
        if text is None:
            (tmp_path / name).write_bytes(b"Resources: \xe9\xff\n")
        else:
            (tmp_path / name).write_text(text)
    proc = subprocess.run([sys.executable, "-m", "preflight", "check", "--format", "json", *sorted(
        str(tmp_path / n) for n in cases)], capture_output=True, text=True, timeout=60, check=False)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2, "an undecodable file is unreadable input"
    assert "not UTF-8 text" in proc.stderr
    codes = {os.path.basename(f["file"]): f["code"] for f in json.loads(proc.stdout)["findings"]}
    assert codes == {"laughs.yaml": "PF0001", "deep.json": "PF0001", "binary.yaml": "PF0001",
                     "empty.yaml": "PF0002", "list.yaml": "PF0002"}


def test_rules_command_lists_the_catalog(capsys):
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"code": "PF1001", "slug": "circular-dependency", "title": "Resources depend on each other in a cycle",
            "category": "circular-dependency", "severity": "error", "phase": "deploy", "fix": "safe",
            "doc_url": "docs/checks/PF1001.md"} in rows


def test_explain_policy_names_the_deciding_statement_and_its_line(capsys):
    template = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "cloudtrail", "fixed.yaml")
    code = main(["explain-policy", template, "--resource", "TrailBucketPolicy", "--principal",
                 "cloudtrail.amazonaws.com", "--action", "s3:PutObject",
                 "--on", "arn:aws:s3:::${TrailBucket}/AWSLogs/${AWS::AccountId}/f.json.gz",
                 "--context", "s3:x-amz-acl=bucket-owner-full-control"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Decision: Allow\n")
    assert 'line 61:13  bucket policy TrailBucketPolicy, statement 2 "AWSCloudTrailWrite" (Allow): allows' in out


def test_explain_policy_reports_a_denial_with_exit_1(capsys):
    template = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "cloudtrail", "failing.yaml")
    code = main(["explain-policy", template, "--resource", "TrailKey", "--principal", "cloudtrail.amazonaws.com",
                 "--action", "kms:GenerateDataKey"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("Decision: ImplicitDeny")
    assert "the key policy TrailKey has no statement that allows service principal cloudtrail.amazonaws.com" in out


@pytest.mark.parametrize("args,message", [
    (["--resource", "Nope"], "has no resource 'Nope'"),
    (["--resource", "TrailBucket"], "holds no policy preflight knows"),
], ids=["missing-resource", "no-policy"])
def test_explain_policy_usage_errors(args, message, capsys):
    template = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "cloudtrail", "fixed.yaml")
    assert main(["explain-policy", template, "--principal", "x.amazonaws.com", "--action", "s3:GetObject", *args]) == 2
    assert message in capsys.readouterr().err


def test_scp_layer_denies_what_the_identity_policy_allows(tmp_path, capsys):
    template = tmp_path / "t.yaml"
    template.write_text("""
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  ReadPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: read
      Roles: [!Ref AppRole]
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]
""")
    scp = tmp_path / "deny-s3.json"
    scp.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}))
    args = ["explain-policy", str(template), "--resource", "ReadPolicy", "--principal",
            "arn:aws:iam::111122223333:role/app", "--action", "s3:GetObject", "--on", "arn:aws:s3:::data/x"]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("Decision: Allow")
    assert main([*args, "--scp", str(scp)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Decision: ExplicitDeny")
    assert 'service control policy deny-s3.json, statement 1 "NoS3" (Deny)' in out


def test_scp_file_must_be_a_policy(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    template = tmp_path / "t.yaml"
    template.write_text(CLEAN)
    assert main(["check", "--scp", str(bad), str(template)]) == 2
    assert "expected a policy document" in capsys.readouterr().err


def test_console_entry_flushes_everything_before_its_hard_exit(tmp_path: pathlib.Path) -> None:
    """`preflight` (cli.run) skips the interpreter's teardown with os._exit: stdout and an -o report must still be
    complete, and the exit code kept."""
    examples = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")
    out = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "preflight", "check", "--format", "json", examples]
    piped = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    written = subprocess.run([*cmd, "-o", str(out)], capture_output=True, text=True, timeout=60, check=False)
    assert piped.returncode == 1 and written.returncode == 1, "the failing examples have error findings"
    report = json.loads(piped.stdout)
    assert report == json.loads(out.read_text(encoding="utf-8"))
    codes = {f["code"] for f in report["findings"]}
    assert {"PF6102", "PF6402"} <= codes
