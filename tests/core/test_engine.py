"""Engine: a crashing check becomes PF0000 in production and raises in strict mode; API errors are typed."""

from __future__ import annotations

import pytest

import preflight
from preflight.api import _run
from preflight.checks.base import Check, Context, Options
from preflight.checks.registry import rules
from preflight.errors import InputError
from preflight.model.graph import Graph
from preflight.model.template import build_template
from preflight.resolve.resolver import Resolver
from preflight.source import load_text


def _boom(ctx):
    raise ZeroDivisionError("division by zero")
    yield  # pragma: no cover


def _context(options: Options) -> Context:
    doc = load_text("Resources:\n  T: {Type: AWS::SNS::Topic}\n", "t.yaml")
    template = build_template(doc)
    return Context("t.yaml", doc, template, Resolver(template), Graph(template), rules(), options)


def test_crashing_check_becomes_one_internal_error_finding():
    findings = list(_run(_context(Options()), [Check(_boom, ("PF0000",))], Options()))
    (finding,) = findings
    assert finding.code == "PF0000" and finding.severity == "warning"
    assert "internal error in check tests.core.test_engine._boom: ZeroDivisionError" in finding.message


def test_crashing_check_raises_in_strict_mode():
    with pytest.raises(ZeroDivisionError):
        list(_run(_context(Options(strict=True)), [Check(_boom, ("PF0000",))], Options(strict=True)))


def test_public_api_is_lazy_and_typed(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref Nope}}\n")
    (finding,) = preflight.check_file(str(path))
    assert finding.code == "PF1002" and finding.file == str(path) and finding.span.line == 2
    assert [f.code for f in preflight.check_text("Resources: [", "x.yaml")] == ["PF0001"]
    with pytest.raises(InputError):
        preflight.check_file(str(tmp_path / "missing.yaml"))


def test_findings_are_sorted_by_location():
    findings = preflight.check_text("Resources:\n  B: {Type: X, Properties: {A: !Ref Z}}\n  A: {Type: Y, DependsOn: Q}\n")
    keys = [(f.span.line, f.span.column, f.code) for f in findings]
    assert keys == sorted(keys)
