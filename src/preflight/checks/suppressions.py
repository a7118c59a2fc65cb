"""Suppressions written in the template: accepted findings, each with its reason, in `Metadata`.

    Metadata:                      # on a resource (applies to its findings) or at the top level (the whole file)
      preflight:
        ignore:
          - code: PF4007           # a code, or a prefix such as PF40
            reason: the AMI is pinned on purpose; refreshed by the image pipeline

CloudFormation keeps any key under `Metadata` and ignores what it does not know
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/metadata-section-structure.html), so the
template deploys as it did. The reason is required. A suppression that matches no finding is reported (PF0020),
like an unused `noqa`, so that accepted risks do not outlive the code they were about; a malformed one (PF0021)
is not applied. An internal error (PF0000) cannot be suppressed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from preflight.checks.base import Rule
from preflight.findings import Finding
from preflight.source.nodes import MapNode, SeqNode, child_span, span_of
from preflight.source.span import Span

if TYPE_CHECKING:  # pragma: no cover
    from preflight.checks.base import Context

RULES = (
    Rule("PF0020", "unused-suppression", "A suppression in the template's Metadata matches no finding",
         "template-structure", "info"),
    Rule("PF0021", "invalid-suppression", "A suppression in the template's Metadata is malformed or has no reason",
         "template-structure", "warning", phase="runtime"),
)
CHECKS = ()
# Emitted by the pass below, after every check has run (it needs all their findings), not by a check function.
ENGINE_CODES = ("PF0020", "PF0021")
UNSUPPRESSIBLE = ("PF0000", "PF0020", "PF0021")


class Suppression(NamedTuple):
    code: str
    reason: str
    resource: str | None  # None: the whole template
    span: Span


def apply(ctx: Context, findings: list[Finding]) -> list[Finding]:
    """The findings left after the template's suppressions, plus one per unused or malformed suppression."""
    entries: list[Suppression] = []
    problems: list[Finding] = []
    root = ctx.template.document.root
    _collect(ctx, root.get("Metadata") if isinstance(root, dict) else None, None, entries, problems)
    for resource in ctx.template.resources.values():
        _collect(ctx, resource.metadata, resource.logical_id, entries, problems)
    if not entries:
        return findings + problems
    used = [False] * len(entries)
    kept = []
    for finding in findings:
        hit = None if finding.code in UNSUPPRESSIBLE else next(
            (i for i, s in enumerate(entries)
             if finding.code.startswith(s.code) and (s.resource is None or s.resource == finding.resource)), None)
        if hit is None:
            kept.append(finding)
        else:
            used[hit] = True
    for entry, was_used in zip(entries, used):
        if not was_used:
            scope = f"resource {entry.resource}" if entry.resource else "this template"
            problems.append(ctx.finding("PF0020", entry.span, f"suppression of {entry.code} matches no finding on "
                                        f"{scope}: remove it (reason given: {entry.reason!r})",
                                        resource=entry.resource))
    return kept + problems


def _collect(ctx: Context, metadata: Any, resource: str | None, entries: list[Suppression],
             problems: list[Finding]) -> None:
    if not isinstance(metadata, MapNode) or "preflight" not in metadata:
        return
    ours = metadata["preflight"]
    if not isinstance(ours, MapNode) or set(ours) - {"ignore"} or not isinstance(ours.get("ignore"), SeqNode):
        problems.append(_invalid(ctx, metadata.value_span("preflight"), resource,
                                 "Metadata 'preflight' must be a mapping with one key, 'ignore': a list of "
                                 "{code, reason}"))
        return
    items: SeqNode = ours["ignore"]
    for index, item in enumerate(items):
        span = child_span(items, index)
        entry = _entry(item, resource, span)
        if isinstance(entry, str):
            problems.append(_invalid(ctx, span, resource, entry))
        else:
            entries.append(entry)


def _entry(item: Any, resource: str | None, span: Span) -> Suppression | str:
    if not isinstance(item, MapNode):
        return "a suppression must be a mapping {code: PFnnnn, reason: why the finding is accepted}"
    unknown = sorted(str(k) for k in set(item) - {"code", "reason"})
    if unknown:
        return f"unknown key(s) {', '.join(unknown)} in a suppression (only 'code' and 'reason')"
    code, reason = item.get("code"), item.get("reason")
    if not isinstance(code, str) or not code.startswith("PF") or not code[2:].isascii() or not code[2:].isdigit():
        return f"a suppression needs 'code': a check code such as PF6101 or a prefix such as PF61 (not {code!r})"
    if not isinstance(reason, str) or not reason.strip():
        return f"the suppression of {code} needs a 'reason': why this finding is accepted (it is not applied)"
    return Suppression(code, reason.strip(), resource, span_of(item, span))


def _invalid(ctx: Context, span: Span, resource: str | None, message: str) -> Finding:
    return ctx.finding("PF0021", span, message, resource=resource)
