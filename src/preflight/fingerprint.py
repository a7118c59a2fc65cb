"""A finding's identity across commits: what SARIF's partialFingerprints and the baseline file key on.

A finding keeps its identity when lines move above it (an edit elsewhere in the file), so the line and column are
left out; what stays is the file, the code, the resource and the message with its line references taken out
(some messages say "line 48" about a related node). Two findings that would still be equal are told apart by an
occurrence number in file order, as GitHub code scanning expects of `partialFingerprints`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence

from preflight.findings import Finding

SCHEME = "preflight/v1"
_LINE_REFS = re.compile(r"\b(lines?|line:col|at) \d+(?::\d+)?(?:-\d+)?", re.IGNORECASE)


def identity(finding: Finding, relative_to: str | None = None) -> str:
    """The text a fingerprint hashes (kept readable so a baseline can be reviewed in a pull request)."""
    path = finding.file
    if relative_to is not None and not path.startswith("<"):
        path = os.path.relpath(os.path.abspath(path), os.path.abspath(relative_to))
    path = path.replace(os.sep, "/")
    message = _LINE_REFS.sub(lambda m: m.group(1), finding.message)
    return "\x1f".join((path, finding.code, finding.resource or "", message))


def fingerprints(findings: Sequence[Finding], relative_to: str | None = None) -> list[str]:
    """One fingerprint per finding, in order: a hash of its identity and its occurrence among equals."""
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        key = identity(finding, relative_to)
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha256(f"{key}\x1f{seen[key]}".encode()).hexdigest()[:32]
        out.append(digest)
    return out
