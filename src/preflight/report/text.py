"""The text report: `file:line:col severity CODE message`, the source line with a caret, and the resource."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from preflight.findings import Finding
from preflight.report import SourceLines

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET = "\033[0m"


def render_text(findings: Sequence[Finding], files_checked: int, source: SourceLines, color: bool) -> str:
    out: list[str] = []
    for f in findings:
        severity = f"{_COLORS[f.severity]}{f.severity}{_RESET}" if color else f.severity
        out.append(f"{f.file}:{f.span.line}:{f.span.column} {severity} {f.code} {f.message}")
        line = source(f.file, f.span.line)
        if line:
            width = f.span.end_column - f.span.column if f.span.end_line == f.span.line else 1
            out.append(f"    {line}")
            out.append("    " + " " * (f.span.column - 1) + "^" + "~" * max(0, min(width, len(line)) - 1))
        if f.resource:
            where = f"resource {f.resource}"
            if f.construct_path:
                where += f" ({f.construct_path})"
            if f.related:
                where += f"; related: {', '.join(f.related)}"
            out.append(f"    = {where}")
        for note in f.notes:
            out.append(f"    - {note}")
        if f.fix:
            out.append(f"    fix ({f.fix.safety}): {f.fix.title}")
        out.append(f"    see {f.doc_url}")
        out.append("")
    counts = Counter(f.severity for f in findings)
    summary = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info"))
    files = f"{files_checked} file{'s' if files_checked != 1 else ''} checked"
    out.append(f"{files}: {summary}" if findings else f"{files}: no findings")
    return "\n".join(out) + "\n"
