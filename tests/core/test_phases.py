"""Warning phases (issue 13, "Severity means something"): every warning says when its failure shows (deploy,
rollback, runtime, account), every report format shows it, and --fail-on-phase / `fail-on-phase` narrow the
warnings that fail the run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from preflight.checks.base import PHASES
from preflight.checks.registry import rules
from preflight.cli import main
from tests.conftest import run

RULES = list(rules().values())

# One template per phase, each with exactly one warning.
TEMPLATES = {
    "runtime": """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      DelaySeconds: 5
      DelaySeconds: 10
""",
    "rollback": """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
      DeletionProtectionEnabled: true
""",
    "account": """
Resources:
  Detector:
    Type: AWS::GuardDuty::Detector
    Properties:
      Enable: true
""",
    "deploy": """
Resources:
  Instance:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      InstanceType: t3.micro
""",
}
CODES = {"runtime": "PF0003", "rollback": "PF7001", "account": "PF5001", "deploy": "PF4007"}
BROKEN = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Ref Missing
"""


# --------------------------------------------------------------------------- the catalog


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_names_a_known_phase(rule):
    # every rule can produce a warning (an error demoted by a condition scenario or a region keeps its rule's phase)
    assert rule.phase in PHASES


@pytest.mark.parametrize(
    ("code", "phase"),
    [
        ("PF6106", "runtime"),
        ("PF6404", "runtime"),
        ("PF7001", "rollback"),
        ("PF7002", "rollback"),
        ("PF7003", "rollback"),
        ("PF5001", "account"),
        ("PF4013", "account"),
        ("PF2007", "account"),
        ("PF2001", "deploy"),
        ("PF0003", "runtime"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("PF") else None,
)
def test_catalog_phase_examples(code, phase):
    assert rules()[code].phase == phase


def test_an_unknown_phase_is_refused_by_the_catalog(monkeypatch):
    from types import SimpleNamespace

    from preflight.checks import registry
    from preflight.checks.base import Rule

    assert Rule("PF9999", "x", "x", "other", "warning").phase == "deploy"  # the default
    area = SimpleNamespace(RULES=(Rule("PF9999", "x", "x", "other", "warning", phase="later"),))
    monkeypatch.setattr(registry, "_areas", lambda: (area,))
    with pytest.raises(ValueError, match="PF9999 has an unknown category, fix safety or phase"):
        registry.rules.__wrapped__()


# --------------------------------------------------------------------------- findings


@pytest.mark.parametrize("phase", sorted(TEMPLATES), ids=sorted(TEMPLATES))
def test_each_warning_names_its_phase(phase):
    warnings = [(f.code, f.severity, f.phase) for f in run(TEMPLATES[phase]) if f.severity == "warning"]
    assert warnings == [(CODES[phase], "warning", phase)]


def test_errors_and_infos_name_no_phase():
    found = run(BROKEN)
    assert [(f.code, f.severity, f.phase) for f in found] == [("PF1002", "error", None)]
    logs = """
Resources:
  Logs:
    Type: AWS::S3::Bucket
  Data:
    Type: AWS::S3::Bucket
    Properties:
      LoggingConfiguration: {DestinationBucketName: !Ref Logs}
"""
    assert [(f.code, f.severity, f.phase) for f in run(logs)] == [("PF7002", "info", None)]


def test_a_check_can_give_a_demoted_error_another_phase_than_its_rule():
    # PF8001 is an error; a type outside AWS's namespaces may be an extension registered in the account
    text = "Resources:\n  Widget:\n    Type: MyOrg::Things::Widget\n    Properties: {Size: 1}\n"
    assert [(f.code, f.severity, f.phase) for f in run(text)] == [("PF8001", "warning", "account")]


def test_a_warning_rule_promoted_then_demoted_by_a_scenario_names_the_deploy_phase():
    # PF5001 (account): two detectors in one template fail whatever the account holds; when a parameter decides
    # whether the second exists, that is a deploy-phase warning, not an account one
    text = """
Parameters:
  Second: {Type: String, AllowedValues: ["yes", "no"], Default: "no"}
Conditions:
  MakeSecond: !Equals [!Ref Second, "yes"]
Resources:
  Detector:
    Type: AWS::GuardDuty::Detector
    Properties: {Enable: true}
  Other:
    Type: AWS::GuardDuty::Detector
    Condition: MakeSecond
    Properties: {Enable: true}
"""
    found = [(f.code, f.severity, f.phase, f.resource) for f in run(text)]
    assert found == [("PF5001", "warning", "account", "Detector"), ("PF5001", "warning", "deploy", "Other")]


def test_an_error_demoted_outside_ctx_finding_gets_its_rules_phase():
    # schema.py demotes a conditional resource's error with Finding._replace: the engine fills the phase
    text = """
Parameters:
  Make: {Type: String, AllowedValues: ["yes", "no"], Default: "no"}
Conditions:
  MakeIt: !Equals [!Ref Make, "yes"]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Condition: MakeIt
    Properties:
      NotAProperty: 1
"""
    assert [(f.code, f.severity, f.phase) for f in run(text)] == [("PF8003", "warning", "deploy")]


# --------------------------------------------------------------------------- reports


@pytest.fixture
def files(tmp_path):
    for phase, text in TEMPLATES.items():
        (tmp_path / f"{phase}.yaml").write_text(text)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    return tmp_path


def _check(capsys, *args):
    try:
        code = main(["check", "-j", "1", "--no-config", *args])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_report_writes_the_phase_beside_the_severity(capsys, files):
    _, out, _ = _check(capsys, str(files / "runtime.yaml"), str(files / "broken.yaml"))
    assert f"{files / 'runtime.yaml'}:7:7 warning[runtime] PF0003 duplicate key 'DelaySeconds'" in out
    assert f"{files / 'broken.yaml'}:6:18 error PF1002 " in out
    assert out.endswith("2 files checked: 1 error, 1 warning (1 runtime), 0 infos\n")


def test_text_summary_counts_warnings_by_phase_in_phase_order(capsys, files):
    code, out, _ = _check(
        capsys, *(str(files / f"{p}.yaml") for p in ("runtime", "account", "rollback", "deploy"))
    )
    assert code == 0
    assert out.endswith(
        "4 files checked: 0 errors, 4 warnings (1 deploy, 1 rollback, 1 runtime, 1 account), 0 infos\n"
    )


def test_json_sarif_github_junit_and_markdown_carry_the_phase(capsys, files, monkeypatch):
    monkeypatch.chdir(files)
    _, out, _ = _check(capsys, "--format", "json", "rollback.yaml")
    assert [(f["code"], f["phase"]) for f in json.loads(out)["findings"]] == [("PF7001", "rollback")]

    _, out, _ = _check(capsys, "--format", "sarif", "rollback.yaml", "broken.yaml")
    run_ = json.loads(out)["runs"][0]
    props = {r["ruleId"]: r["properties"] for r in run_["results"]}
    assert props["PF7001"]["phase"] == "rollback" and "phase" not in props["PF1002"]
    assert {r["id"]: r["properties"]["phase"] for r in run_["tool"]["driver"]["rules"]} == {
        "PF1002": "deploy",
        "PF7001": "rollback",
    }

    _, out, _ = _check(capsys, "--format", "github", "rollback.yaml")
    assert "title=preflight PF7001 [rollback] (Table)::" in out

    _, out, _ = _check(capsys, "--format", "markdown", "rollback.yaml")
    assert "| ⚠️ rollback | rollback.yaml | 9 |" in out
    assert "#### 1. PF7001 on `Table`, line 9 (warning, phase rollback)" in out
    assert "the stack ends in ROLLBACK_FAILED or DELETE_FAILED" in out

    _, out, _ = _check(
        capsys, "--format", "junit", "--fail-on-phase", "runtime", "rollback.yaml", "runtime.yaml"
    )
    suites = {s.get("name"): s for s in ET.fromstring(out)}
    assert suites["rollback.yaml"].get("failures") == "0"  # a rollback warning goes to system-out
    assert (
        "warning[rollback] PF7001"
        in suites["rollback.yaml"].find("testcase[@name='rollback']/system-out").text
    )
    failure = suites["runtime.yaml"].find("testcase[@name='template structure']/failure")
    assert failure is not None and "warning[runtime] PF0003" in failure.text


# --------------------------------------------------------------------------- gating: the command line


@pytest.mark.parametrize(
    ("args", "template", "expected"),
    [
        (["--fail-on", "warning"], "runtime", 1),
        ([], "runtime", 0),
        (["--fail-on-phase", "deploy,rollback"], "runtime", 0),  # implies --fail-on warning
        (["--fail-on-phase", "deploy,rollback"], "rollback", 1),
        (["--fail-on-phase", "deploy", "--fail-on-phase", "rollback"], "rollback", 1),
        (["--fail-on-phase", "deploy"], "account", 0),
        (["--fail-on", "warning", "--fail-on-phase", "account"], "account", 1),
        (["--fail-on", "info", "--fail-on-phase", "runtime"], "deploy", 0),
        (["--fail-on-phase", "runtime"], "broken", 1),  # errors are never narrowed
    ],
    ids=[
        "all-warnings",
        "default-error",
        "runtime-not-listed",
        "rollback-listed",
        "repeated",
        "account-not-listed",
        "account-listed",
        "info-threshold",
        "errors-still-fail",
    ],
)
def test_fail_on_phase_exit_codes(capsys, files, args, template, expected):
    code, _, _ = _check(capsys, *args, str(files / f"{template}.yaml"))
    assert code == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--fail-on-phase", "later"],
            "expected phases among deploy, rollback, runtime, account, not 'later'",
        ),
        (["--fail-on-phase", ","], "expected phases among"),
        (
            ["--fail-on", "error", "--fail-on-phase", "deploy"],
            "--fail-on-phase narrows the warnings that fail the run",
        ),
    ],
    ids=["unknown-phase", "empty", "with-fail-on-error"],
)
def test_fail_on_phase_usage_errors_exit_2(capsys, files, args, message):
    code, _, err = _check(capsys, *args, str(files / "runtime.yaml"))
    assert code == 2
    assert message in err


