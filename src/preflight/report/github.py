"""GitHub Actions workflow commands: an annotation per finding on the file and line of the pull request.

https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
(`::error file=...,line=...,col=...,endLine=...,endColumn=...,title=...::message`; `%`, CR and LF escaped in the
message, and `:` and `,` too in properties).
"""

from __future__ import annotations

from collections.abc import Sequence

from preflight.findings import Finding
from preflight.report.options import ReportOptions, relative

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], files_checked: int, options: ReportOptions) -> str:
    out = []
    for f in findings:
        path = relative(f.file, options.root)
        props = [f"file={_prop(path)}", f"line={f.span.line}", f"col={f.span.column}"]
        if (f.span.end_line, f.span.end_column) > (f.span.line, f.span.column):
            props += [f"endLine={f.span.end_line}", f"endColumn={f.span.end_column}"]
        # a warning's phase in the title, as the text report writes it: "preflight PF7002 [rollback] (Logs)"
        title = f"preflight {f.code}" + (f" [{f.phase}]" if f.phase else "")
        title += f" ({f.resource})" if f.resource else ""
        props.append(f"title={_prop(title)}")
        message = f.message + (f"\nfix ({f.fix.safety}): {f.fix.title}" if f.fix else "")
        if f.doc_url:
            message += f"\nsee {f.doc_url}"
        out.append(f"::{_COMMANDS[f.severity]} {','.join(props)}::{_data(message)}")
    return "".join(line + "\n" for line in out)
