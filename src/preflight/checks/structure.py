"""Template-structure checks: what CloudFormation rejects before it creates anything.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.resolve.shapes import SHAPES
from preflight.source.nodes import MapNode, child_span, span_of
from preflight.source.span import Span

RULES = (
    Rule("PF0000", "internal-error", "A check crashed on this template", "other", "warning"),
    Rule("PF0001", "unparsable-template", "The file is not valid YAML or JSON", "template-structure", "error"),
    Rule("PF0002", "not-a-template", "The document is not a CloudFormation template", "template-structure", "error"),
    Rule("PF0003", "duplicate-key", "A key appears twice; CloudFormation keeps only the last", "template-structure",
         "warning", phase="runtime"),
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
    Rule("PF0011", "evaluation-bounded", "A value too large or too deep to evaluate: checks that need it skipped it",
         "template-structure", "info"),
    Rule("PF0012", "template-quota", "The template exceeds a CloudFormation quota (size, resources, parameters...)",
         "template-structure", "error"),
    Rule("PF0013", "unknown-section", "A top-level key that is not a template section", "template-structure",
         "error", "safe"),
    Rule("PF0014", "unknown-resource-key", "A key beside Type that is not a resource attribute (a property outside "
         "Properties)", "template-structure", "error"),
    Rule("PF0015", "malformed-parameter-or-output", "A parameter without Type or with AllowedValues that is not a "
         "list, or an output without Value", "template-structure", "error"),
)

# Codes the engine emits itself (loading, crashes): they have catalog rows and docs but no check function.
ENGINE_CODES = ("PF0000", "PF0001", "PF0002", "PF0010", "PF0011")


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


# The template sections CloudFormation accepts at the top level; anything else is "Template format error: Invalid
# template property or properties [X]". Globals is SAM's, read by the SAM transform (which removes it).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy.html
_SECTIONS = ("AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings", "Conditions",
             "Transform", "Resources", "Outputs", "Hooks")
_SAM_SECTIONS = ("Globals",)


def check_sections(ctx: Context) -> Iterator[Finding]:
    root = ctx.document.root
    if not isinstance(root, MapNode):
        return
    allowed = _SECTIONS + (_SAM_SECTIONS if _uses_sam(ctx) else ())
    macros = [t for t in ctx.template.transforms if not t.startswith("AWS::")]
    for key in root:
        if not isinstance(key, str) or key in allowed:
            continue
        from preflight.schema.suggest import closest

        meant = closest(key, allowed, 0.7, same_initial=False)
        message = f"Template format error: Invalid template property or properties [{key}]"
        if meant:
            message += f" (did you mean {meant}?)"
        span = root.key_span(key)
        fix = None
        if meant and meant not in root and meant.casefold() == key.casefold():  # only a spelling of letter case
            from preflight.findings import Edit, Fix

            fix = Fix(f"rename section {key} to {meant}", "safe", (Edit(span.start, span.end, meant),))
        if macros:  # a macro sees the template before CloudFormation validates it, and may consume the key
            yield ctx.finding("PF0013", span, message + f"; unless the macro(s) {', '.join(macros)} remove it",
                              severity="warning", fix=fix)
            continue
        yield ctx.finding("PF0013", span, message, fix=fix)


# The keys a resource entry may have beside its logical id; anything else is "Template format error: Invalid template
# resource property 'X'". Version only on custom resources; Connectors and IgnoreGlobals are read by the SAM
# transform. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-product-attribute-reference.html
_RESOURCE_KEYS = ("Type", "Properties", "Condition", "CreationPolicy", "DeletionPolicy", "DependsOn", "Metadata",
                  "UpdatePolicy", "UpdateReplacePolicy")
_CUSTOM_RESOURCE_KEYS = ("Version",)
_SAM_RESOURCE_KEYS = ("Connectors", "IgnoreGlobals")


def check_resource_keys(ctx: Context) -> Iterator[Finding]:
    from preflight.schema import store
    from preflight.schema.suggest import closest

    sam = _uses_sam(ctx)
    macros = [t for t in ctx.template.transforms if not t.startswith("AWS::")]
    for resource in ctx.template.resources.values():
        custom = resource.type.startswith("Custom::") or resource.type == "AWS::CloudFormation::CustomResource"
        allowed = _RESOURCE_KEYS + (_CUSTOM_RESOURCE_KEYS if custom else ()) + (_SAM_RESOURCE_KEYS if sam else ())
        for key in resource.node:
            if not isinstance(key, str) or key in allowed:
                continue
            schema = store.type_schema(resource.type)
            properties = schema.root.get("p", {}) if schema is not None and isinstance(schema.root, dict) else {}
            message = f"Template format error: Invalid template resource property '{key}'"
            if key in properties:
                message += f" ({key} is a property of {resource.type}: put it under Properties)"
            else:
                meant = closest(key, allowed, 0.7, same_initial=False)
                if meant:
                    message += f" (did you mean {meant}?)"
            severity = "warning" if macros else None
            if macros:
                message += f"; unless the macro(s) {', '.join(macros)} remove it"
            yield ctx.finding("PF0014", resource.node.key_span(key), message, resource=resource.logical_id,
                              severity=severity)


def _uses_sam(ctx: Context) -> bool:
    expansion = ctx.template.expansion
    return any(t.startswith("AWS::Serverless") for t in ctx.template.transforms) or (
        expansion is not None and any(t.startswith("AWS::Serverless") for t in expansion.expanded))


def check_parameters_and_outputs(ctx: Context) -> Iterator[Finding]:
    """CloudFormation's template validation of the Parameters and Outputs sections.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html"""
    root = ctx.document.root
    if not isinstance(root, MapNode):
        return
    parameters = root.get("Parameters")
    if not isinstance(parameters, MapNode):
        parameters = MapNode()
    for name, node in parameters.items():
        if not isinstance(node, MapNode):
            continue  # PF0004 says a parameter must be a mapping
        if "Type" not in node:
            yield ctx.finding("PF0015", parameters.key_span(name),
                              f"Template format error: Every Parameters object must contain a Type member "
                              f"(parameter {name} has none)")
        if "AllowedValues" in node and not isinstance(node["AllowedValues"], list):
            yield ctx.finding("PF0015", node.value_span("AllowedValues"),
                              f"Template format error: Every AllowedValues member must be a list (AllowedValues of "
                              f"parameter {name} is a single value: write each value as a list item)")
    outputs = root.get("Outputs")
    if not isinstance(outputs, MapNode):
        outputs = MapNode()
    for name, node in outputs.items():
        if isinstance(node, MapNode) and "Value" not in node:
            yield ctx.finding("PF0015", outputs.key_span(name),
                              f"Template format error: Every Outputs member must contain a Value object (output "
                              f"{name} has none)")


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


