"""`preflight fix` on the command line: diff, write (atomic, mode kept, changed-on-disk refused), cdk.out never
written, JSON, the change report, exit codes; and what `preflight check` says of fixable findings."""

from __future__ import annotations

import glob
import json
import os
import stat

import pytest

from preflight.cli import main
from preflight.errors import InputError
from preflight.fix.command import write_fixed

TEMPLATE = """\
# keep this comment
Parameters:
  RoleArn:
    Type: String
Resources:
  Recorder:
    Type: AWS::Config::ConfigurationRecorder
    Properties:
      RoleArn: !Ref RoleArn   # the property is RoleARN
"""
FIXED = TEMPLATE.replace("      RoleArn: !Ref", "      RoleARN: !Ref")
PINS = ["--no-config"]


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes(TEMPLATE.encode())
    os.chmod(path, 0o640)
    return path


def test_default_prints_a_diff_and_touches_nothing(template, capsys):
    assert main(["fix", str(template), *PINS]) == 1  # a fix is pending
    out, err = capsys.readouterr()
    assert "-      RoleArn: !Ref RoleArn   # the property is RoleARN\n" in out
    assert "+      RoleARN: !Ref RoleArn   # the property is RoleARN\n" in out
    assert "would fix: 1 applied" in err
    assert template.read_text() == TEMPLATE


def test_write_writes_atomically_keeping_the_mode(template, capsys):
    assert main(["fix", "--write", str(template), *PINS]) == 0  # nothing at error level is left
    assert template.read_text() == FIXED
    assert stat.S_IMODE(os.stat(template).st_mode) == 0o640
    assert glob.glob(str(template.parent / ".preflight-*")) == []
    assert "fixed: 1 applied" in capsys.readouterr().out
    assert main(["fix", str(template), *PINS]) == 0  # idempotent: nothing left to do


