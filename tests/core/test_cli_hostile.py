"""The command line on hostile input (issue 12): exit codes that tell the truth, no traceback, no hang.

Reproducers from ../shared/hostile (INDEX.md) are read in place when present and skipped otherwise; their text
is never copied here. The synthetic cases build their own inputs in a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from preflight.cli import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTILE = os.path.join(os.path.dirname(ROOT), "shared", "hostile")
EXAMPLES = os.path.join(ROOT, "examples")
CLEAN = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
BAD_BUCKET = "  B{n}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: Bad_Name_{n}\n"


def hostile(name: str) -> str:
    path = os.path.join(HOSTILE, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} not present (the shared hostile reproducers)")
    return path


def cli(*args: str, timeout: float = 60, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "preflight", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, **kwargs)  # type: ignore[call-overload]


def no_traceback(text: str) -> bool:
    return "Traceback" not in text and "Exception ignored" not in text


# --------------------------------------------------------------------------------------------- crash-20, -21
def test_crash20_ten_thousand_findings_render_in_linear_time() -> None:
    """30,000 findings on an 800 KB template: the text report split the whole text once per finding (78 s)."""
    path = hostile("crash-20.yaml")
    start = time.monotonic()
    proc = cli("check", "--color", "never", path, timeout=120)
    elapsed = time.monotonic() - start
    assert proc.returncode == 1 and no_traceback(proc.stderr)
    assert proc.stdout.count("\n    see docs/checks/") >= 10_000
    assert elapsed < 40, f"{elapsed:.1f} s"  # about 5 s here; the API alone takes most of it


def _caret_checks(out: str, source_line: str) -> int:
    """Every source excerpt is bounded and its caret sits under the finding's column. Returns findings seen."""
    lines = out.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        head = re.match(r"^\S+:(\d+):(\d+) (error|warning|info) ", line)
        if not head or not lines[i + 1].startswith("    ") or lines[i + 1].startswith("    = "):
            continue
        column = int(head.group(2))
        shown, caret = lines[i + 1][4:], lines[i + 2][4:]
        assert len(shown) <= 170 and len(caret) <= 170
        offset = caret.index("^")
        head = 3 if shown.startswith("...") else 0
        body = shown[head:-3] if shown.endswith("...") else shown[head:]
        start = column - 1 - (offset - head)
        assert source_line[start:start + len(body)] == body, "the excerpt is the line's text around the column"
        assert shown[offset] == source_line[column - 1]
        seen += 1
    return seen


def test_crash21_minified_template_prints_a_bounded_excerpt(capsys) -> None:
    path = hostile("crash-21.yaml")
    with open(path, encoding="utf-8") as handle:
        first = handle.read().split("\n")[0]
    assert main(["check", "--color", "never", path]) == 1
    out = capsys.readouterr().out
    assert _caret_checks(out, first) >= 1000
    assert max(len(line) for line in out.split("\n") if line.startswith("    ") and "^" not in line
               and not line.startswith(("    =", "    -", "    see", "    fix"))) <= 170


def test_one_line_template_caret_points_at_the_column(tmp_path, capsys) -> None:
    resources = {f"Pad{n}": {"Type": "AWS::SNS::Topic"} for n in range(40)}
    resources["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Missing"}}}
    resources.update({f"Tail{n}": {"Type": "AWS::SNS::Topic"} for n in range(40)})
    text = json.dumps({"Resources": resources}, separators=(",", ":"))
    path = tmp_path / "min.json"
    path.write_text(text)
    assert main(["check", "--color", "never", str(path)]) == 1
    out = capsys.readouterr().out
    header, shown, caret = out.split("\n")[:3]
    column = int(header.split(":")[2].split()[0])
    assert shown.startswith("    ...") and shown.endswith("...") and len(shown) < 180
    offset = caret.index("^")
    assert shown[offset] == text[column - 1]
    assert shown[offset:].startswith(text[column - 1:column + 20])


# --------------------------------------------------------------------------------------------- crash-22, -23
def test_crash22_manifest_properties_not_an_object() -> None:
    folder = hostile("crash-22.cdk.out")
    proc = cli("check", folder)
    assert proc.returncode == 2 and no_traceback(proc.stderr)
    assert f"{os.path.join(folder, 'manifest.json')}: artifact 'S': properties is a string, expected an object" \
        in proc.stderr


def test_crash23_nested_assembly_that_is_itself() -> None:
    folder = hostile("crash-23.cdk.out")
    proc = cli("check", folder)
    assert proc.returncode == 2 and no_traceback(proc.stderr)
    assert "manifest.json: artifact 'A': nested assembly '.' is the assembly itself" in proc.stderr


