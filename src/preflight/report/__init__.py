"""Renderers only: findings in, text out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from preflight.findings import Finding

SourceLines = Callable[[str, int], str]

FORMATS = ("text", "json")


def render(fmt: str, findings: Sequence[Finding], files_checked: int, source: SourceLines, color: bool = False) -> str:
    if fmt == "json":
        from preflight.report.json_report import render_json

        return render_json(findings, files_checked)
    from preflight.report.text import render_text

    return render_text(findings, files_checked, source, color)
