"""Permission checks: IAM roles handed to AWS services, and what those services check about them.

- a role passed to a service must trust that service (sts:AssumeRole in its trust policy): the table of
  properties that pass roles is data (preflight/services/integrations.yaml: role_consumers);
(API Gateway stage logging and the account's CloudWatch Logs role: checks/ordering.py PF2006, PF2007.)
- Lambda checks that the function's execution role may call an asynchronous-invocation destination (PF6302)
  and read the event source of an event source mapping (PF6303);
- CloudTrail checks that the trail's CloudWatch Logs role may write to the log group (PF6304), API Gateway that
  the account's CloudWatch Logs role has the permissions it logs with (PF6305): the calls are data
  (integrations.yaml: execution_role_calls, service_role_calls), evaluated against the role's identity policies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.policy.evaluate import Decision, Principal, Request
from preflight.policy.model import parse_policy
from preflight.resolve.scenarios import Scenario
from preflight.resolve.values import Symbol, Symbolic, Unknown, render
from preflight.services import (
    ArnMatch,
    CallTarget,
    RequestSpec,
    RoleCall,
    RoleConsumer,
    ServiceRoleCalls,
    apigateway_logging,
    execution_role_calls,
    role_consumers,
    service_role_calls,
)
from preflight.services.replay import (
    Actor,
    IdentityPolicies,
    PolicySource,
    Replayed,
    Workspace,
    as_text,
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
        "safe",
    ),
    Rule(
        "PF6302",
        "lambda-destination-role",
        "The function's execution role may not call its destination",
        "iam-trust-or-role",
        "error",
    ),
    Rule(
        "PF6303",
        "event-source-mapping-role",
        "The function's execution role may not read its event source",
        "iam-trust-or-role",
        "error",
    ),
    Rule(
        "PF6304",
        "cloudtrail-logs-role",
        "The trail's CloudWatch Logs role may not write to the log group",
        "iam-trust-or-role",
        "error",
    ),
    Rule(
        "PF6305",
        "apigateway-account-logs-role",
        "The API Gateway account's CloudWatch Logs role lacks the permissions API Gateway logs with",
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
            Replayed(
                spec, request, decide(request, policy, Actor(request.principal), ws.layers), scenario, policy
            )
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
    fix = None
    if not run.undecided:
        from preflight.fix.policy import trust_fix

        service = render(run.request.principal.value)
        fix = trust_fix(ctx, f"add {service} to the trust policy of {role.logical_id}", role, run)
    yield ctx.finding(
        "PF6301",
        span,
        message,
        resource=resource.logical_id,
        related=[role.logical_id],
        severity=verdict.severity,
        notes=consumer.docs,
        fix=fix,
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


# --- PF6303-PF6305: the identity permissions of a role a service calls with ----------------------------------------
# A service calling with a role checks the role's IAM policies (and, same account, the target's resource policy).
# Each request is decided on the role's known policies; what preflight reports:
# - a certain denial: an error when the service checks it at create time in every scenario, else a warning;
# - a denial that a policy preflight cannot read may lift (an AWS managed policy it does not know, a resource
#   policy outside the template): a warning naming that policy;
# - a decision that depends on a value known only at deploy time (a Region written in a policy, a generated
#   name): nothing, as the exact ARN a service checks is not always documented (pins decide).
class _Ask(NamedTuple):
    """One request the service makes with the role: ``resource`` is its ARN; ``aliases`` are other ways the
    template writes that same ARN (a DynamoDB stream's GetAtt StreamArn), which a statement may name; ``shown``:
    how messages write it."""

    call: RoleCall
    resource: Any
    aliases: tuple[Any, ...]
    shown: Any


class _Answer(NamedTuple):
    ask: _Ask
    scenario: Scenario
    state: str  # "allowed" | "denied" | "unreadable" (denied unless a policy preflight cannot read allows) | "depends"
    decision: Decision
    identity: IdentityPolicies
    guard: PolicySource


def _answer(
    ws: Workspace,
    ask: _Ask,
    principal: Principal,
    identity: IdentityPolicies,
    guard: PolicySource,
    scenario: Scenario,
) -> _Answer:
    """Decide the request on the role's known policies (per AWS's evaluation logic): a statement naming the ARN
    in any of its spellings allows or denies it; otherwise the exact ARN decides."""
    action = ask.call.action
    hidden = guard.policy is not None and guard.policy.unknown is not None
    known_guard = PolicySource(None, guard.label) if hidden else guard
    actor = Actor(principal, identity.policies)
    arns = (ask.resource, *ask.aliases)
    decisions = [decide(Request(principal, action, arn), known_guard, actor, ws.layers) for arn in arns]
    for outcome, state in (("ExplicitDeny", "denied"), ("Allow", "allowed")):
        found = next((d for d in decisions if d.outcome == outcome), None)
        if found is not None:
            return _Answer(ask, scenario, state, found, identity, guard)
    if decisions[0].outcome == "ImplicitDeny":
        unreadable = hidden or not identity.complete_for(action)
        return _Answer(ask, scenario, "unreadable" if unreadable else "denied", decisions[0], identity, guard)
    return _Answer(ask, scenario, "depends", decisions[0], identity, guard)


def _answers(
    ws: Workspace,
    role: Resource,
    scenarios: Sequence[Scenario],
    asks: Callable[[Scenario], Sequence[_Ask]],
    guard: Callable[[Scenario], PolicySource],
) -> list[_Answer]:
    out: list[_Answer] = []
    for scenario in scenarios:
        principal = Principal("aws", ws.arn(role.logical_id, scenario))
        if isinstance(principal.value, Unknown):
            continue
        identity = ws.identity_policies(role, scenario)
        rp = guard(scenario)
        out.extend(_answer(ws, ask, principal, identity, rp, scenario) for ask in asks(scenario))
    return out


class _Outcome(NamedTuple):
    severity: str
    culprit: _Answer
    missing: tuple[_Answer, ...]  # the culprit's scenario's denied (or unreadable) requests, one per action
    create: bool  # the service rejects the resource (else: it is created, the feature does not work)
    only_when: tuple[Scenario, ...]


def _outcome(ws: Workspace, answers: Sequence[_Answer], validates: str) -> _Outcome | None:
    """``validates`` "all": every create-time call is checked; "any": the role is rejected when it allows none of
    the calls (and a call that is missing alone matters only if its timing is "runtime")."""
    by_scenario: dict[Scenario, list[_Answer]] = {}
    for answer in answers:
        by_scenario.setdefault(answer.scenario, []).append(answer)
    rejected: dict[Scenario, list[_Answer]] = {}
    unsure: dict[Scenario, list[_Answer]] = {}
    broken: dict[Scenario, list[_Answer]] = {}
    for scenario, group in by_scenario.items():
        if validates == "any":
            checked = group if all(a.state in ("denied", "unreadable") for a in group) else []
        else:
            checked = [
                a for a in group if a.ask.call.timing == "create" and a.state in ("denied", "unreadable")
            ]
        if any(a.state == "denied" for a in checked):
            rejected[scenario] = checked
        elif checked:
            unsure[scenario] = checked
        runtime = [a for a in group if a.ask.call.timing == "runtime" and a.state == "denied"]
        if runtime:
            broken[scenario] = runtime
    total = len(ws.scenarios())
    for found, create in ((rejected, True), (unsure, True), (broken, False)):
        if not found:
            continue
        scenario = next(iter(found))
        everywhere = len(found) >= total
        severity = "error" if create and found is rejected and everywhere else "warning"
        missing = _per_action([a for a in by_scenario[scenario] if a.state in ("denied", "unreadable")])
        culprit = found[scenario][0]
        only = () if everywhere else tuple(found)
        return _Outcome(severity, culprit, tuple(missing), create, only)
    return None


def _per_action(answers: Sequence[_Answer]) -> list[_Answer]:
    seen: dict[str, _Answer] = {}
    for answer in answers:
        seen.setdefault(answer.ask.call.action, answer)
    return list(seen.values())


def _statement(actions: Sequence[str], resource: Any) -> str:
    action: Any = list(actions) if len(actions) > 1 else actions[0]
    return json.dumps({"Effect": "Allow", "Action": action, "Resource": render(resource)})


class _Explain(NamedTuple):
    """How a finding names things: the service, the role's part, the error and the runtime symptom."""

    code: str
    service: str
    role: Resource
    role_note: str  # "the execution role of Worker"
    error: str
    symptom: str | None
    statement_resource: Any
    bindings: dict[str, Any]
    hint: str = ""  # appended to the remedy ("or attach <managed policy>")


