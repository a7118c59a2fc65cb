"""The diagnosis as text (people), JSON (tools) and a Markdown failure report (the write-up after an incident)."""

from __future__ import annotations

import json
from typing import Any

from preflight.diagnose.core import Diagnosis
from preflight.findings import Finding
from preflight.report.text import label

_FORMAT_NAMES = {
    "describe-stack-events-json": "describe-stack-events JSON",
    "cli-text": "AWS CLI --output text",
    "cli-table": "AWS CLI --output table",
    "cli-yaml": "AWS CLI --output yaml",
    "sam-deploy": "sam deploy output",
    "console-text": "console Events tab (text)",
    "markdown-table": "a markdown table of events",
    "cdk-deploy": "cdk deploy output",
    "serverless": "Serverless Framework output",
    "event-list": "a list of failed events",
    "validation-error": "a change-set / validation error",
    "tool-summary": "a deploy tool's final error",
    "status-reason": "a status reason alone",
}


def render(diagnosis: Diagnosis, fmt: str, version: str) -> str:
    if fmt == "json":
        return json.dumps(diagnosis.to_json(version), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return render_markdown(diagnosis)
    return render_text(diagnosis)


def _where(root: dict[str, Any]) -> str:
    location = root.get("location")
    return f" at {location['file']}:{location['line']}:{location['column']}" if location else ""


def _finding_line(f: Finding) -> str:
    return f"{f.file}:{f.span.line}:{f.span.column} {label(f)} {f.code} {f.message}"


def _headline(d: Diagnosis) -> str:
    o = d.outcome
    formats = ", ".join(dict.fromkeys(_FORMAT_NAMES.get(p.fmt, p.fmt) for p in d.inputs))
    stack = o.stack or "(stack name not shown)"
    return f"Stack {stack}: {o.operation or 'operation not shown'}; read {o.events} event(s) from {formats}"


def render_text(d: Diagnosis) -> str:
    out = [_headline(d), ""]
    root = d.root
    if root is None:
        out.append("Root cause: not shown in the input.")
    else:
        what = root.get("resource") or "(no resource: the stack operation itself)"
        typ = f" ({root['type']})" if root.get("type") else ""
        status = f" {root['status']}" if root.get("status") else ""
        out.append(f"Root cause: {what}{typ}{status}{_where(root)}")
        out.append(f"  reason: {root['reason']}")
        out.append(f"  category: {root['category']}")
        out.append(f"  why: {root['explanation']}")
        nested = root.get("nested_stack")
        if nested:
            out.append(f"  nested stack: {nested['stack']} (resource {nested['resource']})")
        if root.get("cycle"):
            out.append(f"  cycle: {', '.join(root['cycle'])}")
    if d.note:
        out.append(f"  note: {d.note}")
    if d.predicted_by is not None:
        f = d.predicted_by
        out += ["", f"Predicted by {f.code}:", f"  {_finding_line(f)}"]
        if f.fix is not None:
            out.append(
                f"  fix ({f.fix.safety}): {f.fix.title}"
                + ("  (`preflight fix` applies it)" if f.fix.safety != "display" else "")
            )
    elif root is not None and d.templates:
        codes = ", ".join(root.get("codes") or []) or "none"
        out += ["", f"No check predicted this failure (checks that cover this error: {codes})."]
    if root is not None and root.get("check_first"):
        out.append(f"If it happens again, check first: {root['check_first']}")
    if d.outcome.cascade:
        out += ["", f"Cascade ({len(d.outcome.cascade)}): not causes, consequences of the root failure"]
        out += [f"  {e.logical_id or '?'} {e.status or ''}: {e.reason}" for e in d.outcome.cascade]
    if d.outcome.others:
        out += ["", f"Later failures ({len(d.outcome.others)}): after the root, with reasons of their own"]
        out += [f"  {e.logical_id or '?'} {e.status or ''}: {e.reason}" for e in d.outcome.others]
    if d.outcome.blockers:
        out += [
            "",
            f"Rollback blockers ({len(d.outcome.blockers)}): failures while rolling back, after the root",
        ]
        for item in d.to_json("")["rollback_blockers"]:
            out += [f"  {item['resource']} {item['status']}: {item['reason']}", f"    {item['explanation']}"]
    if d.other_findings:
        out += ["", f"Other findings to fix before the next deployment ({len(d.other_findings)}):"]
        out += [f"  {_finding_line(f)}" for f in d.other_findings]
    return "\n".join(out).rstrip() + "\n"


def render_markdown(d: Diagnosis) -> str:
    root = d.root
    o = d.outcome
    title = f"# Failure report: stack {o.stack or '(unnamed)'}, {o.operation or 'operation'} failed"
    out = [title, "", f"_{_headline(d)}._", "", "## What went wrong", ""]
    if root is None:
        out.append(f"The root failure is not in the events given. {d.note or ''}".rstrip())
    else:
        what = root.get("resource") or "the stack operation"
        out.append(
            f"**{what}**"
            + (f" (`{root['type']}`)" if root.get("type") else "")
            + (f" {root['status']}" if root.get("status") else "")
            + _where(root)
            + ":"
        )
        out += ["", f"> {root['reason']}", "", f"Category: `{root['category']}`. {root['explanation']}"]
        if d.note:
            out += ["", d.note]
        if d.predicted_by is not None:
            out += ["", f"The deciding check is {d.predicted_by.code}: {d.predicted_by.message}"]
    out += ["", "## Impact", ""]
    if not o.cascade and not o.blockers and not o.others:
        out.append("No cascade or rollback events in the input.")
    for e in o.cascade:
        out.append(f"- {e.logical_id or '?'} {e.status or ''}: {e.reason} _(a consequence, not a cause)_")
    for e in o.others:
        out.append(f"- {e.logical_id or '?'} {e.status or ''}: {e.reason} _(a later failure of its own)_")
    for item in d.to_json("")["rollback_blockers"]:
        out.append(
            f"- **{item['resource']} {item['status']}** (rollback blocker): {item['reason']}. "
            f"{item['explanation']}"
        )
    out += ["", "## How to fix it", ""]
    if d.predicted_by is not None and d.predicted_by.fix is not None:
        f = d.predicted_by.fix
        out.append(
            f"- {f.title} ({f.safety}{'; `preflight fix` applies it' if f.safety != 'display' else ''})."
        )
    elif root is not None:
        out.append(f"- {root['explanation']}")
    else:
        out.append("- Find the root failure first (see above).")
    if d.other_findings:
        out += ["", "Also fix, or the next attempt fails on the next cause:", ""]
        out += [f"- `{f.code}` ({label(f)}) {f.file}:{f.span.line}: {f.message}" for f in d.other_findings]
    out += ["", "## How to prevent a recurrence", ""]
    codes = (root or {}).get("codes") or []
    if codes:
        from preflight.checks.registry import rules

        known = rules()
        warns = any(known[c].severity != "error" for c in codes if c in known)
        out.append(
            f"- Run `preflight check` before deploying (checks {', '.join(codes)} cover this failure); make "
            f"it a CI gate with `--fail-on {'warning' if warns else 'error'}`"
            + (
                " (some of them are warnings: the failure depends on the account or on timing)."
                if warns
                else "."
            )
        )
    else:
        out.append("- No preflight check covers this error yet; add it to the deployment checklist.")
    out += ["", "## If it happens again, check first", ""]
    first = (root or {}).get("check_first")
    out.append(
        f"- {first}"
        if first
        else "- The earliest failed event of the last operation that is not a "
        "cancellation; then the service's own message in it."
    )
    return "\n".join(out).rstrip() + "\n"
