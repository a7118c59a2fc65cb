"""The single Finding type, from check to renderer (house rule 4). Metadata comes from the catalog."""

from __future__ import annotations

from typing import Any, NamedTuple

from preflight.source.span import Span

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


class Edit(NamedTuple):
    """Replace text[start:end] (character offsets in the original file) with `text`."""

    start: int
    end: int
    text: str


class Fix(NamedTuple):
    title: str
    safety: str  # "safe" | "unsafe" | "display"
    edits: tuple[Edit, ...] = ()


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

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.span.line, self.span.column, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        """The JSON report contract of DESIGN.md; extra keys only ever appended, never renamed."""
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
            "fix": {"title": self.fix.title, "safety": self.fix.safety} if self.fix else None,
            "doc_url": self.doc_url,
        }
        if self.construct_path:
            data["construct_path"] = self.construct_path
        if self.notes:
            data["notes"] = list(self.notes)
        return data