def _role_message(outcome: _Outcome, how: _Explain) -> str:
    culprit = outcome.culprit
    action = culprit.ask.call.action
    actions = [m.ask.call.action for m in outcome.missing]
    values = dict(how.bindings, Verb=culprit.ask.call.verb)
    text = how.error if outcome.create or not how.symptom else how.symptom
    lead = render(bind(text, values))
    role = how.role.logical_id
    request = f"{how.service} calls {action} on {render(culprit.ask.shown)}"
    if culprit.state == "unreadable":
        message = f"{lead}, unless {_unreadable(culprit, role)} allows {', '.join(actions)} ({request})"
    else:
        considered = _considered(culprit.identity)
        if culprit.guard.policy is not None:
            considered += f"; {culprit.guard.label}"
        message = f"{lead}: {request} with {role} ({how.role_note}; policies: {considered}), and "
        if culprit.decision.outcome == "ExplicitDeny":
            denies = [d for d in culprit.decision.deciding if d.effect == "Deny"] or list(
                culprit.decision.deciding
            )
            message += "; ".join(f"{d.label} (line {d.span.line}) denies it" for d in denies[:2])
            message += f". A Deny wins over every Allow: narrow it so that it does not cover {action}"
        else:
            others = [a for a in actions if a != action]
            message += "none of them allows it" + (f" (nor {', '.join(others)})" if others else "")
            message += f". Add to {role}: {_statement(actions, how.statement_resource)}{how.hint}"
    return message


