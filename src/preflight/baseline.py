"""A baseline: the findings a team has accepted for now, so that only new ones are reported.

`--write-baseline FILE` records every finding of the run (after suppressions); `--baseline FILE` then drops the
findings whose fingerprint is in it (preflight.fingerprint: the file relative to the baseline's folder, the code,
the resource and the message without line numbers, so a finding keeps its identity when lines move). The file
is JSON, sorted, with each finding's readable identity beside its fingerprint, so that it reviews well in a diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from preflight import __version__
from preflight.errors import UsageError
from preflight.findings import Finding
from preflight.fingerprint import SCHEME, fingerprints

FORMAT = "preflight-baseline/1"


def _folder(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def render_baseline(findings: Sequence[Finding], path: str) -> str:
    """The baseline file's text for these findings."""
    from preflight.report.options import relative

    prints = fingerprints(findings, _folder(path))
    entries = sorted(
        ({"fingerprint": fp, "file": relative(f.file, _folder(path)), "code": f.code, "resource": f.resource,
          "message": f.message} for f, fp in zip(findings, prints)),
        key=lambda e: (e["file"], e["code"], e["resource"] or "", e["message"], e["fingerprint"]))
    doc = {"format": FORMAT, "fingerprint": SCHEME, "written_by": f"preflight {__version__}", "findings": entries}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def read_baseline(path: str) -> frozenset[str]:
    """The fingerprints of a baseline file. UsageError (exit 2) when it is missing or not a baseline."""
    try:
        with open(path, encoding="utf-8") as handle:
            doc: Any = json.load(handle)
    except OSError as exc:
        raise UsageError(f"--baseline {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--baseline {path}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("findings"), list):
        raise UsageError(f"--baseline {path}: not a preflight baseline (write one with --write-baseline)")
    if doc.get("fingerprint") != SCHEME:
        raise UsageError(f"--baseline {path}: written with fingerprints {doc.get('fingerprint')!r}, this preflight "
                         f"uses {SCHEME!r}: write it again with --write-baseline")
    return frozenset(e["fingerprint"] for e in doc["findings"] if isinstance(e, dict) and "fingerprint" in e)


def filter_new(findings: Sequence[Finding], known: frozenset[str], path: str) -> tuple[list[Finding], int]:
    """The findings not in the baseline, and how many were left out."""
    prints = fingerprints(findings, _folder(path))
    new = [f for f, fp in zip(findings, prints) if fp not in known]
    return new, len(findings) - len(new)