def test_fix_honours_fail_on_phase(capsys, files):
    target = str(files / "runtime.yaml")
    assert main(["fix", "--no-config", "--fail-on", "warning", target]) == 1
    capsys.readouterr()
    assert main(["fix", "--no-config", "--fail-on-phase", "deploy", target]) == 0
    capsys.readouterr()
    assert main(["fix", "--no-config", "--fail-on-phase", "runtime", target]) == 1


# --------------------------------------------------------------------------- gating: the configuration file


def _configured(capsys, folder, config, template):
    (folder / ".preflight.toml").write_text(config)
    code = main(["check", "-j", "1", str(folder / f"{template}.yaml")])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("config", "template", "expected"),
    [
        ('fail-on-phase = ["deploy", "rollback"]\n', "runtime", 0),
        ('fail-on-phase = ["deploy", "rollback"]\n', "rollback", 1),
        ('fail-on-phase = "deploy, account"\n', "account", 1),
        ('fail-on = "info"\nfail-on-phase = ["deploy"]\n', "rollback", 0),
    ],
    ids=["runtime-not-listed", "rollback-listed", "comma-string", "with-fail-on"],
)
def test_fail_on_phase_in_the_configuration(capsys, files, config, template, expected):
    code, _ = _configured(capsys, files, config, template)
    assert code == expected


