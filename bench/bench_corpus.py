#!/usr/bin/env python3
"""Benchmark (not a test): preflight vs cfn-lint vs the PyYAML C parse floor, on the same templates, in one run.

    python bench/bench_corpus.py [FOLDER] [--no-cfn-lint] [--single FILE]

Prints, for each tool, wall time, the ratio to the parse floor and peak memory (max RSS of the child process),
plus the median wall time of single-file `preflight check` runs (start-up included; the largest template and
the bundled example). Each tool runs in its own
child process so that its memory is measured alone. cfn-lint comes from `pip install -e .[bench]`.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FOLDER = os.path.join(HERE, "..", "..", "shared", "corpus", "deployed")

_FLOOR = """
import sys, time, yaml

class Loader(yaml.CSafeLoader):
    pass

def tagged(loader, suffix, node):  # CloudFormation short forms (!Ref, !Sub ...): build the plain value
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}

Loader.add_multi_constructor("!", tagged)
files = sys.argv[1:]
t = time.perf_counter()
for f in files:
    with open(f, encoding="utf-8") as h:
        yaml.load(h.read(), Loader=Loader)
print(time.perf_counter() - t)
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_PREFLIGHT = """
import sys, time
t = time.perf_counter()
from preflight.api import check_text, read_template
n = 0
for f in sys.argv[1:]:
    n += len(check_text(read_template(f), f))
print(time.perf_counter() - t)
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_CFN_LINT = """
import sys, time
t = time.perf_counter()
import cfnlint.api
from cfnlint.api import lint_all
from cfnlint.config import ManualArgs
for f in sys.argv[1:]:
    with open(f, encoding="utf-8") as h:
        cfnlint.api.lint(h.read(), config=ManualArgs(regions=["us-east-1"]))
print(time.perf_counter() - t)
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(code: str, files: list[str]) -> tuple[float, float]:
    """(seconds reported by the child, peak RSS in MiB of the child, as the child itself measures it)."""
    proc = subprocess.run([sys.executable, "-c", code, *files], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr[-2000:]}")
    seconds, peak_kib = proc.stdout.strip().splitlines()[-2:]
    return float(seconds), int(peak_kib) / 1024


def single_file_wall(path: str, runs: int = 11) -> float:
    """The median wall time of ``preflight check PATH`` as a user runs it: a new process each time.

    The package's bytecode is compiled first, as ``pip install`` does: an editable install under
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module on every run."""
    import preflight

    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.dirname(preflight.__file__)],
                   capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "preflight", "check", path], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--no-cfn-lint", action="store_true")
    parser.add_argument("--single", help="file for the single-file wall-time figure")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    files = sorted(p for p in glob.glob(os.path.join(args.folder, "*")) if p.endswith((".json", ".yaml", ".yml")))
    if not files:
        raise SystemExit(f"no templates in {args.folder}")
    results: dict[str, dict[str, Any]] = {}
    floor, floor_mem = measure(_FLOOR, files)
    results["parse floor (PyYAML C)"] = {"seconds": floor, "ratio": 1.0, "peak_mib": floor_mem}
    seconds, mem = measure(_PREFLIGHT, files)
    results["preflight"] = {"seconds": seconds, "ratio": seconds / floor, "peak_mib": mem}
    if not args.no_cfn_lint:
        try:
            seconds, mem = measure(_CFN_LINT, files)
            results["cfn-lint"] = {"seconds": seconds, "ratio": seconds / floor, "peak_mib": mem}
        except SystemExit as exc:
            print(f"cfn-lint not measured: {exc}", file=sys.stderr)
    single = args.single or max(files, key=os.path.getsize)
    results["single file (wall, start-up included)"] = {"seconds": single_file_wall(single), "file": single}
    example = os.path.join(os.path.dirname(HERE), "examples", "cloudtrail", "failing.yaml")
    if os.path.isfile(example):
        results["bundled example (wall, start-up included)"] = {"seconds": single_file_wall(example), "file": example}
    if args.json:
        print(json.dumps({"files": len(files), "results": results}, indent=2))
        return 0
    print(f"{len(files)} templates from {os.path.relpath(args.folder)}")
    for name, row in results.items():
        ratio = f"{row['ratio']:.2f}x floor" if "ratio" in row else ""
        mem = f"peak {row['peak_mib']:.0f} MiB" if "peak_mib" in row else f"(median of 11, {os.path.basename(str(row.get('file')))})"
        print(f"  {name:<40} {row['seconds']:8.2f} s  {ratio:>12}  {mem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
