"""Adopting preflight on a repository: the configuration file, suppressions, the baseline, parallel runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from preflight.cli import main
from preflight.config import find_config, load_config
from preflight.errors import UsageError
from tests.conftest import ROOT, lines, run

AMI = ("Resources:\n  Instance:\n    Type: AWS::EC2::Instance\n    Properties:\n"
       "      ImageId: ami-0123456789abcdef0\n")
BROKEN = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Missing\n"
PARAMETERISED = ("Parameters:\n  Env:\n    Type: String\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
                 "    Properties:\n      BucketName: !Sub '${Env}-logs'\n")


def _check(capsys, *args):
    code = main(["check", "--format", "json", "-j", "1", *args])
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else None, out.err


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "ami.yaml").write_text(AMI)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "broken.yaml").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ------------------------------------------------------------------------------------------ configuration

def test_config_is_found_upward_and_applies(repo, capsys):
    (repo / ".preflight.toml").write_text('fail-on = "warning"\nignore = ["PF1002"]\n')
    code, report, _ = _check(capsys, "stacks/ami.yaml", "legacy/broken.yaml")
    assert {f["code"] for f in report["findings"]} == {"PF4007"}
    assert code == 1  # PF4007 is a warning and the file says fail-on = warning


def test_pyproject_section_is_read_and_flags_win(repo, capsys):
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.preflight]\nselect = ["PF4007"]\n')
    _, report, _ = _check(capsys, "stacks/ami.yaml", "legacy/broken.yaml")
    assert {f["code"] for f in report["findings"]} == {"PF4007"}
    _, report, _ = _check(capsys, "--select", "PF1002", "stacks/ami.yaml", "legacy/broken.yaml")
    assert {f["code"] for f in report["findings"]} == {"PF1002"}


def test_per_path_ignores_and_per_template_parameters(repo, capsys):
    (repo / "stacks" / "prod-topic.yaml").write_text(PARAMETERISED)
    (repo / "params").mkdir()
    (repo / "params" / "prod.json").write_text('[{"ParameterKey": "Env", "ParameterValue": "PROD"}]')
    (repo / ".preflight.toml").write_text(
        '[parameters]\n"stacks/prod-*.yaml" = "params/prod.json"\n\n[per-path-ignores]\n"legacy/*" = ["PF1"]\n')
    _, report, _ = _check(capsys, "stacks", "legacy")
    by_file = {(os.path.basename(f["file"]), f["code"], f["severity"]) for f in report["findings"]}
    assert ("prod-topic.yaml", "PF3002", "error") in by_file  # pinned: 'PROD-logs' is no bucket name
    assert not any(name == "broken.yaml" for name, _, _ in by_file)
    (repo / ".preflight.toml").write_text('[parameters]\n"stacks/prod-*.yaml" = { Env = "dev" }\n')
    _, report, _ = _check(capsys, "stacks/prod-topic.yaml")
    assert report["findings"] == []


@pytest.mark.parametrize("text,message", [
    ('fail_on = "warning"\n', "unknown key 'fail_on'"),
    ('fail-on = "fatal"\n', "'fail-on' must be one of error, warning, info"),
    ("select = 6\n", "'select' must be a list of strings"),
    ("jobs = 0\n", "'jobs' must be a whole number of at least 1"),
    ("parameters = 3\n", "'parameters' must be a table"),
    ("select = [\n", "not valid TOML"),
], ids=["unknown-key", "bad-choice", "bad-list", "bad-jobs", "bad-parameters", "bad-toml"])
def test_bad_config_is_a_usage_error_naming_the_key(repo, capsys, text, message):
    (repo / ".preflight.toml").write_text(text)
    code = main(["check", "stacks/ami.yaml"])
    err = capsys.readouterr().err
    assert code == 2
    assert ".preflight.toml" in err and message in err


def test_no_config_and_explicit_config(repo, capsys):
    (repo / ".preflight.toml").write_text('select = ["PF9"]\n')
    (repo / "other.toml").write_text('select = ["PF4007"]\n')
    _, report, _ = _check(capsys, "--no-config", "stacks/ami.yaml")
    assert {f["code"] for f in report["findings"]} == {"PF4007"}
    _, report, _ = _check(capsys, "stacks/ami.yaml")
    assert report["findings"] == []
    _, report, _ = _check(capsys, "--config", "other.toml", "stacks/ami.yaml")
    assert {f["code"] for f in report["findings"]} == {"PF4007"}


def test_find_config_prefers_dot_file_and_skips_foreign_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.preflight]\njobs = 2\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert find_config(str(sub)) == str(tmp_path / "pyproject.toml")
    (tmp_path / "a" / ".preflight.toml").write_text("jobs = 3\n")
    assert load_config(find_config(str(sub))).jobs == 3


def test_config_paths_are_relative_to_the_file(tmp_path):
    (tmp_path / ".preflight.toml").write_text('baseline = "b.json"\nscp = ["org/scp.json"]\n')
    config = load_config(str(tmp_path / ".preflight.toml"))
    assert config.baseline == str(tmp_path / "b.json") and config.scp == (str(tmp_path / "org" / "scp.json"),)


def test_load_config_raises_usage_error(tmp_path):
    (tmp_path / ".preflight.toml").write_text("nope = 1\n")
    with pytest.raises(UsageError, match="unknown key 'nope'"):
        load_config(str(tmp_path / ".preflight.toml"))


# ------------------------------------------------------------------------------------------ suppressions

def test_suppression_on_a_resource_hides_only_its_code():
    text = AMI.replace("    Properties:", "    Metadata:\n      preflight:\n        ignore:\n"
                       "          - {code: PF4007, reason: pinned on purpose}\n    Properties:")
    assert lines(run(text)) == []
    assert [f.code for f in run(text.replace("PF4007", "PF4001"))] == ["PF0020", "PF4007"]


def test_top_level_suppression_covers_every_resource_and_prefixes():
    text = ("Metadata:\n  preflight:\n    ignore:\n      - code: PF40\n        reason: AMIs are managed elsewhere\n"
            + AMI + "  Second:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-0fedcba9876543210\n")
    assert lines(run(text)) == []


def test_suppression_is_honoured_by_the_api_and_select_does_not_make_it_unused():
    from preflight.api import check_text
    from preflight.checks.base import Options

    text = AMI.replace("    Properties:", "    Metadata:\n      preflight:\n        ignore:\n"
                       "          - {code: PF4007, reason: pinned}\n    Properties:")
    assert check_text(text, "t.yaml", options=Options(select=frozenset({"PF0"}))) == []


# ------------------------------------------------------------------------------------------ baseline

def test_baseline_reports_only_new_findings_and_survives_moved_lines(repo, capsys):
    code, _, err = _check(capsys, "--write-baseline", "baseline.json", "stacks", "legacy")
    assert code == 0 and "wrote 2 finding(s)" in err
    doc = json.loads((repo / "baseline.json").read_text())
    assert doc["format"] == "preflight-baseline/1"
    assert sorted((e["file"], e["code"]) for e in doc["findings"]) == [
        ("legacy/broken.yaml", "PF1002"), ("stacks/ami.yaml", "PF4007")]
    code, report, err = _check(capsys, "--baseline", "baseline.json", "stacks", "legacy")
    assert (code, report["findings"]) == (0, []) and "2 finding(s) in the baseline" in err
    (repo / "stacks" / "ami.yaml").write_text("# moved down\n\n" + AMI)
    (repo / "stacks" / "new.yaml").write_text(BROKEN)
    code, report, _ = _check(capsys, "--baseline", "baseline.json", "stacks", "legacy")
    assert code == 1
    assert [(os.path.basename(f["file"]), f["code"]) for f in report["findings"]] == [("new.yaml", "PF1002")]


def test_baseline_from_the_config_and_bad_baselines(repo, capsys):
    (repo / "baseline.json").write_text('{"format": "something else"}')
    assert main(["check", "--baseline", "baseline.json", "stacks"]) == 2
    assert "not a preflight baseline" in capsys.readouterr().err
    assert main(["check", "--baseline", "missing.json", "stacks"]) == 2
    assert "--baseline missing.json" in capsys.readouterr().err
    main(["check", "--write-baseline", "baseline.json", "stacks"])
    capsys.readouterr()
    (repo / ".preflight.toml").write_text('baseline = "baseline.json"\n')
    code, report, _ = _check(capsys, "stacks")
    assert code == 0 and report["findings"] == []


# ------------------------------------------------------------------------------------------ jobs

def test_jobs_give_the_same_report_in_the_same_order(tmp_path):
    for i in range(12):
        (tmp_path / f"t{i:02}.yaml").write_text(BROKEN if i % 3 else AMI)
    (tmp_path / "bad.yaml").write_bytes(b"Resources: \xff\n")
    outs = []
    for jobs in ("1", "3"):
        proc = subprocess.run([sys.executable, "-m", "preflight", "check", "--no-config", "-j", jobs,
                               str(tmp_path)], capture_output=True, text=True, timeout=120, check=False)
        outs.append((proc.returncode, proc.stdout, proc.stderr))
    assert outs[0] == outs[1]
    assert outs[0][0] == 2 and "not UTF-8 text" in outs[0][2]
    assert outs[0][1].rstrip().endswith("12 files checked: 8 errors, 4 warnings (4 deploy), 0 infos")


def test_templates_only_skips_what_pre_commit_passes(tmp_path, capsys):
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    (tmp_path / "t.yaml").write_text(BROKEN)
    code = main(["check", "--no-config", "--templates-only", "-j", "1", str(tmp_path / ".pre-commit-config.yaml"),
                 str(tmp_path / "t.yaml")])
    assert code == 1 and capsys.readouterr().out.rstrip().endswith("1 file checked: 1 error, 0 warnings, 0 infos")


def test_jobs_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "-j", "0", os.path.join(ROOT, "examples")])
    assert exc.value.code == 2 and "at least 1" in capsys.readouterr().err
