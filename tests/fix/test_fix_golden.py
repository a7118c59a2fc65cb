"""Golden fixes: in every tests/golden/PFnnnn_*/ folder that has a `fixed.*` file, fixing `failing.*` for that
code (`preflight fix --select PFnnnn --unsafe-fixes`: the folder's fix, whatever its safety) gives exactly
`fixed.*`, byte for byte; and fixing the result again changes nothing."""

from __future__ import annotations

import glob
import os

import pytest

from preflight.fix.engine import fix_text, kept_outside
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
    options = STRICT._replace(select=frozenset({os.path.basename(folder).split("_")[0]}))
    result = fix_text(text, os.path.basename(failing), options=options, unsafe=True)
    refused = [f"{r.code} {r.resource}: {r.reason}" for r in result.refused]
    assert result.text == _read(fixed), f"refused: {refused}"
    assert kept_outside(text, result.text, [e for a in result.applied for e in a.edits])
    assert not fix_text(result.text, os.path.basename(failing), options=options, unsafe=True).changed  # idempotent


def test_golden_fixed_files_are_found():
    assert all(os.path.isfile(f) for f in FIXED)  # passes with none; checks every one that exists