def _considered(identity: IdentityPolicies) -> str:
    """The role's policies, as the finding lists them: its own, then AWS managed ones known to reach only other
    services."""
    names = [p.name for p in identity.policies]
    names += [
        f"{arn.rsplit('/', 1)[-1]} (only {', '.join(sorted(services))})" for arn, services in identity.scoped
    ]
    return ", ".join(names) or "none"


def _unreadable(answer: _Answer, role: str) -> str:
    if answer.identity.unknown and not answer.identity.complete_for(answer.ask.call.action):
        return f"a policy of {role} that preflight cannot read ({', '.join(answer.identity.unknown)})"
    return answer.guard.label


def _role_finding(
    ctx: Context,
    resource: Resource,
    span: Any,
    answers: Sequence[_Answer],
    how: _Explain,
    validates: str,
    related: Sequence[str],
    docs: Sequence[str],
) -> Iterator[Finding]:
    outcome = _outcome(workspace(ctx), answers, validates)
    if outcome is None:
        return
    yield ctx.finding(
        how.code,
        span,
        _role_message(outcome, how),
        resource=resource.logical_id,
        related=[how.role.logical_id, *related],
        severity=outcome.severity,
        notes=[f"documented in {url}" for url in docs[:1]],
        when=outcome.only_when or None,
        phase=None if outcome.create else "runtime",  # created, then the service's calls fail at run time
    )


def _no_resource_policy(_scenario: Scenario) -> PolicySource:
    return PolicySource(None, "no resource policy")


def _unknown_policy(label: str) -> PolicySource:
    return PolicySource(parse_policy(Unknown(label), kind="resource", name=label), label)


# --- PF6303: event source mappings -----------------------------------------------------------------------------------
_FUNCTION = ("AWS::Lambda::Function",)
_SOURCE_ALIASES = {"AWS::DynamoDB::GlobalTable": "AWS::DynamoDB::Table"}


def check_event_source(ctx: Context, mapping: Resource) -> Iterator[Finding]:
    """CreateEventSourceMapping checks that the function's execution role may read the queue; Lambda reads a
    stream with it (execution_role_calls.event_source)."""
    ws = workspace(ctx)
    function = _mapped_function(ws, mapping)
    roles = ws.referenced(function, "Role", types=_ROLE) if function is not None else []
    source = _event_source(ws, mapping)
    if function is None or not roles or source is None:
        return
    spec, target = source
    role = roles[0]
    scenarios = ws.scenarios(mapping, function, role, *([target] if target is not None else []))

    def asks(scenario: Scenario) -> list[_Ask]:
        arns = _source_arns(ws, mapping, spec, target, scenario)
        return [_Ask(call, arns[0], arns[1:], arns[-1]) for call in spec.calls] if arns else []

    def guard(scenario: Scenario) -> PolicySource:
        return _source_policy(ws, mapping, spec, target, scenario)

    answers = _answers(ws, role, scenarios, asks, guard)
    if not answers:
        return
    first = answers[0]
    how = _Explain(
        "PF6303",
        "Lambda",
        role,
        f"the execution role of {function.logical_id}",
        spec.error,
        spec.symptom,
        _statement_resource(ws, spec, target, first.ask.resource, first.scenario),
        dict(base_bindings(ws), **{"Target.Arn": first.ask.shown}),
    )
    related = [function.logical_id, *([target.logical_id] if target is not None else [])]
    span = mapping.prop_span("FunctionName")
    yield from _role_finding(ctx, mapping, span, answers, how, "all", related, spec.docs)


