"""The documentation is tested: each page's Example produces its code, and its Use instead does not."""

from __future__ import annotations

import glob
import os
import pathlib
import re

import pytest

from tests.conftest import ROOT, run

PAGES = sorted(glob.glob(os.path.join(ROOT, "docs", "checks", "PF*.md")))
# PF0000 (a check crashed) cannot come from a template; tests/core/test_engine.py provokes it with a crashing check.
EXAMPLE_PAGES = [p for p in PAGES if not p.endswith("PF0000.md")]
_BLOCK = re.compile(r"```(yaml|json)\n(.*?)```", re.DOTALL)


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def _blocks(section: str) -> list[tuple[str, str]]:
    return _BLOCK.findall(section)


@pytest.mark.parametrize("page", EXAMPLE_PAGES, ids=[os.path.basename(p)[:-3] for p in EXAMPLE_PAGES])
def test_example_produces_the_code(page):
    code = os.path.basename(page)[:-3]
    text = pathlib.Path(page).read_text(encoding="utf-8")
    blocks = _blocks(_section(text, "Example"))
    assert blocks, f"{code}: the Example section has no yaml/json block"
    for fmt, body in blocks:
        codes = {f.code for f in run(body, f"example.{fmt}")}
        assert code in codes, f"{code}: its Example does not produce it (got {sorted(codes)})"


@pytest.mark.parametrize("page", EXAMPLE_PAGES, ids=[os.path.basename(p)[:-3] for p in EXAMPLE_PAGES])
def test_use_instead_does_not(page):
    code = os.path.basename(page)[:-3]
    text = pathlib.Path(page).read_text(encoding="utf-8")
    blocks = _blocks(_section(text, "Use instead"))
    assert blocks, f"{code}: the Use instead section has no yaml/json block"
    for fmt, body in blocks:
        codes = {f.code for f in run(body, f"use-instead.{fmt}")}
        assert code not in codes, f"{code}: its Use instead still produces it"
