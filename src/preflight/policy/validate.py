"""Policy validity: what AWS refuses at create time, and what it stores but will never match as intended.

``validate(policy)`` returns plain ``PolicyDiagnostic`` records; the checks that turn them into Findings live in
``checks/``. Whether AWS rejects a problem at create time depends on the service that stores the policy
(``facts.REJECTIONS``): S3 rejects a bucket policy with an invalid principal or condition key (MalformedPolicy),
KMS a key policy with an invalid principal, IAM a trust policy with an invalid principal; anything else is a
warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from preflight.policy import facts, iamdb
from preflight.policy.match import STAR, arn_components, compile_pattern, component_value, match, may_hold
from preflight.policy.model import PatternEntry, Policy, PrincipalEntry, Statement
from preflight.policy.tri import NO
from preflight.resolve.values import Symbol, Symbolic
from preflight.source.span import Span


class PolicyDiagnostic(NamedTuple):
    kind: str  # "invalid-principal", "unknown-action", ... (a key of DOCS)
    message: str
    span: Span
    rejected: bool  # AWS refuses to create the policy
    aws_error: str | None  # what AWS prints when it refuses
    doc_url: str
    statement: int | None = None
    policy_kind: str = ""


DOCS: Mapping[str, str] = {
    "invalid-principal": facts.DOC_PRINCIPAL,
    "placeholder-account": facts.DOC_PRINCIPAL,
    "missing-principal": facts.DOC_PRINCIPAL,
    "principal-in-identity-policy": facts.DOC_PRINCIPAL,
    "unknown-action": facts.DOC_ACTION,
    "unknown-service": facts.DOC_ACTION,
    "malformed-action": facts.DOC_ACTION,
    "foreign-action": facts.DOC_S3_PUT_BUCKET_POLICY,
    "missing-action": facts.DOC_ACTION,
    "malformed-arn": facts.DOC_ARNS,
    "missing-resource": facts.DOC_RESOURCE,
    "unknown-condition-key": facts.DOC_GLOBAL_KEYS,
    "foreign-condition-key": facts.DOC_S3_CONDITION_KEYS,
    "unknown-operator": facts.DOC_CONDITION_OPERATORS,
    "set-operator-on-single-valued-key": facts.DOC_MULTIVALUED,
    "multivalued-key-without-set-operator": facts.DOC_MULTIVALUED,
    "variables-without-version": facts.DOC_VARIABLES,
    "invalid-effect": facts.DOC_GRAMMAR,
    "invalid-version": facts.DOC_VERSION,
    "notprincipal-with-allow": facts.DOC_NOTPRINCIPAL,
    "notprincipal-not-supported": facts.DOC_NOTPRINCIPAL,
}

Found = tuple[str, str, Span]  # (kind, message, span)


def validate(policy: Policy) -> tuple[PolicyDiagnostic, ...]:
    """Every problem of a policy, in document order."""
    out = [_record(policy, p.kind, p.message, p.span, p.statement) for p in policy.problems]
    for stmt in policy.statements:
        if stmt.unknown is not None:
            continue
        for check in STATEMENT_CHECKS:
            out.extend(
                _record(policy, kind, message, span, stmt.index)
                for kind, message, span in check(stmt, policy)
            )
    return tuple(out)


def _record(policy: Policy, kind: str, message: str, span: Span, statement: int | None) -> PolicyDiagnostic:
    rejection = facts.REJECTIONS.get((policy.kind, kind))
    doc = rejection.source if rejection else DOCS.get(kind, facts.DOC_GRAMMAR)
    return PolicyDiagnostic(
        kind,
        message,
        span,
        rejection is not None,
        rejection.message if rejection else None,
        doc,
        statement,
        policy.kind,
    )


# --- statement shape ----------------------------------------------------------------------------------------------
def _shape(stmt: Statement, policy: Policy) -> Iterator[Found]:
    if stmt.effect not in ("Allow", "Deny", "Unknown"):
        yield (
            "invalid-effect",
            f"Effect must be Allow or Deny, not {stmt.effect!r}",
            stmt.element_span("Effect"),
        )
    if stmt.action is None:
        yield "missing-action", "the statement has no Action or NotAction", stmt.span
    if stmt.resource is None and not policy.resource_based:
        yield "missing-resource", "the statement has no Resource or NotResource", stmt.span
    for name in stmt.extra_elements:
        yield "unknown-element", f"unknown statement element {name!r}", stmt.element_span(name)


def _principal_presence(stmt: Statement, policy: Policy) -> Iterator[Found]:
    if policy.resource_based and stmt.principal is None:
        yield "missing-principal", f"a statement of a {policy.label} must name a Principal", stmt.span
    elif policy.resource_based and stmt.principal is not None and not stmt.principal.entries:
        # an empty list or mapping (a list of accounts that came out empty): IAM says "The passed in policy has
        # a statement with no principals!"
        yield "missing-principal", "the Principal names no principal (an empty list or mapping)", stmt.principal.span
    if not policy.resource_based and stmt.principal is not None:
        yield (
            "principal-in-identity-policy",
            "a permissions policy cannot name a Principal: it applies to the identity it is attached to",
            stmt.principal.span,
        )
    if stmt.principal is not None and stmt.principal.negated:
        yield from _not_principal(stmt, policy)


def _not_principal(stmt: Statement, policy: Policy) -> Iterator[Found]:
    """NotPrincipal only works with Deny, and not in trust policies, SCPs or RCPs."""
    assert stmt.principal is not None
    if policy.kind in ("trust", "scp", "rcp"):
        yield "notprincipal-not-supported", f"a {policy.label} cannot use NotPrincipal", stmt.principal.span
    elif stmt.effect == "Allow":
        yield (
            "notprincipal-with-allow",
            "NotPrincipal is only supported with Effect Deny: with Allow it grants everyone else",
            stmt.principal.span,
        )


# --- principals ----------------------------------------------------------------------------------------------------
_AWS_ARN = re.compile(
    r"^arn:[a-z\-]+:(iam::[0-9]{12}:(root|user/.+|role/.+|federated-user/.+)|sts::[0-9]{12}:(assumed-role/.+/.+|federated-user/.+))$"
)
_UNIQUE_ID = re.compile(r"^A(IDA|ROA|NPA|IPA|GPA)[A-Z0-9]{12,}$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_FEDERATED_ARN = re.compile(r"^arn:[a-z\-]+:iam::[0-9]{12}:(saml-provider|oidc-provider)/.+$")
_CANONICAL = re.compile(r"^[0-9a-f]{64}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")

# Shapes a symbolic principal must be able to take, per kind (glob patterns for the matcher).
_SYMBOLIC_SHAPES: Mapping[str, tuple[str, ...]] = {
    "aws": ("arn:*:iam::*:*", "arn:*:sts::*:*", "????????????", "A*"),
    "service": tuple("*" + suffix for suffix in facts.SERVICE_PRINCIPAL_SUFFIXES),
    "federated": ("arn:*:iam::*:*", *sorted(facts.WELL_KNOWN_FEDERATED)),
    "canonical": ("*",),
}


# The legacy CloudFront origin access identity principal of bucket policies: the one IAM principal ARN whose account
# field is not an account id.
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
_OAI = re.compile(r"^arn:aws[a-z\-]*:iam::cloudfront:user/CloudFront Origin Access Identity \S+$")
_OAI_RESOURCE = "user/CloudFront Origin Access Identity "
# What the resource field of a principal ARN may start with, per service (the Principal element's AWS forms).
_PRINCIPAL_RESOURCES: Mapping[str, tuple[str, ...]] = {
    "iam": ("root", "user/", "role/", "federated-user/"),
    "sts": ("assumed-role/", "federated-user/"),
}


def aws_arn_problem(value: Any) -> str | None:
    """Why an AWS principal written as an ARN cannot be one in any Region or account (a field out of place), or
    None when it is, or may be, a principal ARN. Symbols count as whatever they may stand for."""
    if isinstance(value, str) and (_OAI.match(value) or not value.startswith("arn:")):
        return None
    if not isinstance(value, (str, Symbolic)) or (
        isinstance(value, Symbolic) and not value.literal_prefix().startswith("arn:")
    ):
        return None
    fields = _field_count(value)
    if fields is not None and fields != 6:
        return f"an ARN has six fields (arn:partition:service:region:account:resource), this one {fields}"
    components = arn_components(value)
    if components is None:
        return None
    service, region, account, resource = (component_value(c) for c in components[2:])
    if isinstance(service, str) and service not in _PRINCIPAL_RESOURCES:
        return f"its service field is {service!r}: a principal ARN is an iam or sts ARN"
    if region != "":
        return "its Region field must be empty (arn:partition:iam::account:...)"
    prefix = resource if isinstance(resource, str) else resource.literal_prefix()
    if account == "cloudfront" and prefix.startswith(_OAI_RESOURCE):
        return None
    if isinstance(account, str) and not _ACCOUNT.match(account):
        return f"its account field must be a 12-digit account id, not {account!r}"
    starts = _PRINCIPAL_RESOURCES.get(service if isinstance(service, str) else "", ())
    exact = isinstance(resource, str)
    if starts and not any(_compatible(prefix, start, exact) for start in starts):
        return f"its resource field must start with {', '.join(starts)}"
    return None


def _compatible(prefix: str, start: str, exact: bool) -> bool:
    if start == "root":
        return prefix == "root" if exact else "root".startswith(prefix)
    return prefix.startswith(start) or (not exact and start.startswith(prefix))


def _field_count(value: Any) -> int | None:
    """The number of ':'-separated fields, when no symbol of the value may hold a ':'."""
    if isinstance(value, str):
        return value.count(":") + 1
    if any(isinstance(p, Symbol) and may_hold(p, ":") for p in value.parts):
        return None
    return sum(p.count(":") for p in value.parts if isinstance(p, str)) + 1


def _literal_ok(kind: str, value: str) -> bool:
    if kind == "aws":
        return bool(
            _ACCOUNT.match(value) or _AWS_ARN.match(value) or _UNIQUE_ID.match(value) or _OAI.match(value)
        )
    if kind == "service":
        return bool(_SERVICE.match(value)) and value.endswith(facts.SERVICE_PRINCIPAL_SUFFIXES)
    if kind == "federated":
        return value in facts.WELL_KNOWN_FEDERATED or bool(_FEDERATED_ARN.match(value))
    if kind == "canonical":
        return bool(_CANONICAL.match(value))
    return False


def _principal_ok(entry: PrincipalEntry) -> bool:
    if entry.kind in ("*", "unknown"):
        return True
    if isinstance(entry.value, str):
        return _literal_ok(entry.kind, entry.value)
    if isinstance(entry.value, Symbolic):
        shapes = _SYMBOLIC_SHAPES.get(entry.kind, ())
        return any(match(compile_pattern(shape), entry.value) is not NO for shape in shapes)
    return entry.kind != "invalid" and not isinstance(entry.value, (list, dict, bool, int, float))


def _placeholder(entry: PrincipalEntry) -> str | None:
    if entry.kind != "aws" or not isinstance(entry.value, str):
        return None
    account = entry.account if isinstance(entry.account, str) else None
    if account is None and _AWS_ARN.match(entry.value):
        account = entry.value.split(":")[4]
    return account if account in facts.PLACEHOLDER_ACCOUNTS else None


def _principals(stmt: Statement, policy: Policy) -> Iterator[Found]:
    if stmt.principal is None:
        return
    for entry in stmt.principal.entries:
        shown = entry.value if isinstance(entry.value, (str, Symbolic)) else repr(entry.value)
        problem = aws_arn_problem(entry.value) if entry.kind == "aws" else None
        if problem is not None or not _principal_ok(entry):
            what = f"{entry.type_key} principal" if entry.type_key else "Principal"
            why = f": {problem}" if problem else ""
            if not entry.type_key and entry.kind == "invalid":
                why = ': a Principal written as a string can only be "*"; name an account or a role as {"AWS": ...}'
            yield "invalid-principal", f"{what} {shown} is not a valid principal{why}", entry.span
        elif (account := _placeholder(entry)) is not None:
            yield (
                "placeholder-account",
                f"principal {shown} names account {account}, an example account id from the AWS documentation",
                entry.span,
            )


# --- actions ------------------------------------------------------------------------------------------------------
def _actions(stmt: Statement, policy: Policy) -> Iterator[Found]:
    if stmt.action is None:
        return
    for entry in stmt.action.entries:
        if isinstance(entry.raw, str):
            yield from _action(entry, policy)


def _action(entry: PatternEntry, policy: Policy) -> Iterator[Found]:
    raw = entry.raw
    if raw == "*":
        return
    if ":" not in raw:
        yield "malformed-action", f"action {raw!r} must be <service>:<action>", entry.span
        return
    prefix, name = raw.split(":", 1)
    if policy.kind == "s3-bucket" and prefix.lower() != "s3":
        yield "foreign-action", f"action {raw} is not an Amazon S3 action", entry.span
    if any(c in prefix for c in "*?") or not iamdb.service_exists(prefix):
        yield "unknown-service", f"{prefix!r} is not the prefix of an AWS service (action {raw})", entry.span
        return
    if not _action_known(prefix, name):
        yield "unknown-action", f"{raw} matches no action of service {prefix}", entry.span


@lru_cache(maxsize=4096)
def _action_known(prefix: str, name: str) -> bool:
    """Whether `name` (a pattern when it has wildcards) names an action of the service: policies repeat the same
    actions, so each is decided once per process."""
    if not any(c in name for c in "*?"):
        lowered = name.lower()
        return any(known.lower() == lowered for known in iamdb.actions(prefix))
    pattern = compile_pattern(name, fold=True)
    return any(match(pattern, known) is not NO for known in iamdb.actions(prefix))


# --- resources ------------------------------------------------------------------------------------------------------
_ARN_SHAPE = compile_pattern("arn:*:*:*:*:*")


def _resources(stmt: Statement, policy: Policy) -> Iterator[Found]:
    if stmt.resource is None:
        return
    for entry in stmt.resource.entries:
        if not _arn_ok(entry):
            yield "malformed-arn", f"resource {entry.raw} is not an ARN", entry.span


def _arn_ok(entry: PatternEntry) -> bool:
    raw = entry.raw
    if entry.pattern.matches_all or not isinstance(raw, (str, Symbolic)):
        return True
    if isinstance(raw, str) and any(t is STAR for t in entry.pattern.tokens):
        return raw.startswith("arn:")
    if isinstance(raw, str):
        parts = raw.split(":", 5)
        return len(parts) == 6 and parts[0] == "arn" and bool(parts[1]) and bool(parts[2])
    return match(_ARN_SHAPE, raw) is not NO


# --- conditions -----------------------------------------------------------------------------------------------------
def _conditions(stmt: Statement, policy: Policy) -> Iterator[Found]:
    for clause in stmt.conditions:
        if clause.unknown is not None:
            continue
        if clause.base is None:
            yield "unknown-operator", f"{clause.operator} is not a condition operator", clause.span
            continue
        yield from _condition_key(clause.key, clause.set_op, clause.base, clause.span, policy)


def _condition_key(key: str, set_op: str | None, base: str, span: Span, policy: Policy) -> Iterator[Found]:
    prefix = key.split(":", 1)[0].lower()
    if policy.kind == "s3-bucket" and prefix not in ("aws", "s3"):
        yield "foreign-condition-key", f"condition key {key} is neither a global nor an Amazon S3 key", span
        return
    multivalued = iamdb.is_multivalued(key)
    if multivalued is None:
        yield "unknown-condition-key", f"condition key {key} is not documented for service {prefix}", span
    elif set_op and not multivalued:
        yield (
            "set-operator-on-single-valued-key",
            f"{set_op} on the single-valued key {key} can make the policy more permissive than intended",
            span,
        )
    elif multivalued and not set_op and base != "Null":
        yield (
            "multivalued-key-without-set-operator",
            f"{key} is multivalued: use ForAnyValue or ForAllValues",
            span,
        )


# --- policy variables -----------------------------------------------------------------------------------------------
def _variables(stmt: Statement, policy: Policy) -> Iterator[Found]:
    if stmt.variables:
        return
    texts: list[tuple[Any, Span]] = [
        (e.raw, e.span) for e in (stmt.resource.entries if stmt.resource else ())
    ]
    for clause in stmt.conditions:
        texts.extend(zip(clause.values, clause.value_spans))
    for raw, span in texts:
        if isinstance(raw, str) and "${" in raw:
            yield (
                "variables-without-version",
                f"{raw!r} uses a policy variable, which is literal text unless Version is 2012-10-17",
                span,
            )


STATEMENT_CHECKS: tuple[Callable[[Statement, Policy], Iterable[Found]], ...] = (
    _shape,
    _principal_presence,
    _principals,
    _actions,
    _resources,
    _conditions,
    _variables,
)
