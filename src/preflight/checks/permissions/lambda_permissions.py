"""Permission checks: Lambda function policies (AWS::Lambda::Permission) that services rely on.

- the shape of a permission: SourceArn must be an ARN (CloudFormation's schema pattern), and name the service
  of the principal (an API Gateway principal is invoked from an execute-api ARN);
- services that invoke a function while the stack is created: S3 (test event for a notification
  configuration), Secrets Manager (first rotation), Elastic Load Balancing (registering a Lambda target). Their
  request is replayed against the function policy built from the template's permissions, and the permission
  must exist before the invoking resource is created (DependsOn), not after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from preflight import data
from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.policy.evaluate import Principal, Request
from preflight.resolve.scenarios import Scenario
from preflight.resolve.values import Symbol, Symbolic, render
from preflight.services import RequestSpec, lambda_facts
from preflight.services.notifications import TYPES as NOTIFYING_TYPES
from preflight.services.replay import (
    Actor,
    PolicySource,
    Replayed,
    Workspace,
    as_text,
    decide,
    why,
    workspace,
)
from preflight.source.nodes import child_span
from preflight.source.span import Span

RULES: tuple[Rule, ...] = (
    Rule(
        "PF6401",
        "lambda-permission-source-arn",
        "A Lambda permission's SourceArn is not an ARN",
        "lambda-permission",
        "error",
    ),
    Rule(
        "PF6402",
        "s3-notification-lambda-permission",
        "S3 cannot invoke the function of a bucket notification when the bucket is created",
        "lambda-permission",
        "error",
        "safe",
    ),
    Rule(
        "PF6403",
        "rotation-lambda-permission",
        "Secrets Manager cannot invoke the rotation function",
        "lambda-permission",
        "error",
        "safe",
    ),
    Rule(
        "PF6404",
        "lambda-permission-source-service",
        "A Lambda permission's SourceArn names another service than its principal",
        "lambda-permission",
        "warning",
        phase="runtime",
    ),
    Rule(
        "PF6405",
        "alb-lambda-target-permission",
        "Elastic Load Balancing cannot invoke the function registered in a target group",
        "lambda-permission",
        "error",
        "safe",
    ),
)

_FUNCTION = ("AWS::Lambda::Function", "AWS::Serverless::Function")
# Sample values standing for symbols when testing a SourceArn against the schema pattern (any valid value would
# do: the pattern only constrains the ARN's shape).
_PSEUDO_SAMPLES = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}
_SAMPLE_ARN = "arn:aws:sns:us-east-1:123456789012:sample"
_SAMPLE_ID = "a1b2c3d4e5"


@lru_cache(maxsize=1)
def _source_arn_pattern() -> re.Pattern[str]:
    return re.compile(lambda_facts().source_arn_pattern)


# --- PF6401 / PF6404: the shape of SourceArn -----------------------------------------------------------------------
def check_source_arn(ctx: Context, permission: Resource) -> Iterator[Finding]:
    if "SourceArn" not in permission.properties:
        return
    ws = workspace(ctx)
    span = permission.prop_span("SourceArn")
    seen: set[str] = set()
    for _, value in ctx.values(permission.properties["SourceArn"]):
        sample = _sample(ws, value)
        if sample is None or render(value) in seen:
            continue
        seen.add(render(value))
        if not _source_arn_pattern().fullmatch(sample):
            yield ctx.finding(
                "PF6401",
                span,
                _shape_message(ws, permission, value),
                resource=permission.logical_id,
                related=_symbol_resources(value),
            )
            return
        yield from _service_mismatch(ctx, ws, permission, value, span)


def _sample(ws: Workspace, value: Any) -> str | None:
    """A concrete string of the value's shape; None when a part could be anything (a parameter, an import)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Symbol):
        value = Symbolic((value,))
    if not isinstance(value, Symbolic):
        return None
    out = []
    for part in value.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        sample = _symbol_sample(ws, part)
        if sample is None:
            return None
        out.append(sample)
    return "".join(out)


