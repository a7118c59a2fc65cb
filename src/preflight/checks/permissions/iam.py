"""Permission checks: IAM roles handed to AWS services, and what those services check about them.

- a role passed to a service must trust that service (sts:AssumeRole in its trust policy): the table of
  properties that pass roles is data (preflight/services/integrations.yaml: role_consumers);
(API Gateway stage logging and the account's CloudWatch Logs role: checks/ordering.py PF2006, PF2007.)
- Lambda checks that the function's execution role may call an asynchronous-invocation destination.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.policy.evaluate import Principal, Request
from preflight.resolve.values import Unknown, render
from preflight.services import RequestSpec, RoleConsumer, execution_role_calls, role_consumers
from preflight.services.replay import (
    Actor,
    PolicySource,
    Replayed,
    Workspace,
    base_bindings,
    bind,
    decide,
    fold,
    named_but_conditioned,
    request_text,
    why,
    workspace,
)

RULES: tuple[Rule, ...] = (
    Rule(
        "PF6301",
        "role-trust-service",
        "A role handed to a service does not trust that service",
        "iam-trust-or-role",
        "error",
    ),
    Rule(
        "PF6302",
        "lambda-destination-role",
        "The function's execution role may not call its destination",
        "iam-trust-or-role",
        "error",
    ),
)

_ROLE = ("AWS::IAM::Role",)


# --- PF6301: trust ---------------------------------------------------------------------------------------------
def _consumers_by_type() -> dict[str, list[RoleConsumer]]:
    table: dict[str, list[RoleConsumer]] = {}
    for consumer in role_consumers():
        table.setdefault(consumer.type, []).append(consumer)
    return table


def _path_matches(pattern: str, path: tuple[Any, ...]) -> bool:
    """``Targets[].RoleArn`` matches ("Targets", 0, "RoleArn"); ``Roles[]`` matches ("Roles", 2)."""
    tokens: list[Any] = []
    for piece in pattern.split("."):
        if piece.endswith("[]"):
            tokens.extend([piece[:-2], int])
        else:
            tokens.append(piece)
    if len(path) < len(tokens):
        return False
    return all(isinstance(p, int) if t is int else p == t for t, p in zip(tokens, path))


def check_role_trust(ctx: Context, resource: Resource) -> Iterator[Finding]:
    ws = workspace(ctx)
    for consumer in _consumers_by_type().get(resource.type, ()):
        for role, span in _roles_at(ws, resource, consumer.property):
            yield from _trust_finding(ctx, ws, consumer, resource, role, span)


def _roles_at(ws: Workspace, resource: Resource, pattern: str) -> list[tuple[Resource, Any]]:
    found: dict[str, tuple[Resource, Any]] = {}
    for edge in ws.graph.out.get(resource.logical_id, ()):
        if edge.kind == "DependsOn" or not edge.path or edge.path[0] != "Properties":
            continue
        target = ws.template.resources.get(edge.target)
        if target is not None and target.type in _ROLE and _path_matches(pattern, tuple(edge.path[1:])):
            found.setdefault(target.logical_id, (target, edge.span))
    return list(found.values())


def _trust_finding(
    ctx: Context, ws: Workspace, consumer: RoleConsumer, resource: Resource, role: Resource, span: Any
) -> Iterator[Finding]:
    spec = RequestSpec(
        "sts:AssumeRole",
        consumer.timing,
        "${Role.Arn}",
        {
            "aws:SourceAccount": "${Account}",
            "aws:SourceArn": f"?the ARN of the resource {consumer.service} acts for",
        },
    )
    runs = []
    for scenario in ws.scenarios(resource, role):
        values = base_bindings(ws)
        values["Role.Arn"] = ws.arn(role.logical_id, scenario)
        principal = bind(consumer.service, values)
        request = Request(
            Principal("service", principal),
            spec.action,
            values["Role.Arn"],
            {k: bind(v, values) for k, v in spec.context.items()},
        )
        policy = ws.trust_policy(role, scenario)
        runs.append(
            Replayed(spec, request, decide(request, policy, Actor(request.principal), ws.layers), scenario, policy)
        )
    # The service supplies the context of its AssumeRole in ways few pages document (sts:ExternalId and
    # aws:RequestedRegion conditions on lambda.amazonaws.com deployed): a statement naming the service is enough.
    runs = [r for r in runs if not named_but_conditioned(r)]
    verdict = fold(runs, len(ws.scenarios()))
    if not verdict.failed or verdict.culprit is None:
        return
    run = verdict.culprit
    lead = consumer.error if consumer.timing == "create" else f"after deployment, {consumer.symptom}"
    lead = render(bind(lead or "", {"Role.Arn": run.request.resource})).rstrip(".")
    if run.undecided:
        deps = ", ".join(run.decision.depends_on)
        message = (
            f"{lead} unless {run.policy.label} lets {render(run.request.principal.value)} assume it ({deps})"
        )
    else:
        message = (
            f"{lead}: {resource.logical_id} hands {role.logical_id} to {render(run.request.principal.value)}, "
            f"but {request_text(run)} is not allowed: {why(run)}. Add to the trust policy: "
            f'{{"Effect": "Allow", "Principal": {{"Service": "{render(run.request.principal.value)}"}}, '
            f'"Action": "sts:AssumeRole"}}'
        )
    yield ctx.finding(
        "PF6301",
        span,
        message,
        resource=resource.logical_id,
        related=[role.logical_id],
        severity=verdict.severity,
        notes=consumer.docs,
    )


# --- PF6302: Lambda destinations -----------------------------------------------------------------------------------
def check_destinations(ctx: Context, config: Resource) -> Iterator[Finding]:
    """PutFunctionEventInvokeConfig checks that the execution role may call the destination (lambda-destinations)."""
    ws = workspace(ctx)
    facts = execution_role_calls("destination")
    functions = ws.referenced(config, "FunctionName", types=("AWS::Lambda::Function",))
    if not functions:
        return
    roles = ws.referenced(functions[0], "Role", types=_ROLE)
    if not roles:
        return
    role = roles[0]
    for outcome in ("OnSuccess", "OnFailure"):
        for target in ws.referenced(config, "DestinationConfig", outcome, "Destination"):
            for call in facts.by_target.get(target.type, ()):
                yield from _destination_finding(
                    ctx,
                    ws,
                    config,
                    functions[0],
                    role,
                    target,
                    call.action,
                    call.verb,
                    facts.error,
                    facts.docs,
                )


def _destination_finding(
    ctx: Context,
    ws: Workspace,
    config: Resource,
    function: Resource,
    role: Resource,
    target: Resource,
    action: str,
    verb: str,
    error: str,
    docs: Any,
) -> Iterator[Finding]:
    identity = ws.identity_policies(role)
    known = identity.complete_for(action)
    target_arn = ws.arn(target.logical_id)
    if isinstance(target_arn, Unknown):
        return
    request = Request(Principal("aws", ws.arn(role.logical_id)), action, target_arn)
    actor = Actor(request.principal, identity.policies if known else None)
    decision = decide(request, PolicySource(None, "no resource policy"), actor, ws.layers)
    if decision.outcome == "Allow":
        return
    lead = error.replace("${Verb}", verb).replace("${Target.Arn}", render(target_arn))
    if decision.outcome == "Depends":
        unknown = ", ".join(identity.unknown) or ", ".join(decision.depends_on)
        message = (
            f"{lead}, unless a policy of {role.logical_id} that preflight cannot read allows {action} "
            f"({unknown})"
        )
    else:
        names = ", ".join(p.name for p in identity.policies) or "none"
        message = (
            f"{lead}: no identity policy of {role.logical_id} (the execution role of {function.logical_id}; "
            f"policies: {names}) allows {action} on {target.logical_id}. Add a statement "
            f'{{"Effect": "Allow", "Action": "{action}", "Resource": "{render(target_arn)}"}} to {role.logical_id}'
        )
    yield ctx.finding(
        "PF6302",
        config.prop_span("DestinationConfig"),
        message,
        resource=config.logical_id,
        related=[role.logical_id, target.logical_id, function.logical_id],
        severity="warning" if decision.outcome == "Depends" else None,
        notes=docs,
    )


CHECKS: tuple[Check, ...] = (
    Check(check_role_trust, ("PF6301",), types=tuple(sorted({c.type for c in role_consumers()}))),
    Check(check_destinations, ("PF6302",), types=("AWS::Lambda::EventInvokeConfig",)),
)
