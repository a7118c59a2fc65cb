"""The text report: `file:line:col severity[phase] CODE message`, the source line with a caret, and the resource."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from preflight.checks.base import PHASES
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


def label(finding: Finding) -> str:
    """The severity as the text report shows it: a warning names its phase, `warning[rollback]` (README "Phases")."""
    return f"{finding.severity}[{finding.phase}]" if finding.phase else finding.severity


def render_text(findings: Sequence[Finding], files_checked: int, source: SourceLines, color: bool) -> str:
    out: list[str] = []
    for f in findings:
        severity = f"{_COLORS[f.severity]}{label(f)}{_RESET}" if color else label(f)
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
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info")]
    phases = Counter(f.phase for f in findings if f.phase)
    if phases:  # "3 warnings (2 deploy, 1 rollback)": what --fail-on-phase gates on
        parts[1] += " (" + ", ".join(f"{phases[p]} {p}" for p in PHASES if phases[p]) + ")"
    summary = ", ".join(parts)
    files = f"{files_checked} file{'s' if files_checked != 1 else ''} checked"
    out.append(f"{files}: {summary}" if findings else f"{files}: no findings")
    return "\n".join(out) + "\n"
