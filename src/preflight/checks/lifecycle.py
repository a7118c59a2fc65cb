"""Data about a changing AWS: services closed to new customers or shut down, runtimes inside other resources,
JSON keys of generated secrets, Application Auto Scaling targets.

Where a date decides the answer, the day judged is `--date` when pinned, else today (Pins.day), and the message
says so. A create-blocking date that passed recently is a warning, as for retired engine versions and Lambda
runtimes (checks/values.py): a stack created while the thing was offered keeps it, and an update that leaves it
unchanged does not call the create API; once it passed long ago the template can only be creating, an error.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.checks.values import judged, long_retired
from preflight.data import lifecycle as lc
from preflight.data.errors import format_error
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.resolve.values import Symbol, Symbolic
from preflight.source.nodes import child_span
from preflight.source.span import Span

RULES = (
    Rule(
        "PF4030",
        "service-shut-down",
        "A resource of a service (or mode) that AWS has shut down",
        "other",
        "error",
    ),
    Rule(
        "PF4031",
        "embedded-runtime",
        "A runtime inside a canary or an SSM Automation script step that AWS no longer accepts",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4032",
        "secret-json-key",
        "A dynamic reference to a JSON key that the template's generated secret lacks",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4033",
        "scalable-target",
        "An Application Auto Scaling target whose ResourceId or dimension AWS rejects",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4034",
        "dated-engine-version",
        "A DMS or Neptune engine version that AWS no longer creates",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF5010",
        "service-closed-to-new-customers",
        "A service that AWS closed to new customers",
        "region-account",
        "warning",
        phase="account",
    ),
)

def _passed(ctx: Context, stop: dt.date, tail: str) -> tuple[str | None, str]:
    """(severity, tail) once a create-blocking date has passed: the rule's error when it passed long ago (the window
    of checks/values.py: within it, the template may be an update of an older stack), else a warning with `tail`,
    what a stack created before then keeps."""
    if long_retired(stop, ctx.pins.day()):
        return None, ""
    return "warning", tail


def _dated(ctx: Context, code: str, resource: Resource, prop: str, stop: dt.date, *, ahead: str, passed: str,
           kept: str) -> Finding:
    """A property whose value AWS stops creating on `stop`: advice while the day is ahead, then (with `passed`) a
    warning that says what an older stack keeps, and an error once the day passed long ago. `ahead` and `passed`
    are message templates with {decides} (and {tail})."""
    day, decides = judged(ctx)
    if day < stop:
        return ctx.finding(code, resource.prop_span(prop), ahead.format(decides=decides),
                           resource=resource.logical_id, severity="info")
    severity, tail = _passed(ctx, stop, kept)
    return ctx.finding(code, resource.prop_span(prop), passed.format(tail=tail, decides=decides),
                       resource=resource.logical_id, severity=severity, when=ctx.created(resource))


def _string(ctx: Context, resource: Resource, name: str) -> str | None:
    if name not in resource.properties:
        return None
    value = ctx.resolve(resource.properties[name])
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------------------------------------ PF4030 / PF5010


def check_service_end(ctx: Context) -> Iterator[Finding]:
    day, decides = judged(ctx)
    covered: dict[lc.ServiceEnd, list[Resource]] = {}
    for resource in ctx.template.resources.values():
        for end in lc.ends_for(resource.type):
            covered.setdefault(end, []).append(resource)
    for end, resources in covered.items():
        matching = [r for r in resources if _has_prop(ctx, r, end)]
        if matching:
            yield from _service_finding(
                ctx, end, sorted(matching, key=lambda r: r.key_span.start), day, decides
            )


def _has_prop(ctx: Context, resource: Resource, end: lc.ServiceEnd) -> bool:
    if end.prop is None:
        return True
    value = _string(ctx, resource, end.prop[0])
    return value is not None and value.lower() == end.prop[1]


def _service_finding(
    ctx: Context, end: lc.ServiceEnd, resources: list[Resource], day: dt.date, decides: str
) -> Iterator[Finding]:
    first, others = resources[0], [r.logical_id for r in resources[1:]]
    span = first.prop_span(end.prop[0]) if end.prop else first.key_span
    also = f" (also {', '.join(others)})" if others else ""
    stop = end.no_create_from
    if stop is not None and day >= stop:
        severity, tail = _passed(
            ctx, stop, "; a stack created before then keeps its resources only until AWS removes them, and an update "
            "that leaves them unchanged does not create them again"
        )
        yield ctx.finding(
            "PF4030",
            span,
            f"{end.name} was shut down: AWS creates none of its resources since {stop}, so creating "
            f"{first.logical_id} ({first.type}) fails{also}{tail} ({decides}); use {end.use_instead}",
            resource=first.logical_id,
            related=others,
            severity=severity,
            when=ctx.created(first),
        )
        return
    if end.closed is not None and day >= end.closed:
        until = f"; AWS shuts it down on {stop}, after which every create fails" if stop else ""
        since = (
            f"(AWS's page, read on {end.closed}, gives no date)"
            if not end.closed_dated
            else f"since {end.closed}"
        )
        yield ctx.finding(
            "PF5010",
            span,
            f"{end.name} is closed to new customers {since}: creating {first.logical_id} ({first.type}) "
            f"fails in an account that did not use it before{until}{also} (it depends on the account; {decides}); "
            f"use {end.use_instead}",
            resource=first.logical_id,
            related=others,
        )
        return
    if stop is not None:
        yield ctx.finding(
            "PF4030",
            span,
            f"AWS shuts {end.name} down on {stop}: from that day creating {first.logical_id} ({first.type}) "
            f"fails{also} ({decides}); plan a move to {end.use_instead}",
            resource=first.logical_id,
            related=others,
            severity="info",
        )


# ------------------------------------------------------------------------------------------------ PF4031


def check_canary_runtime(ctx: Context, resource: Resource) -> Iterator[Finding]:
    runtime = _string(ctx, resource, "RuntimeVersion")
    deprecated = lc.synthetics_runtime_deprecated(runtime) if runtime else None
    if runtime is None or deprecated is None:
        return
    use = "use a current syn-nodejs-* or syn-python-* runtime"
    yield _dated(
        ctx, "PF4031", resource, "RuntimeVersion", deprecated,
        ahead=f"CloudWatch Synthetics deprecates {runtime} on {deprecated}: from that day creating a canary with it "
        f"fails ({{decides}}); {use}",
        passed=f"RuntimeVersion {runtime} is deprecated since {deprecated}: CloudWatch Synthetics creates no canary "
        f"with a deprecated runtime{{tail}} ({{decides}}); {use}",
        kept="; a canary created before then keeps running and updates that leave it unchanged pass",
    )


def check_automation_script_runtime(ctx: Context, resource: Resource) -> Iterator[Finding]:
    """SSM Automation documents: the Runtime of each aws:executeScript step (Content given as an object or JSON)."""
    if (_string(ctx, resource, "DocumentType") or "") != "Automation" or "Content" not in resource.properties:
        return
    raw = resource.properties["Content"]
    content = ctx.resolve(raw)
    if isinstance(content, str):
        try:
            content, raw = json.loads(content), None
        except ValueError:
            return  # a YAML string: not read here (see the doc page's Limitations)
    steps = content.get("mainSteps") if isinstance(content, dict) else None
    raw_steps = raw.get("mainSteps") if isinstance(raw, dict) else None
    day, decides = judged(ctx)
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        inputs = step.get("inputs") if isinstance(step, dict) else None
        runtime = inputs.get("Runtime") if isinstance(inputs, dict) else None
        blocked = lc.ssm_script_runtime_blocked(runtime) if isinstance(runtime, str) else None
        if blocked is None or step.get("action") != "aws:executeScript" or day < blocked:
            continue
        severity, tail = _passed(
            ctx, blocked, "; a runbook created before then keeps its version until the document is updated"
        )
        yield ctx.finding(
            "PF4031",
            _step_span(raw_steps, index, resource.prop_span("Content")),
            f"aws:executeScript step '{step.get('name', index)}' uses Runtime {runtime}: Systems Manager creates and "
            f"updates no runbook with it since {blocked}{tail} ({decides}); use Runtime "
            f"{lc.ssm_script_runtime_successor()}",
            resource=resource.logical_id,
            severity=severity,
            when=ctx.created(resource),
        )


def _step_span(raw_steps: Any, index: int, default: Span) -> Span:
    """The span of mainSteps[index].inputs.Runtime in the template as written, else `default`."""
    step = raw_steps[index] if isinstance(raw_steps, list) and index < len(raw_steps) else None
    inputs = step.get("inputs") if isinstance(step, dict) else None
    if not isinstance(inputs, dict) or "Runtime" not in inputs:
        return default
    return child_span(inputs, "Runtime", default)


# ------------------------------------------------------------------------------------------------ PF4032

_REFERENCE = "{{resolve:secretsmanager:"
_MARKER = "secretsmanager"
# The secret id, then ':SecretString:<json-key>', then ':' (version stage/id) or the closing braces; in a resolved
# value each symbol is written \x01key\x02 (a resource's as \x01resource:LogicalId\x02), so that the secret can be
# read from the id's last symbol.
_DYNAMIC = re.compile(r"\{\{resolve:secretsmanager:([^}]*?):SecretString:([^:}\x01]+)(?::|\}\})")
_LAST_REF = re.compile(r"\x01resource:([^\x02]+)\x02$")
_VALUE_FUNCTIONS = frozenset({"Fn::Sub", "Fn::Join", "Fn::If", "Fn::FindInMap", "Fn::Select", "Ref"})


def check_secret_keys(ctx: Context) -> Iterator[Finding]:
    if _REFERENCE not in ctx.document.text:
        return
    secrets = _generated_secrets(ctx)
    if not secrets:
        return
    names = {name: logical for logical, (_, name) in secrets.items() if name}
    for resource in sorted(ctx.template.resources.values(), key=lambda r: r.key_span.start):
        seen: set[tuple[str, str]] = set()
        for prop, node in resource.properties.items():
            for value, span in _leaves(node, resource.prop_span(str(prop)), ctx.document.text):
                for secret, key in _references(ctx.resolve(value), names):
                    keys = secrets[secret][0] if secret in secrets else None
                    if keys is None or key in keys or (secret, key) in seen:
                        continue
                    seen.add((secret, key))
                    yield ctx.finding(
                        "PF4032",
                        span,
                        f"{format_error('secret-json-key-missing')}: {resource.logical_id}.{prop} reads JSON key "
                        f"'{key}' of {secret}, whose generated value has only {', '.join(sorted(keys))} (its "
                        f"SecretStringTemplate keys and GenerateStringKey); use one of those keys or add '{key}' "
                        f"to the template",
                        resource=resource.logical_id,
                        related=[secret],
                        when=ctx.created(resource),
                    )


def _leaves(node: Any, span: Span, text: str) -> Iterator[tuple[Any, Span]]:
    """The strings and intrinsic calls inside a property that may hold a reference, each with its own span (the
    finding points at the value that holds it, not at the whole property). An intrinsic call is resolved only when
    its source text names secretsmanager: resolving every value of every resource would cost more than the check."""
    if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in _VALUE_FUNCTIONS:
        if _MARKER in text[span.start : span.end]:
            yield node, span
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _leaves(item, child_span(node, key, span), text)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _leaves(item, child_span(node, index, span), text)
    elif isinstance(node, str) and _REFERENCE in node:
        yield node, span


def _generated_secrets(ctx: Context) -> dict[str, tuple[frozenset[str], str | None]]:
    """Logical id -> (the JSON keys its value has at creation, its Name when known), for secrets whose keys are
    fixed by the template: GenerateSecretString with a JSON SecretStringTemplate and a GenerateStringKey."""
    found: dict[str, tuple[frozenset[str], str | None]] = {}
    for secret in ctx.template.of_type("AWS::SecretsManager::Secret"):
        generate = ctx.resolve(secret.properties.get("GenerateSecretString"))
        if not isinstance(generate, dict):
            continue
        template, key = generate.get("SecretStringTemplate"), generate.get("GenerateStringKey")
        if not isinstance(template, str) or not isinstance(key, str):
            continue
        try:
            parsed = json.loads(template)
        except ValueError:
            continue  # CloudFormation rejects a template that is not JSON: another check's concern
        if isinstance(parsed, dict):
            found[secret.logical_id] = (frozenset(parsed) | {key}, _string(ctx, secret, "Name"))
    return found


def _references(value: Any, names: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(secret logical id, json key) of each secretsmanager dynamic reference inside a resolved value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _references(item, names)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item, names)
    elif isinstance(value, (str, Symbolic)):
        parts = value.parts if isinstance(value, Symbolic) else (value,)
        text = "".join(p if isinstance(p, str) else _token(p) for p in parts)
        for match in _DYNAMIC.finditer(text):
            secret = _secret_of(match.group(1), names)
            if secret is not None:
                yield secret, match.group(2)


def _token(symbol: Symbol) -> str:
    """A symbol as text: a resource's value (its Ref, name or name attribute: ref:X, name:X, attr:X.Name) as
    \x01resource:X\x02, so that the secret it stands for can be read from the reference's secret id."""
    if symbol.kind == "resource":
        return "\x01resource:" + symbol.key.partition(":")[2].split(".")[0] + "\x02"
    return f"\x01{symbol.key}\x02"