STACK = {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"}}


@pytest.mark.parametrize("manifest,message", [
    ({"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": "templateFile"}}},
     "artifact 'App': properties is a string, expected an object"),
    ({"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": ["x"]}}},
     "artifact 'App': properties is a list, expected an object"),
    ({"artifacts": [STACK]}, "not a cloud assembly manifest: 'artifacts' is a list, expected an object"),
    ("{not json", "not a cloud assembly manifest: not JSON"),
    (None, "not a cloud assembly manifest: null, expected an object with 'artifacts'"),
    ({"artifacts": {"N": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}}},
     "artifact 'N': nested assembly '.' is the assembly itself"),
    ({"artifacts": {"N": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "gone"}}}},
     "artifact 'N': nested assembly folder 'gone' does not exist"),
    ({"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "/etc/hostname"}}}},
     "artifact 'App': templateFile '/etc/hostname' is an absolute path"),
    ({"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "../t.json"}}}},
     "artifact 'App': templateFile '../t.json' points outside the assembly folder"),
    ({"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": 3}}}},
     "artifact 'App': properties.templateFile is a number, expected a relative path"),
    ({"artifacts": {"App": "stack"}}, "artifact 'App': it is a string, expected an object"),
], ids=["properties-string", "properties-list", "artifacts-list", "not-json", "null", "nested-self",
        "nested-missing", "absolute-template", "escaping-template", "template-not-a-string", "artifact-string"])
def test_malformed_cdk_manifest_is_an_input_error(tmp_path, capsys, manifest, message) -> None:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    (assembly / "App.template.json").write_text(json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}))
    (tmp_path / "t.json").write_text(json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}))
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (assembly / "manifest.json").write_text(text)
    assert main(["check", str(assembly)]) == 2
    err = capsys.readouterr().err
    assert f"preflight: {assembly / 'manifest.json'}: {message}" in err


def test_nested_assemblies_in_a_cycle(tmp_path, capsys) -> None:
    """Only a symlink can close a cycle, and it leads outside the nested assembly: refused before recursing."""
    outer, inner = tmp_path / "cdk.out", tmp_path / "cdk.out" / "inner"
    inner.mkdir(parents=True)
    (outer / "manifest.json").write_text(json.dumps({"artifacts": {
        "In": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "inner"}}}}))
    os.symlink(outer, inner / "loop")
    (inner / "manifest.json").write_text(json.dumps({"artifacts": {
        "Back": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "loop"}}}}))
    assert main(["check", str(outer)]) == 2
    assert "artifact 'Back': directoryName 'loop' points outside the assembly folder" in capsys.readouterr().err


