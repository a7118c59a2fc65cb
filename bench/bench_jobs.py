#!/usr/bin/env python3
"""Benchmark (not a test): `preflight check -j N` against `-j 1` over the same templates, in one run.

    python bench/bench_jobs.py [FOLDER] [--jobs 2] [--repeat 3]

Runs the command line as a user would (a new process each time, start-up included), alternating the two settings,
and prints the median wall time of each, their ratio, and whether both reports were identical (they must be:
the order of the output does not depend on -j).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FOLDER = os.path.join(HERE, "..", "..", "shared", "corpus", "deployed")


def _run(folder: str, jobs: int) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "preflight", "check", "--no-config", "--format", "json", "-j",
                           str(jobs), folder], capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"preflight exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed, hashlib.sha256(proc.stdout).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sum(1 for _, _, names in os.walk(args.folder) for n in names if n.endswith((".yaml", ".yml", ".json")))
    times: dict[int, list[float]] = {1: [], args.jobs: []}
    digests = set()
    for _ in range(args.repeat):
        for jobs in (1, args.jobs):
            elapsed, digest = _run(args.folder, jobs)
            times[jobs].append(elapsed)
            digests.add(digest)
    one, many = statistics.median(times[1]), statistics.median(times[args.jobs])
    print(f"{files} files in {args.folder} ({os.cpu_count()} CPUs), median of {args.repeat}:")
    print(f"  -j 1: {one:.2f} s")
    print(f"  -j {args.jobs}: {many:.2f} s  ({one / many:.2f}x faster)")
    print(f"  reports identical: {'yes' if len(digests) == 1 else 'NO'}")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
