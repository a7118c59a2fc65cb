#!/usr/bin/env python3
"""Time the SAM transform stage (src/preflight/transform/) per template.

  python bench/bench_sam.py [DIR_OR_FILE ...]   (default: the SAM templates of ../shared/corpus and examples/sam)

A template counts when it declares `Transform: AWS::Serverless-2016-10-31`. Prints:
- the one-time cost of importing aws-sam-translator (with boto3, pydantic, jsonschema), measured in a fresh
  interpreter: every process that meets its first SAM template pays it once;
- per template, the expansion itself (translation and span adoption, `transform.expand`), median of 11 runs
  after one warm-up: median and 90th percentile over the templates;
- per template, the whole check in process with and without the expansion (the difference is what SAM costs a
  check, including the checks' work on the generated resources).
"""

from __future__ import annotations

import functools
import glob
import os
import statistics
import subprocess
import sys
import time

from preflight.api import check_text, read_template
from preflight.source.document import LoadError, load_text
from preflight.transform import SAM, declared, expand

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = [os.path.join(ROOT, "..", "shared", "corpus", "deployed"), os.path.join(ROOT, "..", "shared", "corpus",
                                                                                   "failing"),
           os.path.join(ROOT, "examples", "sam")]
RUNS = 11


def sam_templates(paths: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        files = [path] if os.path.isfile(path) else sorted(glob.glob(os.path.join(path, "**", "*"), recursive=True))
        for name in files:
            if not name.endswith((".yaml", ".yml", ".json", ".template")):
                continue
            text = read_template(name)
            if "AWS::Serverless" not in text:
                continue
            try:
                root = load_text(text, name).root
            except LoadError:  # an unloadable file is not a SAM template to time
                root = None
            if SAM in declared(root):
                found.append((name, text))
    return found


def import_cost() -> float:
    code = "import time; t = time.perf_counter(); import preflight.transform._samlib; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def median_time(func: object, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def main(argv: list[str]) -> int:
    templates = sam_templates(argv or DEFAULT)
    if not templates:
        print("no SAM template found")
        return 1
    print(f"{len(templates)} SAM templates")
    print(f"import of aws-sam-translator (once per process): {import_cost() * 1000:.0f} ms")
    from preflight import transform

    expansions, with_sam, without_sam = [], [], []
    original = transform.expand
    for name, text in templates:
        expand(load_text(text, name))  # warm-up (imports, caches)
        load = functools.partial(load_text, text, name)
        check = functools.partial(check_text, text, name)
        expansions.append(median_time(lambda load=load: expand(load())) - median_time(load))
        with_sam.append(median_time(check))
        # check_text imports `expand` from the package at call time: replacing it checks the template as written
        transform.expand = lambda document, pins=None: transform.Expansion(document)  # type: ignore[assignment]
        without_sam.append(median_time(check))
        transform.expand = original
        print(f"  {os.path.relpath(name, ROOT)}: expansion {expansions[-1] * 1000:.1f} ms; check "
              f"{with_sam[-1] * 1000:.1f} ms with SAM expanded, {without_sam[-1] * 1000:.1f} ms as written")
    print(f"expansion per template: median {statistics.median(expansions) * 1000:.1f} ms, "
          f"p90 {p90(expansions) * 1000:.1f} ms")
    extra = [a - b for a, b in zip(with_sam, without_sam)]
    print(f"whole check, expanded minus as written: median {statistics.median(extra) * 1000:.1f} ms, "
          f"p90 {p90(extra) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
