"""Golden fixes: in every tests/golden/*/ folder that has a `fixed.*` file, fixing `failing.*` (safe fixes, as
`preflight fix` does by default) gives exactly `fixed.*`, byte for byte; and fixing `fixed.*` changes nothing."""

from __future__ import annotations

import glob
import os

import pytest

from preflight.fix.engine import apply_edits, fix_text
from tests.conftest import ROOT, STRICT

FIXED = sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "PF*_*", "fixed.*")))


def _read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.mark.parametrize("fixed", FIXED, ids=[os.path.basename(os.path.dirname(f)) for f in FIXED])
def test_fixing_failing_gives_fixed(fixed):
    folder = os.path.dirname(fixed)
    [failing] = glob.glob(os.path.join(folder, "failing.*"))
    text = _read(failing)
    result = fix_text(text, os.path.basename(failing), options=STRICT)
    refused = [f"{r.code} {r.resource}: {r.reason}" for r in result.refused]
    assert result.text == _read(fixed), f"refused: {refused}"
    assert apply_edits(text, [e for a in result.applied for e in a.edits if a.round == 1]) == result.text or any(
        a.round > 1 for a in result.applied)
    assert not fix_text(result.text, os.path.basename(failing), options=STRICT).changed  # idempotent


def test_golden_fixed_files_are_found():
    assert all(os.path.isfile(f) for f in FIXED)  # passes with none; checks every one that exists
