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
from preflight.source.span import Span

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
    Rule("PF0007", "json-trailing-comma", "A trailing comma in JSON", "template-structure", "info"),
    Rule("PF0008", "logical-id-clash", "A parameter and a resource share one logical id", "template-structure",
         "error"),
    Rule("PF0009", "non-alphanumeric-logical-id", "A logical id that is not alphanumeric", "template-structure",
         "error"),
    Rule("PF0010", "scenarios-truncated", "Too many condition combinations: only some were checked",
         "template-structure", "info"),
)

# Codes the engine emits itself (loading, crashes): they have catalog rows and docs but no check function.
ENGINE_CODES = ("PF0000", "PF0001", "PF0002", "PF0010")


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
    for code, message, span, severity in ctx.document.problems:
        yield ctx.finding(code, span, message, severity=severity)


def check_intrinsics(ctx: Context) -> Iterator[Finding]:
    """One walk over Resources, Outputs and Conditions: malformed intrinsic arguments (PF0005) and conditions
    used by Fn::If or Condition that are not defined (PF1003)."""
    root = ctx.template.root
    if not isinstance(root, dict):
        return
    for section in ("Resources", "Outputs", "Conditions"):
        node = root.get(section)
        if not isinstance(node, dict):
            continue
        for name, value in node.items():
            resource = str(name) if section == "Resources" else None
            yield from _walk_intrinsics(ctx, value, resource, child_span(node, name), section)


def _walk_intrinsics(ctx: Context, node: Any, resource: str | None, span: Span, section: str) -> Iterator[Finding]:
    defined = ctx.template.conditions
    stack: list[tuple[Any, Any, Any]] = [(node, None, None)]
    while stack:
        item, parent, key = stack.pop()
        if isinstance(item, dict):
            if len(item) == 1:
                name = next(iter(item))
                shape = SHAPES.get(name)
                if shape is not None:
                    arg = item[name]
                    where = span_of(item, child_span(parent, key, span) if parent is not None else span)
                    problem = shape(arg)
                    if problem is not None:
                        yield ctx.finding("PF0005", where, f"Template error: {problem}", resource=resource)
                        continue
                    undefined = _undefined_condition(name, arg, section)
                    if undefined is not None and undefined not in defined:
                        message = (f"Template error: unresolved condition dependency {undefined} in Fn::If"
                                   if name == "Fn::If" else
                                   f"Template format error: Unresolved condition dependencies [{undefined}]")
                        yield ctx.finding("PF1003", where, message, resource=resource)
            for child_key, value in item.items():
                if isinstance(value, (dict, list)):
                    stack.append((value, item, child_key))
        elif isinstance(item, list):
            for index, value in enumerate(item):
                if isinstance(value, (dict, list)):
                    stack.append((value, item, index))


def _undefined_condition(name: str, arg: Any, section: str) -> str | None:
    """The condition name a call refers to: Fn::If's first argument, or {"Condition": X} inside Conditions."""
    if name == "Fn::If":
        return arg[0]  # type: ignore[no-any-return]
    if name == "Condition" and section == "Conditions":
        return arg  # type: ignore[no-any-return]
    return None


def check_logical_ids(ctx: Context) -> Iterator[Finding]:
    """Logical ids are alphanumeric and unique among all logical names of the template, parameters included.

    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html
    """
    template = ctx.template
    for name, resource in template.resources.items():
        parameter = template.parameters.get(name)
        if parameter is not None:
            yield ctx.finding(
                "PF0008", resource.key_span,
                f"Template format error: the logical id {name} is used by a parameter (line {parameter.key_span.line}) "
                f"and by a resource; logical ids must be unique among all logical names of the template",
                resource=name)
    for section, names in (("Resources", template.resources), ("Parameters", template.parameters)):
        for name, item in names.items():
            if not name.isascii() or not name.isalnum():
                yield ctx.finding(
                    "PF0009", item.key_span,
                    f"Template format error: {section[:-1]} name {name} is non alphanumeric.",
                    resource=name if section == "Resources" else None)


CHECKS = (
    Check(check_logical_ids, ("PF0008", "PF0009")),
    Check(check_duplicates, ("PF0003",)),
    Check(check_model_problems, ("PF0001", "PF0002", "PF0004", "PF0006", "PF0007")),
    Check(check_intrinsics, ("PF0005", "PF1003")),
)
