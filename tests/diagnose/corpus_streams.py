"""Cases built from ../shared/corpus/failing-labels.jsonl: each label that quotes an AWS error becomes a failed
deployment (in progress, the failure, the cancellations, the rollback) written in every paste format, newest and
oldest first, with the root shown and cut off; `diagnose` with the labelled template must name the labelled
resource and category. Run as a script for the numbers per format:

    python -m tests.diagnose.corpus_streams
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

from preflight.data.errors import match_error
from preflight.diagnose.core import Template, diagnose, load_template
from preflight.diagnose.events import STATUS_RE, parse_events
from tests.diagnose.streams import FORMATS, render, scenario

SHARED = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "shared"
)
LABELS = os.path.join(SHARED, "corpus", "failing-labels.jsonl")

# The corpus labels use the check categories; diagnose adds already-exists and limit-exceeded (issue 10), which
# the labels file as name-constraint (a name or an account singleton that exists) and, for quotas, other.
EQUIVALENT = {"name-constraint": {"already-exists", "limit-exceeded"}, "other": {"limit-exceeded"}}


class Case(NamedTuple):
    file: str
    reason: str
    categories: frozenset[str]  # every category labelled for this file and message
    resources: frozenset[str]  # every resource labelled for it
    validation: bool  # a change-set error: no events
    named: str | None = None  # the resource the quote says failed ("X CREATE_FAILED ..."), if it does


def available() -> bool:
    return os.path.exists(LABELS)


def cases() -> list[Case]:
    grouped: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    named: dict[tuple[str, str], str | None] = {}
    with open(LABELS, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if not row.get("error_message"):
                continue
            key = (row["file"], _clean(row["error_message"]))
            named[key] = named.get(key) or _named_failing(row["error_message"])
            cats, res = grouped.setdefault(key, (set(), set()))
            cats.add(row["category"])
            res.update(row.get("resources") or [])
    out = []
    for (file, reason), (cats, res) in sorted(grouped.items()):
        signature = match_error(reason)
        validation = bool(
            signature
            and signature.id.startswith("template-")
            and "Unrecognized" not in reason
            or re.match(r"Template format error", reason)
        )
        out.append(Case(file, reason, frozenset(cats), frozenset(res), validation, named[(file, reason)]))
    return out


def _clean(message: str) -> str:
    """A label quotes the error as its author saw it; keep the status reason only (no 'X CREATE_FAILED' prefix)."""
    text = re.sub(r"\s+", " ", message).strip()
    text = re.sub(r"^.*?ResourceStatusReason:\s*", "", text)
    match = STATUS_RE.search(text)
    if match and match.start() < 60:
        text = text[match.end() :].lstrip(": ")
    return text.strip().strip('"')


def _named_failing(message: str) -> str | None:
    match = re.match(
        r"(?:CREATE_FAILED: )?([A-Za-z0-9]+)\s+(?:CREATE|UPDATE)_FAILED", re.sub(r"\s+", " ", message)
    )
    return match.group(1) if match else None


@cache
def template(file: str) -> Template:
    from preflight.api import check_text, read_template

    path = os.path.join(SHARED, "corpus", file)
    text = read_template(path)
    return load_template(path, text, check_text(text, path))


def failing_resource(case: Case, tpl: Template) -> tuple[str, str] | None:
    """The resource whose event fails: the one the quote names, a labelled one of the signature's types, the
    template's first resource of those types (the label may name where the fix goes, not what failed: an ALB
    fails for its log bucket's policy), else a labelled one."""
    signature = match_error(case.reason)
    types = set(signature.resource_types) if signature else set()
    labelled = [r for r in sorted(case.resources) if r in tpl.resources]
    for pick in (
        [case.named] if case.named in tpl.resources else [],
        [r for r in labelled if tpl.resources[r].type in types],
        [lid for lid, r in tpl.resources.items() if r.type in types],
        labelled,
    ):
        if pick:
            return pick[0], tpl.resources[pick[0]].type
    return None


class Result(NamedTuple):
    fmt: str
    shown: bool
    root_ok: bool
    named_ok: (
        bool | None
    )  # a labelled resource is named (root, predicting finding, cycle); None: none labelled
    category_ok: bool
    root_shown: bool