def test_the_command_line_wins_over_the_configured_phases(capsys, files):
    (files / ".preflight.toml").write_text('fail-on-phase = ["deploy"]\n')
    assert main(["check", "-j", "1", "--fail-on-phase", "runtime", str(files / "runtime.yaml")]) == 1
    capsys.readouterr()
    assert main(["check", "-j", "1", "--fail-on", "error", str(files / "runtime.yaml")]) == 0


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            'fail-on-phase = ["deploy", "later"]\n',
            "'fail-on-phase' must list phases among deploy, rollback, runtime",
        ),
        ("fail-on-phase = 3\n", "'fail-on-phase' must be a list of strings"),
        (
            'fail-on = "error"\nfail-on-phase = ["deploy"]\n',
            "'fail-on-phase' needs 'fail-on' warning or info",
        ),
    ],
    ids=["unknown-phase", "not-a-list", "with-fail-on-error"],
)
def test_bad_fail_on_phase_in_the_configuration_exits_2(capsys, files, config, message):
    code, err = _configured(capsys, files, config, "runtime")
    assert code == 2
    assert message in err and ".preflight.toml" in err


# --------------------------------------------------------------------------- preflight rules


def test_rules_prints_severity_and_phase_from_the_catalog(capsys):
    assert main(["rules"]) == 0
    rows = {line.split()[0]: line.split()[1:3] for line in capsys.readouterr().out.splitlines()}
    assert rows == {r.code: [r.severity, r.phase] for r in RULES}
    assert main(["rules", "--format", "json"]) == 0
    table = {row["code"]: (row["severity"], row["phase"]) for row in json.loads(capsys.readouterr().out)}
    assert table == {r.code: (r.severity, r.phase) for r in RULES}
