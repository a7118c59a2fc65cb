"""`preflight explain-policy`: decide one request against one policy of a template, and say why."""

from __future__ import annotations

from typing import Any

from preflight.errors import UsageError


def explain_policy(path: str, resource_id: str, principal: str, action: str, on: str | None,
                   context: list[str], pins: Any, layers: tuple[Any, ...] = ()) -> tuple[str, bool]:
    """(explanation text, allowed?) for the request against `resource_id`'s policy."""
    from preflight.api import read_template
    from preflight.model.template import build_template
    from preflight.policy import Principal, Request, explain, parse_policy, statement_from_lambda_permission
    from preflight.policy import evaluate as evaluate_request
    from preflight.policy.locations import location_of
    from preflight.policy.model import policy_of
    from preflight.resolve.resolver import Resolver
    from preflight.source.document import LoadError, load_text

    try:
        document = load_text(read_template(path), path)
        if isinstance(document.root, dict):  # SAM and language extensions: their generated policies too
            from preflight.transform import expand

            document = expand(document, pins).document
        template = build_template(document)
    except LoadError as exc:
        raise UsageError(f"{path}:{exc.span.line}:{exc.span.column}: {exc.message}") from None
    resource = template.resources.get(resource_id)
    if resource is None:
        raise UsageError(f"{path} has no resource {resource_id!r}")
    location = location_of(resource.type)
    if location is None:
        raise UsageError(f"{resource_id} is a {resource.type}, which holds no policy preflight knows")
    resolver = Resolver(template, pins)

    def sub(text: str) -> Any:  # ${Name}, ${AWS::Region} ... as in Fn::Sub, so values stay symbolic
        return resolver.resolve({"Fn::Sub": text})

    if location.kind == "lambda-permission":
        props = resolver.resolve(resource.properties)
        policy = policy_of([statement_from_lambda_permission(props)], kind=location.kind, name=resource_id)
    else:
        document = resolver.resolve(resource.properties.get(location.property))
        if isinstance(document, str):
            import json

            try:
                document = json.loads(document)
            except ValueError:
                raise UsageError(f"{resource_id}.{location.property} is not a JSON policy document") from None
        policy = parse_policy(document, kind=location.kind, name=resource_id, span=resource.prop_span(location.property))
    target = sub(on) if on else _default_target(resolver, template, resource, location)
    values: dict[str, Any] = {}
    for item in context:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--context {item!r}: expected KEY=VALUE")
        values[key] = sub(value)
    request = Request(_principal(principal, sub, Principal), action, target, values)
    if policy.resource_based:
        decision = evaluate_request(request, policy, extra_layers=layers)
    else:
        decision = evaluate_request(request, None, [policy], extra_layers=layers)
    return explain(decision), decision.outcome == "Allow"


def _principal(text: str, sub: Any, principal_cls: Any) -> Any:
    kind, sep, value = text.partition(":")
    if sep and kind in ("service", "aws", "federated", "canonical"):
        return principal_cls(kind, sub(value))
    if text.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return principal_cls("service", sub(text))
    return principal_cls("aws", sub(text))


def _default_target(resolver: Any, template: Any, resource: Any, location: Any) -> Any:
    """The ARN the policy protects: the key itself, or the resource an attached policy is attached to."""
    if location.attached_via:
        ref = resource.properties.get(location.attached_via)
        if isinstance(ref, list) and ref:
            ref = ref[0]
        target_id = ref.get("Ref") if isinstance(ref, dict) else None
        if isinstance(target_id, str) and target_id in template.resources:
            arn = resolver.arn_of(template.resources[target_id])
            if arn is not None:
                return arn
    arn = resolver.arn_of(resource)
    if arn is None:
        raise UsageError("give the resource ARN of the request with --on ARN")
    return arn
