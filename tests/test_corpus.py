"""Regression on the real-world corpus beside the project (../shared/corpus), when it is there.

deployed/: every template deployed to AWS, so an error-level finding on one of them is a false alarm.
failing/: no crash and no internal error on any of them (broken model outputs included).
"""

from __future__ import annotations

import glob
import os

import pytest

from preflight.api import check_text, read_template
from preflight.checks.base import Options
from tests.conftest import ROOT

CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
pytestmark = pytest.mark.skipif(not os.path.isdir(CORPUS), reason="../shared/corpus is not beside the project")


def _templates(folder: str) -> list[str]:
    return sorted(p for p in glob.glob(os.path.join(CORPUS, folder, "*")) if p.endswith((".json", ".yaml", ".yml")))


def test_no_error_on_any_deployed_template():
    alarms = []
    for path in _templates("deployed"):
        for finding in check_text(read_template(path), path, options=Options(strict=True)):
            if finding.severity == "error":
                alarms.append(f"{os.path.basename(path)}:{finding.span.line} {finding.code} {finding.message[:100]}")
    assert alarms == []


def test_every_failing_template_is_checked_without_crash():
    for path in _templates("failing"):
        findings = check_text(read_template(path), path, options=Options(strict=True))
        assert all(f.code != "PF0000" for f in findings)
