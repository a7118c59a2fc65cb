#!/usr/bin/env python3
"""Corpus recall counted per cause (issue #13, "Measured, not assumed").

  python bench/score_causes.py [--corpus ../shared/corpus] [--cmd 'preflight check --format json'] [--show N]
                               [--deployed] [--verify]

../shared/corpus/failing-labels.jsonl has one line per (cause, category) label; the issue counts a cause labelled in
two categories once, caught when either label is caught. Labels are grouped into causes: same file, same
error_message, overlapping resources (two labels whose resource lists share a logical id, or are equal, including
both empty); the grouping is transitive (union-find). A cause is caught when any of its labels is caught.

A label is caught by score.py's rule: a finding in that file with severity error or warning, the labelled category,
and a resource or related naming one of the labelled resources (a label without resources: the category alone).
The checker is run by score.py's own `run` (imported from the corpus folder, the same command line and batches);
its matching rule lives inside score.py's main(), so it is restated in `label_caught` below, line for line, and
--verify runs score.py itself and checks that the label-level recall printed here is the one it prints.

`--deployed` also counts deployed templates with an error-level finding (false alarms), as score.py does.
The strict variant printed beside the main number never merges two labels whose error_message is null (a null
message says nothing about the cause being the same): it shows how much the grouping rule itself moves the number.
"""

from __future__ import annotations

import argparse
import collections
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "corpus")


def load_score_module(corpus: str) -> Any:
    spec = importlib.util.spec_from_file_location("corpus_score", os.path.join(corpus, "score.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def label_caught(lab: dict[str, Any], findings: list[dict[str, Any]]) -> bool:
    """score.py's rule, restated (its `hit` is a closure inside main())."""
    fs = [f for f in findings if f.get("severity") in ("error", "warning")]

    def hit(f: dict[str, Any]) -> bool:
        names = {f.get("resource")} | set(f.get("related") or [])
        on_resource = bool(names & set(lab["resources"])) if lab["resources"] else True
        return on_resource and f.get("category") == lab["category"]

    return any(hit(f) for f in fs)


def group_causes(labels: list[dict[str, Any]], merge_null_messages: bool = True) -> list[list[int]]:
    """Indices of labels grouped into causes (union-find over same file, same message, overlapping resources)."""
    parent = list(range(len(labels)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_file: dict[str, list[int]] = collections.defaultdict(list)
    for i, lab in enumerate(labels):
        by_file[lab["file"]].append(i)
    for members in by_file.values():
        for a, i in enumerate(members):
            for j in members[a + 1:]:
                x, y = labels[i], labels[j]
                if x["error_message"] != y["error_message"]:
                    continue
                if x["error_message"] is None and not merge_null_messages:
                    continue
                rx, ry = set(x["resources"]), set(y["resources"])
                if rx & ry or rx == ry:
                    parent[find(i)] = find(j)
    groups: dict[int, list[int]] = collections.defaultdict(list)
    for i in range(len(labels)):
        groups[find(i)].append(i)
    return sorted(groups.values())


def verify_label_recall(corpus: str, cmd: str, caught: int, total: int) -> str:
    out = subprocess.run([sys.executable, os.path.join(corpus, "score.py"), "--cmd", cmd], capture_output=True,
                         text=True, cwd=os.getcwd(), check=False).stdout
    m = re.search(r"recall (\d+)/(\d+)", out)
    if not m:
        return f"verify: could not read score.py's recall line:\n{out[-500:]}"
    theirs = (int(m.group(1)), int(m.group(2)))
    verdict = "agrees" if theirs == (caught, total) else "DISAGREES"
    return f"verify: score.py label recall {theirs[0]}/{theirs[1]}, here {caught}/{total}: {verdict}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--cmd", default="preflight check --format json")
    ap.add_argument("--show", type=int, default=100, help="misses to list")
    ap.add_argument("--deployed", action="store_true", help="also count false errors on deployed/")
    ap.add_argument("--verify", action="store_true", help="run score.py and compare the label-level recall")
    ap.add_argument("--json", help="write the numbers and misses to this file")
    a = ap.parse_args()

    score = load_score_module(a.corpus)
    with open(os.path.join(a.corpus, "failing-labels.jsonl"), encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh if line.strip()]
    failing = sorted({os.path.join(a.corpus, lab["file"]) for lab in labels})
    deployed = sorted(glob.glob(os.path.join(a.corpus, "deployed", "*"))) if a.deployed else []
    found, failures = score.run(a.cmd, failing + deployed)

    label_ok = [label_caught(lab, found.get(os.path.realpath(os.path.join(a.corpus, lab["file"])), []))
                for lab in labels]
    per_cat: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for lab, ok in zip(labels, label_ok):
        per_cat[lab["category"]][0] += ok
        per_cat[lab["category"]][1] += 1

    causes = group_causes(labels)
    strict = group_causes(labels, merge_null_messages=False)
    cause_ok = [any(label_ok[i] for i in group) for group in causes]
    strict_ok = sum(any(label_ok[i] for i in group) for group in strict)

    print(f"{'category (labels)':26} caught/total")
    for cat, (k, n) in sorted(per_cat.items()):
        print(f"  {cat:24} {k}/{n}")
    n_lab, k_lab = len(labels), sum(label_ok)
    print(f"label recall {k_lab}/{n_lab} = {k_lab / max(n_lab, 1):.1%} (score.py's number)")
    k_c, n_c = sum(cause_ok), len(causes)
    print(f"cause recall {k_c}/{n_c} = {k_c / max(n_c, 1):.1%} "
          f"(strict grouping, null messages never merged: {strict_ok}/{len(strict)} = "
          f"{strict_ok / max(len(strict), 1):.1%})")
    if failures:
        print(f"checker failures: {len(failures)}: {failures[:3]}")
    misses = []
    for group, ok in zip(causes, cause_ok):
        if ok:
            continue
        labs = [labels[i] for i in group]
        miss = {"file": labs[0]["file"], "categories": sorted({lab["category"] for lab in labs}),
                "resources": sorted({r for lab in labs for r in lab["resources"]}),
                "error_message": labs[0]["error_message"], "labels": len(labs)}
        misses.append(miss)
    for m in misses[:a.show]:
        msg = (m["error_message"] or "")[:110]
        print(f"miss: {m['file']} {'/'.join(m['categories'])} {m['resources']} {msg}")
    alarms = []
    if a.deployed:
        alarms = [(os.path.basename(p), f.get("code"), f.get("resource")) for p in deployed
                  for f in found.get(os.path.realpath(p), []) if f.get("severity") == "error"]
        print(f"deployed templates with a false error: {len({p for p, _, _ in alarms})}/{len(deployed)}")
        for alarm in alarms[:a.show]:
            print("false error:", *alarm)
    if a.verify:
        print(verify_label_recall(a.corpus, a.cmd, k_lab, n_lab))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump({"labels": [k_lab, n_lab], "causes": [k_c, n_c], "causes_strict": [strict_ok, len(strict)],
                       "per_category": per_cat, "misses": misses, "false_errors": alarms}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