def _symbol_sample(ws: Workspace, symbol: Symbol) -> str | None:
    if symbol.kind == "pseudo":
        return _PSEUDO_SAMPLES.get(symbol.key)
    if symbol.key.startswith("ref:"):
        found = _ref_fact(ws, symbol.key[4:])
        return None if found is None else (_SAMPLE_ARN if found[0] else _SAMPLE_ID)
    if symbol.key.startswith("attr:"):
        return _SAMPLE_ARN if symbol.key.endswith("Arn") else _SAMPLE_ID
    return None


def _ref_fact(ws: Workspace, logical_id: str) -> tuple[bool, str] | None:
    """(is the Ref value an ARN, what it is) for a resource of the template; None when not known."""
    resource = ws.template.resources.get(logical_id)
    if resource is None:
        return None
    sam = lambda_facts().sam_refs.get(resource.type)
    if sam is not None:
        return sam.is_arn, sam.description
    info = data.resource_type(resource.type)
    return None if info is None else (info.ref_is_arn, info.ref_description)


def _symbol_resources(value: Any) -> list[str]:
    parts = value.parts if isinstance(value, Symbolic) else ()
    out = []
    for part in parts:
        if isinstance(part, Symbol) and part.key.startswith(("ref:", "attr:")):
            out.append(part.key.split(":", 1)[1].split(".", 1)[0])
    return out


def _shape_message(ws: Workspace, permission: Resource, value: Any) -> str:
    facts = lambda_facts()
    text = f"{facts.source_arn_error}: SourceArn of {permission.logical_id} is {render(value)}, which is not an ARN"
    first = value.parts[0] if isinstance(value, Symbolic) else None
    if isinstance(first, Symbol) and first.key.startswith("ref:"):
        found = _ref_fact(ws, first.key[4:])
        if found is not None:
            text += f" (Ref {first.key[4:]} returns {found[1]})"
    principal = ws.resolve(permission.properties.get("Principal"))
    invoker = facts.invoker(principal) if isinstance(principal, str) else None
    if invoker is not None:
        text += f". Use an ARN such as {_example(invoker.example, value)}"
    return text


_CFN_PSEUDO = {"Partition": "${AWS::Partition}", "Region": "${AWS::Region}", "Account": "${AWS::AccountId}"}


def _example(example: str, value: Any) -> str:
    """The knowledge base's example ARN in Fn::Sub syntax, naming the template's resource when the value starts
    with a Ref of it (${ItemsApi})."""
    for name, text in _CFN_PSEUDO.items():
        example = example.replace("${" + name + "}", text)
    first = value.parts[0] if isinstance(value, Symbolic) else None
    if isinstance(first, Symbol) and first.key.startswith("ref:"):
        example = re.sub(r"\$\{(ApiId|BucketName|TopicArn|RuleArn)\}", "${" + first.key[4:] + "}", example)
    return example


def _service_mismatch(
    ctx: Context, ws: Workspace, permission: Resource, value: Any, span: Span
) -> Iterator[Finding]:
    principal = ws.resolve(permission.properties.get("Principal"))
    invoker = lambda_facts().invoker(principal) if isinstance(principal, str) else None
    service = _arn_service(value)
    if invoker is None or service is None or service == invoker.arn_service:
        return
    message = (
        f"SourceArn of {permission.logical_id} is an ARN of {service} ({render(value)}) but {principal} invokes "
        f"functions from {invoker.arn_service} ARNs, so the permission never matches and invocations are "
        f"denied after deployment. Use an ARN such as {invoker.example}"
    )
    yield ctx.finding(
        "PF6404", span, message, resource=permission.logical_id, related=_symbol_resources(value)
    )


def _arn_service(value: Any) -> str | None:
    text = (
        value if isinstance(value, str) else (value.literal_prefix() if isinstance(value, Symbolic) else "")
    )
    pieces = text.split(":")
    return pieces[2] if len(pieces) > 3 and pieces[0] == "arn" and pieces[2] else None


# --- create-time invocations ------------------------------------------------------------------------------------
def _invoke(
    ws: Workspace, principal: str, function: Resource, context: dict[str, Any], scenario: Scenario
) -> tuple[Request, PolicySource, Any]:
    request = Request(
        Principal("service", principal),
        "lambda:InvokeFunction",
        ws.arn(function.logical_id, scenario),
        context,
    )
    policy = ws.function_policy(function, scenario)
    return request, policy, decide(request, policy, Actor(request.principal), ws.layers)


