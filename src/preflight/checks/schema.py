"""Schema validity: resource types CloudFormation knows, and Properties shaped as their provider schema says.

The schemas are CloudFormation's published resource provider schemas, snapshotted by scripts/refresh_schemas.py
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-type-schemas.html); nothing here is a
hand-written schema. Only shapes are validated (object / list / single value, required keys, unknown keys of closed
objects); enums and patterns are left to the value checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.data.singletons import not_a_resource_type
from preflight.findings import Edit, Finding, Fix
from preflight.model.template import Resource
from preflight.resolve.pins import is_pseudo
from preflight.schema import store
from preflight.schema.suggest import closest, closest_type
from preflight.schema.validate import KIND_NAMES, Issue, Validator, pointer
from preflight.source.nodes import MapNode
from preflight.source.span import Span

RULES = (
    Rule(
        "PF8001",
        "unknown-resource-type",
        "The resource type does not exist",
        "template-structure",
        "error",
        "safe",
    ),
    Rule(
        "PF8002",
        "sam-type-without-transform",
        "A SAM resource type is used without the SAM transform",
        "template-structure",
        "error",
    ),
    Rule(
        "PF8003",
        "unsupported-property",
        "A property the resource type does not have",
        "template-structure",
        "error",
        "safe",
    ),
    Rule(
        "PF8004",
        "missing-required-property",
        "A property the resource type requires is missing",
        "template-structure",
        "error",
    ),
    Rule(
        "PF8005",
        "wrong-value-shape",
        "A value is a mapping, a list or a single value where the schema wants another",
        "template-structure",
        "error",
        "safe",
    ),
    Rule(
        "PF8006",
        "launch-template-version-alias",
        "A launch template version given as $Latest or $Default where CloudFormation wants a number",
        "template-structure",
        "error",
    ),
)

# Where CloudFormation's launch template specification takes a version *number* (the EC2 API accepts $Latest and
# $Default; these resource handlers reject them: "Does not support using $Latest or $Default").
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-instance-launchtemplatespecification.html
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-autoscaling-autoscalinggroup-launchtemplatespecification.html
_VERSION_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::EC2::Instance": (("LaunchTemplate", "Version"),),
    "AWS::AutoScaling::AutoScalingGroup": (
        ("LaunchTemplate", "Version"),
        ("MixedInstancesPolicy", "LaunchTemplate", "LaunchTemplateSpecification", "Version"),
    ),
}
_VERSION_ALIASES = {"$Latest": "LatestVersionNumber", "$Default": "DefaultVersionNumber"}

# Custom resources (Custom::Name or AWS::CloudFormation::CustomResource) share one schema: ServiceToken required,
# any other property passed through to the provider.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html
_CUSTOM = "AWS::CloudFormation::CustomResource"
# Module types end in ::MODULE and are expanded by CloudFormation before resource validation.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/modules.html
_MODULE_SUFFIX = "::MODULE"
# How alike a property name must be to suggest it (difflib ratio): ResourceIds -> ResourceId, not
# CachingEnabled -> TracingEnabled.
_PROPERTY_CUTOFF = 0.8


# --------------------------------------------------------------------------- resource types


def check_resource_types(ctx: Context) -> Iterator[Finding]:
    expansion = ctx.template.expansion  # transforms the transform stage expanded are no longer in `transforms`
    sam = store.sam_transform() in ctx.template.transforms or (
        expansion is not None and store.sam_transform() in expansion.expanded)
    macros = _macros(ctx)
    for resource in ctx.template.resources.values():
        finding = _type_finding(ctx, resource, sam)
        if finding is not None:
            yield _soften(finding, macros) if macros else finding


def _type_finding(ctx: Context, resource: Resource, sam: bool) -> Finding | None:
    name = resource.type
    span = resource.node.value_span("Type")
    if name.startswith("Custom::") or name.endswith(_MODULE_SUFFIX):
        return None
    if name in store.sam_types():
        if sam:
            return None
        return ctx.finding(
            "PF8002",
            span,
            f"Template format error: Unrecognized resource types: [{name}]: "
            f"AWS::Serverless types exist only in templates that declare "
            f"'Transform: {store.sam_transform()}'",
            resource=resource.logical_id,
        )
    if store.is_known_type(name):
        return _region_finding(ctx, resource, span)
    return _unknown_type(ctx, resource, span, sam)


def _unknown_type(ctx: Context, resource: Resource, span: Span, sam: bool) -> Finding:
    name = resource.type
    pool = store.sam_types() if sam and name.startswith("AWS::Serverless::") else store.known_types()
    absent = not_a_resource_type(name)
    suggestion = None if absent else closest_type(name, pool)
    message = f"Template format error: Unrecognized resource types: [{name}]"
    if suggestion:
        message += f" (did you mean {suggestion}?)"
    if absent:
        message += f"; {absent}"
    if not store.reserved_namespace(name):
        # Private and activated third-party extensions are per account and Region: offline, that is unknown.
        message += (
            f" unless a private or third-party extension named {name} is registered or activated in the "
            f"deploying account and Region"
        )
        return ctx.finding(
            "PF8001", span, message, resource=resource.logical_id, severity="warning", phase="account"
        )
    return ctx.finding(
        "PF8001",
        span,
        message,
        resource=resource.logical_id,
        fix=_rename(ctx, span, name, suggestion, "resource type"),
    )


def _region_finding(ctx: Context, resource: Resource, span: Span) -> Finding | None:
    region = ctx.pins.region
    if not isinstance(region, str) or not store.known_region(region):
        return None
    if region not in store.regions_without(resource.type):
        return None
    return ctx.finding(
        "PF8001",
        span,
        f"Template format error: Unrecognized resource types: [{resource.type}] "
        f"({resource.type} is not available in {region})",
        resource=resource.logical_id,
    )


# --------------------------------------------------------------------------- properties


def check_properties(ctx: Context) -> Iterator[Finding]:
    macros = _macros(ctx)
    ref_kind = _ref_kinds(ctx)
    for resource in ctx.template.resources.values():
        schema_name = _CUSTOM if resource.type.startswith("Custom::") else resource.type
        schema = store.type_schema(schema_name)
        if schema is None:
            continue  # an unknown type (PF8001), a SAM type (the transform validates it) or a module
        where = resource.node.key_span("Properties") if "Properties" in resource.node else resource.key_span
        issues = Validator(schema, ref_kind).properties(resource.properties, where)
        if issues:
            for finding in _resource_findings(ctx, resource, issues):
                yield _soften(finding, macros) if macros else finding


def _resource_findings(ctx: Context, resource: Resource, issues: list[Issue]) -> Iterator[Finding]:
    conditional = _conditional_note(ctx, resource)
    meant = _meant(issues)
    for issue in issues:
        if issue.kind == "required" and (issue.path, issue.name) in meant:
            continue  # the misspelt key's PF8003 says it (RoleArn given, RoleARN required)
        finding = _issue_finding(ctx, resource, issue)
        yield _with(finding, "warning", conditional) if conditional else finding


def _ref_kinds(ctx: Context) -> Callable[[str], str | None]:
    """What `Ref: name` returns: a list for List<...>/CommaDelimitedList parameters (SSM ones too) and for
    AWS::NotificationARNs, a string for any other parameter, pseudo parameter or resource.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html
    """
    template = ctx.template

    def kind(name: str) -> str | None:
        parameter = template.parameters.get(name)
        if parameter is not None:
            return "a" if "List<" in parameter.type or "CommaDelimitedList" in parameter.type else "s"
        if name in template.resources:
            return "s"
        if name == "AWS::NotificationARNs":
            return "a"
        return "s" if is_pseudo(name) else None

    return kind


def _meant(issues: list[Issue]) -> set[tuple[tuple[str, ...], str]]:
    """(object path, property) pairs that an unsupported key of the same object most likely meant."""
    found = set()
    for issue in issues:
        if issue.kind == "unsupported":
            suggestion = closest(issue.name, issue.choices, _PROPERTY_CUTOFF)
            if suggestion:
                found.add((issue.path, suggestion))
    return found


def _issue_finding(ctx: Context, resource: Resource, issue: Issue) -> Finding:
    rid = resource.logical_id
    if issue.kind == "unsupported":
        suggestion = closest(issue.name, issue.choices, _PROPERTY_CUTOFF)
        where = f" in {'/'.join(issue.path)}" if issue.path else ""
        message = f"Encountered unsupported property {issue.name}{where}"
        if suggestion:
            message += f" (did you mean {suggestion}?)"
        elif not issue.path:
            message += f" ({resource.type} has no such property)"
        return ctx.finding(
            "PF8003",
            issue.span,
            message,
            resource=rid,
            fix=_rename(ctx, issue.span, issue.name, suggestion, "property"),
        )
    if issue.kind == "required":
        return ctx.finding(
            "PF8004",
            issue.span,
            f"Properties validation failed: {pointer(issue.path)}: required "
            f"key [{issue.name}] not found (Property {issue.name} cannot be empty)",
            resource=rid,
        )
    expected = " or ".join(KIND_NAMES[k] for k in issue.expected)
    message = (
        f"Properties validation failed: {pointer(issue.path)}: expected type: {expected}, found: "
        f"{KIND_NAMES[issue.found]}{_shape_hint(issue)}"
    )
    if _single_item(issue):
        # Resource types still served by CloudFormation's older handlers have been seen to wrap one mapping in a
        # list; registry-based handlers validate the schema and reject it. Offline, which one serves the type is
        # unknown: a warning.
        return ctx.finding(
            "PF8005",
            issue.span,
            message + "; registry-based resource handlers reject this, older ones may accept a single item",
            resource=rid,
            severity="warning",
        )
    from preflight.fix.shapes import shape_fix

    return ctx.finding("PF8005", issue.span, message, resource=rid, fix=shape_fix(ctx, resource, issue))


def _single_item(issue: Issue) -> bool:
    """A mapping given where a list of such mappings is required, that would be a valid item."""
    return (
        "a" in issue.expected
        and issue.found == "o"
        and not issue.via
        and bool(issue.given_keys)
        and set(issue.given_keys) <= set(issue.item_keys)
    )


def _shape_hint(issue: Issue) -> str:
    name = issue.path[-1] if issue.path else "Properties"
    if issue.via:
        what = {"a": "a list", "s": "a single value"}[issue.found]
        wanted = {"a": "a list", "o": "a mapping", "s": "a single value"}[issue.expected[0]]
        return f" ({issue.via} returns {what}; {name} takes {wanted})"
    if "a" in issue.expected and issue.found == "o":
        if issue.given_keys and set(issue.given_keys) <= set(issue.item_keys):
            return f" ({name} takes a list: make this mapping an item of it)"
        if {"Key", "Value"} <= set(issue.item_keys):
            return f" ({name} takes a list of Key/Value pairs, not a mapping of tag names to values)"
        return f" ({name} takes a list)"
    if "a" in issue.expected:
        return f" ({name} takes a list, even of one item)"
    if "o" in issue.expected and issue.found == "a" and name == "Tags":
        return " (Tags here takes a mapping of tag names to values, not a list of Key/Value pairs)"
    if "o" in issue.expected:
        return f" ({name} takes a mapping)"
    return f" ({name} takes a single value)"


# --------------------------------------------------------------------------- severity and fixes


def _macros(ctx: Context) -> tuple[str, ...]:
    """Transforms other than AWS's own: a macro may rewrite types and properties before CloudFormation validates."""
    return tuple(t for t in ctx.template.transforms if not t.startswith("AWS::"))


