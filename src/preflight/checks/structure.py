"""Template-structure checks: what CloudFormation rejects before it creates anything.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.resolve.shapes import SHAPES
from preflight.source.nodes import child_span, span_of

RULES = (
    Rule("PF0000", "internal-error", "A check crashed on this template", "other", "warning"),
    Rule("PF0001", "unparsable-template", "The file is not valid YAML or JSON", "template-structure", "error"),
    Rule("PF0002", "not-a-template", "The document is not a CloudFormation template", "template-structure", "error"),
    Rule("PF0003", "duplicate-key", "A key appears twice; CloudFormation keeps only the last", "template-structure",
         "warning"),
    Rule("PF0004", "malformed-section", "A template section or resource has the wrong shape", "template-structure",
         "error"),
    Rule("PF0005", "malformed-intrinsic", "An intrinsic function has malformed arguments", "template-structure",
         "error"),
    Rule("PF0006", "unknown-tag", "A YAML tag that CloudFormation does not know", "template-structure", "error"),
)

# Codes the engine emits itself (loading, crashes): they have catalog rows and docs but no check function.
ENGINE_CODES = ("PF0000", "PF0001", "PF0002")


def check_duplicates(ctx: Context) -> Iterator[Finding]:
    for dup in ctx.document.duplicates:
        where = "/".join(str(p) for p in dup.path) or "the top level"
        is_resource = dup.path == ("Resources",)
        what = f"logical id '{dup.key}'" if is_resource else f"key '{dup.key}'"
        yield ctx.finding(
            "PF0003",
            dup.second,
            f"duplicate {what} in {where} (first at line {dup.first.line}); CloudFormation keeps this one and "
            f"silently drops the earlier definition",
            resource=dup.key if is_resource else (str(dup.path[1]) if len(dup.path) > 1 and dup.path[0] == "Resources" else None),
        )


def check_model_problems(ctx: Context) -> Iterator[Finding]:
    for problem in ctx.template.problems:
        if problem.kind == "no-resources":
            # CloudFormation rejects it, but `cdk deploy` skips a stack without resources, so it may never reach
            # CloudFormation: a warning (deployed CDK output in the corpus has such stacks).
            yield ctx.finding("PF0002", problem.span, "Template format error: At least one Resources member must "
                              "be defined. (cdk deploy skips such a stack; CloudFormation rejects it)",
                              severity="warning")
            continue
        yield ctx.finding("PF0004", problem.span, f"Template format error: {problem.message}", resource=problem.resource)
    for message, span in ctx.document.problems:
        yield ctx.finding("PF0006", span, f"Template format error: {message} (not a CloudFormation intrinsic function)")


def check_intrinsic_shapes(ctx: Context) -> Iterator[Finding]:
    root = ctx.template.root
    if not isinstance(root, dict):
        return
    for section in ("Resources", "Outputs", "Conditions"):
        node = root.get(section)
        if not isinstance(node, dict):
            continue
        for name, value in node.items():
            resource = str(name) if section == "Resources" else None
            yield from _walk_shapes(ctx, value, resource, child_span(node, name))


def _walk_shapes(ctx: Context, node: Any, resource: str | None, span: Any) -> Iterator[Finding]:
    stack = [(node, span)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            if len(item) == 1:
                key = next(iter(item))
                shape = SHAPES.get(key)
                if shape is not None and key != "Condition":
                    problem = shape(item[key])
                    if problem is not None:
                        yield ctx.finding("PF0005", span_of(item, where), f"Template error: {problem}",
                                          resource=resource)
                        continue
            for key, value in item.items():
                stack.append((value, child_span(item, key, where)))
        elif isinstance(item, list):
            for index, value in enumerate(item):
                stack.append((value, child_span(item, index, where)))


CHECKS = (
    Check(check_duplicates, ("PF0003",)),
    Check(check_model_problems, ("PF0002", "PF0004", "PF0006")),
    Check(check_intrinsic_shapes, ("PF0005",)),
)