def _allowing(ws: Workspace, function: Resource, decision: Any) -> list[Resource]:
    """The permissions whose statements allow the request (statement n is the n-th permission)."""
    permissions = ws.permissions_of(function)
    indexes = {d.index for d in decision.deciding if d.effect == "Allow"}
    return [permissions[i] for i in sorted(indexes) if i < len(permissions)]


def _invocation_findings(
    ctx: Context,
    code: str,
    kind: str,
    invoker: Resource,
    function: Resource,
    context: Callable[[Scenario], dict[str, Any]],
    span: Span,
    extra: Sequence[str] = (),
    source: Resource | None = None,
) -> Iterator[Finding]:
    """Replay the service's InvokeFunction; then check that an allowing permission is created first. `source`:
    the resource the service invokes from when it is not the invoker (the bucket of a CDK notifications resource)."""
    ws = workspace(ctx)
    facts = lambda_facts().create_time[kind]
    scenarios = ws.scenarios(invoker, function)
    if not scenarios:
        return
    scenario = scenarios[0]
    request, policy, decision = _invoke(ws, facts.principal, function, context(scenario), scenario)
    lead = (
        facts.error.rstrip(".")
        .replace("${Function}", render(request.resource))
        .replace("${Source.Arn}", render(ws.arn((source or invoker).logical_id)))
    )
    related = [function.logical_id, *policy.owners, *extra, *([source.logical_id] if source else [])]
    if decision.outcome in ("ImplicitDeny", "ExplicitDeny"):
        run = Replayed(
            RequestSpec("lambda:InvokeFunction", "create", "", {}), request, decision, scenario, policy
        )
        message = (
            f"{lead}: {facts.principal} -> lambda:InvokeFunction on {render(request.resource)} is not allowed: "
            f"{why(run)}. Add an AWS::Lambda::Permission for {function.logical_id} with Principal "
            f"{facts.principal} and DependsOn it from {invoker.logical_id}"
        )
        fix = None
        if decision.outcome == "ImplicitDeny":
            from preflight.fix.lambda_permission import permission_fix

            fix = permission_fix(
                ctx,
                f"add an AWS::Lambda::Permission for {function.logical_id} with Principal {facts.principal}, "
                f"and DependsOn it from {invoker.logical_id}",
                invoker,
                function,
                facts.principal,
                request.context.get("aws:SourceArn"),
            )
        yield ctx.finding(
            code, span, message, resource=invoker.logical_id, related=related, notes=facts.docs, fix=fix
        )
        return
    # Allowed, or allowed depending on a value preflight cannot know: either way a permission that refers to the
    # invoking resource is created after it (checked by _ordering); only the race needs an Allow to be reported.
    if decision.outcome == "Depends" and not _allowing(ws, function, decision):
        return
    yield from _ordering(
        ctx,
        code,
        lead,
        invoker,
        _allowing(ws, function, decision),
        span,
        related,
        facts.docs,
        decision_depends=decision.outcome == "Depends",
    )


def _ordering(
    ctx: Context,
    code: str,
    lead: str,
    invoker: Resource,
    permissions: list[Resource],
    span: Span,
    related: list[str],
    docs: Sequence[str],
    decision_depends: bool = False,
) -> Iterator[Finding]:
    """An allowing permission must be created before the invoker: one that refers to the invoker cannot be (error);
    one that nothing orders is a race (warning, only when the permission surely allows)."""
    ws = workspace(ctx)
    if not permissions or any(ws.depends(invoker, p) for p in permissions):
        return
    permission = permissions[0]
    if ws.depends(permission, invoker):
        message = (
            f"{lead}: {permission.logical_id} allows it but refers to {invoker.logical_id}, so it is created "
            f"after {invoker.logical_id} already invoked the function. Build the ARN in {permission.logical_id} "
            f"from a known name instead of a Ref/GetAtt of {invoker.logical_id}, and add DependsOn: "
            f"{permission.logical_id} to {invoker.logical_id}"
        )
        yield ctx.finding(code, span, message, resource=invoker.logical_id, related=related, notes=docs)
        return
    if code == "PF6402" or decision_depends:
        return  # the race with an S3 notification is checks/ordering.py PF2002
    message = (
        f"{lead}, when {permission.logical_id} is not created yet: nothing orders {invoker.logical_id} after "
        f"{permission.logical_id}, and CloudFormation creates them in parallel. Add DependsOn: "
        f"{permission.logical_id} to {invoker.logical_id}"
    )
    from preflight.fix.dependson import depends_on_fix

    yield ctx.finding(
        code, span, message, resource=invoker.logical_id, related=related, severity="warning", notes=docs,
        fix=depends_on_fix(ctx, invoker, [permission.logical_id]),
    )


