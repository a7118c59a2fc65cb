"""Policy validity: what IAM, KMS and S3 refuse when the stack creates a role, a key or a bucket policy.

- managed policy ARNs that do not exist (the most frequent real failure: ``service-role/ConfigRole`` and
  ``AWSConfigRole`` do not exist, ``service-role/AWS_ConfigRole`` does), and service-linked-role policies
  attached to customer roles;
- principals AWS refuses ("Invalid principal in policy"), such as the example account ids of the documentation
  (the message says where the id comes from; one the user pinned is a fact, not a finding);
- other problems the service that stores the policy rejects (from ``preflight.policy.validate``);
- the KMS key policy lock-out safety check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight import data
from preflight.checks.base import Check, Context, Rule
from preflight.data.policy_locations import location_of_kind
from preflight.findings import Finding, Fix
from preflight.model.template import Resource
from preflight.policy import facts as policy_facts
from preflight.policy.evaluate import Principal, Request
from preflight.policy.validate import PolicyDiagnostic, validate
from preflight.resolve.values import Symbol, Symbolic
from preflight.services import managed_policy_facts, source_url
from preflight.services.replay import (
    Actor,
    PolicySource,
    Workspace,
    decide,
    foreign_actor,
    workspace,
)

RULES: tuple[Rule, ...] = (
    Rule(
        "PF6501",
        "managed-policy-not-found",
        "A managed policy ARN that does not exist",
        "iam-trust-or-role",
        "error",
        "safe",
    ),
    Rule(
        "PF6502",
        "service-linked-policy-on-role",
        "A service-linked role's policy attached to a customer role",
        "iam-trust-or-role",
        "error",
    ),
    Rule(
        "PF6503",
        "key-policy-lockout",
        "The key policy would lock the deployer out of the key",
        "kms-service-access",
        "error",
    ),
    Rule(
        "PF6504", "invalid-principal", "A policy names a principal AWS refuses", "iam-trust-or-role", "error"
    ),
    Rule(
        "PF6505", "trust-policy-rejected", "IAM refuses the role's trust policy", "iam-trust-or-role", "error"
    ),
    Rule(
        "PF6506", "bucket-policy-rejected", "S3 refuses the bucket policy", "bucket-policy-service", "error"
    ),
    Rule("PF6507", "key-policy-rejected", "KMS refuses the key policy", "kms-service-access", "error"),
    Rule(
        "PF6515", "identity-policy-rejected", "IAM refuses a permissions policy", "iam-trust-or-role", "error"
    ),
    Rule(
        "PF6516", "file-system-policy-rejected", "EFS refuses the file system policy", "iam-trust-or-role", "error"
    ),
)


# --- PF6501 / PF6502: managed policy ARNs ------------------------------------------------------------------------
def check_managed_policies(ctx: Context, principal: Resource) -> Iterator[Finding]:
    facts = managed_policy_facts()
    prop = facts.properties.get(principal.type)
    node = principal.properties.get(prop) if prop else None
    if not isinstance(node, list):
        return
    for index, item in enumerate(node):
        span = node.item_span(index) if hasattr(node, "item_span") else principal.prop_span(prop or "")
        for _, value in ctx.values(item):
            finding = _managed_finding(ctx, principal, value, span)
            if finding is not None:
                yield finding
                break


def _aws_managed_text(value: Any) -> str | None:
    """``arn:<partition>:iam::aws:policy/...`` as text, the partition symbol rendered as ``aws``."""
    if isinstance(value, str):
        return value if value.startswith("arn:") and ":iam::aws:policy/" in value else None
    if not isinstance(value, Symbolic):
        return None
    parts = []
    for part in value.parts:
        if isinstance(part, Symbol):
            if part.key != "AWS::Partition":
                return None
            parts.append("aws")
        else:
            parts.append(part)
    text = "".join(parts)
    return text if ":iam::aws:policy/" in text else None


def _managed_finding(ctx: Context, principal: Resource, value: Any, span: Any) -> Finding | None:
    facts = managed_policy_facts()
    arn = _aws_managed_text(value)
    if arn is None:
        return None
    path = arn.split(":iam::aws:policy/", 1)[1]
    if path.startswith(facts.service_role_path) and data.is_managed_policy_arn(arn):
        message = (
            f"{facts.service_role_error}: {arn} is the policy of a service-linked role; AWS creates and "
            f"attaches it to that role itself. Remove it from {principal.logical_id}"
        )
        return ctx.finding(
            "PF6502",
            span,
            message,
            resource=principal.logical_id,
            notes=facts.docs,
            when=ctx.created(principal),
        )
    if data.is_managed_policy_arn(arn):
        return None
    suggestion = data.suggest_managed_policy(arn)
    message = facts.not_found_error.replace("${Arn}", arn)
    fix = None
    if suggestion is not None:
        message += f". Did you mean {suggestion}?"
        fix = _replace_policy_fix(ctx, principal, span, arn, suggestion)
    return ctx.finding(
        "PF6501",
        span,
        message,
        resource=principal.logical_id,
        fix=fix,
        notes=facts.docs,
        when=ctx.created(principal),
    )


def _replace_policy_fix(ctx: Context, principal: Resource, span: Any, arn: str, suggestion: str) -> Fix:
    """Safe when the data gives exactly one policy the ARN meant: the policy path in the file's text replaced,
    the partition as written (a literal or ${AWS::Partition}) kept."""
    from preflight.fix.edits import CannotEdit, replace_within
    from preflight.fix.policy import editable

    title = f"replace with {suggestion}"
    if not data.suggestion_is_unique(arn):
        return Fix(title, "display", reason="more than one existing policy is close to this name: choose one")
    old = ":iam::aws:policy/" + arn.split(":iam::aws:policy/", 1)[1]
    new = ":iam::aws:policy/" + suggestion.split(":iam::aws:policy/", 1)[1]
    if new.startswith(":iam::aws:policy/" + managed_policy_facts().service_role_path):
        return Fix(title, "display", reason="the closest policy belongs to a service-linked role (PF6502)")
    try:
        editable(ctx, principal)
        return Fix(title, "safe", (replace_within(ctx.document, span, old, new),))
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)


# --- PF6504 - PF6507: what the storing service rejects -------------------------------------------------------------
# The policy kinds whose problems AWS rejects at create time, and the check code of each; where each kind lives
# (resource type, property) is read from preflight/data/policy_locations.json.
_CODE_BY_KIND = {"trust": "PF6505", "kms-key": "PF6507", "s3-bucket": "PF6506", "efs-file-system": "PF6516"}


def _policies() -> tuple[tuple[str, str, str], ...]:
    return tuple((loc.resource_type, loc.property, loc.kind) for loc in map(location_of_kind, _CODE_BY_KIND))


_PRINCIPAL_KINDS = ("invalid-principal", "placeholder-account")


def check_policy_validity(ctx: Context, resource: Resource) -> Iterator[Finding]:
    ws = workspace(ctx)
    for rtype, prop, kind in _policies():
        if resource.type != rtype or prop not in resource.properties:
            continue
        def policy_of(scenario: Any, kind: str = kind) -> Any:
            return _policy(ws, resource, kind, scenario).policy

        for diagnostic, when in _rejections(ctx, resource, policy_of):
            finding = _validity_finding(ctx, resource, prop, kind, diagnostic, when)
            if finding is not None:
                yield finding


_MAX_SCENARIOS = 16  # condition scenarios validated per policy (a policy is usually the same in all of them)


def _rejections(
    ctx: Context, resource: Resource, policy_of: Any
) -> list[tuple[PolicyDiagnostic, list[Any]]]:
    """What the service refuses in a policy, each with the scenarios (of those that create the resource) that
    show it: `policy_of(scenario)` gives the parsed policy, or None."""
    found: dict[tuple[str, int, int], tuple[PolicyDiagnostic, list[Any]]] = {}
    done: list[tuple[Any, list[PolicyDiagnostic]]] = []  # a policy the same in several scenarios is validated once
    for scenario in ctx.created(resource)[:_MAX_SCENARIOS]:
        policy = policy_of(scenario)
        if policy is None:
            continue
        rejected = next((d for p, d in done if p == policy), None)
        if rejected is None:
            rejected = [d for d in validate(policy) if d.rejected]
            done.append((policy, rejected))
        for diagnostic in rejected:
            key = (diagnostic.kind, diagnostic.span.line, diagnostic.span.column)
            found.setdefault(key, (diagnostic, []))[1].append(scenario)
    return list(found.values())


def _policy(ws: Workspace, resource: Resource, kind: str, scenario: Any) -> PolicySource:
    if kind == "trust":
        return ws.trust_policy(resource, scenario)
    if kind == "kms-key":
        return ws.key_policy(resource, scenario)
    from preflight.policy.model import parse_policy

    location = location_of_kind(kind)
    document = ws.document(resource.properties.get(location.property), scenario)
    return PolicySource(
        parse_policy(document, kind=kind, name=resource.logical_id),
        location.what,
        (resource.logical_id,),
    )


def _validity_finding(
    ctx: Context, resource: Resource, prop: str, kind: str, diagnostic: PolicyDiagnostic, when: list[Any]
) -> Finding | None:
    span = diagnostic.span if diagnostic.span.line else resource.prop_span(prop)
    error = diagnostic.aws_error or "the policy is rejected"
    related = _owners(ctx, resource)
    if diagnostic.kind in _PRINCIPAL_KINDS:
        node = _node_at(resource.properties.get(prop), diagnostic.span) or resource.properties.get(prop)
        origin = _account_origin(ctx, node, diagnostic.message)
        if origin == "pinned":
            return None  # the user stated that this is the account (--account-id, --parameters): a fact
        severity = None if origin == "" else "warning"
        message = f"{error}: {diagnostic.message}{origin}"
        return ctx.finding(
            "PF6504",
            span,
            message,
            resource=resource.logical_id,
            related=related,
            severity=severity,
            when=when,
            notes=(diagnostic.doc_url,),
        )
    message = f"{error}: {diagnostic.message}"
    return ctx.finding(
        _CODE_BY_KIND[kind],
        span,
        message,
        resource=resource.logical_id,
        related=related,
        notes=(diagnostic.doc_url,),
        when=when,
    )


# Where identity (permissions) policies are written: a policy resource's document, or the inline Policies of a role,
# user or group (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-policy.html)
_IDENTITY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::User",
                   "AWS::IAM::Group")


def check_identity_policy_validity(ctx: Context, resource: Resource) -> Iterator[Finding]:
    """What IAM refuses in a permissions policy when it stores it (MalformedPolicyDocument): a Principal, an
    invalid Effect or Version, an action without a service prefix, a statement that does not follow the grammar."""
    from preflight.policy.model import parse_policy

    ws = workspace(ctx)
    for node, span, name in _identity_documents(resource):
        parsed: list[tuple[Any, Any]] = []  # (document, policy): a document the same in several scenarios

        def policy_of(scenario: Any, node: Any = node, name: str = name, parsed: Any = parsed) -> Any:
            document = ws.document(node, scenario)
            known = next((p for d, p in parsed if d == document), None)
            if known is None:
                known = parse_policy(document, kind="identity", name=name)
                parsed.append((document, known))
            return known

        for diagnostic, when in _rejections(ctx, resource, policy_of):
            yield ctx.finding(
                "PF6515",
                diagnostic.span if diagnostic.span.line else span,
                f"{diagnostic.aws_error or 'MalformedPolicyDocument'}: {name} of {resource.logical_id}: "
                f"{diagnostic.message}",
                resource=resource.logical_id,
                notes=(diagnostic.doc_url,),
                when=when,
            )


def _identity_documents(resource: Resource) -> Iterator[tuple[Any, Any, str]]:
    """(document node, its span, how messages name it) of each permissions policy the resource writes."""
    if "PolicyDocument" in resource.properties:
        yield resource.properties["PolicyDocument"], resource.prop_span("PolicyDocument"), "the policy document"
        return
    policies = resource.properties.get("Policies")
    if not isinstance(policies, list):
        return
    for index, item in enumerate(policies):
        if isinstance(item, dict) and "PolicyDocument" in item:
            name = item.get("PolicyName")
            label = f"inline policy {name}" if isinstance(name, str) else f"inline policy {index}"
            yield item["PolicyDocument"], resource.prop_span("Policies"), label


def _owners(ctx: Context, resource: Resource) -> list[str]:
    if resource.type == "AWS::S3::BucketPolicy":
        ws = workspace(ctx)
        return [b.logical_id for b in ws.referenced(resource, "Bucket", types=("AWS::S3::Bucket",))]
    return []


def _node_at(node: Any, span: Any) -> Any:
    """The template node (as written) whose value starts at ``span``: the principal entry a diagnostic is about."""
    from preflight.source.nodes import child_span

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys: Any = list(item.keys())
        else:
            keys = range(len(item)) if isinstance(item, list) else ()
        for key in keys:
            child = item[key]
            where = child_span(item, key)
            if (where.line, where.column) == (span.line, span.column):
                return child
            stack.append(child)
    return None


def _account_origin(ctx: Context, node: Any, message: str) -> str:
    """Where the example account id of a principal comes from (preflight.resolve.provenance): "" when the policy
    writes it (an error), "pinned" when the user pinned it (no finding), else the message's note on its origin."""
    from preflight.resolve.provenance import origins

    accounts = [a for a in policy_facts.PLACEHOLDER_ACCOUNTS if a in message]
    if not accounts:
        return ""
    found = [o for account in accounts for o in origins(ctx.template, ctx.pins, node, account)]
    if not found or any(o.kind == "template" for o in found):
        return "" if found else " (it fails unless the deployed value is a real account id)"
    if all(o.kind == "pin" for o in found):
        return "pinned"
    shown = "; ".join(o.describe() for o in dict.fromkeys(found) if o.kind != "pin")
    return f" (from {shown}: it fails unless a real value is given)"


