"""Markdown: a summary for a pull-request comment; for a single template, its failure report.

The failure report is the page an engineer writes after such an incident, written before it happens: per finding,
why this stack fails, how the failure shows itself, the remediation, and what the fix must not do. Every
sentence comes from the finding (its message quotes the error CloudFormation prints) or from the category's
guidance below, which restates DESIGN.md's rules for safe fixes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from preflight.findings import Finding
from preflight.report.options import ReportOptions, doc_uri, relative

_ICONS = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}
_PERMISSIONS = ("Do not add a `*` principal or `*` actions, do not drop the conditions AWS documents for the "
                "service (`aws:SourceArn`, `aws:SourceAccount`, `kms:EncryptionContext:*`, `kms:ViaService`), and "
                "do not remove or weaken a Deny, a TLS-only (`aws:SecureTransport`) statement or a public access "
                "block: grant the one service principal the documented actions, scoped to this stack.")
_MUST_NOT = {
    "kms-service-access": _PERMISSIONS,
    "bucket-policy-service": _PERMISSIONS,
    "lambda-permission": ("Do not allow `lambda:InvokeFunction` to `*` or without `SourceArn`/`SourceAccount`: "
                          "name the invoking service and the source resource."),
    "iam-trust-or-role": ("Do not trust `*` or a whole account when one service principal is meant, and do not "
                          "replace a missing managed policy with `AdministratorAccess`."),
    "circular-dependency": ("Do not break the cycle by hard-coding a physical name or ARN of a resource of this "
                            "stack: move the reference into its own resource (a separate rule, policy or "
                            "permission) so that the order becomes a line."),
    "missing-dependson": "Do not add a `DependsOn` that closes a cycle; depend on the resource that grants access.",
    "rollback-blocker": ("Do not delete data to make rollback pass: retain the resource, or make the stack able to "
                         "delete it (empty it first, or turn off deletion protection deliberately)."),
}
_SYMPTOM = {
    "error": ("CloudFormation stops at this resource with CREATE_FAILED (or UPDATE_FAILED) and this reason; the "
              "resources created alongside it show \"Resource creation cancelled\" and the stack rolls back."),
    "warning": ("Whether it fails depends on the account, the Region or the parameters named above; when it "
                "does, it shows as a *_FAILED event on this resource, and otherwise the feature may silently not "
                "work after deployment."),
    "info": "Nothing fails; this is advice.",
}
# A warning's symptom by its phase (README "Phases"); "deploy" is the generic warning text above.
_PHASE_SYMPTOM = {
    "rollback": ("The deployment itself may succeed; when a later deployment of this stack fails, or the stack is "
                 "deleted, CloudFormation cannot delete or re-create this resource: the stack ends in "
                 "ROLLBACK_FAILED or DELETE_FAILED (or the retry fails), hiding the original error."),
    "runtime": ("The stack deploys; the feature then silently does not work (deliveries, invocations or "
                "permissions fail at run time, not as a CloudFormation event)."),
    "account": ("Whether it fails depends on the state of the account it is deployed to (what it already holds, "
                "its quotas and settings); when it does, it shows as a *_FAILED event on this resource."),
}


def render_markdown(findings: Sequence[Finding], files: Sequence[str], options: ReportOptions) -> str:
    counts = Counter(f.severity for f in findings)
    summary = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info"))
    out = [f"## preflight: {summary} in {len(files)} file{'s' if len(files) != 1 else ''}", ""]
    if not findings:
        out.append("No findings: nothing predicts a failure of these deployments.")
        return "\n".join(out) + "\n"
    out += ["| | File | Line | Code | Resource | Message |", "|---|---|---|---|---|---|"]
    for f in findings:
        icon = _ICONS[f.severity] + (f" {f.phase}" if f.phase else "")
        out.append(f"| {icon} | {_cell(relative(f.file, options.root))} | {f.span.line} | "
                   f"{_code(f, options)} | {_cell(f.resource or '')} | {_cell(_short(f.message))} |")
    if len(files) == 1:
        out += ["", *_failure_report(findings, options)]
    return "\n".join(out) + "\n"


def _failure_report(findings: Sequence[Finding], options: ReportOptions) -> list[str]:
    out = ["### Failure report", "",
           "Why this stack would fail to deploy, how each failure shows itself, and how to fix it safely.", ""]
    for number, f in enumerate(findings, 1):
        where = f"`{f.resource}`" + (f" (`{f.construct_path}`)" if f.construct_path else "") if f.resource else "the template"
        shown = f"{f.severity}, phase {f.phase}" if f.phase else f.severity
        symptom = _PHASE_SYMPTOM.get(f.phase or "", _SYMPTOM[f.severity])
        out += [f"#### {number}. {f.code} on {where}, line {f.span.line} ({shown})", "",
                f"- **Why it fails:** {f.message}",
                f"- **How it shows itself:** {symptom}"]
        out.append(f"- **Remediation:** {f.fix.title} (fix safety: {f.fix.safety})" if f.fix
                   else f"- **Remediation:** see {_code(f, options)}.")
        for note in f.notes:
            out.append(f"  - {note}")
        if f.category in _MUST_NOT:
            out.append(f"- **What the fix must not do:** {_MUST_NOT[f.category]}")
        out.append("")
    return out


def _code(f: Finding, options: ReportOptions) -> str:
    uri = doc_uri(f.code, options)
    return f"[{f.code}]({uri})" if uri and not uri.startswith("file:") else f"`{f.code}`"


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