def run_case(case: Case, fmt: str, newest_first: bool, show_root: bool) -> Result | None:
    tpl = template(case.file)
    if case.validation:
        if not show_root or newest_first:
            return None
        text = _validation_text(case.reason, fmt)
        expect = None
    else:
        failing = failing_resource(case, tpl)
        if failing is None:
            return None
        root, rtype = failing
        others = [(lid, r.type) for lid, r in tpl.resources.items() if lid != root][:4] or [
            ("Extra", "AWS::SNS::Topic")
        ]
        text = render(
            fmt,
            scenario(root, rtype, _as_reason(case.reason), others, blocker=True, show_root=show_root),
            newest_first,
        )
        expect = root if show_root else None
    d = diagnose([parse_events(text)], [tpl])
    got = d.root or {}
    named = {got.get("resource")} | set(got.get("cycle") or ())
    if d.predicted_by is not None:
        named |= {d.predicted_by.resource} | set(d.predicted_by.related)
    category = got.get("category")
    cat_ok = category in case.categories or any(category in EQUIVALENT.get(c, ()) for c in case.categories)
    root_ok = (got.get("resource") == expect or case.validation) if show_root else d.root is None
    named_ok = bool(named & case.resources) if case.resources else None
    return Result(fmt, show_root, root_ok, named_ok, cat_ok, d.root is not None)


def _as_reason(reason: str) -> str:
    if reason.startswith("Resource handler returned message"):
        return reason
    return f'Resource handler returned message: "{reason}" (RequestToken: 0d9f, HandlerErrorCode: InvalidRequest)'


def _validation_text(reason: str, fmt: str) -> str:
    if fmt == "cdk":
        return f"demo-stack: creating CloudFormation changeset...\n\n ❌  demo-stack failed: ValidationError: {reason}\n"
    if fmt in ("cli-text", "cli-table", "json"):
        return f"\nAn error occurred (ValidationError) when calling the CreateStack operation: {reason}\n"
    return reason + "\n"


def results() -> Iterator[tuple[Case, Result]]:
    for case in cases():
        for fmt in FORMATS:
            for newest in (True, False):
                for show in (True, False):
                    result = run_case(case, fmt, newest, show)
                    if result is not None:
                        yield case, result


def main() -> None:
    table: dict[str, list[Result]] = {}
    misses = []
    for case, result in results():
        table.setdefault(result.fmt, []).append(result)
        if not (result.root_ok and result.category_ok and result.named_ok is not False) and result.shown:
            misses.append((case, result))
    every = cases()
    print(
        f"{len(every)} cases (file, quoted error) from {len({c.file for c in every})} templates; "
        f"{sum(1 for c in every if c.resources)} with labelled resources; "
        f"{sum(1 for c in every if c.validation)} change-set errors (no events)"
    )
    print(f"{'format':<16} {'shown':>5} {'root':>6} {'named':>6} {'cat':>6}   {'hidden':>6} {'not-shown':>9}")
    total: list[Result] = []
    for fmt, rows in list(table.items()) + [("ALL", total)]:
        if fmt != "ALL":
            total.extend(rows)
        shown = [r for r in rows if r.shown]
        hidden = [r for r in rows if not r.shown]
        print(
            f"{fmt:<16} {len(shown):>5} {_pct(shown, 'root_ok'):>6} {_pct(shown, 'named_ok'):>6} "
            f"{_pct(shown, 'category_ok'):>6}   {len(hidden):>6} {_pct(hidden, 'root_ok'):>9}"
        )
    seen = set()
    for case, result in misses:
        if (case.file, case.reason) in seen:
            continue
        seen.add((case.file, case.reason))
        print(
            f"miss {result.fmt} {case.file} {sorted(case.categories)} {sorted(case.resources)[:3]}: {case.reason[:90]}"
        )


def _pct(rows: list[Result], field: str) -> str:
    values = [getattr(r, field) for r in rows if getattr(r, field) is not None]
    return f"{100 * sum(values) / len(values):.0f}%" if values else "-"


if __name__ == "__main__":
    main()
