#!/usr/bin/env python3
"""Benchmark (not a test): every hostile reproducer of ``../shared/hostile`` through the command line, measured.

    python bench/bench_hostile.py [FOLDER] [--limit-seconds 10] [--limit-mib 1024] [--json OUT]

For each reproducer it runs ``preflight check`` in a child process (the same way a user or CI would), and records
the wall time, the child's peak memory (max RSS), the exit code, the codes reported and whether the run kept the
robustness contract of issue 12: no traceback, no crashed check (PF0000), under the time and memory limits, and a
finding, an exit 2 or a "skipped" line that names the cause. The recipe files (FIFO, character device, ``-o`` a folder, the 19 MB
generator, crash-19's 4 MB array) are turned into the inputs they describe, in a temporary folder.

The regression tests (``tests/core/test_hostile*.py``) assert each case's finding; this script gives the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FOLDER = os.path.join(HERE, "..", "..", "shared", "hostile")
SMALL = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"


def _big_buckets(path: str, size: int) -> None:
    """crash-27's generator: a block-style template of S3 buckets, `size` bytes."""
    out, n, total = ["Resources:\n"], 0, 11
    while total < size:
        part = f"  Bucket{n}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: name-{n}\n"
        out.append(part)
        total += len(part)
        n += 1
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("".join(out))


def _cases(folder: str, tmp: str) -> list[tuple[str, list[str]]]:
    """(name, preflight arguments) for every reproducer."""
    cases: list[tuple[str, list[str]]] = []
    recipes = {"crash-24.yaml", "crash-25.yaml", "crash-26.yaml", "crash-27.yaml"}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith(".cdk.out") or name.endswith(".yaml") and name not in recipes:
            cases.append((name, ["check", path]))
    crash19 = os.path.join(tmp, "crash-19.yaml")
    with open(crash19, "w", encoding="utf-8") as handle:
        handle.write("[" + ",".join(["0"] * 2_000_000) + "]\n")
    cases.append(("crash-19.yaml (generated)", ["check", crash19]))
    fifo_dir = os.path.join(tmp, "fifo")
    os.mkdir(fifo_dir)
    os.mkfifo(os.path.join(fifo_dir, "pipe.yaml"))
    cases.append(("crash-24 (FIFO in a folder)", ["check", fifo_dir]))
    cases.append(("crash-24 (FIFO given)", ["check", os.path.join(fifo_dir, "pipe.yaml")]))
    cases.append(("crash-25 (/dev/zero)", ["check", "/dev/zero"]))
    small = os.path.join(tmp, "t.yaml")
    with open(small, "w", encoding="utf-8") as handle:
        handle.write(SMALL)
    cases.append(("crash-26 (-o a folder)", ["check", small, "-o", tmp]))
    cases.append(("crash-26 (-o a missing folder)", ["check", small, "-o", os.path.join(tmp, "no", "such", "x")]))
    big = os.path.join(tmp, "big19.yaml")
    _big_buckets(big, 19 * 2**20)
    cases.append(("crash-27 (19 MB of buckets)", ["check", big]))
    legal = os.path.join(tmp, "big1.yaml")
    _big_buckets(legal, 1_000_000)
    cases.append(("crash-27 (1 MB of buckets, CloudFormation's limit)", ["check", legal]))
    return cases


def _run(args: list[str], limit_seconds: float) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "preflight", *args, "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=limit_seconds * 3)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    wall = time.perf_counter() - start
    codes: list[str] = []
    try:
        codes = sorted({f["code"] for f in json.loads(out)["findings"]})
    except (ValueError, KeyError, TypeError):
        pass
    text = err.decode("utf-8", "replace")
    return {"seconds": round(wall, 2), "exit": proc.returncode, "timed_out": timed_out, "codes": codes,
            "traceback": "Traceback (most recent call last)" in text, "stderr": text.strip()[-300:]}


def _measure(args: list[str], limit_seconds: float) -> dict[str, Any]:
    """Run one case from a fresh process, so that RUSAGE_CHILDREN's maximum is this case's alone."""
    script = (f"import json, resource, sys; sys.path.insert(0, {HERE!r}); from bench_hostile import _run; "
              "r = _run(json.loads(sys.argv[1]), float(sys.argv[2])); "
              "r['peak_mib'] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); "
              "print(json.dumps(r))")
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(args), str(limit_seconds)],
                          capture_output=True, text=True, check=False)
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--limit-seconds", type=float, default=10.0)
    parser.add_argument("--limit-mib", type=int, default=1024)
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args()
    if not os.path.isdir(args.folder):
        print(f"no hostile reproducers at {args.folder}", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="preflight-hostile.")
    rows = []
    try:
        for name, case_args in _cases(args.folder, tmp):
            result = _measure(case_args, args.limit_seconds)
            ok = (not result["traceback"] and not result["timed_out"] and "PF0000" not in result["codes"]
                  and result["seconds"] < args.limit_seconds and result["peak_mib"] < args.limit_mib
                  and (result["exit"] == 2 or bool(result["codes"]) or "skipped" in result["stderr"]))
            result.update(case=name, ok=ok)
            rows.append(result)
            cause = ",".join(result["codes"]) or result["stderr"].splitlines()[-1:] or ["-"]
            print(f"{'ok  ' if ok else 'FAIL'} {name:<52} {result['seconds']:>6.2f} s {result['peak_mib']:>6} MiB "
                  f"exit {result['exit']}  {cause if isinstance(cause, str) else cause[0][:70]}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(r["ok"] for r in rows)
    print(f"{passed} of {len(rows)} reproducers within the contract (no traceback, no PF0000, "
          f"< {args.limit_seconds:g} s, < {args.limit_mib} MiB, a finding, exit 2 or a 'skipped' line)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
