"""The single Finding type, from check to renderer (house rule 4). Metadata comes from the catalog."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, NamedTuple

from preflight.source.span import Span

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def fails_run(severity: str, phase: str | None, fail_on: str, phases: Collection[str] = ()) -> bool:
    """Whether a finding makes the run fail: its severity is at or above `fail_on` (--fail-on) and, when `phases`
    narrows the warnings (--fail-on-phase), a warning's phase is one of them. Errors and infos are not narrowed."""
    if SEVERITY_RANK[severity] < SEVERITY_RANK[fail_on]:
        return False
    return not (phases and severity == "warning" and phase not in phases)


class Edit(NamedTuple):
    """Replace text[start:end] (character offsets in the original file) with `text`."""

    start: int
    end: int
    text: str


class Fix(NamedTuple):
    """A fix: ``edits`` on the original text (none for a display-only fix).

    ``reason``: why a fix that could have been edited stays display-only (a policy built by one Fn::Sub string, a
    Statement list inside Fn::If, a node a transform generated...). ``cdk``: the change as Python ``aws_cdk``
    code for a finding with a construct path (a cdk.out template is generated: never edited)."""

    title: str
    safety: str  # "safe" | "unsafe" | "display"
    edits: tuple[Edit, ...] = ()
    reason: str | None = None
    cdk: str | None = None
    # What the edits do, one sentence each, for the change report: 'edited statement 2 "Logs" (line 16): added
    # action kms:Encrypt' (a near-miss statement edited in place, fix/nearmiss.py) or 'added statement "Sid"'.
    changes: tuple[str, ...] = ()


Position = Callable[[int], tuple[int, int]]  # an offset of a text -> its 1-based (line, column)


def fix_json(fix: Fix, position: Position | None = None) -> dict[str, Any]:
    """{"title", "safety"} and, when offsets can be placed, "edits": [{"start": {"line", "column"}, "end", "text"}]."""
    data: dict[str, Any] = {"title": fix.title, "safety": fix.safety}
    if position is not None and fix.edits:
        data["edits"] = [{"start": _place(position, e.start), "end": _place(position, e.end), "text": e.text}
                         for e in fix.edits]
    return data


def _place(position: Position, offset: int) -> dict[str, int]:
    line, column = position(offset)
    return {"line": line, "column": column}


class Explanation(NamedTuple):
    """The request a policy finding is about, for the change report's before/after decision (issue #9).

    ``text``: the request as the message names it; ``before``: why it is denied, naming the deciding statement (or
    its absence). The rest is what deciding it again on a fixed template takes, as plain picklable values: the
    policy kind (services.replay.Workspace.policy_for), the resource whose policy guards it, the scenario's
    conditions, and the request and its principal's side (identity "none" | "allow-all" | "unknown")."""

    text: str
    before: str
    policy: str
    guard: str
    conditions: tuple[tuple[str, bool], ...]
    principal: tuple[str, Any, Any]  # kind, value, account
    action: str
    resource: Any
    context: tuple[tuple[str, Any], ...]
    identity: str = "none"
    service: str | None = None
    same_account: bool = True


class Finding(NamedTuple):
    file: str
    span: Span
    code: str
    category: str
    severity: str
    message: str
    resource: str | None = None
    related: tuple[str, ...] = ()
    fix: Fix | None = None
    doc_url: str | None = None
    construct_path: str | None = None
    notes: tuple[str, ...] = ()  # the doc pages behind the message
    phase: str | None = None  # warnings only: deploy | rollback | runtime | account (checks.base.PHASES)
    when: tuple[str, ...] = ()  # the condition scenarios the problem shows in, when not all of them
    explanation: Explanation | None = None  # a policy finding's request and deciding statement

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.span.line, self.span.column, self.code, self.message)

    def to_json(self, position: Position | None = None) -> dict[str, Any]:
        """The JSON report contract of DESIGN.md; extra keys only ever appended, never renamed. `position` turns
        an offset of this finding's text into (line, column): with it, a fix's edits are listed too."""
        data: dict[str, Any] = {
            "file": self.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "code": self.code,
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "resource": self.resource,
            "related": list(self.related),
            "fix": fix_json(self.fix, position) if self.fix else None,
            "doc_url": self.doc_url,
        }
        if self.construct_path:
            data["construct_path"] = self.construct_path
        if self.notes:
            data["notes"] = list(self.notes)
        if self.phase:
            data["phase"] = self.phase
        if self.when:
            data["when"] = list(self.when)
        if self.explanation is not None:
            data["request"] = {"request": self.explanation.text, "decision": self.explanation.before}
        return data
