"""The real-world failure set (tests/realworld/cases): one folder per failure reported in a public thread.

Each folder holds failing.yaml|json (a minimal template written from the thread's description), fixed.yaml|json
(what the thread says fixed it) and case.json:
  thread        the public thread (URL) the failure comes from
  category      the finding category (DESIGN.md) a human would label, or a list when the cause sits in two
                (the issue's rule: a cause labelled in two categories counts once when either is found)
  class         the issue #13 class the failure belongs to (for routing misses)
  error         the error as the thread reports it, short
  expect_codes  PF codes that should fire ([] when no check is meant to know it yet)
  resource      the logical id the finding should name (resource or related); null for a template-level cause
  pins          optional Pins fields for the failing template; fixed_pins for the twin (defaults to pins)

The matching rule is the corpus scorer's (../shared/corpus/score.py): a finding counts when its severity is error
or warning, its category is the labelled one and its resource or related names the labelled resource; here
expect_codes, when given, must also contain its code. Shared by tests/realworld/test_realworld.py and
bench/score_realworld.py so that the two count the same way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any, NamedTuple

from preflight.api import check_text, read_template
from preflight.checks.base import Options
from preflight.findings import Finding
from preflight.resolve.pins import Pins

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")


class Case(NamedTuple):
    slug: str
    thread: str
    categories: tuple[str, ...]
    klass: str
    error: str
    expect_codes: tuple[str, ...]
    resource: str | None
    failing: str
    fixed: str
    pins: Pins | None
    fixed_pins: Pins | None


def _template(folder: str, stem: str) -> str:
    for ext in (".yaml", ".yml", ".json"):
        path = os.path.join(folder, stem + ext)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(os.path.join(folder, stem + ".yaml"))


def _pins(data: dict[str, Any] | None) -> Pins | None:
    return Pins(**data) if data else None


def load_cases(root: str = CASES) -> list[Case]:
    cases = []
    for slug in sorted(os.listdir(root)):
        folder = os.path.join(root, slug)
        meta_path = os.path.join(folder, "case.json")
        if not os.path.isfile(meta_path):
            continue
        with open(meta_path, encoding="utf-8") as fh:
            meta = json.load(fh)
        category = meta["category"]
        categories = tuple(category) if isinstance(category, list) else (category,)
        cases.append(Case(slug, meta["thread"], categories, meta.get("class", "other"), meta["error"],
                          tuple(meta.get("expect_codes") or ()), meta.get("resource"),
                          _template(folder, "failing"), _template(folder, "fixed"), _pins(meta.get("pins")),
                          _pins(meta.get("fixed_pins", meta.get("pins")))))
    return cases


def check(path: str, pins: Pins | None, strict: bool = True) -> list[Finding]:
    return check_text(read_template(path), path, pins=pins, options=Options(strict=strict))


def hits(case: Case, findings: Iterable[Finding]) -> list[Finding]:
    """The findings that catch the case's failure (the corpus scorer's rule, plus expect_codes)."""
    out = []
    for f in findings:
        if f.severity not in ("error", "warning") or f.category not in case.categories:
            continue
        if case.resource is not None and case.resource != f.resource and case.resource not in f.related:
            continue
        if case.expect_codes and f.code not in case.expect_codes:
            continue
        out.append(f)
    return out


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def describe(findings: Iterable[Finding]) -> str:
    return "; ".join(f"{f.severity} {f.code} {f.category} {f.resource}: {f.message[:90]}" for f in findings) or "none"
