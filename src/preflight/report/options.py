"""What the renderers need beyond the findings: where paths are relative to, where the check docs live."""

from __future__ import annotations

import os
from typing import NamedTuple

# The check pages in a clone or an editable install: docs/checks/ beside src/.
_LOCAL_DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "checks")


class ReportOptions(NamedTuple):
    root: str = "."  # paths in SARIF, JUnit and Markdown are relative to this folder (the working directory)
    doc_base_url: str | None = None  # e.g. https://example.org/preflight/docs/checks/ (config: doc-base-url)
    fail_on: str = "error"  # JUnit: findings at or above it are failures, the rest go to system-out
    fail_on_phases: tuple[str, ...] = ()  # --fail-on-phase: only warnings of these phases fail (empty: all)


def _local_page(code: str) -> str | None:
    page = os.path.abspath(os.path.join(_LOCAL_DOCS, f"{code}.md"))
    return page if os.path.isfile(page) else None


def doc_uri(code: str, options: ReportOptions) -> str | None:
    """An absolute URI of a check's page: under the configured base, else the local page when there is one."""
    if options.doc_base_url:
        return options.doc_base_url.rstrip("/") + f"/{code}.md"
    page = _local_page(code)
    if page:
        from pathlib import Path

        return Path(page).as_uri()
    return None


def doc_page(code: str) -> str | None:
    """The text of a check's page, where the docs are installed beside the package (a clone, an editable install)."""
    page = _local_page(code)
    if page is None:
        return None
    with open(page, encoding="utf-8") as handle:
        return handle.read()


def relative(path: str, root: str) -> str:
    """A finding's file as reports show it: relative to `root`, with forward slashes (`<string>` as it is)."""
    if path.startswith("<"):
        return path
    return os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
