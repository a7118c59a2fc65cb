"""Golden tests: tests/golden/PFnnnn_slug/{failing.*, passing.*, expected.txt[, fixed.*]}.

expected.txt holds the failing template's findings *of that code*, sorted, as `line:col CODE message`.
The passing template must produce no finding of that code.
"""

from __future__ import annotations

import glob
import os
import pathlib

import pytest

from tests.conftest import ROOT, lines, run

FOLDERS = sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "PF*_*")))


def _template(folder: str, stem: str) -> str:
    found = [p for p in glob.glob(os.path.join(folder, stem + ".*"))]
    assert len(found) == 1, f"{folder}: expected one {stem}.* file"
    return found[0]


@pytest.mark.parametrize("folder", FOLDERS, ids=[os.path.basename(f) for f in FOLDERS])
def test_failing_template_gives_expected_findings(folder):
    code = os.path.basename(folder).split("_")[0]
    path = _template(folder, "failing")
    findings = run(pathlib.Path(path).read_text(encoding="utf-8"), os.path.basename(path))
    with open(os.path.join(folder, "expected.txt"), encoding="utf-8") as handle:
        expected = [line.rstrip("\n") for line in handle if line.strip()]
    assert expected, "expected.txt may not be empty"
    assert lines(findings, code) == sorted(expected)


@pytest.mark.parametrize("folder", FOLDERS, ids=[os.path.basename(f) for f in FOLDERS])
def test_passing_template_gives_no_finding_of_that_code(folder):
    code = os.path.basename(folder).split("_")[0]
    path = _template(folder, "passing")
    findings = run(pathlib.Path(path).read_text(encoding="utf-8"), os.path.basename(path))
    assert lines(findings, code) == []
