"""SARIF 2.1.0 (OASIS), as GitHub code scanning and other tools ingest it.

https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html ;
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
The rules are the catalog rows that fired, each with its help text and an absolute help URI; results carry
regions (columns are counted in Unicode code points, as preflight counts them: `columnKind`), a logical location
per resource (the CDK construct path where there is one), and `partialFingerprints` that survive moved lines.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from preflight import __version__
from preflight.findings import Finding
from preflight.fingerprint import SCHEME, fingerprints
from preflight.report.options import ReportOptions, doc_page, doc_uri, relative

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def render_sarif(findings: Sequence[Finding], files_checked: int, options: ReportOptions) -> str:
    from preflight.checks.registry import rules

    catalog = rules()
    fired = sorted({f.code for f in findings})
    index = {code: i for i, code in enumerate(fired)}
    sarif_rules = [_rule(catalog[code], options) for code in fired if code in catalog]
    prints = fingerprints(findings, options.root)
    results = [_result(f, index[f.code], fp, options) for f, fp in zip(findings, prints)]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "preflight",
            "fullName": "preflight: CloudFormation deployment failure prediction",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": sarif_rules,
        }},
        "originalUriBaseIds": {"SRCROOT": {"uri": _dir_uri(options.root)}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [{"executionSuccessful": not any(f.code == "PF0000" for f in findings),
                         "properties": {"filesChecked": files_checked}}],
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(rule: Any, options: ReportOptions) -> dict[str, Any]:
    text = (f"{rule.title}. Category {rule.category}; severity {rule.severity} (error: the deployment will fail; "
            f"warning: it may fail, or deploys but silently does not work; info: advice); phase {rule.phase}; "
            f"fix: {rule.fix}.")
    entry: dict[str, Any] = {
        "id": rule.code,
        "name": "".join(part.capitalize() for part in rule.slug.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": text},
        "help": {"text": text},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"category": rule.category, "fix": rule.fix, "phase": rule.phase, "tags": [rule.category]},
    }
    uri = doc_uri(rule.code, options)
    if uri:
        entry["helpUri"] = uri
    page = doc_page(rule.code)
    if page or uri:
        # Code scanning shows a rule's help as Markdown: the check's own page where it is installed beside us.
        entry["help"]["markdown"] = page or f"**{rule.code}: {rule.title}**\n\n{text}\n\n[Documentation]({uri})"
    return entry


def _result(finding: Finding, rule_index: int, fingerprint: str, options: ReportOptions) -> dict[str, Any]:
    span = finding.span
    region = {"startLine": span.line, "startColumn": span.column}
    if (span.end_line, span.end_column) > (span.line, span.column):
        region.update(endLine=span.end_line, endColumn=span.end_column)
    location: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": {"uri": _relative_uri(finding.file, options.root), "uriBaseId": "SRCROOT"},
        "region": region,
    }}
    if finding.resource:
        logical = {"name": finding.resource, "kind": "resource"}
        if finding.construct_path:
            logical["fullyQualifiedName"] = finding.construct_path
        location["logicalLocations"] = [logical]
    message = finding.message
    if finding.fix:
        message += f"\nFix ({finding.fix.safety}): {finding.fix.title}"
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {SCHEME: fingerprint},
        "properties": {"category": finding.category, "severity": finding.severity},
    }
    if finding.phase:  # a warning's phase (README "Phases"): deploy, rollback, runtime or account
        result["properties"]["phase"] = finding.phase
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, "logicalLocations": [{"name": name, "kind": "resource"}], "message": {"text": name}}
            for i, name in enumerate(finding.related)]
    return result


def _relative_uri(path: str, root: str) -> str:
    from urllib.parse import quote

    rel = relative(path, root)
    return rel if rel.startswith("<") else quote(rel)


def _dir_uri(root: str) -> str:
    from pathlib import Path

    return Path(os.path.abspath(root)).as_uri().rstrip("/") + "/"