def _soften(finding: Finding, macros: tuple[str, ...]) -> Finding:
    if finding.severity != "error":
        return finding
    note = f"the template's macro(s) {', '.join(macros)} may rewrite it before CloudFormation validates"
    return _with(finding, "warning", note)


def _conditional_note(ctx: Context, resource: Resource) -> str | None:
    """Properties are validated when the resource is created: a resource that some scenario does not create
    fails only in the others."""
    if resource.condition is None:
        return None
    scenarios = ctx.resolver.scenarios.scenarios
    if all(ctx.resolver.active(resource, s) for s in scenarios):
        return None
    return f"fails only when condition {resource.condition} is true (the resource is created)"


def _with(finding: Finding, severity: str, note: str) -> Finding:
    return finding._replace(
        severity=severity, message=f"{finding.message}; {note}", notes=finding.notes + (note,)
    )


def _rename(ctx: Context, span: Span, old: str, new: str | None, what: str) -> Fix | None:
    """A safe fix only for a difference of letter case: the same name, spelled as CloudFormation spells it."""
    if new is None or new.casefold() != old.casefold():
        return None
    text = ctx.document.text[span.start : span.end]
    offset = text.find(old)
    if offset < 0:
        return None
    start = span.start + offset
    return Fix(f"rename {what} {old} to {new}", "safe", (Edit(start, start + len(old), new),))


def check_launch_template_version(ctx: Context, resource: Resource) -> Iterator[Finding]:
    for path in _VERSION_PATHS.get(resource.type, ()):
        parent: Any = resource.properties
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, MapNode):
            continue
        value = ctx.resolve(parent.get(path[-1]))
        if isinstance(value, str) and value in _VERSION_ALIASES:  # a list or map is PF8005's (wrong shape)
            attribute = _VERSION_ALIASES[value]
            yield ctx.finding(
                "PF8006", parent.value_span(path[-1]),
                f'Property validation failure: Value "{value}" at "{".".join(path)}" is not supported: '
                f"{resource.type} does not support using $Latest or $Default; use "
                f"!GetAtt <LaunchTemplate>.{attribute}",
                resource=resource.logical_id)


CHECKS = (
    Check(check_launch_template_version, ("PF8006",), types=tuple(_VERSION_PATHS)),
    Check(check_resource_types, ("PF8001", "PF8002")),
    Check(check_properties, ("PF8003", "PF8004", "PF8005")),
)