# --- PF6503: key policy lock-out ----------------------------------------------------------------------------------
DEPLOYER = Symbol(
    "deployer", "resource", "the identity that deploys the stack (its role or user name)", min_len=1
)


def check_key_lockout(ctx: Context, key: Resource) -> Iterator[Finding]:
    """ "The key policy must allow the caller to make a subsequent PutKeyPolicy request on the KMS key" unless
    BypassPolicyLockoutSafetyCheck is set (cfn-kms); the caller is the stack's deployer, an IAM principal of the
    account whose own policies are assumed to allow it."""
    ws = workspace(ctx)
    if (
        "KeyPolicy" not in key.properties
        or ws.resolve(key.properties.get("BypassPolicyLockoutSafetyCheck")) is True
    ):
        return
    partition, account = ws.pseudo("AWS::Partition"), ws.pseudo("AWS::AccountId")
    arn = Symbolic.of(["arn:", *_parts(partition), ":iam::", *_parts(account), ":role/", DEPLOYER])
    actor = foreign_actor(arn, "the deployer")
    actor = Actor(actor.principal, actor.identity, same_account=True, label="the deployer")
    for scenario in ws.scenarios(key)[:1]:
        policy = ws.key_policy(key, scenario)
        # KMS always sets kms:CallerAccount (kms-cond); CloudFormation calls KMS directly (no kms:ViaService).
        request = Request(
            Principal("aws", arn),
            "kms:PutKeyPolicy",
            ws.arn(key.logical_id, scenario),
            {"kms:CallerAccount": account},
        )
        decision = decide(request, policy, actor, ws.layers)
        if decision.outcome not in ("ImplicitDeny", "ExplicitDeny"):
            continue
        reason = "no statement allows kms:PutKeyPolicy to the account (arn:...:root) or to that identity"
        if decision.outcome == "ExplicitDeny":
            reason = "; ".join(f"{d.label} (line {d.span.line}) denies it" for d in decision.deciding[:2])
        message = (
            f"The new key policy will not allow you to update the key policy in the future. "
            f"(MalformedPolicyDocumentException): the identity that deploys the stack may not call "
            f"kms:PutKeyPolicy on {key.logical_id}: {reason}. Keep the statement that allows the account "
            f'root (arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root) "kms:*", or name the deploying role'
        )
        yield ctx.finding(
            "PF6503",
            key.prop_span("KeyPolicy"),
            message,
            resource=key.logical_id,
            notes=(source_url("cfn-kms"), source_url("kms-default")),
            when=ctx.created(key),
        )


def _parts(value: Any) -> list[Any]:
    return list(value.parts) if isinstance(value, Symbolic) else [value]


CHECKS: tuple[Check, ...] = (
    Check(
        check_managed_policies,
        ("PF6501", "PF6502"),
        types=("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"),
    ),
    Check(
        check_policy_validity,
        ("PF6504", "PF6505", "PF6506", "PF6507", "PF6516"),
        types=("AWS::IAM::Role", "AWS::KMS::Key", "AWS::S3::BucketPolicy", "AWS::EFS::FileSystem"),
    ),
    Check(check_key_lockout, ("PF6503",), types=("AWS::KMS::Key",)),
    Check(check_identity_policy_validity, ("PF6515",), types=_IDENTITY_TYPES),
)