def _mapped_function(ws: Workspace, mapping: Resource) -> Resource | None:
    """The function a mapping invokes, through an alias or a version of the template too."""
    functions = ws.referenced(mapping, "FunctionName", types=_FUNCTION)
    if functions:
        return functions[0]
    for holder in ws.referenced(
        mapping, "FunctionName", types=("AWS::Lambda::Alias", "AWS::Lambda::Version")
    ):
        found = ws.referenced(holder, "FunctionName", types=_FUNCTION)
        if found:
            return found[0]
    return None


def _event_source(ws: Workspace, mapping: Resource) -> tuple[CallTarget, Resource | None] | None:
    """The kind of event source (a resource of the template, or an ARN the template spells out), if it is one
    whose calls the knowledge base records."""
    targets = execution_role_calls("event_source").targets
    linked = ws.referenced(mapping, "EventSourceArn")
    if linked:
        rtype = _SOURCE_ALIASES.get(linked[0].type, linked[0].type)
        return (targets[rtype], linked[0]) if rtype in targets else None
    value = as_text(ws.resolve(mapping.properties.get("EventSourceArn")))
    for spec in targets.values():
        if spec.arn is not None and _arn_matches(value, spec.arn):
            return spec, None
    return None


def _literal_parts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Symbolic):
        return [p for p in value.parts if isinstance(p, str)]
    return []


def _arn_matches(value: Any, match: ArnMatch) -> bool:
    """Whether a (partly symbolic) ARN is certainly of this kind: its service is spelled out, and so is the piece
    it must contain."""
    parts = _literal_parts(value)
    leading = isinstance(value, str) or (isinstance(value, Symbolic) and isinstance(value.parts[0], str))
    pieces = parts[0].split(":") if parts and leading else []
    if len(pieces) < 4 or pieces[0] != "arn" or pieces[2] != match.service:
        return False
    if match.excludes and any(match.excludes in p for p in parts):
        return False
    return match.contains is None or any(match.contains in p for p in parts)


def _source_arns(
    ws: Workspace, mapping: Resource, spec: CallTarget, target: Resource | None, scenario: Scenario
) -> tuple[Any, ...]:
    """The event source's ARN as Lambda names it, then the template's spelling of it (shown in messages)."""
    written = as_text(ws.resolve(mapping.properties.get("EventSourceArn"), scenario))
    if target is None:
        return () if isinstance(written, Unknown) else (written,)
    arn = ws.arn(target.logical_id, scenario)
    if spec.attribute != "Arn":
        if not isinstance(arn, (str, Symbolic)):
            return () if isinstance(written, Unknown) else (written,)
        # A DynamoDB stream: <table ARN>/stream/<label>, the label chosen when the stream is enabled.
        label = Symbol(
            f"stream-label:{target.logical_id}",
            "resource",
            f"the stream label of {target.logical_id}",
            min_len=1,
        )
        arn = Symbolic.of([*([arn] if isinstance(arn, str) else arn.parts), "/stream/", label])
    if isinstance(arn, Unknown):
        return ()
    return (arn,) if isinstance(written, Unknown) or written == arn else (arn, written)


def _statement_resource(
    ws: Workspace, spec: CallTarget, target: Resource | None, arn: Any, scenario: Scenario
) -> Any:
    if spec.statement_resource and target is not None:
        table = ws.arn(target.logical_id, scenario)
        if isinstance(table, (str, Symbolic)):
            return bind(spec.statement_resource, {"Table.Arn": table})
    return arn


def _source_policy(
    ws: Workspace, mapping: Resource, spec: CallTarget, target: Resource | None, scenario: Scenario
) -> PolicySource:
    """The event source's resource policy: same account, it may grant the role what its IAM policies do not."""
    if spec.resource_policy is None:
        return _no_resource_policy(scenario)
    if target is None:
        written = render(as_text(ws.resolve(mapping.properties.get("EventSourceArn"), scenario)))
        return _unknown_policy(f"the resource policy of {written} (outside the template)")
    if spec.resource_policy == "queue":
        return ws.queue_policy(target, scenario)
    attached = ws.referrers(target, "AWS::Kinesis::ResourcePolicy", "ResourceArn")
    stream_spec = ws.resolve(target.properties.get("StreamSpecification"), scenario)
    if attached or (isinstance(stream_spec, dict) and "ResourcePolicy" in stream_spec):
        return _unknown_policy(f"the resource policy of {target.logical_id}'s stream")
    return _no_resource_policy(scenario)


