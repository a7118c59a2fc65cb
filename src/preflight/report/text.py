"""The text report: `file:line:col severity CODE message`, the source line with a caret, and the resource."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from preflight.findings import Finding
from preflight.report import SourceLines

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET = "\033[0m"
# A source line longer than this is shown as a window around the column (a minified one-line template would
# otherwise be echoed whole, with a caret line as wide, for every finding: gigabytes of report).
EXCERPT = 160
_BEFORE = 60


def excerpt(line: str, column: int) -> tuple[str, int]:
    """The line, or a window of it around ``column`` (1-based) marked with "..." where cut, and the caret's
    0-based offset in what is shown."""
    at = max(column - 1, 0)
    if len(line) <= EXCERPT:
        return line, at
    start = max(0, min(at - _BEFORE, len(line) - EXCERPT))
    end = start + EXCERPT
    head = "..." if start else ""
    return f"{head}{line[start:end]}{'...' if end < len(line) else ''}", at - start + len(head)


def render_text(findings: Sequence[Finding], files_checked: int, source: SourceLines, color: bool) -> str:
    out: list[str] = []
    for f in findings:
        severity = f"{_COLORS[f.severity]}{f.severity}{_RESET}" if color else f.severity
        # [*]: `preflight fix` applies this one by default (a safe fix with edits), as ruff marks its fixable ones
        fixable = "[*] " if f.fix and f.fix.safety == "safe" and f.fix.edits else ""
        out.append(f"{f.file}:{f.span.line}:{f.span.column} {severity} {f.code} {fixable}{f.message}")
        line = source(f.file, f.span.line)
        if line:
            width = f.span.end_column - f.span.column if f.span.end_line == f.span.line else 1
            shown, offset = excerpt(line, f.span.column)
            out.append(f"    {shown}")
            out.append("    " + " " * offset + "^" + "~" * max(0, min(width, len(shown) - offset) - 1))
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