def check_bucket_notifications(ctx: Context, resource: Resource) -> Iterator[Finding]:
    """S3 "verifies that the Lambda function permissions grant Amazon S3 permission to invoke the function from
    the Amazon S3 bucket" when the notification configuration is put (s3-api-notif), whether the bucket's own
    property or CDK's Custom::S3BucketNotifications puts it (services/notifications.py)."""
    from preflight.services.notifications import PROPERTY, notifications

    ws = workspace(ctx)
    found = notifications(ws, resource)
    if found is None:
        return
    bucket, section = found.bucket, found.section("lambda")
    span = child_span(found.config, section, resource.prop_span(PROPERTY))

    def context(scenario: Scenario) -> dict[str, Any]:
        return {
            "aws:SourceArn": ws.arn(bucket.logical_id, scenario),
            "aws:SourceAccount": ws.pseudo("AWS::AccountId"),
        }

    for function in ws.referenced(resource, PROPERTY, section, types=_FUNCTION):
        for finding in _invocation_findings(ctx, "PF6402", "s3-notification", resource, function, context, span,
                                            source=bucket):
            yield finding if found.validated else _unvalidated(finding)


def _unvalidated(finding: Finding) -> Finding:
    """With SkipDestinationValidation S3 does not test the destination: the stack deploys, and the notifications
    are not delivered (a runtime warning), as S3's x-amz-skip-destination-validation header documents."""
    if finding.severity != "error":
        return finding
    return finding._replace(severity="warning", phase="runtime",
                            message=finding.message + " (SkipDestinationValidation is set: the stack deploys, "
                            "and the function is never invoked)")


def check_rotation(ctx: Context, schedule: Resource) -> Iterator[Finding]:
    """Secrets Manager invokes the rotation function when the schedule is created (sm-rotation)."""
    ws = workspace(ctx)
    secrets = ws.referenced(schedule, "SecretId")

    def context(scenario: Scenario) -> dict[str, Any]:
        found: dict[str, Any] = {"aws:SourceAccount": ws.pseudo("AWS::AccountId")}
        if secrets:
            found["aws:SourceArn"] = as_text(ws.ref(secrets[0].logical_id, scenario))
        return found

    for function in ws.referenced(schedule, "RotationLambdaARN", types=_FUNCTION):
        yield from _invocation_findings(
            ctx, "PF6403", "rotation", schedule, function, context, schedule.prop_span("RotationLambdaARN")
        )


def check_lambda_targets(ctx: Context, group: Resource) -> Iterator[Finding]:
    """Registering a Lambda target needs the function policy to allow elasticloadbalancing.amazonaws.com
    (alb-lambda): "you must grant Elastic Load Balancing permission to invoke the function"."""
    ws = workspace(ctx)
    if str(ws.resolve(group.properties.get("TargetType"))) != "lambda":
        return

    def context(scenario: Scenario) -> dict[str, Any]:
        return {
            "aws:SourceArn": as_text(ws.ref(group.logical_id, scenario)),
            "aws:SourceAccount": ws.pseudo("AWS::AccountId"),
        }

    for function in ws.referenced(group, "Targets", types=_FUNCTION):
        yield from _invocation_findings(
            ctx, "PF6405", "alb-target", group, function, context, group.prop_span("Targets")
        )


CHECKS: tuple[Check, ...] = (
    Check(check_source_arn, ("PF6401", "PF6404"), types=("AWS::Lambda::Permission",)),
    Check(check_bucket_notifications, ("PF6402",), types=NOTIFYING_TYPES),
    Check(check_rotation, ("PF6403",), types=("AWS::SecretsManager::RotationSchedule",)),
    Check(check_lambda_targets, ("PF6405",), types=("AWS::ElasticLoadBalancingV2::TargetGroup",)),
)
