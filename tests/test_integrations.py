"""The README's workflow examples stay true: the configuration, the suppression, the pre-commit hook, the Action."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import yaml

from preflight.config import load_config
from tests.conftest import ROOT, run

README = pathlib.Path(ROOT, "README.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    match = re.search(rf"^### {re.escape(heading)}\s*$(.*?)(?=^##)", README, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '### {heading}'"
    return match.group(1)


def _block(heading: str, lang: str) -> str:
    blocks = re.findall(rf"```{lang}\n(.*?)```", _section(heading), re.DOTALL)
    assert blocks, f"README '### {heading}' has no {lang} block"
    return str(blocks[0])


def test_readme_configuration_is_valid(tmp_path):
    (tmp_path / "pyproject.toml").write_text(_block("Configuration", "toml"))
    config = load_config(str(tmp_path / "pyproject.toml"))
    assert config.fail_on == "warning" and config.ignore == ("PF4007",)
    assert config.fail_on_phase == ("deploy", "rollback")
    assert config.parameters_for(str(tmp_path / "stacks" / "prod-api.yaml")) == str(tmp_path / "params" / "prod.json")
    assert config.parameters_for(str(tmp_path / "stacks" / "api.yaml")) == {"Env": "dev"}
    assert config.ignored_for(str(tmp_path / "legacy" / "old.yaml")) == ("PF7",)


def test_readme_suppression_suppresses():
    text = _block("Accepting a finding: suppressions and a baseline", "yaml")
    unsuppressed = re.sub(r"    Metadata:.*?    Properties:", "    Properties:", text, flags=re.DOTALL)
    assert [f.code for f in run(unsuppressed)] == ["PF4007"]
    assert run(text) == []


def test_readme_baseline_commands_use_real_flags():
    text = _section("Accepting a finding: suppressions and a baseline")
    flags = set(re.findall(r"preflight check \S+ (--[a-z-]+)", text))
    assert flags == {"--write-baseline", "--baseline"}
    help_text = subprocess.run([sys.executable, "-m", "preflight", "check", "--help"], capture_output=True,
                               text=True, check=True).stdout
    assert all(flag in help_text for flag in flags)


def test_pre_commit_hook_matches_the_readme_and_runs(tmp_path):
    (hook,) = yaml.safe_load(pathlib.Path(ROOT, ".pre-commit-hooks.yaml").read_text())
    example = yaml.safe_load(_block("pre-commit", "yaml"))
    (used,) = example["repos"][0]["hooks"]
    assert used["id"] == hook["id"] == "preflight"
    assert hook["language"] == "python" and set(hook["types_or"]) == {"yaml", "json"}
    # As pre-commit runs it: the entry, the hook's args, then every staged YAML/JSON file.
    (tmp_path / ".pre-commit-config.yaml").write_text(_block("pre-commit", "yaml"))
    (tmp_path / "ok.yaml").write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    (tmp_path / "bad.yaml").write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n"
                                       "      TopicName: !Ref Missing\n")
    entry = hook["entry"].split()
    assert entry[0] == "preflight"
    files = [".pre-commit-config.yaml", "ok.yaml"]
    args = [sys.executable, "-m", "preflight", *entry[1:], *used["args"]]
    assert subprocess.run([*args, *files], cwd=tmp_path, capture_output=True, check=False).returncode == 0
    proc = subprocess.run([*args, *files, "bad.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "bad.yaml:5:18 error PF1002" in proc.stdout


def test_github_action_matches_the_readme():
    action = yaml.safe_load(pathlib.Path(ROOT, "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    workflow = yaml.safe_load(_block("GitHub Actions", "yaml"))
    steps = workflow["jobs"]["preflight"]["steps"]
    (ours,) = [s for s in steps if "preflight@" in s.get("uses", "")]
    assert set(ours["with"]) <= set(action["inputs"])
    assert workflow["jobs"]["preflight"]["permissions"]["security-events"] == "write"
    commands = " ".join(s.get("run", "") for s in action["runs"]["steps"])
    assert "preflight check" in commands and "--format sarif" in commands
    uploads = [s for s in action["runs"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert uploads and uploads[0]["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    for name in ("upload-sarif", "sarif-file"):
        assert name in action["inputs"] and f"`{name}" in _section("GitHub Actions")


def test_action_arguments_are_real_check_flags():
    workflow = yaml.safe_load(_block("GitHub Actions", "yaml"))
    (ours,) = [s for s in workflow["jobs"]["preflight"]["steps"] if "preflight@" in s.get("uses", "")]
    help_text = subprocess.run([sys.executable, "-m", "preflight", "check", "--help"], capture_output=True,
                               text=True, check=True, env={**os.environ, "COLUMNS": "200"}).stdout
    for flag in re.findall(r"--[a-z-]+", ours["with"]["args"]):
        assert flag in help_text
