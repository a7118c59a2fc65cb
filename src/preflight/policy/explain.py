"""Plain-text explanations of policy decisions (backs ``preflight explain-policy``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from preflight.policy.evaluate import DecidingStatement, Decision, evaluate
from preflight.policy.model import Policy, parse_policy
from preflight.policy.statements import Request
from preflight.resolve.values import render


def explain(decision: Decision) -> str:
    """The decision, why, and the deciding statements with their lines."""
    lines = [_headline(decision), f"Request: {decision.request}"]
    if decision.request.context:
        lines.append("Context: " + "; ".join(_context_items(decision.request.context)))
    if decision.reasons:
        lines.append("Why:")
        lines.extend(f"  - {reason}" for reason in decision.reasons)
    if decision.deciding:
        lines.append("Deciding statements:" if decision.outcome != "ImplicitDeny" else "Statements involved:")
        for item in decision.deciding:
            lines.extend(_statement_lines(item))
    if decision.near_misses:
        lines.append("Closest statements (they do not apply):")
        for item in decision.near_misses:
            lines.extend(_statement_lines(item))
    lines.append(f"Reference: {decision.doc_url}")
    return "\n".join(lines)


def _headline(decision: Decision) -> str:
    texts = {
        "Allow": "Allow",
        "ExplicitDeny": "ExplicitDeny (an explicit Deny applies)",
        "ImplicitDeny": "ImplicitDeny (no statement allows the request)",
        "Depends": "Depends on " + (", ".join(decision.depends_on) or "an unknown value"),
    }
    return "Decision: " + texts.get(decision.outcome, decision.outcome)


def _context_items(context: Mapping[str, Any]) -> list[str]:
    return [f"{key} = {render(value)}" for key, value in context.items()]


def _statement_lines(item: DecidingStatement) -> list[str]:
    where = f"line {item.span.line}:{item.span.column}"
    head = f"  {where}  {item.policy}, {item.label} ({item.effect or 'no Effect'}): {item.role}"
    if item.match.is_depends:
        head += f" ({item.match})"
    out = [head]
    out.extend(f"      {detail}" for detail in item.details)
    if item.condition_keys:
        out.append("      condition keys tested: " + ", ".join(item.condition_keys))
    return out


def explain_request(
    policy_value: Any,
    request: Request,
    *,
    kind: str | None = None,
    name: str = "",
    service: str | None = None,
    same_account: bool = True,
) -> str:
    """Parse ``policy_value`` (a resolved document or a ``Policy``), decide ``request`` against it, explain.

    kind: a key of ``facts.POLICY_KINDS``; by default a document whose statements name a Principal is taken as a
    resource policy, any other as an identity policy of the request's principal.
    """
    policy = (
        policy_value
        if isinstance(policy_value, Policy)
        else parse_policy(policy_value, kind=kind or _guess(policy_value), name=name)
    )
    if policy.resource_based:
        decision = evaluate(request, policy, service=service, same_account=same_account)
    else:
        decision = evaluate(request, None, [policy], service=service, same_account=same_account)
    return explain(decision)


def _guess(document: Any) -> str:
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    items = statements if isinstance(statements, list) else [statements]
    named = any(isinstance(s, Mapping) and ("Principal" in s or "NotPrincipal" in s) for s in items)
    return "resource" if named else "identity"
