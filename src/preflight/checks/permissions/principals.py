"""Principals that IAM, KMS or S3 refuse when they store a trust, key or bucket policy (issue #13, class 1).

- PF6510: a service principal the data rules out (a near miss of a listed one, a reported rejection, or a domain
  of another partition). IAM refuses it in a trust policy (``Invalid principal in policy: "SERVICE":"..."``);
  whether KMS and S3 check service names is not documented, so there it is a warning.
- PF6511: a service principal the data does not list (it may be newer than the data): a warning naming the date.
- PF6512: a role, user, service-linked role or (trust policies) OIDC / SAML provider ARN the template does not
  create: IAM, KMS and S3 refuse a principal that does not exist when the policy is stored, so the deployment
  depends on the account having it.
- PF6513: one the template creates, named by its ARN text, but not created before the policy: the role's own
  trust policy naming the role, or no dependency ordering the two.
- PF6514: ``"*"`` as a trust policy's principal. IAM accepts it (the IAM User Guide only warns against it), so it
  never fails a deployment: an info that any AWS identity may assume the role.

Principals: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from preflight.checks.base import Check, Context, Rule
from preflight.data import service_principals as principal_data
from preflight.data.errors import format_error
from preflight.data.policy_locations import location_of_kind
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.policy import facts
from preflight.policy.match import arn_components, component_value
from preflight.policy.model import Policy, PrincipalEntry, Statement
from preflight.policy.validate import aws_arn_problem
from preflight.resolve.values import Symbol, Symbolic, render
from preflight.services.replay import PolicySource, Workspace, workspace

RULES: tuple[Rule, ...] = (
    Rule(
        "PF6510",
        "unknown-service-principal",
        "A service principal that does not exist",
        "iam-trust-or-role",
        "error",
    ),
    Rule(
        "PF6511",
        "unlisted-service-principal",
        "A service principal preflight's data does not list",
        "iam-trust-or-role",
        "warning",
    ),
    Rule(
        "PF6512",
        "principal-outside-template",
        "A role or user principal the account must already have",
        "iam-trust-or-role",
        "warning",
        phase="account",
    ),
    Rule(
        "PF6513",
        "principal-created-later",
        "A role or user principal the stack creates after the policy",
        "iam-trust-or-role",
        "error",
    ),
    Rule(
        "PF6514",
        "trust-any-principal",
        "A trust policy that lets any AWS identity assume the role",
        "iam-trust-or-role",
        "info",
    ),
)

# The policies whose principals the storing service checks, and how messages name that service's error.
_KINDS = ("trust", "kms-key", "s3-bucket")
_ERROR_VARIANT = {
    "trust": "iam-invalid-principal",
    "kms-key": "kms-malformed-key-policy:invalid-principal",
    "s3-bucket": "s3-malformed-bucket-policy:invalid-principal",
}
_SERVICE = {"trust": "IAM", "kms-key": "KMS", "s3-bucket": "S3"}
# The path of service-linked roles. https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
_SERVICE_LINKED = ":role/aws-service-role/"
_IDENTITIES = {
    "role": ("AWS::IAM::Role", "RoleName"),
    "user": ("AWS::IAM::User", "UserName"),
    "oidc-provider": ("AWS::IAM::OIDCProvider", "Url"),
    "saml-provider": ("AWS::IAM::SAMLProvider", "Name"),
}
_WHAT = {"role": "role", "user": "user", "oidc-provider": "OIDC provider", "saml-provider": "SAML provider"}
# An OIDC provider's ARN names its URL without the scheme.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
_SCHEME = "https://"


class _Site(NamedTuple):
    """One policy being checked: its resource, its kind and the scenario it was resolved in."""

    resource: Resource
    kind: str
    policy: Policy
    scenario: Any


def check_principals(ctx: Context, resource: Resource) -> Iterator[Finding]:
    ws = workspace(ctx)
    for kind in _KINDS:
        location = location_of_kind(kind)
        if resource.type != location.resource_type or location.property not in resource.properties:
            continue
        for scenario in ws.scenarios(resource)[:1]:
            source = _policy(ws, resource, kind, scenario)
            if source.policy is None:
                continue
            site = _Site(resource, kind, source.policy, scenario)
            seen: set[tuple[int, int]] = set()
            for stmt in source.policy.statements:
                for entry in stmt.principal.entries if stmt.principal and not stmt.principal.negated else ():
                    if (entry.span.line, entry.span.column) in seen:
                        continue
                    seen.add((entry.span.line, entry.span.column))
                    yield from _entry_findings(ctx, site, stmt, entry)


def _policy(ws: Workspace, resource: Resource, kind: str, scenario: Any) -> PolicySource:
    if kind == "trust":
        return ws.trust_policy(resource, scenario)
    if kind == "kms-key":
        return ws.key_policy(resource, scenario)
    from preflight.policy.model import parse_policy

    document = ws.document(resource.properties.get("PolicyDocument"), scenario)
    return PolicySource(parse_policy(document, kind="s3-bucket", name=resource.logical_id), "bucket policy")


def _entry_findings(ctx: Context, site: _Site, stmt: Statement, entry: PrincipalEntry) -> Iterator[Finding]:
    if entry.kind == "service" and isinstance(entry.value, str):
        yield from _service(ctx, site, entry, entry.value)
    elif entry.kind == "service" and (name := _regional_template(entry.value)) is not None:
        yield from _service(ctx, site, entry, name)
    elif _named_identity(entry, site):
        yield from _identity(ctx, site, entry)
    elif entry.kind == "*" and site.kind == "trust" and stmt.effect == "Allow" and not stmt.conditions:
        yield ctx.finding(
            "PF6514",
            entry.span,
            f"IAM accepts {render(entry.value)} as the principal of a trust policy, so any AWS identity that its "
            f"own account allows to call sts:AssumeRole may assume {site.resource.logical_id}: name the account "
            f"or role that should, or restrict the statement with a Condition",
            resource=site.resource.logical_id,
            notes=(facts.DOC_PRINCIPAL + "#principal-anonymous",),
        )


def _named_identity(entry: PrincipalEntry, site: _Site) -> bool:
    """An AWS principal, or a federated one of a trust policy (IAM checks its provider exists)."""
    if not isinstance(entry.value, (str, Symbolic)):
        return False
    return entry.kind == "aws" or (entry.kind == "federated" and site.kind == "trust")


# --- PF6510 / PF6511: service principals -------------------------------------------------------------------------
def _service(ctx: Context, site: _Site, entry: PrincipalEntry, classified: str) -> Iterator[Finding]:
    name = render(entry.value)
    if not classified.endswith(facts.SERVICE_PRINCIPAL_SUFFIXES):
        return  # not shaped like a service principal at all: PF6504
    partition = str(ctx.pins.effective_partition)
    verdict = principal_data.classify(classified, partition)
    if verdict.status == "known":
        return
    owner = site.resource.logical_id
    if verdict.status == "unlisted":
        if site.kind != "trust":
            return  # deployed key and bucket policies name unlisted services: KMS and S3 are not seen to check
        yield ctx.finding(
            "PF6511",
            entry.span,
            f"{name} is not a service principal preflight knows (AWS managed policies and AWS documentation, as "
            f"of {principal_data.retrieved().isoformat()}): if it is misspelt or does not exist, "
            f"{_SERVICE[site.kind]} refuses the policy; check the service's documentation for its principal",
            resource=owner,
            notes=(facts.DOC_PRINCIPAL + "#principal-services",),
            when=ctx.created(site.resource),
        )
        return
    error = format_error(_ERROR_VARIANT[site.kind], Type="SERVICE", Principal=name)
    why = _why(verdict, name, partition)
    severity = "error" if site.kind == "trust" else "warning"
    if verdict.status == "other-partition" and not (ctx.pins.partition or ctx.pins.region):
        why += f" (preflight assumes partition {partition}: pass --partition or --region)"
        severity = "warning"
    notes = tuple(n for n in (verdict.source, facts.DOC_PRINCIPAL + "#principal-services") if n)
    yield ctx.finding(
        "PF6510",
        entry.span,
        f"{error}: {why}",
        resource=owner,
        notes=notes,
        severity=severity,
        when=ctx.created(site.resource),
    )


# A Region that stands for ${AWS::Region} when a Regional service principal is classified: the verdict depends on
# the service, not on which Region (service_principals.classify only checks that the label is a Region).
_ANY_REGION = "us-east-1"


def _regional_template(value: Any) -> str | None:
    """``<service>.${AWS::Region}.<domain>`` (CDK writes Regional principals so) as a name to classify."""
    if not isinstance(value, Symbolic) or len(value.parts) != 3:
        return None
    head, symbol, tail = value.parts
    if not (isinstance(head, str) and isinstance(symbol, Symbol) and isinstance(tail, str)):
        return None
    if symbol.key != "AWS::Region" or not head.endswith(".") or not tail.startswith("."):
        return None
    return head + _ANY_REGION + tail


def _why(verdict: principal_data.PrincipalVerdict, name: str, partition: str) -> str:
    if verdict.status == "other-partition":
        text = (
            f"{name} is a principal of another partition ({verdict.reason}); the stack deploys in {partition}"
        )
    elif verdict.status == "rejected":
        text = f"{name} is not a service principal IAM accepts ({verdict.reason})"
    else:
        text = f"{name} is not an AWS service principal"
        text += f" ({verdict.reason})" if verdict.reason else ""
    return text + (f". Did you mean {verdict.suggestion}?" if verdict.suggestion else "")


# --- PF6512 / PF6513: role and user ARNs --------------------------------------------------------------------------
class _Named(NamedTuple):
    """A role or user ARN taken apart: its type (role | user), name (str | Symbolic) and account."""

    type: str
    name: Any
    account: Any


def _named(value: Any) -> _Named | None:
    components = arn_components(value)
    if components is None or components[0] != ("arn",) or components[2] != ("iam",):
        return None
    resource = component_value(components[5])
    prefix = resource if isinstance(resource, str) else resource.literal_prefix()
    kind, sep, rest = prefix.partition("/")
    if not sep or kind not in _IDENTITIES:
        return None
    if kind.endswith("-provider"):  # the name is the whole rest: a URL path may hold '/'
        name = rest if isinstance(resource, str) else Symbolic.of([rest, *resource.parts[1:]])
    elif isinstance(resource, str):
        name = resource.rsplit("/", 1)[1]
    else:
        name = _last_segment(resource)
    return _Named(kind, name, component_value(components[4]))


def _last_segment(value: Symbolic) -> Any:
    parts = list(value.parts)
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if isinstance(part, str) and "/" in part:
            return Symbolic.of([part.rsplit("/", 1)[1], *parts[index + 1 :]])
    return value


def _identity(ctx: Context, site: _Site, entry: PrincipalEntry) -> Iterator[Finding]:
    named = _named(entry.value)
    if named is None or (entry.kind == "aws" and aws_arn_problem(entry.value) is not None):  # PF6504
        return
    if _references_template(ctx, entry.value) or _not_an_account(named.account):
        return
    if _SERVICE_LINKED in render(entry.value):
        yield from _service_linked(ctx, site, entry)
        return
    rtype, name_prop = _IDENTITIES[named.type]
    ws = workspace(ctx)
    owner = site.resource
    for candidate in ctx.template.of_type(rtype):
        value = ws.resolve(candidate.properties.get(name_prop))
        if isinstance(value, str) and named.type == "oidc-provider":
            value = value.removeprefix(_SCHEME)
        if value is not None and value == named.name:
            yield from _created_later(ctx, site, entry, candidate)
            return
    yield _outside(ctx, site, entry, named, owner)


def _service_linked(ctx: Context, site: _Site, entry: PrincipalEntry) -> Iterator[Finding]:
    """A service-linked role exists once the account has used its service, or once AWS::IAM::ServiceLinkedRole
    created it (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html)."""
    text = render(entry.value)
    service = text.split(_SERVICE_LINKED, 1)[1].split("/", 1)[0]
    ws = workspace(ctx)
    owner = site.resource
    for created in ctx.template.of_type("AWS::IAM::ServiceLinkedRole"):
        if ws.resolve(created.properties.get("AWSServiceName")) == service:
            if not ctx.graph.depends(owner.logical_id, created.logical_id):
                yield _later_warning(ctx, site, entry, created)
            return
    message = (
        f"{text} is a service-linked role, which exists only in an account that has used {service} (or that "
        f"created it), and {_SERVICE[site.kind]} refuses a principal that does not exist when it stores the "
        f"policy ({_short(site.kind, 'AWS', text)}): in a new account, create it first with "
        f"AWS::IAM::ServiceLinkedRole (AWSServiceName: {service}) and DependsOn"
    )
    yield ctx.finding(
        "PF6512",
        entry.span,
        message,
        resource=owner.logical_id,
        notes=("https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html",),
        when=ctx.created(owner),
    )


def _created_later(ctx: Context, site: _Site, entry: PrincipalEntry, created: Resource) -> Iterator[Finding]:
    owner = site.resource
    service = _SERVICE[site.kind]
    arn = render(entry.value)
    if created.logical_id == owner.logical_id:
        message = (
            f"{format_error(_ERROR_VARIANT[site.kind], Type='AWS', Principal=arn)}: the trust policy of "
            f"{owner.logical_id} names the role itself, which does not exist yet while {service} stores the "
            f"policy of the role being created. Trust the account (arn:${{AWS::Partition}}:iam::"
            f"${{AWS::AccountId}}:root) and allow sts:AssumeRole in the role's own policy instead"
        )
        yield ctx.finding(
            "PF6513",
            entry.span,
            message,
            resource=owner.logical_id,
            notes=(facts.DOC_PRINCIPAL + "#principal-roles",),
            when=ctx.created(owner),
        )
        return
    if not ctx.graph.depends(owner.logical_id, created.logical_id):
        yield _later_warning(ctx, site, entry, created)


def _later_warning(ctx: Context, site: _Site, entry: PrincipalEntry, created: Resource) -> Finding:
    owner = site.resource
    service = _SERVICE[site.kind]
    arn = render(entry.value)
    message = (
        f"{arn} names {created.logical_id}, which this stack creates, but nothing makes CloudFormation create it "
        f"before {owner.logical_id}: if {service} stores the policy first it refuses it "
        f"({_short(site.kind, 'AWS', arn)}). "
        + (
            "Add"
            if created.type == "AWS::IAM::ServiceLinkedRole"
            else f"Use !GetAtt {created.logical_id}.Arn or add"
        )
        + f" DependsOn: {created.logical_id}"
    )
    return ctx.finding(
        "PF6513",
        entry.span,
        message,
        resource=owner.logical_id,
        related=[created.logical_id],
        notes=(facts.DOC_PRINCIPAL + "#principal-roles",),
        severity="warning",
        phase="deploy",
    )


def _short(kind: str, type_: str, principal: str) -> str:
    """The error's first sentence, without the request details."""
    if "-provider/" in principal and kind == "trust":
        return format_error("iam-invalid-principal:federated").split(" (Service:")[0]
    return format_error(_ERROR_VARIANT[kind], Type=type_, Principal=principal).split(" (Service:")[0]