# --- PF6304 / PF6305: CloudTrail's and API Gateway's CloudWatch Logs roles --------------------------------------------
def check_trail_logs_role(ctx: Context, trail: Resource) -> Iterator[Finding]:
    """CreateTrail checks that the CloudWatch Logs role may create and write the trail's log stream (ct-cwl)."""
    yield from _service_role_finding(ctx, trail, "PF6304", service_role_calls("cloudtrail-logs"))


def check_apigateway_account_role(ctx: Context, account: Resource) -> Iterator[Finding]:
    """UpdateAccount checks that the CloudWatch Logs role has the permissions of
    AmazonAPIGatewayPushToCloudWatchLogs (apigw-log)."""
    yield from _service_role_finding(ctx, account, "PF6305", service_role_calls("apigateway-account-logs"))


def _service_role_finding(
    ctx: Context, resource: Resource, code: str, facts: ServiceRoleCalls
) -> Iterator[Finding]:
    ws = workspace(ctx)
    roles = ws.referenced(resource, facts.role_property, types=_ROLE)
    if not roles:
        return
    role = roles[0]
    values_of: dict[Scenario, dict[str, Any]] = {}
    for scenario in ws.scenarios(resource, role):
        values = _service_bindings(ws, resource, facts, scenario)
        if values is not None:
            values_of[scenario] = values

    def asks(scenario: Scenario) -> list[_Ask]:
        values = values_of[scenario]
        # Names the service chooses are symbols; messages write them as "*".
        shown = dict(values, **dict.fromkeys(facts.symbols, "*"))
        out = []
        for call in facts.calls:
            form = call.resource or facts.resource
            arn = bind(form, values)
            if not isinstance(arn, Unknown):
                out.append(_Ask(call, arn, (), bind(form, shown)))
        return out

    answers = _answers(ws, role, list(values_of), asks, _no_resource_policy)
    if not answers:
        return
    values = values_of[answers[0].scenario]
    how = _Explain(
        code,
        facts.service,
        role,
        f"the {facts.role_property} of {resource.logical_id}",
        facts.error,
        facts.symptom,
        bind(facts.statement_resource, values),
        values,
        _managed_policy_hint(code, values),
    )
    span = resource.prop_span(facts.role_property)
    yield from _role_finding(ctx, resource, span, answers, how, facts.validates, [], facts.docs)


def _service_bindings(
    ws: Workspace, resource: Resource, facts: ServiceRoleCalls, scenario: Scenario
) -> dict[str, Any] | None:
    values = base_bindings(ws)
    for name, description in facts.symbols.items():
        values[name] = Symbolic((Symbol(f"{facts.id}:{name}", "resource", description, min_len=1),))
    if facts.target_property is not None:
        target = as_text(ws.resolve(resource.properties.get(facts.target_property), scenario))
        if isinstance(target, Unknown) or not target:
            return None
        values["Target"] = _without_suffix(target, ":*")
    return values


def _without_suffix(value: Any, suffix: str) -> Any:
    """A log group ARN as GetAtt Arn writes it ends with ':*'; its log streams' ARNs do not have it."""
    if isinstance(value, str):
        return value.removesuffix(suffix)
    if isinstance(value, Symbolic) and value.parts and isinstance(value.parts[-1], str):
        return Symbolic.of([*value.parts[:-1], value.parts[-1].removesuffix(suffix)])
    return value


def _managed_policy_hint(code: str, values: dict[str, Any]) -> str:
    """API Gateway's role: the AWS managed policy that grants all of it (apigateway_logging.managed_policy)."""
    if code != "PF6305":
        return ""
    return f", or attach {render(bind(apigateway_logging().managed_policy, values))}"


CHECKS: tuple[Check, ...] = (
    Check(check_role_trust, ("PF6301",), types=tuple(sorted({c.type for c in role_consumers()}))),
    Check(check_destinations, ("PF6302",), types=("AWS::Lambda::EventInvokeConfig",)),
    Check(check_event_source, ("PF6303",), types=("AWS::Lambda::EventSourceMapping",)),
    Check(check_trail_logs_role, ("PF6304",), types=("AWS::CloudTrail::Trail",)),
    Check(check_apigateway_account_role, ("PF6305",), types=("AWS::ApiGateway::Account",)),
)
