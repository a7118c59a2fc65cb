#!/usr/bin/env python3
"""Measurement (not a test): `preflight fix` over the corpus and the goldens (issue 9, "Measured, not assumed").

    python bench/bench_fix.py [--failing DIR] [--deployed DIR] [--limit N]

- failing corpus + every golden's failing template: of the findings that carry a safe fix with edits, the share
  removed with no new finding; idempotence (fixing the result changes nothing); characters changed outside the
  edits (an independent character diff of original and result, compared with the applied edits' ranges);
  no-new-access violations of the kept change (the verifier run again on original vs result); refusals by reason.
- deployed corpus: fix completes without an error on every template, and every change is an applied fix's.
- time: check over both corpora vs fix over both (fix includes its first check); and the engine alone, with the
  verifier left out, to tell the engine's cost from the verifier's.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from collections import Counter
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared", "corpus")


def _templates(folder: str) -> list[str]:
    found = []
    for pattern in ("**/*.yaml", "**/*.yml", "**/*.json", "**/*.template"):
        found += glob.glob(os.path.join(folder, pattern), recursive=True)
    return sorted(set(found))


def measure(paths: list[str], label: str) -> dict[str, Any]:
    from preflight.api import check_text, read_template
    from preflight.errors import PreflightError
    from preflight.fix.access import new_access
    from preflight.fix.engine import finding_key, fix_text, is_precondition, kept_outside

    stats: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    errors: list[str] = []
    t_check = t_fix = 0.0
    for path in paths:
        try:
            text = read_template(path)
        except PreflightError as exc:
            errors.append(str(exc))
            continue
        t = time.perf_counter()
        before = check_text(text, path)
        t_check += time.perf_counter() - t
        t = time.perf_counter()
        try:
            result = fix_text(text, path)
        except Exception as exc:  # noqa: BLE001 - a measurement: count and name it
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
            continue
        t_fix += time.perf_counter() - t
        stats["files"] += 1
        fixable = Counter(finding_key(f) for f in before if f.fix and f.fix.safety == "safe" and f.fix.edits)
        after = Counter(finding_key(f) for f in result.findings)
        stats["safe_fix_findings"] += sum(fixable.values())
        stats["removed"] += sum(max(0, n - after[k]) for k, n in fixable.items())
        # an account-phase warning on a resource a fix is about is the fix's stated precondition (fix/engine.py
        # _findings_problem: a service-linked role the account must have), counted apart from new findings
        fixed = [a.finding for a in result.applied]
        added = Counter((f.code, f.resource) for f in result.findings) - \
            Counter((f.code, f.resource) for f in before)
        preconditions = {(f.code, f.resource) for f in result.findings if is_precondition(f, fixed)}
        stats["preconditions"] += sum(n for k, n in added.items() if k in preconditions)
        stats["new_findings"] += sum(n for k, n in added.items() if k not in preconditions)
        stats["messages_changed"] += sum((after - Counter(finding_key(f) for f in before)).values())
        stats["applied"] += len(result.applied)
        stats["minimal_edits"] += sum(  # a near-miss statement edited in place (fix/nearmiss.py), not one added
            1 for a in result.applied if a.finding.fix is not None
            and any(c.startswith("edited ") for c in getattr(a.finding.fix, "changes", ())))
        stats["refused"] += len(result.refused)
        for refused in result.refused:
            reasons[refused.reason.split(":")[0][:70]] += 1
        if result.changed:
            stats["files_changed"] += 1
            stats["bytes_outside_edits_changed"] += not kept_outside(text, result.text,
                                                                     [e for a in result.applied for e in a.edits])
            stats["access_violations"] += len(new_access(text, result.text, path, None))
            stats["not_idempotent"] += fix_text(result.text, path).changed
    share = stats["removed"] / stats["safe_fix_findings"] if stats["safe_fix_findings"] else 1.0
    print(f"\n== {label}: {len(paths)} templates")
    for key in ("files", "files_changed", "safe_fix_findings", "removed", "new_findings", "preconditions",
                "messages_changed",
                "applied", "minimal_edits", "refused",
                "not_idempotent", "bytes_outside_edits_changed", "access_violations"):
        print(f"  {key:<22} {stats[key]}")
    print(f"  removed share          {share:.1%}")
    for reason, count in reasons.most_common(8):
        print(f"  refused: {count:>4} x {reason}")
    print(f"  errors                 {len(errors)}")
    for error in errors[:5]:
        print(f"    {error}")
    print(f"  check {t_check:.2f} s, fix {t_fix:.2f} s (x{t_fix / t_check if t_check else 0:.2f})")
    return {"stats": stats, "errors": errors, "check": t_check, "fix": t_fix}


def _engine_only(paths: list[str]) -> None:
    """The same fixes with the no-new-access verifier replaced by one that objects to nothing: the engine's own
    cost (re-checks, value trees), apart from the verifier's. A timing only: nothing of it is kept or written."""
    from preflight.api import check_text, read_template
    from preflight.errors import PreflightError
    from preflight.fix.engine import fix_text

    t_check = t_fix = 0.0
    for path in paths:
        try:
            text = read_template(path)
        except PreflightError:
            continue
        t = time.perf_counter()
        check_text(text, path)
        t_check += time.perf_counter() - t
        t = time.perf_counter()
        fix_text(text, path, verifier=lambda old, new, path, pins: [])
        t_fix += time.perf_counter() - t
    print(f"== engine alone (verifier left out, timing only): check {t_check:.2f} s, fix {t_fix:.2f} s "
          f"(x{t_fix / t_check if t_check else 0:.2f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failing", default=os.path.join(SHARED, "failing"))
    parser.add_argument("--deployed", default=os.path.join(SHARED, "deployed"))
    parser.add_argument("--limit", type=int, default=0, help="at most N templates per set (0: all)")
    args = parser.parse_args()
    goldens = sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "PF*_*", "failing.*")))
    sets = [("failing corpus", _templates(args.failing)), ("goldens (failing.*)", goldens),
            ("deployed corpus", _templates(args.deployed))]
    total_check = total_fix = 0.0
    for label, paths in sets:
        paths = paths[: args.limit] if args.limit else paths
        out = measure(paths, label)
        total_check += out["check"]
        total_fix += out["fix"]
    print(f"\n== time over all: check {total_check:.2f} s, fix {total_fix:.2f} s "
          f"(x{total_fix / total_check if total_check else 0:.2f})")
    _engine_only([p for _label, paths in sets for p in paths][: args.limit * 3 if args.limit else None])
    return 0


if __name__ == "__main__":
    sys.exit(main())
