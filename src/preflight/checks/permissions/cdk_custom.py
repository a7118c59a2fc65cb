"""The AWS CDK's AwsCustomResource (`Custom::AWS`): a Lambda function of the template makes one AWS SDK call when the
resource is created (its `Create` property, else `Update`), with the function's role. The call is checked like the
same call made by any role of the template: the role's policies must allow the IAM action the SDK call maps to
(https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html#custom-resources-for-aws-apis).
The CDK writes those policies from the calls (`AwsCustomResourcePolicy.fromSdkCalls`) or from the author's
statements (`fromStatements`), which is where they go wrong.

Unknown stays unknown: a call whose JSON or service is not known, a role with policies that are not in the template
(other than AWS managed policies known not to reach the service), or statements whose resources may or may not
match the call (the resource of an SDK call is not known offline) give nothing; only a call that no statement of
the role's policies can allow (no Allow names the action), or that a Deny (or an --scp file) denies, is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.policy.evaluate import Principal, Request
from preflight.resolve.values import Symbol, Symbolic, Unknown, render
from preflight.services.replay import Actor, PolicySource, decide, workspace

RULES = (
    Rule(
        "PF6521",
        "cdk-sdk-call-denied",
        "The role of a CDK AwsCustomResource does not allow the AWS SDK call it makes",
        "iam-trust-or-role",
        "error",
    ),
    Rule(
        "PF6522",
        "cdk-bucket-deployment-denied",
        "A CDK BucketDeployment cannot write into its destination bucket",
        "bucket-policy-service",
        "error",
    ),
)

SDK_TYPE = "Custom::AWS"
_FUNCTION = ("AWS::Lambda::Function",)
_ROLE = ("AWS::IAM::Role",)
# The resource an SDK call acts on: not known offline (the call's parameters name it in the service's own terms).
_CALL_RESOURCE = Symbolic((Symbol("sdk-call:resource", "attribute", "the resource of the SDK call"),))


@cache
def _table() -> dict[str, Any]:
    from preflight.data._snapshot import data

    return dict(data("sdk_iam_prefixes"))


def iam_action(service: Any, action: Any) -> str | None:
    """The IAM action of an SDK call (`SSM` + `getParameter` -> `ssm:GetParameter`), or None when the service is
    not one the Service Authorization Reference knows."""
    from preflight.policy import iamdb

    if not isinstance(service, str) or not isinstance(action, str) or not service or not action:
        return None
    name = service.lower()
    for prefix in _table()["client_prefixes"]:
        name = name.removeprefix(prefix)
    name = "".join(c for c in name if c.isalnum())
    prefix = _table()["prefixes"].get(name, name)
    operation = action.removesuffix("Command")
    operation = operation[:1].upper() + operation[1:]
    named = str(_table()["actions"].get(f"{prefix}:{operation}", f"{prefix}:{operation}"))
    prefix, operation = named.split(":", 1)
    if not iamdb.service_exists(prefix) or operation.lower() not in iamdb.actions(prefix):
        return None
    return named


def _call(ws: Any, resource: Resource) -> tuple[str, dict[str, Any]] | None:
    """The property that runs on create and its SDK call, as JSON (the CDK writes it as a string, with Fn::Join
    around the template's values: those stay ${...} placeholders inside the JSON strings)."""
    for prop in ("Create", "Update"):  # "Update" runs on create when there is no Create (CDK's contract)
        if prop not in resource.properties:
            continue
        value = ws.resolve(resource.properties[prop])
        if isinstance(value, Unknown):
            return None
        text = value if isinstance(value, str) else render(value)
        try:
            call = json.loads(text)
        except ValueError:
            return None
        return (prop, call) if isinstance(call, dict) else None
    return None


def check_sdk_call(ctx: Context, resource: Resource) -> Iterator[Finding]:
    ws = workspace(ctx)
    found = (
        _call(ws, resource) if ws.scenarios(resource) else None
    )  # not created in any scenario: nothing runs
    if found is None:
        return
    prop, call = found
    action = iam_action(call.get("service"), call.get("action"))
    functions = ws.referenced(resource, "ServiceToken", types=_FUNCTION)
    roles = ws.referenced(functions[0], "Role", types=_ROLE) if functions else []
    if action is None or not roles:
        return
    role = roles[0]
    identity = ws.identity_policies(role)
    if not identity.complete_for(action):
        return
    actor = Actor(Principal("aws", ws.arn(role.logical_id)), identity.policies)
    request = Request(actor.principal, action, _CALL_RESOURCE, {})
    policy = PolicySource(None, "no resource policy")
    decision = decide(request, policy, actor, ws.layers)
    if decision.outcome not in ("ImplicitDeny", "ExplicitDeny"):
        return
    reason = (
        _denies(decision)
        if decision.outcome == "ExplicitDeny"
        else (f"no statement of the policies of {role.logical_id} allows {action}")
    )
    message = (
        f"{resource.logical_id} fails to create: its {prop} call {call.get('service')}.{call.get('action')} runs as "
        f"the role {role.logical_id} of {functions[0].logical_id}, and {reason}, so the custom resource reports "
        f'"Received response status [FAILED] from custom resource. Message returned: User: ... is not authorized to '
        f"perform: {action}\". Allow {action} in the resource's policy (AwsCustomResourcePolicy.fromSdkCalls, or a "
        f"statement of fromStatements)"
    )
    yield ctx.finding(
        "PF6521",
        resource.prop_span(prop),
        message,
        resource=resource.logical_id,
        related=[role.logical_id, functions[0].logical_id],
    )


# --- PF6522: Custom::CDKBucketDeployment ------------------------------------------------------------------------------
DEPLOYMENT_TYPE = "Custom::CDKBucketDeployment"
# BucketDeployment's properties -> the S3 condition keys of the PutObject requests its handler makes (it passes them
# to `aws s3 sync`: --sse, --sse-kms-key-id, --acl; https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3_deployment-readme.html;
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html). Absent: the header is not sent.
_HEADERS = (
    ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
    ("SseKmsKeyId", "s3:x-amz-server-side-encryption-aws-kms-key-id"),
    ("ACL", "s3:x-amz-acl"),
)