def test_write_keeps_crlf_and_bom(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + TEMPLATE.replace("\n", "\r\n").encode())
    assert main(["fix", "--write", str(path), *PINS]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()


def test_a_file_changed_on_disk_is_not_written(template):
    read = template.read_bytes()
    template.write_text(TEMPLATE + "# edited meanwhile\n")
    with pytest.raises(InputError, match="changed on disk"):
        write_fixed(str(template), read, FIXED)
    assert template.read_text().endswith("# edited meanwhile\n")
    assert glob.glob(str(template.parent / ".preflight-*")) == []


def test_select_and_fail_on(template, capsys):
    assert main(["fix", str(template), "--select", "PF6", *PINS]) == 0  # nothing selected, nothing to do
    assert capsys.readouterr().out == ""
    assert main(["fix", "--write", str(template), "--fail-on", "warning", *PINS]) == 1  # PF5001 warning left


def test_json_output(template, capsys):
    assert main(["fix", "--format", "json", str(template), *PINS]) == 1
    data = json.loads(capsys.readouterr().out)
    [entry] = data["files"]
    assert entry["changed"] and not entry["written"]
    [applied] = entry["applied"]
    assert applied["code"] == "PF8003" and applied["safety"] == "safe"
    assert applied["edits"] == [{"start": {"line": 9, "column": 7}, "end": {"line": 9, "column": 14},
                                 "text": "RoleARN", "replaced": "RoleArn"}]
    assert entry["refused"] == []
    assert entry["no_new_access"] == {"verified": True, "violations": []}
    assert [f["code"] for f in entry["remaining"]] == ["PF5001"]
    assert entry["diff"].startswith("--- ")


def test_change_report(template, tmp_path, capsys):
    report = tmp_path / "report.md"
    main(["fix", str(template), "--report", str(report), *PINS])
    text = report.read_text()
    for heading in ("## 1. What was changed and why", "## 2. What remained unchanged",
                    "## 3. Why this resolves the failure", "## 4. Observable results after deployment",
                    "## 5. Notes for future changes"):
        assert heading in text
    assert "`RoleArn` → `RoleARN`" in text
    assert "Resources.Recorder.Properties.RoleArn" in text
    assert "No new access: the verifier found none." in text


def test_cdk_out_template_is_never_written(tmp_path, capsys):
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    (assembly / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"S": {
        "type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}}}}))
    body = {"Parameters": {"R": {"Type": "String"}}, "Resources": {"Recorder": {
        "Type": "AWS::Config::ConfigurationRecorder", "Properties": {"RoleArn": {"Ref": "R"}},
        "Metadata": {"aws:cdk:path": "S/Recorder"}}}}
    path = assembly / "S.template.json"
    path.write_text(json.dumps(body, indent=1))
    before = path.read_bytes()
    assert main(["fix", "--write", str(assembly), *PINS]) == 1
    out = capsys.readouterr().out
    assert "# PF8003 S/Recorder: rename property RoleArn to RoleARN" in out
    assert "cannot be written" in out or "aws_cdk" in out
    assert path.read_bytes() == before


@pytest.mark.parametrize("argv", [["fix"], ["fix", "missing.yaml"], ["fix", "--diff", "--write", "x.yaml"]],
                         ids=["no-path", "missing-file", "diff-and-write"])
def test_usage_and_input_errors_exit_2(argv, capsys):
    try:
        code = main([*argv, *PINS])
    except SystemExit as exc:  # argparse's own usage errors leave through SystemExit(2), as for check
        code = exc.code
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_check_marks_fixable_findings(template, capsys):
    assert main(["check", str(template), *PINS]) == 1
    out = capsys.readouterr().out
    assert "error PF8003 [*] Encountered unsupported property RoleArn" in out
    assert "PF5001 [*]" not in out
    main(["check", "--format", "json", str(template), *PINS])
    fixes = [f["fix"] for f in json.loads(capsys.readouterr().out)["findings"] if f["fix"]]
    assert fixes == [{"title": "rename property RoleArn to RoleARN", "safety": "safe",
                      "edits": [{"start": {"line": 9, "column": 7}, "end": {"line": 9, "column": 14},
                                 "text": "RoleARN"}]}]


def test_python_api():
    import preflight

    result = preflight.fix_text(TEMPLATE, "t.yaml")
    assert result.text == FIXED
    assert [(a.code, a.resource, a.title) for a in result.applied] == [
        ("PF8003", "Recorder", "rename property RoleArn to RoleARN")]
    assert result.refused == []
    assert [f.code for f in result.findings] == ["PF5001"]


def test_write_through_a_symbolic_link_replaces_the_target(template, tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to(template)
    assert main(["fix", "--write", str(link), *PINS]) == 0
    assert link.is_symlink()
    assert template.read_text() == FIXED


def test_report_lists_the_protections_kept(tmp_path):
    from preflight.fix.engine import fix_text
    from preflight.fix.report import render_report

    text = TEMPLATE + """\
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Sid: TlsOnly
            Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: !Sub "arn:${AWS::Partition}:s3:::${Bucket}/*"
            Condition:
              Bool:
                aws:SecureTransport: false
"""
    report = render_report([fix_text(text, "t.yaml")])
    assert "TLS-only Deny statement at `Resources.BucketPolicy.Properties.PolicyDocument.Statement.0`" in report
    assert "public access block at `Resources.Bucket.Properties.PublicAccessBlockConfiguration`" in report
    assert "Resources not changed (2): `Bucket`, `BucketPolicy`." in report


KEY_FOR_LOGS = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Root
            Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: 'kms:*'
            Resource: '*'
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      KmsKeyId: !GetAtt Key.Arn
"""


def test_report_decides_the_request_before_and_after(tmp_path, capsys):
    """Section 3: the service's request, denied before (by the absence of a statement naming it), allowed after
    by the added statement, located in the fixed template."""
    path, report = tmp_path / "t.yaml", tmp_path / "report.md"
    path.write_text(KEY_FOR_LOGS)
    assert main(["fix", str(path), "--report", str(report), *PINS]) == 1
    section = report.read_text().split("## 3.")[1].split("## 4.")[0]
    request = ("logs.${AWS::Region}.amazonaws.com -> kms:Encrypt on "
               "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}")
    assert f"  Request: {request}.\n" in section
    assert "  Before: denied: no statement of the key policy of Key names logs.${AWS::Region}.amazonaws.com.\n" in section
    assert '  After: allowed by statement 2 "AllowCloudWatchLogs" (line 13) in the fixed template.\n' in section


def test_json_applied_fix_carries_the_request_decision(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text(KEY_FOR_LOGS)
    main(["fix", str(path), "--format", "json", *PINS])
    [applied] = json.loads(capsys.readouterr().out)["files"][0]["applied"]
    assert applied["request"]["outcome"] == "Allow"
    assert applied["request"]["after"] == 'allowed by statement 2 "AllowCloudWatchLogs" (line 13)'
    assert applied["request"]["before"].startswith("no statement of the key policy of Key names logs.")


def test_check_json_names_the_denied_request(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text(KEY_FOR_LOGS)
    main(["check", str(path), "--format", "json", *PINS])
    [finding] = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"] == "PF6101"]
    assert finding["request"]["request"].startswith("logs.${AWS::Region}.amazonaws.com -> kms:Encrypt on ")
    assert finding["request"]["decision"] == "no statement of the key policy of Key names logs.${AWS::Region}.amazonaws.com"
