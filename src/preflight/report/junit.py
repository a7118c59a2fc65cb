"""JUnit XML, which CI systems render as test results: a test suite per file, a test case per check area.

A test case fails with one <failure> per finding at or above --fail-on (warnings narrowed by --fail-on-phase);
the other findings are listed in the case's <system-out>, so the report shows them without failing the build.
Areas come from the code ranges of docs/writing-checks.md, so every file lists the same cases and a passing area is
a passing test.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from preflight.findings import Finding, fails_run
from preflight.report.options import ReportOptions, relative
from preflight.report.text import label

AREAS = (
    ("PF00", "template structure"), ("PF1", "dependency graph"), ("PF2", "ordering"), ("PF3", "names"),
    ("PF4", "values"), ("PF5", "account and region"), ("PF6", "permissions"), ("PF7", "rollback"),
    ("PF8", "resource schema"),
)


def area_of(code: str) -> str:
    for prefix, name in AREAS:
        if code.startswith(prefix):
            return name
    return "other"


def render_junit(findings: Sequence[Finding], files: Sequence[str], options: ReportOptions) -> str:
    by_file: dict[str, list[Finding]] = {path: [] for path in files}
    for finding in findings:
        by_file.setdefault(finding.file, []).append(finding)
    suites = []
    total_tests = total_failures = 0
    for path, found in by_file.items():
        cases = []
        failures = 0
        for _, area in AREAS:
            mine = [f for f in found if area_of(f.code) == area]
            fails = [fails_run(f.severity, f.phase, options.fail_on, options.fail_on_phases) for f in mine]
            failing = [f for f, bad in zip(mine, fails) if bad]
            other = [f for f, bad in zip(mine, fails) if not bad]
            failures += bool(failing)
            body = "".join(
                f"\n      <failure message={quoteattr(f'{f.code} {f.message}')} type={quoteattr(f.severity)}>"
                f"{escape(_detail(f))}</failure>" for f in failing)
            if other:
                body += f"\n      <system-out>{escape(chr(10).join(_detail(f) for f in other))}</system-out>"
            name = quoteattr(area)
            classname = quoteattr(relative(path, options.root))
            cases.append(f'    <testcase name={name} classname={classname} time="0">{body}'
                         + ("\n    </testcase>" if body else "</testcase>"))
        total_tests += len(AREAS)
        total_failures += failures
        suites.append(f"  <testsuite name={quoteattr(relative(path, options.root))} tests=\"{len(AREAS)}\" "
                      f"failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n" + "\n".join(cases) + "\n  </testsuite>")
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="preflight" tests="{total_tests}" '
            f'failures="{total_failures}" errors="0">')
    return "\n".join([head, *suites, "</testsuites>"]) + "\n"


def _detail(f: Finding) -> str:
    text = f"{f.file}:{f.span.line}:{f.span.column} {label(f)} {f.code} {f.message}"
    if f.resource:
        text += f" (resource {f.resource})"
    if f.fix:
        text += f"\nfix ({f.fix.safety}): {f.fix.title}"
    return text
