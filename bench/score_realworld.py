#!/usr/bin/env python3
"""Recall on the real-world failure set (tests/realworld/cases) and false errors on its fixed twins.

  python bench/score_realworld.py [--misses] [--json FILE]

A case is caught when its failing template yields an error or warning on the labelled resource, in the labelled
category (one of them when the case names two) and, when the case lists expect_codes, with one of those codes: the
rule of tests/realworld/realworld.py, shared with the tests. A fixed twin with any error-level finding is a false
error. Prints recall per category and per issue #13 class, then the misses grouped by class.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.realworld.realworld import check, describe, errors, hits, load_cases


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", action="store_true", help="also print what preflight found on each miss")
    ap.add_argument("--json", help="write the results to this file")
    a = ap.parse_args()

    cases = load_cases()
    rows = []
    for case in cases:
        failing = check(case.failing, case.pins, strict=False)
        fixed = check(case.fixed, case.fixed_pins, strict=False)
        caught = hits(case, failing)
        rows.append({"slug": case.slug, "class": case.klass, "category": "/".join(case.categories),
                     "caught": bool(caught), "codes": sorted({f.code for f in caught}),
                     "severity": sorted({f.severity for f in caught}),
                     "false_errors": [f"{f.code} {f.resource}" for f in errors(fixed)],
                     "thread": case.thread, "error": case.error, "found": describe(failing)})

    def table(key: str, title: str) -> None:
        agg: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        for r in rows:
            agg[r[key]][0] += r["caught"]
            agg[r[key]][1] += 1
        print(f"{title:28} caught/total")
        for name, (k, n) in sorted(agg.items()):
            print(f"  {name:26} {k}/{n}")

    table("category", "category")
    table("class", "issue #13 class")
    k, n = sum(r["caught"] for r in rows), len(rows)
    warned = sum(1 for r in rows if r["caught"] and "error" not in r["severity"])
    fe = [r for r in rows if r["false_errors"]]
    print(f"recall {k}/{n} = {k / max(n, 1):.1%} ({warned} of the caught only as warnings); "
          f"fixed twins with a false error: {len(fe)}/{n}")
    for r in fe:
        print(f"false error on fixed twin: {r['slug']}: {', '.join(r['false_errors'])}")
    by_class: dict[str, list[dict]] = collections.defaultdict(list)
    for r in rows:
        if not r["caught"]:
            by_class[r["class"]].append(r)
    for klass in sorted(by_class):
        print(f"misses, class {klass}:")
        for r in by_class[klass]:
            print(f"  {r['slug']} [{r['category']}] {r['error'][:100]}  ({r['thread']})")
            if a.misses:
                print(f"      found: {r['found'][:300]}")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