def check_bucket_deployment(ctx: Context, resource: Resource) -> Iterator[Finding]:
    """The handler copies the assets into DestinationBucketName with the function's role (PutObject over HTTPS):
    the destination's bucket policy, and the role's policies when they are all in the template, must allow it."""
    from preflight.services.replay import OBJECT_KEY, base_bindings, bind

    ws = workspace(ctx)
    if not ws.scenarios(resource):
        return  # not created in any scenario
    buckets = ws.referenced(resource, "DestinationBucketName", types=("AWS::S3::Bucket",))
    functions = ws.referenced(resource, "ServiceToken", types=_FUNCTION)
    roles = ws.referenced(functions[0], "Role", types=_ROLE) if functions else []
    if not buckets or not roles:
        return
    bucket, role = buckets[0], roles[0]
    prefix = ws.resolve(resource.properties.get("DestinationBucketKeyPrefix", ""))
    if not isinstance(prefix, str):
        return  # a prefix known only at deploy time: where the objects go is not known
    values = base_bindings(ws) | {"Bucket": ws.name(bucket), "Key": prefix}
    base = bind("arn:${Partition}:s3:::${Bucket}/${Key}", values)
    target = Symbolic.of((*(base.parts if isinstance(base, Symbolic) else (base,)), OBJECT_KEY))
    context: dict[str, Any] = {"aws:SecureTransport": True}
    for prop, key in _HEADERS:
        if prop in resource.properties:
            context[key] = ws.resolve(resource.properties[prop])
    identity = ws.identity_policies(role)
    actor = Actor(
        Principal("aws", ws.arn(role.logical_id)),
        identity.policies if identity.complete_for("s3:PutObject") else None,
    )
    request = Request(actor.principal, "s3:PutObject", target, context)
    policy = ws.bucket_policy(bucket)
    decision = decide(request, policy, actor, ws.layers)
    if decision.outcome not in ("ImplicitDeny", "ExplicitDeny") or policy.unknowns:
        return
    reason = (
        _denies(decision)
        if decision.outcome == "ExplicitDeny"
        else (f"neither the policies of {role.logical_id} nor {policy.label} allow it")
    )
    message = (
        f"{resource.logical_id} fails to create: its handler {functions[0].logical_id} copies the files into "
        f"{bucket.logical_id} as the role {role.logical_id}, and {render(request.principal.value)} -> "
        f"s3:PutObject on {render(target)} is not allowed: {reason}. The custom resource reports "
        f'"Received response status [FAILED] from custom resource. Message returned: ... AccessDenied"'
    )
    hint = [p for p, key in _HEADERS if p not in resource.properties and key in _condition_keys(decision)]
    if hint:
        message += f"; the Deny tests a header the deployment does not send: set {', '.join(hint)}"
    yield ctx.finding(
        "PF6522",
        resource.prop_span("DestinationBucketName"),
        message,
        resource=resource.logical_id,
        related=[bucket.logical_id, role.logical_id, *policy.owners],
    )


def _denies(decision: Any) -> str:
    """The denying statements with the policy each belongs to (a bucket policy, or an --scp file)."""
    denies = [d for d in decision.deciding if d.effect == "Deny"][:2]
    # an --scp file's statements have no line in the template
    return "; ".join(
        f"{d.label}{'' if d.policy_kind == 'scp' else f' (line {d.span.line})'} of the {d.policy} denies it"
        for d in denies
    )


def _condition_keys(decision: Any) -> set[str]:
    return {key.lower() for item in decision.deciding for key in item.condition_keys}


CHECKS = (
    Check(check_sdk_call, ("PF6521",), types=(SDK_TYPE,)),
    Check(check_bucket_deployment, ("PF6522",), types=(DEPLOYMENT_TYPE,)),
)
