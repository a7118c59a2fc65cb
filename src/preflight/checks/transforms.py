"""What the transform stage (transform/) could not do: a SAM template that does not translate, a macro or
packaging tool that has to run first, a Fn::ForEach that cannot be expanded before deployment."""

from __future__ import annotations

from collections.abc import Iterator

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding

RULES = (
    Rule("PF0030", "sam-translation-failed", "The SAM transform fails on this template, or needs parameter values",
         "template-structure", "error"),
    Rule("PF0031", "transform-not-expanded", "A macro, AWS::Include or a packaging tool has to run first",
         "template-structure", "warning"),
    Rule("PF0032", "foreach-not-expanded", "A Fn::ForEach loop is malformed or its collection is known only at "
         "deploy time", "template-structure", "error"),
)


def check_transform_problems(ctx: Context) -> Iterator[Finding]:
    expansion = ctx.template.expansion
    if expansion is None:
        return
    for problem in expansion.problems:
        yield ctx.finding(problem.code, problem.span, problem.message, severity=problem.severity,
                          resource=problem.resource)


CHECKS = (Check(check_transform_problems, ("PF0030", "PF0031", "PF0032")),)