def test_an_unrelated_manifest_json_leaves_a_folder_a_folder(tmp_path, capsys) -> None:
    """A web app's manifest.json in a repository is not a cloud assembly: the folder is searched as before."""
    (tmp_path / "manifest.json").write_text(json.dumps({"name": "app", "manifest_version": 3}))
    (tmp_path / "t.yaml").write_text(CLEAN)
    assert main(["check", "--format", "json", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["files_checked"] == 1


# --------------------------------------------------------------------------------------------- crash-24, -25
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_crash24_fifo_in_a_folder_is_skipped_without_blocking(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "t.yaml").write_text(CLEAN)
    proc = cli("check", "--format", "json", str(tmp_path), timeout=30)
    assert proc.returncode == 0 and no_traceback(proc.stderr)
    assert json.loads(proc.stdout)["files_checked"] == 1
    assert f"skipped {tmp_path / 'pipe.yaml'} (a named pipe, not a regular file)" in proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_crash24_fifo_named_explicitly_is_an_input_error(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    proc = cli("check", str(tmp_path / "pipe.yaml"), timeout=30)
    assert proc.returncode == 2 and no_traceback(proc.stderr)
    assert "pipe.yaml: not a regular file (a named pipe)" in proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_crash25_character_device_is_an_input_error_read_never() -> None:
    proc = cli("check", "/dev/zero", timeout=30)
    assert proc.returncode == 2 and no_traceback(proc.stderr)
    assert "preflight: /dev/zero: not a regular file (a character device)" in proc.stderr


def test_a_file_is_read_no_further_than_the_limit(tmp_path, monkeypatch) -> None:
    from preflight import api
    from preflight.errors import InputError

    monkeypatch.setattr(api, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text(CLEAN + "#" * 200)
    with pytest.raises(InputError, match="larger than the"):
        api.read_template(str(path))
    (tmp_path / "ok.yaml").write_text(CLEAN)
    assert api.read_template(str(tmp_path / "ok.yaml")) == CLEAN


# --------------------------------------------------------------------------------------------- crash-26
@pytest.mark.parametrize("target,message", [
    (".", "is a directory; name a file"),
    ("no/such/dir/out.txt", "folder no/such/dir does not exist"),
], ids=["directory", "missing-folder"])
def test_crash26_output_that_cannot_be_written_is_a_usage_error(tmp_path, target, message) -> None:
    (tmp_path / "t.yaml").write_text(CLEAN)
    proc = cli("check", "t.yaml", "-o", target, cwd=str(tmp_path))
    assert proc.returncode == 2 and no_traceback(proc.stderr)
    assert f"preflight: error: --output {target}: {message}" in proc.stderr


# --------------------------------------------------------------------------------------------- exit codes
def test_a_crashed_check_is_not_a_clean_run(tmp_path, monkeypatch, capsys) -> None:
    from preflight.checks import registry
    from preflight.checks.base import Check

    def explodes(ctx):  # type: ignore[no-untyped-def]
        raise ValueError("boom")
        yield

    real = registry.checks
    monkeypatch.setattr(registry, "checks", lambda: (*real(), Check(explodes, ("PF0000",))))
    (tmp_path / "t.yaml").write_text(CLEAN)
    assert main(["check", "--format", "json", str(tmp_path / "t.yaml")]) == 2
    captured = capsys.readouterr()
    assert [f["code"] for f in json.loads(captured.out)["findings"]] == ["PF0000"], "the report is printed first"
    assert "1 check run(s) crashed (PF0000): the report is incomplete" in captured.err


def test_an_unreadable_file_in_a_folder_is_reported(tmp_path, monkeypatch, capsys) -> None:
    from preflight import discover

    (tmp_path / "t.yaml").write_text(CLEAN)
    (tmp_path / "secret.yaml").write_text(CLEAN)
    real = discover.open_regular

    def denied(path: str, limit: int) -> bytes:
        if path.endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied", path)
        return real(path, limit)

    monkeypatch.setattr(discover, "open_regular", denied)
    assert main(["check", "--format", "json", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"preflight: {tmp_path / 'secret.yaml'}: Permission denied" in captured.err
    assert json.loads(captured.out)["files_checked"] == 1


def test_an_unreadable_folder_is_reported_not_zero_files_clean(tmp_path, monkeypatch, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["check", str(locked)]) == 2
    assert f"preflight: {locked}: cannot read folder: Permission denied" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads a chmod 000 folder anyway")
def test_an_unreadable_folder_for_real(tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        proc = cli("check", str(locked))
    finally:
        locked.chmod(0o700)
    assert proc.returncode == 2 and "cannot read folder" in proc.stderr


def test_an_internal_error_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys) -> None:
    import preflight.cli as cli_module

    def broken(args):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli_module, "_check", broken)
    monkeypatch.delenv("PREFLIGHT_DEBUG", raising=False)
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == ["preflight: internal error: RuntimeError: boom",
                                ("preflight: this is a bug in preflight: please report it with the input "
                                 "(PREFLIGHT_DEBUG=1 prints the traceback)")]
    monkeypatch.setenv("PREFLIGHT_DEBUG", "1")
    assert main(["check", str(tmp_path)]) == 2
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_keyboard_interrupt_in_process_is_130(monkeypatch) -> None:
    import preflight.cli as cli_module

    def interrupted(args):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "_check", interrupted)
    assert main(["check", "x"]) == EXIT_INTERRUPTED


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery")
def test_ctrl_c_ends_quietly_with_130(tmp_path) -> None:
    path = tmp_path / "slow.yaml"
    path.write_text("Resources:\n" + "".join(BAD_BUCKET.format(n=n) for n in range(10_000)))  # ~3 s of work
    proc = subprocess.Popen([sys.executable, "-m", "preflight", "check", str(path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert no_traceback(err)


@pytest.mark.parametrize("args", [["rules"], ["check", EXAMPLES]], ids=["rules", "check-examples"])
def test_broken_pipe_ends_quietly(args) -> None:
    """The reader is gone before preflight writes a byte (`preflight rules | head -0`): the write fails with
    EPIPE, whether in a write (a large report) or in the final flush (a small one)."""
    proc = subprocess.Popen([sys.executable, "-m", "preflight", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_BROKEN_PIPE
    assert err.decode() == ""


def test_broken_pipe_through_a_shell_head() -> None:
    proc = subprocess.run(f"'{sys.executable}' -m preflight rules | head -1; exit ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.stdout.startswith("PF")
    assert proc.returncode in (0, EXIT_BROKEN_PIPE) and proc.stderr == ""


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize("option", ["--scp", "--parameters"])
def test_option_files_are_read_bounded_and_never_from_a_device(tmp_path, option, capsys) -> None:
    (tmp_path / "t.yaml").write_text(CLEAN)
    assert main(["check", str(tmp_path / "t.yaml"), option, "/dev/zero"]) == 2
    assert f"preflight: error: {option} /dev/zero: not a regular file (a character device)" in capsys.readouterr().err


@pytest.mark.parametrize("column", [1, 50, 61, 62, 500, 999, 1000], ids=lambda c: f"col{c}")
def test_excerpt_window_keeps_the_caret_on_the_column(column) -> None:
    from preflight.report.text import EXCERPT, excerpt

    line = "".join(chr(97 + n % 26) for n in range(1000))
    shown, offset = excerpt(line, column)
    assert len(shown) <= EXCERPT + 6
    assert shown[offset] == line[column - 1]
    assert excerpt("short line", 3) == ("short line", 2)
