"""The JSON report: the contract of DESIGN.md, consumed by tools and CI."""

from __future__ import annotations

import json
from collections.abc import Sequence

from preflight import __version__
from preflight.findings import Finding


def render_json(findings: Sequence[Finding], files_checked: int) -> str:
    doc = {
        "version": __version__,
        "files_checked": files_checked,
        "findings": [f.to_json() for f in findings],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
