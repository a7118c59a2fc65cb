"""Before and after, for the change report: each applied policy fix's request decided again on the fixed text.

A policy finding carries its request (findings.Explanation): who asks for what on which resource, in which
scenario, and why the policy denies it. After the fixes, the same request is evaluated against the same resource's
policy in the fixed template, so the report can say which statement now allows it (issue #9, section 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from preflight.fix.engine import FixResult


class Decided(NamedTuple):
    request: str  # the request, as the finding names it
    before: str  # why it was denied
    outcome: str  # after the fixes: Allow | ImplicitDeny | ExplicitDeny | Depends | Unknown
    after: str  # which statement decides now


def decisions_after(result: FixResult, pins: Any = None) -> list[Decided | None]:
    """One entry per applied fix (None: the fix is not about a policy request)."""
    explained = [fix.finding.explanation for fix in result.applied]
    if not any(explained):
        return [None] * len(explained)
    from preflight.api import build_context
    from preflight.services.replay import decide_again, workspace

    ctx = build_context(result.text, result.path, pins)
    if ctx is None:
        return [None] * len(explained)
    try:
        ws = workspace(ctx)
        out: list[Decided | None] = []
        for item in explained:
            if item is None:
                out.append(None)
                continue
            outcome, why = decide_again(ws, item)
            out.append(Decided(item.text, item.before, outcome, why))
        return out
    finally:
        ctx.release()