def check_quotas(ctx: Context) -> Iterator[Finding]:
    """CloudFormation's per-template quotas: counts of resources, parameters, outputs, mappings and mapping
    attributes, name lengths, the Description's size, and the inline body size (advice: only a deployment that
    passes the body in the request fails). The 1 MB body limit is checked before loading (engine, PF0012).

    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
    """
    from preflight.data.quotas import template_quotas

    quotas = template_quotas()
    root = ctx.template.root
    if not isinstance(root, MapNode):
        return
    for section, limit in (("Resources", quotas.resources), ("Parameters", quotas.parameters),
                           ("Outputs", quotas.outputs), ("Mappings", quotas.mappings)):
        node = root.get(section)
        if not isinstance(node, MapNode):
            continue
        if len(node) > limit:
            first_over = list(node)[limit]
            yield ctx.finding(
                "PF0012", node.key_span(first_over),
                f"{_quota_error(section, len(node), limit)} (the first one over the quota is {first_over}); split "
                f"the template into nested stacks")
        yield from _long_names(ctx, node, section, quotas.name_chars)
    yield from _mapping_quotas(ctx, root.get("Mappings"), quotas.mapping_attributes, quotas.name_chars)
    description = root.get("Description")
    if isinstance(description, str) and len(description.encode("utf-8", "surrogatepass")) > quotas.description_bytes:
        yield ctx.finding(
            "PF0012", root.value_span("Description"),
            f"Template format error: the template Description is {len(description.encode('utf-8', 'surrogatepass'))}"
            f" bytes, more than the {quotas.description_bytes} CloudFormation accepts")
    yield from _parameter_defaults(ctx, quotas.parameter_value_bytes)
    text = ctx.document.text
    references = list(_DYNAMIC_REFERENCE.finditer(text, 0)) if "{{resolve:" in text else []
    if len(references) > quotas.dynamic_references:
        at = references[quotas.dynamic_references].start()
        yield ctx.finding(
            "PF0012", ctx.document.lines.span(at, at + 10),
            f"the template holds {len(references)} dynamic references ({{{{resolve:...}}}}), more than the "
            f"{quotas.dynamic_references} CloudFormation allows in one template; this is the first one over the quota")
    size = body_bytes(text)
    # `cdk deploy` uploads a template over the inline limit to its bootstrap bucket by itself: no advice needed.
    from_cdk = any(r.construct_path for r in ctx.template.resources.values())
    if quotas.body_bytes_inline < size <= quotas.body_bytes_s3 and not from_cdk:
        at = limit_offset(text, quotas.body_bytes_inline)
        yield ctx.finding(
            "PF0012", ctx.document.lines.span(at, at),
            f"the template is {size:,} bytes, more than the {quotas.body_bytes_inline:,} bytes CloudFormation "
            f"accepts in the request itself (TemplateBody): upload it to S3 (TemplateURL; `aws cloudformation "
            f"deploy --s3-bucket ...`), which accepts up to {quotas.body_bytes_s3:,} bytes", severity="info")


