"""The JSON report: the contract of DESIGN.md, consumed by tools and CI."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from preflight import __version__
from preflight.findings import Finding


def render_json(findings: Sequence[Finding], files_checked: int,
                positions: Callable[[str, int], tuple[int, int]] | None = None) -> str:
    doc = {
        "version": __version__,
        "files_checked": files_checked,
        "findings": [f.to_json(_at(positions, f.file) if positions and f.fix and f.fix.edits else None)
                     for f in findings],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _at(positions: Callable[[str, int], tuple[int, int]], file: str) -> Callable[[int], tuple[int, int]]:
    return lambda offset: positions(file, offset)
