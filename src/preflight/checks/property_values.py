"""Property values that CloudFormation validates against the resource schema, and values of the wrong kind.

CloudFormation validates the properties of a registry resource type (one whose schema has create, read and delete
handlers) against its published schema before the handler runs, and fails the resource with "Properties
validation failed for resource X with message: #/Prop: failed validation constraint for keyword [pattern]" (or
the handler's "Model validation failed (#/Prop: ...)"). The constraints come from preflight/data/schemas_values.json
(scripts/refresh_value_schemas.py); older types that CloudFormation serves without those handlers are not in it.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-type-schemas.html
https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html

Values are resolved per condition scenario; a value that fails only in some scenarios is reported with them (a
warning). A partly symbolic value is judged only by what its literal parts decide; a reference to another resource
by what its Ref or GetAtt returns (preflight.data.ref_kinds).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.resolve.pins import NO_VALUE
from preflight.resolve.values import Symbol, Symbolic, Unknown
from preflight.schema import constraints as sc
from preflight.source.nodes import MapNode, child_span, span_of
from preflight.source.span import Span

RULES = (
    Rule(
        "PF4016",
        "schema-value",
        "A property value the resource schema's pattern, enum, length or range rejects",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4017",
        "reference-kind",
        "A reference returns a name or id where an ARN is needed (or the reverse)",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4018",
        "property-relation",
        "Two properties the service accepts only together in some relation",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4019",
        "service-required-property",
        "A property the schema calls optional but the service requires here",
        "invalid-value",
        "error",
    ),
)

_SUB_ONE = "${"
_ABSENT = object()


def check_schema_values(ctx: Context) -> Iterator[Finding]:
    macros = tuple(t for t in ctx.template.transforms if not t.startswith("AWS::"))
    for resource in ctx.template.resources.values():
        tree = sc.tree(resource.type)
        if not tree or not resource.properties:
            continue
        for finding in _resource(ctx, resource, tree):
            if macros and finding.severity == "error":
                note = f"the template's macro(s) {', '.join(macros)} may rewrite it before CloudFormation validates"
                finding = finding._replace(
                    severity="warning", message=f"{finding.message}; {note}", phase="deploy"
                )
            yield finding


def _resource(ctx: Context, resource: Resource, tree: dict[str, Any]) -> Iterator[Finding]:
    active = ctx.created(resource)
    if not active:
        return
    walker = _Walker(ctx, resource, _owned_elsewhere(resource))
    walker.container(resource.properties, tree, (), active)
    for key, shown in walker.found.items():
        code, span, message = key
        yield ctx.finding(
            code,
            span,
            message,
            resource=resource.logical_id,
            related=_related(ctx, message),
            when=shown,
            severity="warning" if key in walker.soft else None,
        )


def _related(ctx: Context, message: str) -> tuple[str, ...]:
    head = message.split(" returns ", 1)[0].rsplit("(", 1)[-1] if " returns " in message else ""
    name = head.split()[-1].split(".")[0] if head else ""
    return (name,) if name in ctx.template.resources else ()


# Values another check judges with more to say: an SSM parameter's Type (PF4009: SecureString cannot be created),
# a trail's data resource type (PF4012: which types need advanced event selectors), a permission's SourceArn.
_OWNED = {
    "AWS::SSM::Parameter": ("Type",),
    "AWS::CloudTrail::Trail": ("EventSelectors/*/DataResources/*/Type",),
    "AWS::Lambda::Permission": ("SourceArn",),  # PF6401: which ARN to use instead
}


def _owned_elsewhere(resource: Resource) -> frozenset[str]:
    """Paths another check owns: a physical name with curated limits is PF3001/PF3002's; see _OWNED."""
    from preflight.data.resources import resource_type

    owned = set(_OWNED.get(resource.type, ()))
    info = resource_type(resource.type)
    if info is not None and info.name_property and info.name_limits is not None:
        owned.add(info.name_property)
    return frozenset(owned)


