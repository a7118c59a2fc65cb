"""Renderers only: findings in, text out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from preflight.findings import Finding

SourceLines = Callable[[str, int], str]
Positions = Callable[[str, int], tuple[int, int]]

if TYPE_CHECKING:  # pragma: no cover
    from preflight.report.options import ReportOptions

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")


def render(fmt: str, findings: Sequence[Finding], files_checked: int, source: SourceLines, color: bool = False,
           options: ReportOptions | None = None, files: Sequence[str] = (), positions: Positions | None = None) -> str:
    """`files`: every file checked (JUnit and Markdown list the clean ones too); `options`: paths and doc links;
    `positions`: (file, offset) -> (line, column), to list fixes' edits in JSON."""
    if fmt == "json":
        from preflight.report.json_report import render_json

        return render_json(findings, files_checked, positions)
    if fmt != "text":
        from preflight.report.options import ReportOptions

        return _other(fmt, findings, files_checked, options or ReportOptions(), files)
    from preflight.report.text import render_text

    return render_text(findings, files_checked, source, color)


def _other(fmt: str, findings: Sequence[Finding], files_checked: int, options: ReportOptions,
           files: Sequence[str]) -> str:
    listed = list(dict.fromkeys([*files, *(f.file for f in findings)]))
    if fmt == "sarif":
        from preflight.report.sarif import render_sarif

        return render_sarif(findings, files_checked, options)
    if fmt == "junit":
        from preflight.report.junit import render_junit

        return render_junit(findings, listed, options)
    if fmt == "github":
        from preflight.report.github import render_github

        return render_github(findings, files_checked, options)
    if fmt == "markdown":
        from preflight.report.markdown import render_markdown

        return render_markdown(findings, listed, options)
    raise ValueError(f"unknown report format {fmt!r}")