def _outside(ctx: Context, site: _Site, entry: PrincipalEntry, named: _Named, owner: Resource) -> Finding:
    account = named.account
    pinned = ctx.pins.account_id
    if (
        isinstance(account, Symbolic)
        and any(isinstance(p, Symbol) and p.key == "AWS::AccountId" for p in account.parts)
        or (pinned and account == pinned)
    ):
        where = "the stack's account"
    else:
        where = f"account {render(account)}"
    what = _WHAT[named.type]
    message = (
        f"{render(entry.value)} is not created by this template, and {_SERVICE[site.kind]} refuses a principal "
        f"that does not exist when it stores the policy ({_short(site.kind, 'AWS', render(entry.value))}): the "
        f"deployment needs the {what} {render(named.name)} to exist in {where} first"
    )
    return ctx.finding(
        "PF6512",
        entry.span,
        message,
        resource=owner.logical_id,
        notes=(facts.DOC_PRINCIPAL + "#principal-roles",),
        when=ctx.created(owner),
    )


def _references_template(ctx: Context, value: Any) -> bool:
    """Whether the value is built from a resource of the template (Ref / GetAtt): CloudFormation orders it."""
    if not isinstance(value, Symbolic):
        return False
    for part in value.symbols:
        kind, _, rest = part.key.partition(":")
        if kind in ("ref", "attr") and rest.split(".", 1)[0] in ctx.template.resources:
            return True
        if kind not in ("param", "pseudo") and not part.key.startswith("AWS::"):
            return True  # an import or another resource-derived value: not ours to judge
    return False




def _not_an_account(account: Any) -> bool:
    """An example account of the documentation (PF6504), or an account field that is not an id (the CloudFront
    origin access identity's ``cloudfront``)."""
    return isinstance(account, str) and (account in facts.PLACEHOLDER_ACCOUNTS or not account.isdigit())


CHECKS: tuple[Check, ...] = (
    Check(
        check_principals,
        ("PF6510", "PF6511", "PF6512", "PF6513", "PF6514"),
        types=("AWS::IAM::Role", "AWS::KMS::Key", "AWS::S3::BucketPolicy"),
    ),
)