class _Walker:
    """Walks the template's Properties along the constraint tree. A plain value is judged once for every scenario;
    an intrinsic function is resolved per scenario and each distinct value judged once."""

    def __init__(self, ctx: Context, resource: Resource, skip: frozenset[str]) -> None:
        self.ctx = ctx
        self.resource = resource
        self.skip = skip
        self.found: dict[tuple[str, Span, str], list[Any]] = {}
        self.soft: set[tuple[str, Span, str]] = set()  # findings that are warnings (see _LONG_ENUM)

    def container(self, node: Any, tree: dict[str, Any], path: tuple[str, ...], scenarios: list[Any]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():  # the template's keys: fewer than the schema's
                entry = tree.get(key) if key != "*" else None
                if entry is not None and not _passes(value, entry):
                    self.child(value, entry[0], entry[1], (*path, key), child_span(node, key), scenarios)
        elif isinstance(node, list) and "*" in tree:
            entry = tree["*"]
            for index, item in enumerate(node):
                if not _passes(item, entry):
                    self.child(
                        item, entry[0], entry[1], (*path, str(index)), child_span(node, index), scenarios
                    )

    def child(
        self,
        raw: Any,
        constraint: Any,
        sub: dict[str, Any],
        path: tuple[str, ...],
        span: Span,
        scenarios: list[Any],
    ) -> None:
        if not _intrinsic(raw):
            self.judge(raw, raw, constraint, sub, path, span_of(raw, span), scenarios)
            return
        if not sub and _weak(constraint):
            return  # nothing a computed value could break (a generous length): not worth resolving it
        if not sub and _reference(raw, self.ctx) is not None:
            self.judge(raw, None, constraint, sub, path, span, scenarios)  # judged by kind: no value needed
            return
        distinct: list[tuple[Any, list[Any]]] = []
        for scenario in scenarios:
            value = self.ctx.resolver.resolve(raw, scenario)
            for seen, where in distinct:
                if seen is value or (type(seen) is type(value) and seen == value):
                    where.append(scenario)
                    break
            else:
                distinct.append((value, [scenario]))
        for value, where in distinct:
            if value is not NO_VALUE:
                self.judge(raw, value, constraint, sub, path, span, where)

    def judge(
        self,
        raw: Any,
        value: Any,
        constraint: Any,
        sub: dict[str, Any],
        path: tuple[str, ...],
        span: Span,
        scenarios: list[Any],
    ) -> None:
        if constraint is not None and not (self.skip and self.skipped(path)):
            problem = self.leaf(raw, value, constraint, path)
            if problem is not None:
                key = (problem[0], span, problem[1])
                self.found.setdefault(key, []).extend(scenarios)
                if problem[2]:
                    self.soft.add(key)
        if sub and isinstance(value, (dict, list)):
            self.container(value, sub, path, scenarios)

    def skipped(self, path: tuple[str, ...]) -> bool:
        return "/".join("*" if p.isdigit() else p for p in path) in self.skip

    def leaf(
        self, raw: Any, value: Any, constraint: sc.Constraint, path: tuple[str, ...]
    ) -> tuple[str, str, bool] | None:
        if _dynamic(value):
            return None  # a dynamic reference: CloudFormation substitutes it before validating
        target = _reference(raw, self.ctx)
        if target is not None:
            # A reference is judged by the kind of value it returns; the referenced resource's own value (a name it
            # sets) is that resource's checks' to judge, not a second finding here.
            verdict, note = _kind_verdict(self.ctx, constraint, target), ""
        else:
            verdict, note = _judge(constraint, value)
        if verdict is None:
            return None
        pointer = "#/" + "/".join(path)
        if target is not None and verdict.keyword == "pattern":
            where = (self.resource.logical_id, pointer, next(p for p in reversed(path) if not p.isdigit()))
            return "PF4017", _kind_message(self.ctx, where, target, constraint, verdict), False
        message = (
            f"Properties validation failed for resource {self.resource.logical_id} with message: {pointer}: "
            f"failed validation constraint for keyword [{verdict.keyword}] ({verdict.reason})"
        )
        soft = verdict.keyword == "enum" and len(constraint.enum or ()) > _LONG_ENUM
        if soft:
            note = (
                f"the schema's list has {len(constraint.enum or ())} values as of the snapshot ({_snapshot_date()}); "
                "a value added to the service since then would be accepted"
            )
        return "PF4016", message + (f"; {note}" if note else ""), soft


# Enums this long are lists that grow (instance types, country codes): a value missing from the snapshot may be one
# the service added since, so it is a warning.
_LONG_ENUM = 30


def _snapshot_date() -> str:
    from preflight.data import snapshot_info

    return snapshot_info("schemas_values").retrieved.isoformat()


# A maximum length no value built from a few references and literals reaches (schemas put 256, 1024, 2048...).
_GENEROUS = 256


def _passes(value: Any, entry: list[Any]) -> bool:
    """Fast path for the common case: a plain scalar that meets its constraint, with nothing below it."""
    if entry[1] or isinstance(value, (dict, list)):
        return False
    constraint = entry[0]
    if isinstance(value, str) and "{{resolve:" in value:
        return True
    return constraint is None or sc.check_known(constraint, value) is None


def _weak(constraint: sc.Constraint | None) -> bool:
    if constraint is None:
        return True
    return (
        constraint.pattern is None
        and constraint.enum is None
        and constraint.minimum is None
        and constraint.maximum is None
        and (constraint.max_len is None or constraint.max_len >= _GENEROUS)
        and not constraint.min_len
    )


def _dynamic(value: Any) -> bool:
    if isinstance(value, str):
        return "{{resolve:" in value
    return isinstance(value, Symbolic) and any(isinstance(p, str) and "{{resolve:" in p for p in value.parts)


def _judge(constraint: sc.Constraint, value: Any) -> tuple[sc.Verdict | None, str]:
    choices = sc.symbol_values(value)
    if choices is not None:
        symbol, allowed = choices
        failing = [v for v in allowed if sc.check_known(constraint, v) is not None]
        if not failing:
            return None, ""
        verdict = sc.check_known(constraint, failing[0])
        if len(failing) == len(allowed) and verdict is not None:
            return sc.Verdict(
                verdict.keyword, f"no allowed value of {symbol.description} passes: {verdict.reason}"
            ), ""
        return None, ""  # depends on which allowed value is chosen: the parameter's own choice, not a defect
    if isinstance(value, Symbolic):
        return sc.check_symbolic(constraint, value), ""
    if isinstance(value, (Symbol, Unknown)):
        return None, ""
    return sc.check_known(constraint, value), ""


def _kind_verdict(
    ctx: Context, constraint: sc.Constraint, target: tuple[str, str | None]
) -> sc.Verdict | None:
    returned = _returned(ctx, target)
    if returned is None:
        return None
    if returned.kind == "arn":
        return sc.check_prefix(constraint, "arn:", ":")
    if returned.kind == "url":
        return sc.check_prefix(constraint, "https://", "")
    return sc.check_not_prefixed(constraint, "arn:")


def _returned(ctx: Context, target: tuple[str, str | None]) -> Any:
    from preflight.data.ref_kinds import attribute_value, ref_value

    logical_id, attribute = target
    type_name = ctx.template.resources[logical_id].type
    return ref_value(type_name) if attribute is None else attribute_value(type_name, attribute)


def _kind_message(
    ctx: Context,
    where: tuple[str, str, str],
    target: tuple[str, str | None],
    constraint: sc.Constraint,
    verdict: sc.Verdict,
) -> str:
    """What the reference returns, what the property needs, and the expression that returns that."""
    from preflight.data.ref_kinds import arn_expression, name_expression

    rid, pointer, prop = where
    logical_id, attribute = target
    type_name = ctx.template.resources[logical_id].type
    returned = _returned(ctx, target)
    source = f"!Ref {logical_id}" if attribute is None else f"!GetAtt {logical_id}.{attribute}"
    what = returned.what if returned is not None else "a value"
    kind = returned.kind if returned is not None else None
    if (constraint.prefix or "").startswith("arn:") or "arn:" in (constraint.contains or ""):
        use, needed = arn_expression(logical_id, type_name), "an ARN"
    elif kind == "arn":
        use, needed = name_expression(logical_id, type_name), "a name or id, not an ARN"
    else:
        use, needed = None, "another kind of value"
    message = (
        f"Properties validation failed for resource {rid} with message: {pointer}: failed validation "
        f"constraint for keyword [pattern] ({source} returns {what}, and {prop} needs {needed}: "
        f"{verdict.reason})"
    )
    if use and use != source:
        message += f"; use {use}"
    return message


def _intrinsic(node: Any) -> bool:
    if not isinstance(node, dict) or len(node) != 1:
        return False
    key = next(iter(node))
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


def _reference(raw: Any, ctx: Context) -> tuple[str, str | None] | None:
    """(logical id, attribute or None for Ref) when `raw` is exactly a reference to a resource of the template."""
    if not isinstance(raw, dict) or len(raw) != 1:
        return None
    key, arg = next(iter(raw.items()))
    resources = ctx.template.resources
    if key == "Ref" and isinstance(arg, str) and arg in resources:
        return arg, None
    if key == "Fn::GetAtt":
        if isinstance(arg, str) and "." in arg:
            logical_id, attribute = arg.split(".", 1)
        elif isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            logical_id, attribute = arg
        else:
            return None
        return (logical_id, attribute) if logical_id in resources else None
    if key == "Fn::Sub" and isinstance(arg, str) and arg.startswith(_SUB_ONE) and arg.endswith("}"):
        inner = arg[2:-1]
        if "${" in inner or "}" in inner:
            return None
        logical_id, _, attribute = inner.partition(".")
        if logical_id in resources:
            return logical_id, attribute or None
    return None


# --------------------------------------------------------------------------- rules between properties


def _rules() -> dict[str, list[dict[str, Any]]]:
    from preflight.data._snapshot import data

    table: dict[str, list[dict[str, Any]]] = {}
    for rule in data("property_rules")["rules"]:
        table.setdefault(rule["type"], []).append(rule)
    return table


def _rule_types() -> tuple[str, ...]:
    # The subscribed types, read when the catalog is built; kept in step with property_rules.json by a test.
    return (
        "AWS::Lambda::Function",
        "AWS::ECS::TaskDefinition",
        "AWS::DynamoDB::Table",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::AutoScaling::AutoScalingGroup",
        "AWS::S3::Bucket",
        "AWS::Lambda::EventSourceMapping",
        "AWS::EC2::Instance",
        "AWS::ElasticLoadBalancingV2::Listener",
    )


def check_property_rules(ctx: Context, resource: Resource) -> Iterator[Finding]:
    """Rules of preflight/data/property_rules.json: properties required or forbidden in a configuration, values
    one property needs given another, and orderings between numbers (a health check timeout below its interval)."""
    rules = ctx.memo("property-rules", lambda _: _rules()).get(resource.type, ())
    found: dict[tuple[str, Span, str], list[Any]] = {}
    for scenario in ctx.resolver.scenarios.scenarios:
        if not ctx.resolver.active(resource, scenario):
            continue
        props = _partial(ctx, resource, _keys(rules), scenario)
        for rule in rules:
            applied = (
                _linked(ctx, resource, rule, scenario)
                if rule["kind"] == "linked"
                else _apply(resource, props, rule)
            )
            for span, message in applied:
                found.setdefault((rule["code"], span, message), []).append(scenario)
    for (code, span, message), shown in found.items():
        yield ctx.finding(
            code, span, message, resource=resource.logical_id, related=_named(ctx, message), when=shown
        )


def _keys(rules: Any) -> frozenset[str]:
    """The top-level properties the rules read (resolving only those keeps the check cheap on large resources)."""
    keys: set[str] = set()
    for rule in rules:
        for name in ("path", "left", "right"):
            if isinstance(rule.get(name), str):
                keys.add(rule[name].split("/")[0])
        keys.update(rule.get("properties", ()))
        if "when" in rule:
            keys.add(rule["when"]["path"].split("/")[0])
    return frozenset(keys)


def _partial(ctx: Context, resource: Resource, keys: frozenset[str], scenario: Any) -> MapNode:
    """Properties resolved in `scenario`, only `keys` (a property set to AWS::NoValue is absent), spans kept."""
    raw = resource.properties
    props = MapNode(raw.span)
    for key in keys:
        if key in raw:
            value = ctx.resolver.resolve(raw[key], scenario)
            if value is not NO_VALUE:
                props[key] = value
                props.key_spans[key] = raw.key_span(key)
                props.value_spans[key] = raw.value_span(key)
    return props


def _named(ctx: Context, message: str) -> tuple[str, ...]:
    """The template's resources a linked rule's message names (`Worker.Timeout`)."""
    words = (w.split(".")[0] for w in message.split() if "." in w)
    return tuple(dict.fromkeys(w for w in words if w in ctx.template.resources))


def _linked(
    ctx: Context, resource: Resource, rule: dict[str, Any], scenario: Any
) -> Iterator[tuple[Span, str]]:
    """A number of one referenced resource against a number of another (a function's timeout against the visibility
    timeout of the queue its event source mapping reads), each side reached through a property of `resource`."""
    sides: list[tuple[str, float]] = []
    for side in ("left", "right"):
        spec = rule[side]
        target = _reference(resource.properties.get(spec["via"]), ctx)
        if target is None:
            return
        other = ctx.template.resources[target[0]]
        if other.type != spec["type"] or not ctx.resolver.active(other, scenario):
            return
        name = f"{other.logical_id}.{spec['property']}"
        if spec["property"] in other.properties:
            number = _number(ctx.resolver.resolve(other.properties[spec["property"]], scenario))
            if number is None:
                return
            sides.append((f"{name} ({_show(number)})", number))
        else:
            sides.append((f"{name} ({_show(float(spec['default']))}, the default)", float(spec["default"])))
    (left_text, left), (right_text, right) = sides
    if left > right:
        span = resource.prop_span(rule["left"]["via"])
        yield span, f"{left_text} must be at most {right_text}: {rule['why']}"


def _apply(resource: Resource, props: Any, rule: dict[str, Any]) -> Iterator[tuple[Span, str]]:
    when = rule.get("when")
    condition = ""
    if when is not None:
        matched = _matches(props, when)
        if matched is None or not matched[0]:
            return
        condition = matched[1]
    kind, why = rule["kind"], rule["why"]
    where = resource.node.key_span("Properties") if "Properties" in resource.node else resource.key_span
    if kind == "required":
        missing = [p for p in rule["properties"] if p not in props]
        if missing:
            yield (
                where,
                (
                    f"{resource.type} {resource.logical_id} has no {', '.join(missing)}, which the service "
                    f"requires when {condition}: {why}"
                ),
            )
    elif kind == "forbidden":
        for name in (p for p in rule["properties"] if p in props):
            span = props.key_span(name) if isinstance(props, MapNode) and name in props.key_spans else where
            yield span, f"{name} cannot be given when {condition}: {why}"
    elif kind == "value":
        given = _get(props, rule["path"])
        value = rule.get("default") if given is _ABSENT else given
        if isinstance(value, str) and value not in rule["in"]:
            span = child_span(props, rule["path"], where) if rule["path"] in props else where
            shown = value if given is not _ABSENT else f"{value} (the default)"
            yield (
                span,
                f"{rule['path']} is {shown}; when {condition}, it must be {' or '.join(rule['in'])}: {why}",
            )
    else:
        yield from _order(props, rule, where)


def _order(props: Any, rule: dict[str, Any], where: Span) -> Iterator[tuple[Span, str]]:
    given = [name for name in (rule["left"], rule["right"]) if name in props]
    if not given:
        return  # both at their defaults, which the service keeps consistent
    left, left_note = _side(props, rule["left"], rule.get("left_default"))
    right, right_note = _side(props, rule["right"], rule.get("right_default"))
    if left is None or right is None:
        return
    bad = left >= right if rule["kind"] == "less" else left > right
    if bad:
        relation = "smaller than" if rule["kind"] == "less" else "at most"
        first = f"{rule['left']} ({_show(left)}{left_note})"
        second = f"{rule['right']} ({_show(right)}{right_note})"
        yield child_span(props, given[0], where), f"{first} must be {relation} {second}: {rule['why']}"


def _side(props: Any, name: str, default: dict[str, Any] | None) -> tuple[float | None, str]:
    """A number of the rule: the given value, or the documented default that depends on other properties."""
    if name in props:
        return _number(props[name]), ""
    for by in (default or {}).get("by", ()):
        key = props.get(by)
        if isinstance(key, str) and key in default["values"]:  # type: ignore[index]
            return float(default["values"][key]), f", the default for {by} {key}"  # type: ignore[index]
    return None, ""


def _get(props: Any, path: str) -> Any:
    """The value at a '/'-separated path; _ABSENT when a step is missing, None when a step is not a container."""
    value = props
    for step in path.split("/"):
        if isinstance(value, dict):
            value = value.get(step, _ABSENT)
        elif isinstance(value, list) and step.isdigit():
            value = value[int(step)] if int(step) < len(value) else _ABSENT
        else:
            return None
        if value is _ABSENT:
            return _ABSENT
    return value


def _matches(props: Any, when: dict[str, Any]) -> tuple[bool, str] | None:
    """Whether the rule's condition holds, and how to say it; None when the value is not known."""
    path = when["path"]
    value = _get(props, path)
    if when.get("absent"):
        return (value is _ABSENT), f"{path} is not given"
    if value is _ABSENT:
        if "default" not in when:
            return False, ""
        value = when["default"]
        return value in when.get("in", ()), f"{path} is {value} (the default)"
    if "contains" in when:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None
        return when["contains"] in value, f"{path} includes {when['contains']}"
    if not isinstance(value, str):
        return None
    return value in when["in"], f"{path} is {value}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _show(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)


CHECKS = (
    Check(check_schema_values, ("PF4016", "PF4017")),
    Check(check_property_rules, ("PF4018", "PF4019"), types=_rule_types()),
)
