"""Every catalog entry has its function, its documentation page (with the required headings) and goldens."""

from __future__ import annotations

import os
import pathlib
import re

import pytest

from preflight.checks.base import CATEGORIES
from preflight.checks.registry import checks, engine_codes, rules
from tests.conftest import ROOT

HEADINGS = ("What it does", "Why it fails deployment", "Example", "Use instead", "Fix safety", "Limitations",
            "References")
RULES = list(rules().values())


def test_codes_are_well_formed_and_unique():
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"PF\d{4}", c) for c in codes)
    assert {r.category for r in RULES} <= set(CATEGORIES)


def test_every_emitted_code_is_in_the_catalog():
    table = rules()
    for check in checks():
        for code in check.codes:
            assert code in table, f"{check.name} emits {code}, which has no catalog entry"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_a_function(rule):
    emitted = {c for check in checks() for c in check.codes} | set(engine_codes())
    assert rule.code in emitted, f"{rule.code} has no check function"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_a_doc_page_with_every_heading(rule):
    path = os.path.join(ROOT, rule.doc_url)
    assert os.path.isfile(path), f"missing {rule.doc_url}"
    text = pathlib.Path(path).read_text(encoding="utf-8")
    assert text.startswith(f"# {rule.code}"), "the page starts with '# CODE ...'"
    for heading in HEADINGS:
        assert re.search(rf"^## {re.escape(heading)}\s*$", text, re.MULTILINE), f"{rule.code}: no '## {heading}'"


@pytest.mark.parametrize("rule", [r for r in RULES if r.code not in engine_codes()],
                         ids=[r.code for r in RULES if r.code not in engine_codes()])
def test_rule_has_golden_folder(rule):
    folder = os.path.join(ROOT, "tests", "golden", f"{rule.code}_{rule.slug}")
    assert os.path.isdir(folder), f"missing golden folder {folder}"
    names = os.listdir(folder)
    assert any(n.startswith("failing.") for n in names)
    assert any(n.startswith("passing.") for n in names)
    assert "expected.txt" in names


_SEVERITY_LINE = re.compile(r"^Severity: \*\*(\w+)\*\*(?: · Phase: \*\*(\w+)\*\*)?\s*$", re.MULTILINE)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_doc_page_states_the_rules_severity_and_phase(rule):
    """The page's `Severity: **...**` line under its title is the catalog's (a warning also names its phase), so
    `preflight rules`, the reports and the docs agree (issue 13, "Severity means something")."""
    path = pathlib.Path(ROOT, rule.doc_url)
    assert path.is_file(), f"missing {rule.doc_url}"
    text = path.read_text(encoding="utf-8")
    lines = _SEVERITY_LINE.findall(text)
    assert len(lines) == 1, (
        f"{rule.code}: the page needs one 'Severity: **{rule.severity}**' line under its title"
    )
    assert text.split("\n")[2] == _SEVERITY_LINE.search(text).group(0).rstrip(), (
        "the line comes right after the title"
    )
    assert lines[0] == (rule.severity, rule.phase if rule.severity == "warning" else "")
