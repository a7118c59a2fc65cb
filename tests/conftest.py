"""Shared test helpers. Tests run checks in strict mode: a crashing check raises instead of becoming PF0000."""

from __future__ import annotations

import os

import pytest

from preflight.api import check_text
from preflight.checks.base import Options
from preflight.findings import Finding

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRICT = Options(strict=True)


def run(text: str, path: str = "t.yaml", **kwargs: object) -> list[Finding]:
    return check_text(text, path, options=STRICT, **kwargs)  # type: ignore[arg-type]


def lines(findings: list[Finding], code: str | None = None) -> list[str]:
    """Findings as sorted `line:col CODE message` lines, the golden format."""
    return sorted(f"{f.span.line}:{f.span.column} {f.code} {f.message}" for f in findings
                  if code is None or f.code == code)


@pytest.fixture
def check():
    return run