_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:")
# CloudFormation's words (data/aws_errors.json, signature "template-quota", with the threads that quote them); no
# report quotes the message for mappings, so that one is ours and says so by not being a quote.
_QUOTA_ERRORS = {"Resources": "template-quota", "Parameters": "template-quota:parameters",
                 "Outputs": "template-quota:outputs"}


def _quota_error(section: str, count: int, limit: int) -> str:
    from preflight.data.errors import format_error

    signature = _QUOTA_ERRORS.get(section)
    if signature is None:
        return f"the template has {count} {section.lower()}, more than the {limit} CloudFormation allows"
    return format_error(signature, Count=str(count), Limit=str(limit))


def _parameter_defaults(ctx: Context, limit: int) -> Iterator[Finding]:
    for name, parameter in ctx.template.parameters.items():
        default = parameter.default
        if isinstance(default, str) and len(default) > limit // 4 and body_bytes(default) > limit:
            yield ctx.finding(
                "PF0012", parameter.node.value_span("Default"),
                f"the Default of parameter {name} is {body_bytes(default):,} bytes, more than the {limit:,} bytes a "
                f"parameter value may have")


def _long_names(ctx: Context, node: MapNode, section: str, limit: int) -> Iterator[Finding]:
    for name in node:
        if len(str(name)) > limit:
            yield ctx.finding(
                "PF0012", node.key_span(name),
                f"Template format error: the {section[:-1].lower()} name {str(name)[:40]}... is {len(str(name))} "
                f"characters long, more than the {limit} CloudFormation accepts",
                resource=str(name) if section == "Resources" else None)


def _mapping_quotas(ctx: Context, mappings: Any, attributes: int, name_chars: int) -> Iterator[Finding]:
    if not isinstance(mappings, MapNode):
        return
    for name, mapping in mappings.items():
        if not isinstance(mapping, MapNode):
            continue
        if len(mapping) > attributes:
            first_over = list(mapping)[attributes]
            yield ctx.finding(
                "PF0012", mapping.key_span(first_over),
                f"Template format error: mapping {name} has {len(mapping)} keys, more than the {attributes} "
                f"attributes a mapping may have; split it into several mappings")
        yield from _long_names(ctx, mapping, "Mapping keys", name_chars)
        for second in mapping.values():
            if isinstance(second, MapNode):
                yield from _long_names(ctx, second, "Mapping keys", name_chars)


def body_bytes(text: str) -> int:
    """The size CloudFormation measures: UTF-8 bytes (a lone surrogate counts as the 3 bytes it would take)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def limit_offset(text: str, limit: int) -> int:
    """The character offset at which the UTF-8 text passes `limit` bytes (where a quota is crossed)."""
    if text.isascii():
        return min(limit, len(text))
    low, high = 0, min(limit, len(text))  # a character takes at least one byte
    while low < high:  # the longest prefix within the limit (prefix sizes grow with its length)
        middle = (low + high + 1) // 2
        if body_bytes(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def check_policy_bounds(ctx: Context) -> Iterator[Finding]:
    """Policies with more statements than the evaluator reads (policy/model.py: MAX_STATEMENTS) stay unknown: say
    which, so that the silence of the permission checks about them is explained."""
    from preflight.policy import model
    from preflight.policy.locations import policy_locations

    for location in policy_locations():
        if not location.property:
            continue
        for resource in ctx.template.of_type(location.resource_type):
            document = resource.properties.get(location.property)
            statements = document.get("Statement") if isinstance(document, dict) else None
            where = f"in {location.property} of {resource.logical_id}"
            if isinstance(statements, list) and len(statements) > model.MAX_STATEMENTS:
                yield _policy_cut(ctx, resource, model.too_many_statements(len(statements)), where,
                                  child_span(document, "Statement", resource.prop_span(location.property)))
                continue
            for index, statement in enumerate(statements if isinstance(statements, list) else ()):
                values = model.statement_values(statement) if isinstance(statement, dict) else 0
                if values > model.MAX_STATEMENT_VALUES:
                    yield _policy_cut(ctx, resource, model.too_many_values(values), where,
                                      child_span(statements, index, resource.prop_span(location.property)))


def _policy_cut(ctx: Context, resource: Any, what: str, where: str, span: Span) -> Finding:
    return ctx.finding(
        "PF0011", span, f"not evaluated: {what} {where}; permission checks that need it skipped it (a policy this "
        "large does not fit AWS's policy size quotas)", resource=resource.logical_id)


CHECKS = (
    Check(check_quotas, ("PF0012",)),
    Check(check_policy_bounds, ("PF0011",)),
    Check(check_logical_ids, ("PF0008", "PF0009")),
    Check(check_duplicates, ("PF0003",)),
    Check(check_model_problems, ("PF0001", "PF0002", "PF0004", "PF0006", "PF0007")),
    Check(check_intrinsics, ("PF0005", "PF1003")),
    Check(check_sections, ("PF0013",)),
    Check(check_resource_keys, ("PF0014",)),
    Check(check_parameters_and_outputs, ("PF0015",)),
)