def _secret_of(secret_id: str, names: dict[str, str]) -> str | None:
    """The template's secret a reference's secret-id names: its Ref (an ARN whose last part is the symbol, or the
    symbol alone), or its Name, alone or at the end of an ARN (arn:...:secret:<name>)."""
    ref = _LAST_REF.search(secret_id)
    if ref:
        return ref.group(1)
    name = secret_id.rpartition(":secret:")[2] if ":secret:" in secret_id else secret_id
    return names.get(name)


# ------------------------------------------------------------------------------------------------ PF4033


def check_scalable_target(ctx: Context, resource: Resource) -> Iterator[Finding]:
    namespace = _string(ctx, resource, "ServiceNamespace")
    dimension = _string(ctx, resource, "ScalableDimension")
    if dimension is None or dimension not in lc.scalable_dimensions():
        return
    error = lc.scalable_target_error()
    if namespace is not None and dimension.split(":")[0] != namespace:
        yield ctx.finding(
            "PF4033",
            resource.prop_span("ScalableDimension"),
            f"{error}: ScalableDimension {dimension} belongs to namespace {dimension.split(':')[0]}, not "
            f"ServiceNamespace {namespace}",
            resource=resource.logical_id,
            when=ctx.created(resource),
        )
        return
    form = lc.resource_id_format(dimension)
    if form is None or "ResourceId" not in resource.properties:
        return
    value = ctx.resolve(resource.properties["ResourceId"])
    if _id_mismatch(value, form):
        yield ctx.finding(
            "PF4033",
            resource.prop_span("ResourceId"),
            f"{error}: ResourceId '{value}' does not have the form {form.example} that {dimension} requires "
            f"(RegisterScalableTarget)",
            resource=resource.logical_id,
            when=ctx.created(resource),
        )


