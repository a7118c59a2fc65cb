"""PF6520: the principal that deploys the stack must be able to use the customer managed keys that services use on
its behalf (kms:ViaService).

EBS, RDS and Secrets Manager use a KMS key as the principal that creates the volume, database or secret: for a
stack, CloudFormation's service role (`aws cloudformation deploy --role-arn`), else the caller. KMS sees that
principal, with kms:ViaService <service>.<region>.amazonaws.com
(https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service;
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html). A key policy that
names only some principals and does not delegate to IAM through the account principal
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html) lets only those deploy the stack.

Unknown stays unknown: without `--role-arn` the deploying principal is not known, so the check only says that it
depends on it, and only when the key policy does not delegate to IAM policies; with `--role-arn` it decides, and a
delegation that leaves the answer to the role's IAM policies (not in the template) stays silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any, NamedTuple

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.policy.evaluate import Principal, Request
from preflight.resolve.scenarios import Scenario
from preflight.resolve.values import render
from preflight.services.replay import (
    Actor,
    PolicySource,
    Replayed,
    base_bindings,
    bind,
    decide,
    foreign_actor,
    named_but_conditioned,
    why,
    workspace,
)

RULES = (
    Rule(
        "PF6520",
        "deployer-key-via-service",
        "The principal that deploys the stack cannot use a customer managed "
        "key that a service uses on its behalf",
        "kms-service-access",
        "error",
    ),
)

_KEY = ("AWS::KMS::Key",)


class Use(NamedTuple):
    """One row of data/deployer_key_use.json."""

    type: str
    property: str
    service: str
    actions: tuple[str, ...]
    documented: tuple[str, ...]
    grant: bool
    what: str
    doc: str


@cache
def uses() -> dict[str, Use]:
    from preflight.data._snapshot import data

    return {
        name: Use(
            name,
            row["property"],
            row["service"],
            tuple(row["actions"]),
            tuple(row["documented"]),
            bool(row["grant"]),
            row["what"],
            row["doc"],
        )
        for name, row in data("deployer_key_use")["uses"].items()
    }


def check_deployer_key(ctx: Context, resource: Resource) -> Iterator[Finding]:
    use = uses().get(resource.type)
    if use is None:
        return
    ws = workspace(ctx)
    role = getattr(ctx.pins, "role_arn", None)
    for key in ws.referenced(resource, use.property, types=_KEY):
        scenarios = ws.linked_scenarios(resource, key, use.property)
        if not scenarios:
            continue
        if role:
            yield from _pinned(ctx, use, resource, key, role, scenarios)
        else:
            yield from _unpinned(ctx, use, resource, key, scenarios)


def _request(
    ctx: Context, use: Use, key: Resource, principal: Principal, action: str, scenario: Scenario
) -> Request:
    ws = workspace(ctx)
    values = base_bindings(ws)
    context: dict[str, Any] = {
        "kms:ViaService": bind(f"{use.service}.${{Region}}.amazonaws.com", values),
        "kms:CallerAccount": values["Account"],
    }
    if use.grant and action == "kms:CreateGrant":
        context["kms:GrantIsForAWSResource"] = "true"
    return Request(principal, action, ws.arn(key.logical_id, scenario), context)


def _pinned(
    ctx: Context, use: Use, resource: Resource, key: Resource, role: str, scenarios: list[Scenario]
) -> Iterator[Finding]:
    """--role-arn: the role's own IAM policies are not in the template, so only a key policy that neither names it
    nor delegates to IAM decides (ImplicitDeny), or a Deny that applies to it."""
    ws = workspace(ctx)
    actor = Actor(Principal("aws", role), None)
    failing: list[tuple[Scenario, Replayed]] = []
    for scenario in scenarios:
        policy = ws.key_policy(key, scenario)
        for action in use.actions:
            request = _request(ctx, use, key, actor.principal, action, scenario)
            run = Replayed(
                _spec(action), request, decide(request, policy, actor, ws.layers), scenario, policy
            )
            denied = run.decision.outcome == "ExplicitDeny" or (
                run.decision.outcome == "ImplicitDeny" and not named_but_conditioned(run)
            )
            if denied:
                failing.append((scenario, run))
                break
    if not failing:
        return
    run = failing[0][1]
    request = run.request
    message = (
        f"{resource.logical_id} ({use.what} under {key.logical_id}) fails to create: {use.service} uses the key as "
        f"the principal that deploys the stack, and {role} -> {request.action} on {render(request.resource)} via "
        f"{render(request.context['kms:ViaService'])} is not allowed: {why(run)}. Add to the key policy of "
        f"{key.logical_id} a statement that allows {role} {', '.join(use.documented)} with kms:ViaService "
        f"{use.service}.<region>.amazonaws.com, or one that allows the account principal so that the role's IAM "
        f"policies decide"
    )
    yield ctx.finding(
        "PF6520",
        resource.prop_span(use.property),
        message,
        resource=resource.logical_id,
        related=[key.logical_id],
        notes=(use.doc,),
        when=[s for s, _ in failing],
    )


def _unpinned(
    ctx: Context, use: Use, resource: Resource, key: Resource, scenarios: list[Scenario]
) -> Iterator[Finding]:
    """Without --role-arn: a warning only when the key policy does not delegate to IAM (the account principal,
    allowed everything by its own policies, is still not allowed via the service)."""
    ws = workspace(ctx)
    values = base_bindings(ws)
    root = bind("arn:${Partition}:iam::${Account}:root", values)
    account = foreign_actor(root, "the account principal")._replace(same_account=True)
    for scenario in scenarios:
        policy = ws.key_policy(key, scenario)
        if policy.policy is None or policy.unknowns:
            continue
        for action in use.actions:
            request = _request(ctx, use, key, account.principal, action, scenario)
            run = Replayed(
                _spec(action), request, decide(request, policy, account, ws.layers), scenario, policy
            )
            if run.decision.outcome in ("ImplicitDeny", "ExplicitDeny"):
                yield ctx.finding(
                    "PF6520",
                    resource.prop_span(use.property),
                    _depends_message(use, resource, key, policy, action),
                    resource=resource.logical_id,
                    related=[key.logical_id],
                    notes=(use.doc,),
                    severity="warning",
                    phase="deploy",
                )
                return


def _depends_message(use: Use, resource: Resource, key: Resource, policy: PolicySource, action: str) -> str:
    return (
        f"Whether {resource.logical_id} ({use.what} under {key.logical_id}) can be created depends on the principal "
        f"that deploys the stack: {use.service} uses the key as that principal (the stack's service role, or the "
        f"caller), and {policy.label} does not let IAM policies grant {action} (no statement allows the account "
        f"principal), so only a principal it names itself can. Check that it names the deploying role with "
        f"{', '.join(use.documented)} via {use.service}.<region>.amazonaws.com, or pin the role with --role-arn"
    )


def _spec(action: str) -> Any:
    from preflight.services import RequestSpec

    return RequestSpec(action, "create", "", {})


CHECKS = (Check(check_deployer_key, ("PF6520",), types=tuple(uses())),)
