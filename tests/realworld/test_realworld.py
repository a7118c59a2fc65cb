"""Real failures reported in public threads (tests/realworld/cases, see realworld.py), with their fixed twins.

Per case: the failing template yields an error or warning on the labelled resource in the labelled category (one
of expect_codes when given), and the fixed twin yields no error. A case preflight does not catch today is an
expected failure, strict, whose reason names the gap and its issue #13 class: when a change closes the gap the
test fails as XPASS and the mark is to be removed.
"""

from __future__ import annotations

import pytest

from tests.realworld.realworld import check, describe, errors, hits, load_cases

CASES = load_cases()

# Missed today: case slug -> the gap (issue #13 class).
MISSED = {
    "acm-certificate-getatt-arn": "2 schema values: GetAtt CertificateArn of AWS::CertificateManager::Certificate, "
                                  "rejected by CloudFormation, is not reported",
    "beanstalk-solution-stack-retired": "5 dated data: retired Elastic Beanstalk solution stacks (platform "
                                        "versions) are not checked",
    "bucket-name-taken-globally": "6 severity: a short hard-coded bucket name is an info (PF3005), not a warning",
}
# Fixed twins that preflight reports an error on today (false errors): case slug -> why.
FALSE_ERRORS: dict[str, str] = {}


def _mark(slug: str, table: dict[str, str]) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(strict=True, reason=table[slug])] if slug in table else []


@pytest.mark.parametrize("case", [pytest.param(c, id=c.slug, marks=_mark(c.slug, MISSED)) for c in CASES])
def test_failing_template_is_caught(case):
    findings = check(case.failing, case.pins)
    assert hits(case, findings), f"{case.thread}: expected {case.expect_codes or case.categories} on " \
                                 f"{case.resource}; found {describe(findings)}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.slug, marks=_mark(c.slug, FALSE_ERRORS)) for c in CASES])
def test_fixed_twin_has_no_error(case):
    assert errors(check(case.fixed, case.fixed_pins)) == []


def test_the_set_is_broad():
    """At least 40 cases, every case cites a thread, and every mark names a case that exists."""
    slugs = {c.slug for c in CASES}
    assert len(CASES) >= 40
    assert all(c.thread.startswith("https://") for c in CASES)
    assert set(MISSED) <= slugs and set(FALSE_ERRORS) <= slugs