def _id_mismatch(value: Any, form: lc.TargetFormat) -> bool:
    """True when the value cannot have the required form: a known string that does not match, or a value whose
    literal beginning differs from the required prefix (e.g. an ARN from GetAtt where table/<name> belongs)."""
    if isinstance(value, str):
        return not form.pattern.match(value)
    if isinstance(value, Symbolic):
        head = value.literal_prefix()
        if not head:
            return False
        return not (head.startswith(form.prefix) or form.prefix.startswith(head))
    return False


# ------------------------------------------------------------------------------------------------ PF4034


def check_dated_engine_version(ctx: Context, resource: Resource) -> Iterator[Finding]:
    version = _string(ctx, resource, "EngineVersion")
    dated = lc.dated_engine_version(resource.type, version) if version else None
    if version is None or dated is None:
        return
    stop, word = dated.no_create_from, ("on" if dated.exact else "no later than")
    yield _dated(
        ctx, "PF4034", resource, "EngineVersion", stop,
        ahead=f"The {dated.service} stops creating EngineVersion {version} {word} {stop} ({{decides}}); choose a "
        f"newer version before then",
        passed=f"EngineVersion {version} can no longer be created: the {dated.service} stopped creating it {word} "
        f"{stop}{{tail}} ({{decides}}); use a current version",
        kept="; a resource created before then keeps it until AWS upgrades it, and an update that leaves it "
        "unchanged passes",
    )


CHECKS = (
    Check(check_service_end, ("PF4030", "PF5010")),
    Check(check_canary_runtime, ("PF4031",), types=("AWS::Synthetics::Canary",)),
    Check(check_automation_script_runtime, ("PF4031",), types=("AWS::SSM::Document",)),
    Check(check_secret_keys, ("PF4032",)),
    Check(check_dated_engine_version, ("PF4034",), types=lc.dated_engine_types()),
    Check(check_scalable_target, ("PF4033",), types=("AWS::ApplicationAutoScaling::ScalableTarget",)),
)
