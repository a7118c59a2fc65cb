"""Ordering checks: create-time requirements that no Ref, GetAtt or Sub already orders (missing DependsOn).

CloudFormation creates in parallel every resource whose dependencies are done, and derives dependencies only from
references and DependsOn (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html).
When AWS checks, at create time, something that another resource of the template sets up (a bucket policy, a
Lambda permission, a gateway attachment, a role's policy), the template must order the two explicitly. The
requirements are data (preflight/data/ordering.json, one row each with its AWS source); this module only relates
resources and asks the dependency graph whether an order exists (`graph.depends` is transitive).

Severity: a requirement that fails every time is an error; one that fails only when CloudFormation happens to
create the later resource first (a race) is a warning that says so; an order AWS documents but deployed templates
show to be practically never needed is info. A first resource that is created *after* the later one because it
refers to it fails every time, whatever the kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from fnmatch import fnmatchcase
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.data.errors import format_error
from preflight.data.ordering_data import (
    OrderRule,
    RoleConsumer,
    order_rules,
    role_consumers,
    role_policy_types,
)
from preflight.findings import Finding
from preflight.fix.dependson import depends_on_fix
from preflight.model.template import Resource

RULES = (
    Rule(
        "PF2001",
        "trail-before-policy",
        "CloudTrail trail not ordered after its bucket or topic policy",
        "missing-dependson",
        "warning",
        "safe",
    ),
    Rule(
        "PF2002",
        "notification-before-permission",
        "S3 bucket notifications not ordered after the destination's permission or policy",
        "missing-dependson",
        "warning",
        "safe",
    ),
    Rule(
        "PF2003",
        "deployment-before-methods",
        "API Gateway deployment not ordered after its methods",
        "missing-dependson",
        "error",
        "safe",
    ),
    Rule(
        "PF2004",
        "service-before-listener",
        "ECS service not ordered after the listener that uses its target group",
        "missing-dependson",
        "warning",
        "safe",
    ),
    Rule(
        "PF2005",
        "before-gateway-attachment",
        "Resource that needs an attached gateway not ordered after the VPCGatewayAttachment",
        "missing-dependson",
        "warning",
        "safe",
    ),
    Rule(
        "PF2006",
        "stage-logging-before-account",
        "API Gateway stage logging not ordered after the AWS::ApiGateway::Account",
        "missing-dependson",
        "warning",
        "safe",
    ),
    Rule(
        "PF2007",
        "stage-logging-needs-account-role",
        "API Gateway stage logging relies on the account's CloudWatch Logs role",
        "iam-trust-or-role",
        "warning",
        phase="account",
    ),
    Rule(
        "PF2008",
        "role-consumer-before-policy",
        "Resource that checks its role at create time not ordered after the role's separate policy",
        "missing-dependson",
        "warning",
        "safe",
    ),
    Rule(
        "PF2009",
        "function-log-group-after-invocation",
        "A function's log group not ordered before the custom resource that invokes the function",
        "missing-dependson",
        "warning",
        "safe",
    ),
    Rule(
        "PF2010",
        "target-group-without-listener",
        "ECS service target group that no listener forwards to",
        "other",
        "error",
    ),
)

_SEVERITY = {"hard": "error", "race": "warning", "advice": "info"}
_BUMP = {"info": "warning", "warning": "error", "error": "error"}
_SEGMENT = re.compile(r"\[[^\]]*\]|[^.\[\]]+")


# --------------------------------------------------------------------------- paths (shared with rollback.py)


def segments(path: str) -> tuple[str, ...]:
    """'A.*.B.[key.with.dots]' -> ('A', '*', 'B', '[key.with.dots]')."""
    return tuple(_SEGMENT.findall(path))


def walk(
    node: Any, parts: tuple[str, ...], concrete: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """The nodes at a property path, with their concrete path (list indices filled in). Both branches of an
    Fn::If are followed; like the graph's edge paths, the concrete path does not mention the Fn::If."""
    if isinstance(node, dict) and len(node) == 1 and "Fn::If" in node:
        arg = node["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3:
            for branch in arg[1:]:
                yield from walk(branch, parts, concrete)
        return
    if not parts:
        yield concrete, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from walk(item, rest, concrete + (index,))
    elif head.startswith("["):
        yield from _walk_pairs(node, head[1:-1], rest, concrete)
    elif isinstance(node, dict) and head in node:
        yield from walk(node[head], rest, concrete + (head,))


def _walk_pairs(
    node: Any, key: str, rest: tuple[str, ...], concrete: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """The Value of each {Key: key, Value: ...} item of a list (load balancer attributes, tags)."""
    if not isinstance(node, list):
        return
    for index, item in enumerate(node):
        if isinstance(item, dict) and item.get("Key") == key and "Value" in item:
            yield from walk(item["Value"], rest, concrete + (index, "Value"))


def _keys_here(ctx: Context, resource: Resource, path: str) -> set[str]:
    """What the property at `path` names: the logical ids it references and its value when that is a plain
    string ("lit:<value>"), so that a literal bucket name and a Ref to the bucket that has that name meet."""
    keys: set[str] = set()
    edges = ctx.graph.out.get(resource.logical_id, ())
    for concrete, node in walk(resource.properties, segments(path)):
        prefix = ("Properties",) + concrete
        keys.update(e.target for e in edges if e.path[: len(prefix)] == prefix)
        value = ctx.resolve(node) if isinstance(node, (dict, list)) else node
        if isinstance(value, str):
            keys.add("lit:" + value)
    return keys


def keys_at(ctx: Context, resource: Resource, path: str) -> set[str]:
    """Keys at a path that may hop through references: 'SubnetId>VpcId' reads VpcId of the referenced subnet,
    '@AWS::Config::ConfigurationRecorder>RoleARN' reads RoleARN of every recorder of the template."""
    current = [resource]
    keys: set[str] = set()
    for hop in path.split(">"):
        if hop.startswith("@"):
            current = ctx.template.of_type(hop[1:])
            continue
        keys = set().union(*(_keys_here(ctx, r, hop) for r in current)) if current else set()
        current = [ctx.template.resources[k] for k in sorted(keys) if k in ctx.template.resources]
    return keys


def present(ctx: Context, resource: Resource, path: str) -> bool:
    """Whether a non-empty value exists at `path` (in some branch)."""
    return any(node not in (None, "", [], {}) for _, node in walk(resource.properties, segments(path)))


def values_at(ctx: Context, resource: Resource, path: str) -> list[Any]:
    """Every resolved value at `path`, over condition scenarios."""
    found: list[Any] = []
    for _, node in walk(resource.properties, segments(path)):
        found.extend(value for _, value in ctx.values(node))
    return found


# --------------------------------------------------------------------------- predicates named in ordering.json

Predicate = Callable[[Context, Resource, "Resource | None"], bool]


def _is(value: Any, *wanted: Any) -> bool:
    return isinstance(value, (str, bool)) and value in wanted


def _stage_logging(ctx: Context, stage: Resource, _other: Resource | None) -> bool:
    """Execution logging (LoggingLevel INFO/ERROR, DataTraceEnabled) or access logging switched on."""
    return _logging_in(ctx, stage, "")


def _deployment_stage_logging(ctx: Context, deployment: Resource, _other: Resource | None) -> bool:
    return _logging_in(ctx, deployment, "StageDescription.")


def _logging_in(ctx: Context, resource: Resource, prefix: str) -> bool:
    levels = values_at(ctx, resource, prefix + "LoggingLevel") + values_at(
        ctx, resource, prefix + "MethodSettings.*.LoggingLevel"
    )
    traces = values_at(ctx, resource, prefix + "DataTraceEnabled") + values_at(
        ctx, resource, prefix + "MethodSettings.*.DataTraceEnabled"
    )
    return (
        any(_is(v, "INFO", "ERROR") for v in levels)
        or any(_is(v, True, "true") for v in traces)
        or present(ctx, resource, prefix + "AccessLogSetting.DestinationArn")
    )


def _eip_associated(ctx: Context, eip: Resource, _other: Resource | None) -> bool:
    return present(ctx, eip, "InstanceId") or present(ctx, eip, "NetworkInterfaceId")


def _eip_vpc_unassociated(ctx: Context, eip: Resource, other: Resource | None) -> bool:
    return any(_is(v, "vpc") for v in values_at(ctx, eip, "Domain")) and not _eip_associated(ctx, eip, other)


def _igw_attachment(ctx: Context, attachment: Resource, _other: Resource | None) -> bool:
    return present(ctx, attachment, "InternetGatewayId")


def _public_nat(ctx: Context, nat: Resource, _other: Resource | None) -> bool:
    return "ConnectivityType" not in nat.properties or any(
        _is(v, "public") for v in values_at(ctx, nat, "ConnectivityType")
    )


def _s3_invoke_permission(ctx: Context, permission: Resource, bucket: Resource | None) -> bool:
    """A permission for s3.amazonaws.com (or an unknown principal) whose SourceArn, when it names a bucket of the
    template, names this one."""
    principals = values_at(ctx, permission, "Principal")
    if principals and all(isinstance(p, str) and p != "s3.amazonaws.com" for p in principals):
        return False
    named = {
        k
        for k in keys_at(ctx, permission, "SourceArn")
        if k in ctx.template.resources and ctx.template.resources[k].type == "AWS::S3::Bucket"
    }
    if bucket is not None and bucket.type != "AWS::S3::Bucket":  # CDK's notifications resource names its bucket
        return not named or bool(named & keys_at(ctx, bucket, "BucketName"))
    return not named or bucket is None or bucket.logical_id in named


_PREDICATES: dict[str, Predicate] = {
    "stage-logging": _stage_logging,
    "deployment-stage-logging": _deployment_stage_logging,
    "eip-associated": _eip_associated,
    "eip-vpc-unassociated": _eip_vpc_unassociated,
    "internet-gateway-attachment": _igw_attachment,
    "public-nat-gateway": _public_nat,
    "s3-invoke-permission": _s3_invoke_permission,
}


def _holds(ctx: Context, name: str | None, resource: Resource, other: Resource | None) -> bool:
    return name is None or _PREDICATES[name](ctx, resource, other)


# --------------------------------------------------------------------------- ordering requirements


def check_orders(ctx: Context) -> Iterator[Finding]:
    cyclic: set[str] | None = None
    for rule in order_rules():
        for later in ctx.template.of_type(*rule.later.types):
            if not _holds(ctx, rule.later.when, later, None):
                continue
            if cyclic is None:  # a resource on a dependency cycle has no creation order: PF1001 reports it
                cyclic = {m for members in ctx.graph.strongly_connected() for m in members}
            if later.logical_id not in cyclic:
                yield from _check_rule(ctx, rule, later)


def _later_keys(ctx: Context, rule: OrderRule, later: Resource) -> set[str]:
    return set().union(*(keys_at(ctx, later, p) for p in rule.later.paths)) if rule.later.paths else set()


def _related(ctx: Context, rule: OrderRule, later: Resource, keys: set[str]) -> list[Resource]:
    found = []
    for first in ctx.template.of_type(*rule.first.types):
        if first.logical_id == later.logical_id or not _holds(ctx, rule.first.when, first, later):
            continue
        if rule.relation == "same" and not keys & set().union(
            *(keys_at(ctx, first, p) for p in rule.first.paths)
        ):
            continue
        found.append(first)
    return found


def _check_rule(ctx: Context, rule: OrderRule, later: Resource) -> Iterator[Finding]:
    keys = _later_keys(ctx, rule, later)
    if rule.relation == "same" and not keys:
        return
    related = _related(ctx, rule, later, keys)
    if not related:
        yield from _when_none(ctx, rule, later, keys)
        return
    depends = ctx.graph.depends
    ordered = [f for f in related if depends(later.logical_id, f.logical_id)]
    missing = [f for f in related if f not in ordered]
    if rule.needs == "each":
        for first in missing:
            yield from _order_finding(ctx, rule, later, [first])
    elif not ordered:
        yield from _order_finding(ctx, rule, later, missing)
    elif missing and rule.partial and _live(ctx, [later, *missing]) is not None:
        names = ", ".join(f.logical_id for f in missing)
        yield ctx.finding(
            rule.code,
            later.key_span,
            f"{later.logical_id} is ordered after some of {rule.what} but not after {names}: {rule.partial}. "
            f"Add them to DependsOn of {later.logical_id}.",
            resource=later.logical_id,
            related=[f.logical_id for f in missing],
            severity="warning",
            fix=depends_on_fix(ctx, later, [f.logical_id for f in missing]),
        )


def _order_finding(
    ctx: Context, rule: OrderRule, later: Resource, firsts: list[Resource]
) -> Iterator[Finding]:
    live = _live(ctx, [later, *firsts])
    if live is None:
        return
    reversed_ = [f for f in firsts if ctx.graph.depends(f.logical_id, later.logical_id)]
    severity = _SEVERITY[rule.kind]
    if reversed_ and len(reversed_) == len(firsts):
        severity = _BUMP[severity]
        message = _reversed_message(ctx, rule, later, reversed_[0])
    else:
        message = _unordered_message(rule, later, firsts)
    wanted = firsts if rule.needs == "each" or rule.partial else firsts[:1]
    fix = depends_on_fix(ctx, later, [f.logical_id for f in wanted])
    if live and severity == "error":
        severity = "warning"  # fails only in the scenarios where these resources exist
    yield ctx.finding(
        rule.code,
        later.key_span,
        message,
        resource=later.logical_id,
        related=[f.logical_id for f in firsts],
        severity=severity,
        notes=[f"AWS documentation: {rule.doc}", *live],
        fix=fix,
    )


def _live(ctx: Context, resources: list[Resource]) -> list[str] | None:
    """None when the resources never exist together; [] when they always do; else a note naming the scenarios
    (the condition values) in which they all exist."""
    if all(r.condition is None for r in resources):
        return []  # no need to enumerate the template's scenarios
    scenarios = ctx.resolver.scenarios.scenarios
    live = [s for s in scenarios if all(ctx.resolver.active(r, s) for r in resources)]
    if not live:
        return None
    if len(live) == len(scenarios):
        return []
    return ["only when: " + "; ".join(s.describe() for s in live)]


def _unordered_message(rule: OrderRule, later: Resource, firsts: list[Resource]) -> str:
    name = later.logical_id
    names = ", ".join(f.logical_id for f in firsts)
    lead = {
        "hard": f"Nothing orders {name} after {names} ({rule.what}), so CloudFormation creates {name} first",
        "race": f"Nothing orders {name} after {names} ({rule.what}): CloudFormation creates them in parallel, and "
        f"the deployment fails whenever {name} comes first (a race)",
        "advice": f"Nothing orders {name} after {names} ({rule.what}); deployed templates show that this race is "
        f"practically never lost, so this is advice",
    }[rule.kind]
    wanted = names if rule.needs == "each" or rule.partial else firsts[0].logical_id
    return (
        f'{lead}: {rule.why}. CloudFormation then reports "{rule.error}". Add DependsOn: {wanted} to {name}.'
    )


def _reversed_message(ctx: Context, rule: OrderRule, later: Resource, first: Resource) -> str:
    name, other = later.logical_id, first.logical_id
    return (
        f"{other} ({rule.what}) is created after {name} because {_dependency(ctx, other, name)}, so the "
        f'deployment fails every time: {rule.why}. CloudFormation reports "{rule.error}". Remove that '
        f"reference (build the value from a known name instead of a Ref/GetAtt of {name}) and add "
        f"DependsOn: {other} to {name}."
    )


def _dependency(ctx: Context, source: str, target: str) -> str:
    for edge in ctx.graph.out.get(source, ()):
        if edge.target == target:
            where = ".".join(str(p) for p in edge.path[1:]) or "DependsOn"
            return f"its {where} refers to {target} ({edge.kind})"
    return f"it depends on {target} through other resources"


def _when_none(ctx: Context, rule: OrderRule, later: Resource, keys: set[str]) -> Iterator[Finding]:
    """No related first resource at all: report it when the template itself makes the requirement unmeetable."""
    none = rule.when_none
    if none is None or ctx.template.transforms:  # a transform may add the missing resources
        return
    live = _live(ctx, [later])
    if live is None:
        return
    resources = ctx.template.resources
    targets = [resources[k] for k in sorted(keys) if k in resources and resources[k].type == none.target_type]
    if none.target_type is not None:
        targets = [t for t in targets if not any(p in t.properties for p in none.unless)]
        if not targets:
            return
    subject = f" ({', '.join(t.logical_id for t in targets)})" if targets else ""
    yield ctx.finding(
        none.code,
        later.key_span,
        f'{later.logical_id}{subject}: {none.why}. CloudFormation reports "{rule.error}". {none.fix}.',
        resource=later.logical_id,
        related=[t.logical_id for t in targets],
        severity="warning" if live and ctx.rules[none.code].severity == "error" else None,
        notes=[f"AWS documentation: {rule.doc}", *live],
    )


# --------------------------------------------------------------------------- role consumers


def check_role_consumers(ctx: Context) -> Iterator[Finding]:
    policies = ctx.template.of_type(*role_policy_types())
    if not policies:
        return
    for consumer in role_consumers():
        for resource in ctx.template.of_type(consumer.type):
            if consumer.when is None or present(ctx, resource, consumer.when):
                yield from _consumer_findings(ctx, consumer, resource, policies)


def _consumer_findings(
    ctx: Context, consumer: RoleConsumer, resource: Resource, policies: list[Resource]
) -> Iterator[Finding]:
    resources = ctx.template.resources
    roles = {
        k
        for k in keys_at(ctx, resource, consumer.role)
        if k in resources and resources[k].type == "AWS::IAM::Role"
    }
    for policy in policies:
        attached = roles & keys_at(ctx, policy, "Roles.*")
        if not attached or ctx.graph.depends(resource.logical_id, policy.logical_id):
            continue
        action = _granted(ctx, policy, _needed_actions(ctx, consumer, resource))
        live = _live(ctx, [resource, policy])
        if action is None or live is None:
            continue
        yield _consumer_finding(ctx, consumer, resource, policy, min(attached), action, live)


def _consumer_finding(
    ctx: Context,
    consumer: RoleConsumer,
    resource: Resource,
    policy: Resource,
    role: str,
    action: str,
    live: list[str],
) -> Finding:
    name, other = resource.logical_id, policy.logical_id
    reversed_ = ctx.graph.depends(other, name)
    if reversed_:
        lead = (
            f"{other} is created after {name} because {_dependency(ctx, other, name)}, so the deployment "
            f"fails every time"
        )
    else:
        lead = (
            f"nothing orders {name} after {other}, so CloudFormation may create {name} first and the "
            f"deployment fails whenever it does (a race)"
        )
    message = (
        f"{name} uses role {role}, and the permission it needs ({action}) comes from {other}, a separate "
        f"{policy.type} attached to that role; {lead}: {consumer.what}. CloudFormation reports "
        f'"{consumer.error}". Add DependsOn: {other} to {name}'
        + (f" and remove the reference from {other} to {name}." if reversed_ else ".")
    )
    return ctx.finding(
        "PF2008",
        resource.key_span,
        message,
        resource=name,
        related=[other, role],
        severity="error" if reversed_ and not live else None,
        fix=depends_on_fix(ctx, resource, [other]),
        notes=[f"AWS documentation: {consumer.doc}", *live],
    )


def _needed_actions(ctx: Context, consumer: RoleConsumer, resource: Resource) -> tuple[str, ...]:
    """The actions checked for this resource: those of its event source's type when known, else all."""
    if consumer.source is None:
        return consumer.actions
    resources = ctx.template.resources
    types = {resources[k].type for k in keys_at(ctx, resource, consumer.source) if k in resources}
    chosen = tuple(a for rtype, actions in consumer.actions_by_source if rtype in types for a in actions)
    return chosen or consumer.actions


def _granted(ctx: Context, policy: Resource, needed: tuple[str, ...]) -> str | None:
    """The first needed action an Allow statement of the policy grants (IAM action wildcards, case-insensitive:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html)."""
    patterns = [p.lower() for p in _allowed_actions(ctx.resolve(policy.properties.get("PolicyDocument")))]
    for action in needed:
        if any(fnmatchcase(action.lower(), p) for p in patterns):
            return action
    return None


def _allowed_actions(document: Any) -> Iterable[str]:
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements if isinstance(statements, list) else ():
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action")
        for action in [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else ():
            if isinstance(action, str):
                yield action


# --------------------------------------------------------------------------- function log groups

# Lambda creates /aws/lambda/<function name> itself when the function first writes logs
# (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html); a custom resource invokes its
# function while the stack is being created
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html).
_LAMBDA_LOG_PREFIX = "/aws/lambda/"
_CUSTOM = ("AWS::CloudFormation::CustomResource",)
# how a resource handler names the resource it cannot create
# (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract-errors.html)
_HANDLER_NAME = "Resource of type '{type}' with identifier '{name}'"


def check_function_log_groups(ctx: Context) -> Iterator[Finding]:
    from preflight.resolve.values import render

    groups = ctx.template.of_type("AWS::Logs::LogGroup")
    if not groups:
        return
    invokers = [r for r in ctx.template.resources.values()
                if (r.type.startswith("Custom::") or r.type in _CUSTOM) and "ServiceToken" in r.properties]
    for group in groups:
        name = render(ctx.resolve(group.properties.get("LogGroupName")))
        if not name.startswith(_LAMBDA_LOG_PREFIX):
            continue
        for function in ctx.template.of_type("AWS::Lambda::Function"):
            if name != _LAMBDA_LOG_PREFIX + render(ctx.resolver.ref(function.logical_id)):
                continue
            for invoker in invokers:
                token = render(ctx.resolve(invoker.properties["ServiceToken"]))
                if token.endswith(f":function:{render(ctx.resolver.ref(function.logical_id))}") and \
                        not ctx.graph.depends(invoker.logical_id, group.logical_id):
                    yield _log_group_finding(ctx, group, function, invoker, name)


def _log_group_finding(ctx: Context, group: Resource, function: Resource, invoker: Resource,
                       name: str) -> Finding:
    forced = ctx.graph.depends(group.logical_id, invoker.logical_id)
    order = (f"{group.logical_id} is created after {invoker.logical_id}, so it fails every time" if forced else
             f"nothing orders {invoker.logical_id} after {group.logical_id}, so when CloudFormation invokes the "
             f"function first, the create of {group.logical_id} fails (a race)")
    message = (
        f"{invoker.logical_id} invokes {function.logical_id} while the stack is created, and Lambda creates the "
        f"log group {name} when the function first writes logs; {order}: "
        f"{format_error('already-exists', Name=_HANDLER_NAME.format(type=group.type, name=name))}. Add "
        f"DependsOn: {group.logical_id} to {invoker.logical_id}"
    )
    return ctx.finding(
        "PF2009",
        group.key_span,
        message,
        resource=group.logical_id,
        related=[invoker.logical_id, function.logical_id],
        severity="error" if forced else None,
        fix=depends_on_fix(ctx, invoker, [group.logical_id]),
        notes=["AWS documentation: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html"],
        when=ctx.created(group, invoker),
    )


CHECKS = (
    Check(check_function_log_groups, ("PF2009",)),
    Check(
        check_orders,
        ("PF2001", "PF2002", "PF2003", "PF2004", "PF2005", "PF2006", "PF2007", "PF2010"),
    ),
    Check(check_role_consumers, ("PF2008",)),
)
