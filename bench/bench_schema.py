#!/usr/bin/env python3
"""Time the schema-validity checks (PF80xx) over a folder of templates.

  python bench/bench_schema.py [DIR ...]     (default: ../shared/corpus/deployed and ../shared/corpus/failing)

Loads and models every template first (not timed), then runs only the schema checks on each, in one process,
as `preflight check` does. Prints the one-time cost of indexing the schema snapshot, the total and per-file time
of the checks, and the slowest files.
"""

from __future__ import annotations

import glob
import os
import sys
import time

from preflight.api import read_template
from preflight.checks.base import Context, Options
from preflight.checks.registry import rules
from preflight.checks.schema import CHECKS
from preflight.model.graph import Graph
from preflight.model.template import build_template
from preflight.resolve.resolver import Resolver
from preflight.schema import store
from preflight.source.document import LoadError, load_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = [os.path.join(ROOT, "..", "shared", "corpus", name) for name in ("deployed", "failing")]


def contexts(paths: list[str]) -> list[Context]:
    found = []
    catalog = rules()
    for path in paths:
        try:
            document = load_text(read_template(path), path)
        except LoadError:
            continue
        if not isinstance(document.root, dict):
            continue
        template = build_template(document)
        found.append(
            Context(path, document, template, Resolver(template), Graph(template), catalog, Options())
        )
    return found


def main(argv: list[str]) -> int:
    folders = argv or DEFAULT
    paths = sorted(p for folder in folders for p in glob.glob(os.path.join(folder, "*")) if os.path.isfile(p))
    ctxs = contexts(paths)
    start = time.perf_counter()
    store.known_types()
    index = time.perf_counter() - start
    times = []
    findings = 0
    for ctx in ctxs:
        start = time.perf_counter()
        for check in CHECKS:
            findings += sum(1 for _ in check.func(ctx))
        times.append((time.perf_counter() - start, ctx.path))
    total = sum(t for t, _ in times)
    print(f"{len(ctxs)} templates, {findings} PF80xx findings")
    print(f"snapshot index (once per process): {index * 1000:.1f} ms")
    print(
        f"schema checks: {total * 1000:.1f} ms total, {total / max(len(ctxs), 1) * 1000:.2f} ms per file "
        f"(first use of each type included)"
    )
    for seconds, path in sorted(times, reverse=True)[:5]:
        print(f"  {seconds * 1000:7.2f} ms  {os.path.basename(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
