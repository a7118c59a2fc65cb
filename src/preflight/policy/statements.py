"""Does one statement apply to one request? (Principal, Action, Resource and Condition, AND-ed.)

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from preflight.policy import facts
from preflight.policy.conditions import eval_clause, eval_conditions
from preflight.policy.match import bind, match
from preflight.policy.model import PatternBlock, Policy, Statement
from preflight.policy.principals import Principal, PrincipalView, match_principal, view_of
from preflight.policy.tri import NO, YES, Tri, and_, depends_on, not_, or_
from preflight.resolve.values import render

_DERIVED: Mapping[str, Callable[[PrincipalView], Any]] = {
    "is-service": lambda view: view.kind == "service",
    "service-name": lambda view: view.principal.value if view.kind == "service" else None,
    "arn": lambda view: view.principal.value if view.kind == "aws" else None,
    "account": lambda view: view.account if view.kind == "aws" else None,
}


class Request(NamedTuple):
    """principal makes ``action`` (``kms:GenerateDataKey``) on ``resource`` (an ARN: str, Symbolic or Unknown).

    context: condition key -> value (str / Symbolic / Unknown / bool / number, or a list for a multivalued key);
    keys are case-insensitive; an absent key is absent.
    """

    principal: Principal
    action: str
    resource: Any
    context: Mapping[str, Any] = MappingProxyType({})

    def __str__(self) -> str:
        return f"{self.principal} -> {self.action} on {render(self.resource)}"


class Prepared(NamedTuple):
    """A request ready for matching: lower-case context with the principal-derived keys, the principal's view."""

    request: Request
    context: Mapping[str, Any]
    view: PrincipalView
    service: str


def prepare(request: Request, *, same_account: bool = True, service: str | None = None) -> Prepared:
    from preflight.policy.match import arn_components, component_value

    context = {str(k).lower(): v for k, v in request.context.items()}
    components = arn_components(request.resource)
    region = context.get("aws:requestedregion")
    account = None
    if components is not None:
        region = region if region is not None else (component_value(components[3]) or None)
        account = component_value(components[4]) or None
    view = view_of(request.principal, region=region, resource_account=account, same_account=same_account)
    for key, how in facts.DERIVED_PRINCIPAL_KEYS.items():
        if key not in context:
            value = _DERIVED[how](view)
            if value is not None:
                context[key] = value
    name = (service or request.action.split(":", 1)[0]).lower()
    return Prepared(request, context, view, name)


class Outcome(NamedTuple):
    """How one statement answers one request: named directly, or through the principal's account."""

    statement: Statement
    policy: Policy
    direct: Tri
    delegated: Tri

    @property
    def applies(self) -> Tri:
        return or_(self.direct, self.delegated)


def statements_of(policy: Policy) -> tuple[Statement, ...]:
    """A policy's statements; an unresolvable document stands as one statement of unknown effect."""
    if policy.unknown is None:
        return policy.statements
    reason = policy.unknown.reason
    return (
        Statement(
            0,
            None,
            "Unknown",
            None,
            None,
            None,
            (),
            policy.span,
            unknown=policy.unknown,
            effect_reason=reason,
        ),
    )


def evaluate_statement(stmt: Statement, policy: Policy, prep: Prepared) -> Outcome:
    if stmt.unknown is not None:
        return Outcome(stmt, policy, depends_on(stmt.unknown.reason), NO)
    rest = action_matches(stmt.action, prep.request.action)
    if rest is not NO:
        rest = and_(rest, resource_matches(stmt.resource, policy, prep))
    if rest is NO:
        return Outcome(stmt, policy, NO, NO)
    direct, via = principal_matches(stmt, policy, prep)
    if direct is NO and via is NO:
        return Outcome(stmt, policy, NO, NO)
    if stmt.conditions:
        rest = and_(rest, eval_conditions(stmt.conditions, prep.context, stmt.variables))
    if stmt.effect == "Unknown":
        rest = and_(rest, depends_on(stmt.effect_reason or "the statement's Effect"))
    return Outcome(stmt, policy, and_(direct, rest), and_(via, rest))


def principal_matches(stmt: Statement, policy: Policy, prep: Prepared) -> tuple[Tri, Tri]:
    """Identity-like policies (identity, SCP, boundary, session) apply to their own principal."""
    if not policy.resource_based:
        return YES, NO
    return match_principal(stmt.principal, prep.view)


def action_matches(block: PatternBlock | None, action: str) -> Tri:
    if block is None:
        return NO  # a statement without Action / NotAction is invalid and grants nothing
    return _block_matches(block, action, None)


def resource_matches(block: PatternBlock | None, policy: Policy, prep: Prepared) -> Tri:
    if block is None:
        # Resource-based policies may omit Resource (a role's trust policy does): the resource is the one the
        # policy is attached to. Identity policies must name one.
        return YES if policy.resource_based else NO
    return _block_matches(block, prep.request.resource, prep.context)


def _block_matches(block: PatternBlock, value: Any, context: Mapping[str, Any] | None) -> Tri:
    if block.unknown is not None:
        return depends_on(block.unknown.reason)
    result = NO
    for entry in block.entries:
        pattern = entry.pattern
        if context is not None and pattern.has_vars:
            bound = bind(pattern, context)
            if bound is None:
                continue  # a variable without a value matches nothing
            pattern = bound
        result = or_(result, match(pattern, value))
        if result is YES:
            break
    return not_(result) if block.negated else result


def element_results(stmt: Statement, policy: Policy, prep: Prepared) -> list[tuple[str, Tri]]:
    """Each element's own answer, for explanations (no short-circuit)."""
    if stmt.unknown is not None:
        return [("Statement", depends_on(stmt.unknown.reason))]
    out: list[tuple[str, Tri]] = []
    if policy.resource_based:
        direct, via = match_principal(stmt.principal, prep.view)
        label = "NotPrincipal" if stmt.principal and stmt.principal.negated else "Principal"
        out.append((label, direct))
        if via is not NO:
            out.append((f"{label} (the principal's account, delegating to IAM)", via))
    out.append((_label(stmt.action, "Action"), action_matches(stmt.action, prep.request.action)))
    out.append((_label(stmt.resource, "Resource"), resource_matches(stmt.resource, policy, prep)))
    out.extend(
        (f"Condition {c.label}", eval_clause(c, prep.context, stmt.variables)) for c in stmt.conditions
    )
    if stmt.effect == "Unknown":
        out.append(("Effect", depends_on(stmt.effect_reason or "the statement's Effect")))
    return out


def _label(block: PatternBlock | None, default: str) -> str:
    return block.element if block is not None else default
