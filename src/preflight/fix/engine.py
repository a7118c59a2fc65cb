"""Apply the findings' fixes as text edits, re-check, verify, and keep only what is proved (DESIGN.md "Fixes").

A round collects the fixes of the current text's findings (by safety and --select/--ignore), applies the ones
whose edits do not overlap (an overlapping one waits for the next round), re-loads and re-checks. A fix is kept
only if its finding is gone, no new finding appears at any severity, the parsed value tree changed only under the
nodes its edits touch, and the no-new-access verifier (preflight.fix.access) reports nothing; otherwise it is
refused with the reason and its text reverted. Rounds repeat, at most MAX_ROUNDS, until nothing changes: the last
re-check offering nothing more to apply is the idempotence proof. Every character outside the edits is copied.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from preflight.checks.base import Options
from preflight.findings import Edit, Finding, Fix
from preflight.source.nodes import SeqNode, plain_values

MAX_ROUNDS = 5
_LOAD_AHEAD = 1_000_000  # larger texts are left to the check's own quota finding (PF0012), never loaded here
APPLIED_BY_DEFAULT = ("safe",)
Verifier = Callable[[str, str, str, Any], list[str]]
Checker = Callable[[str, str, Any, Options], list[Finding]]


class AppliedFix(NamedTuple):
    code: str
    resource: str | None
    title: str
    safety: str
    edits: tuple[Edit, ...]  # offsets into the ORIGINAL text (edits of later rounds mapped back)
    finding: Finding  # as reported on the text the fix was applied to
    round: int
    inserted: tuple[str, ...] = ()  # the new text of each edit, as written


class RefusedFix(NamedTuple):
    code: str
    resource: str | None
    title: str
    safety: str
    reason: str
    finding: Finding


class FixResult(NamedTuple):
    path: str
    original: str
    text: str  # the fixed text (== original when nothing was kept)
    applied: list[AppliedFix]
    refused: list[RefusedFix]
    findings: list[Finding]  # what is left after the fixes (selection applied)
    access: list[str] | None  # no-new-access violations of the whole change; None: the verifier is not available
    rounds: int = 0
    pending: tuple[Finding, ...] = ()  # fixes still changing the template when the rounds ran out

    @property
    def changed(self) -> bool:
        return self.text != self.original


class _Candidate(NamedTuple):
    finding: Finding
    fix: Fix
    edits: tuple[Edit, ...]  # sorted, in the coordinates of the round's text


# --------------------------------------------------------------------------- public entry


def fix_text(text: str, path: str = "<string>", *, pins: Any = None, unsafe: bool = False,
             options: Options | None = None, verifier: Verifier | None = None,
             checker: Checker | None = None) -> FixResult:
    """Fix one template given as text. `verifier` defaults to preflight.fix.access.new_access; when that is not
    available every change is refused (never assumed safe)."""
    import gc

    options = options or Options()
    engine = _Engine(text, path, pins, options, unsafe, verifier or _default_verifier(), checker)
    enabled = gc.isenabled()
    gc.disable()  # as check_text does, for the loads and trees of the rounds too (api.check_text says why)
    try:
        return engine.run()
    finally:
        if enabled:
            gc.enable()


def _default_verifier() -> Verifier | None:
    try:
        module = importlib.import_module("preflight.fix.access")
    except ImportError:
        return None
    func = getattr(module, "new_access", None)
    return func if callable(func) else None


def _missing_verifier(old: str, new: str, path: str, pins: Any) -> list[str]:
    return ["the no-new-access verifier (preflight.fix.access) is not available: no change can be proved safe"]


# --------------------------------------------------------------------------- edits


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Replace each edit's range; the edits must not overlap. Every other character is copied as it was."""
    out: list[str] = []
    at = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < at:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        out.append(text[at:edit.start])
        out.append(edit.text)
        at = edit.end
    out.append(text[at:])
    return "".join(out)


def overlaps(a: Edit, b: Edit) -> bool:
    """Two edits conflict when their ranges intersect, or when an insertion touches the other edit (the order
    of two insertions at one offset, or of an insertion at a replaced range's end, is not defined)."""
    if a.start < b.end and b.start < a.end:
        return True
    if a.start == a.end or b.start == b.end:
        return a.start <= b.end and b.start <= a.end
    return False


def _edit_problem(text: str, edits: Sequence[Edit]) -> str | None:
    if not edits:
        return "the fix has no edits"
    for edit in edits:
        if not 0 <= edit.start <= edit.end <= len(text):
            return f"edit {edit.start}-{edit.end} lies outside the text ({len(text)} characters)"
    for i, a in enumerate(edits):
        if any(overlaps(a, b) for b in edits[i + 1:]):
            return "the fix's own edits overlap"
    if apply_edits(text, edits) == text:
        return "the fix's edits change nothing"
    return None


def map_back(offset: int, edits: Sequence[Edit]) -> int:
    """An offset in the text after `edits` (sorted, non-overlapping) as an offset in the text before them; an
    offset inside inserted text maps to the start of the edit that inserted it."""
    delta = 0
    for edit in edits:
        new_start = edit.start + delta
        new_end = new_start + len(edit.text)
        if offset < new_start:
            break
        if offset <= new_end:
            return edit.start if offset < new_end or edit.start == edit.end else edit.end
        delta += len(edit.text) - (edit.end - edit.start)
    return offset - delta


def kept_outside(original: str, fixed: str, edits: Iterable[Edit]) -> bool:
    """Whether every character of `original` outside the edits' ranges is in `fixed`, in order, and nothing else
    was added between them: the text between two edits (and before the first, after the last) is found again
    as a whole. An independent check of the result (the edits of later rounds mapped back may overlap)."""
    merged: list[list[int]] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if merged and edit.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], edit.end)
        else:
            merged.append([edit.start, edit.end])
    bounds = [0, *(x for pair in merged for x in pair), len(original)]
    segments = [original[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
    if not merged:
        return fixed == original
    if not (fixed.startswith(segments[0]) and fixed.endswith(segments[-1])):
        return False
    at = len(segments[0])
    for segment in segments[1:-1]:
        found = fixed.find(segment, at)
        if found < 0:
            return False
        at = found + len(segment)
    return at <= len(fixed) - len(segments[-1])


# --------------------------------------------------------------------------- comparing findings


_LINE_REFS = re.compile(r"\b(lines?|line\s+\d+\s*-)\s*\d+|\b\d+:\d+\b")


def finding_key(finding: Finding) -> tuple[str, str, str]:
    """A finding's identity across edits: code, resource and message with line numbers normalized."""
    message = _LINE_REFS.sub(lambda m: m.group(1) + " N" if m.group(1) else "N:N", finding.message)
    return finding.code, finding.resource or "", message


def describe(finding: Finding) -> str:
    where = f" on {finding.resource}" if finding.resource else ""
    return f"{finding.code}{where}: {finding.message}"


# --------------------------------------------------------------------------- value trees


plain = plain_values  # the document as CloudFormation reads it (source/nodes.py)


def touched_path(root: Any, edit: Edit, text: str) -> tuple[Any, ...]:
    """The deepest node of the loaded document whose text contains the edit. A replacement lies within a node's
    span; an insertion must lie strictly inside the node's content (one at a boundary belongs to the enclosing
    node). A YAML block node's span runs on over the blank and comment lines after it: its content ends with its
    last child's."""
    path: tuple[Any, ...] = ()
    node = root
    while True:
        step = _child_containing(node, edit, text)
        if step is None:
            return path
        key, child, descend = step
        path = (*path, key)
        if not descend:
            return path
        node = child


def _content_end(node: Any, span: Any, text: str) -> int:
    end = int(span.end)
    if end and text[end - 1:end] in ("]", "}"):  # flow and JSON containers end with their bracket
        return end
    if isinstance(node, dict) and node:
        last = list(node)[-1]
        spans = getattr(node, "value_spans", {})
        if last in spans:
            return _content_end(node[last], spans[last], text)
    elif isinstance(node, SeqNode) and node and len(node.item_spans) == len(node):
        return _content_end(node[-1], node.item_spans[-1], text)
    while end > span.start and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _within(node: Any, span: Any, edit: Edit, text: str) -> bool:
    if span is None or span.end <= span.start:
        return False
    if edit.start != edit.end:
        return bool(span.start <= edit.start and edit.end <= span.end)
    end = _content_end(node, span, text)
    if span.start < edit.start < end:
        return True
    # At the end of a block node's content, an insertion extends that node when it is indented at least as
    # deep: "\n    - Sid: ..." after a statement list's last item is that list's, not the last statement's.
    # A scalar is never extended this way: `, "X"` after a flow list's last item is the list's.
    return bool(edit.start == end > span.start and isinstance(node, (dict, list))
                and text[end - 1:end] not in ("]", "}") and _indent(edit, text) >= span.column - 1)


def _indent(edit: Edit, text: str) -> float:
    """The indentation of the inserted text's first line of content; inline text (no line of its own) counts
    as infinitely deep: it extends the innermost node."""
    lines = edit.text.split("\n")
    own = [line for line in (lines[1:] if edit.start and text[edit.start - 1] != "\n" else lines) if line.strip()]
    if not own:
        return float("inf")
    return len(own[0]) - len(own[0].lstrip(" "))


def _child_containing(node: Any, edit: Edit, text: str) -> tuple[Any, Any, bool] | None:
    if isinstance(node, dict):
        value_spans = getattr(node, "value_spans", {})
        for key, value in node.items():
            span = value_spans.get(key)
            if _within(value, span, edit, text):
                return key, value, isinstance(value, (dict, list)) and not _whole(span, edit)
        return None
    if isinstance(node, list):
        item_spans = getattr(node, "item_spans", [])
        for index, span in enumerate(item_spans):
            if index < len(node) and _within(node[index], span, edit, text):
                value = node[index]
                return index, value, isinstance(value, (dict, list)) and not _whole(span, edit)
    return None


def _whole(span: Any, edit: Edit) -> bool:
    """A replacement of a node's whole text replaces the node (`!Ref X` -> `[!Ref X]`): it is touched as a whole,
    even where a child has the same span (a short-form tag's mapping and its value)."""
    return bool(edit.start == span.start and edit.end == span.end and edit.start < edit.end)


def changed_paths(old: Any, new: Any, path: tuple[Any, ...] = ()) -> Iterable[tuple[Any, ...]]:
    """The outermost paths at which two plain trees differ (a list of another length differs as a whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            if key not in old or key not in new:
                yield (*path, key)
            else:
                yield from changed_paths(old[key], new[key], (*path, key))
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new)):
            yield from changed_paths(a, b, (*path, index))
        return
    if type(old) is not type(new) or old != new:
        yield path


def dotted(path: Sequence[Any]) -> str:
    return ".".join(str(p) for p in path) or "(the whole template)"


# --------------------------------------------------------------------------- the engine


class _Trial(NamedTuple):
    text: str
    findings: list[Finding]
    reason: str | None


class _Engine:
    def __init__(self, text: str, path: str, pins: Any, options: Options, unsafe: bool, verifier: Verifier | None,
                 checker: Checker | None) -> None:
        self.original = text
        self.path = path
        self.pins = pins
        self.options = options
        self.full = options._replace(select=frozenset(), ignore=frozenset())  # new findings count at any code
        self.safeties = ("safe", "unsafe") if unsafe else APPLIED_BY_DEFAULT
        self.available = verifier is not None
        self.verifier: Verifier = verifier or _missing_verifier
        self.checker = checker or self._check
        self.applied: list[AppliedFix] = []
        self.refused: list[RefusedFix] = []
        self.refused_keys: Counter[tuple[str, str, str]] = Counter()
        self.history: list[list[Edit]] = []  # each kept round's edits, in that round's coordinates

    def run(self) -> FixResult:
        text = self.original
        findings = self.checker(text, self.path, self.pins, self.full)
        rounds = 0
        pending: tuple[Finding, ...] = ()
        while True:
            candidates = self._candidates(text, findings)
            if not candidates:
                break
            if rounds == MAX_ROUNDS:
                pending = tuple(c.finding for c in candidates)
                for c in candidates:
                    self._refuse(c, f"not applied: the fixes were still changing the template after {MAX_ROUNDS} "
                                    f"rounds")
                break
            # a round that keeps nothing has refused at least one candidate, so the loop ends; only kept rounds count
            text, findings, kept = self._round(text, findings, candidates, rounds + 1)
            rounds += kept
        access = self._final_access(text)
        if access and text != self.original:  # the rounds each passed, their sum did not: keep nothing
            for fix in self.applied:
                self.refused.append(RefusedFix(fix.code, fix.resource, fix.title, fix.safety,
                                               "the whole change grants new access: " + "; ".join(access),
                                               fix.finding))
            self.applied = []
            text = self.original
            findings = self.checker(text, self.path, self.pins, self.full)
        left = _select(findings, self.options)
        return FixResult(self.path, self.original, text, self.applied, self.refused, left,
                         access if self.available else None, rounds, pending)

    # -- one round

    def _candidates(self, text: str, findings: list[Finding]) -> list[_Candidate]:
        out = []
        refused = Counter(self.refused_keys)
        for finding in findings:
            fix = finding.fix
            if fix is None or fix.safety not in self.safeties or not fix.edits or not _selected(finding, self.options):
                continue
            key = finding_key(finding)
            if refused[key] > 0:
                refused[key] -= 1
                continue
            edits = tuple(sorted(fix.edits, key=lambda e: (e.start, e.end)))
            candidate = _Candidate(finding, fix, edits)
            problem = _edit_problem(text, edits)
            if problem:
                self._refuse(candidate, problem)
                continue
            out.append(candidate)
        return out

    def _round(self, text: str, findings: list[Finding], candidates: list[_Candidate],
               number: int) -> tuple[str, list[Finding], bool]:
        chosen: list[_Candidate] = []
        for candidate in candidates:  # in report order: the first of two overlapping fixes goes first
            if not any(overlaps(a, b) for c in chosen for a in c.edits for b in candidate.edits):
                chosen.append(candidate)
        trial = self._try(text, findings, chosen)
        if trial.reason is None:
            return self._keep(text, trial, chosen, number)
        if len(chosen) == 1:
            self._refuse(chosen[0], trial.reason)
            return text, findings, False
        # Which one failed? Each alone; the failing ones are refused, the first that passes is kept now and the
        # others go again next round (a pair that fails only together is then refused on its own merits).
        for candidate in chosen:
            alone = self._try(text, findings, [candidate])
            if alone.reason is not None:
                self._refuse(candidate, alone.reason)
                continue
            return self._keep(text, alone, [candidate], number)
        return text, findings, False

    def _keep(self, text: str, trial: _Trial, chosen: list[_Candidate],
              number: int) -> tuple[str, list[Finding], bool]:
        edits = sorted((e for c in chosen for e in c.edits), key=lambda e: (e.start, e.end))
        for candidate in chosen:
            original = tuple(Edit(self._to_original(e.start), self._to_original(e.end), e.text)
                             for e in candidate.edits)
            self.applied.append(AppliedFix(candidate.finding.code, candidate.finding.resource, candidate.fix.title,
                                           candidate.fix.safety, original, candidate.finding, number,
                                           tuple(e.text for e in candidate.edits)))
        self.history.append(edits)
        return trial.text, trial.findings, True

    def _to_original(self, offset: int) -> int:
        for edits in reversed(self.history):
            offset = map_back(offset, edits)
        return offset

    def _refuse(self, candidate: _Candidate, reason: str) -> None:
        f = candidate.finding
        self.refused.append(RefusedFix(f.code, f.resource, candidate.fix.title, candidate.fix.safety, reason, f))
        self.refused_keys[finding_key(f)] += 1

    # -- verification

    def _try(self, text: str, before: list[Finding], chosen: list[_Candidate]) -> _Trial:
        edits = [e for c in chosen for e in c.edits]
        new = apply_edits(text, edits)
        reason = self._tree_problem(text, new, edits)
        if reason:
            return _Trial(new, [], reason)
        after = self.checker(new, self.path, self.pins, self.full)
        reason = _findings_problem(before, after, chosen) or self._access_problem(text, new)
        return _Trial(new, after, reason)

    def _tree_problem(self, old: str, new: str, edits: Sequence[Edit]) -> str | None:
        from preflight.source.document import LoadError

        old_doc, new_doc = self._load(old), self._load(new)
        if isinstance(old_doc, LoadError):
            return f"the template does not load ({old_doc.message}): edits cannot be verified"
        if isinstance(new_doc, LoadError):
            return f"the edited template does not load: line {new_doc.span.line}: {new_doc.message}"
        old_root, new_root = old_doc.root, new_doc.root
        touched = [touched_path(old_root, e, old) for e in edits]
        # the loaded nodes are dicts and lists: compared as the plain values they hold, spans aside
        outside = [p for p in changed_paths(old_root, new_root) if not any(p[:len(t)] == t for t in touched)]
        if outside:
            return (f"the edits change the template's values outside the nodes they touch "
                    f"({', '.join(dotted(p) for p in outside[:3])})")
        return None

    def _load(self, text: str) -> Any:
        """The text's Document (or its LoadError), loaded once: the tree comparison and the re-check share it
        (checks never modify it, DESIGN.md "Data flow")."""
        from preflight.source.document import LoadError, load_recent

        try:
            return load_recent(text, self.path)  # shared with the verifier's loads of the same texts
        except LoadError as exc:
            return exc

    def _check(self, text: str, path: str, pins: Any, options: Options) -> list[Finding]:
        from preflight.api import check_loaded
        from preflight.source.document import LoadError

        document = self._load(text) if len(text) <= _LOAD_AHEAD else None
        return check_loaded(text, path, None if isinstance(document, LoadError) else document, pins=pins,
                            options=options)

    def _access_problem(self, old: str, new: str) -> str | None:
        try:
            violations = self.verifier(old, new, self.path, self.pins)
        except Exception as exc:  # noqa: BLE001 - an unproved change is refused, and the reason said
            return f"the no-new-access verifier failed: {type(exc).__name__}: {exc}"
        if violations:
            return "it grants new access: " + "; ".join(violations)
        return None

    def _final_access(self, text: str) -> list[str]:
        if text == self.original or not self.available or len(self.history) == 1:
            return []  # one kept round: its verification was of this very change (original -> text)
        return list(self.verifier(self.original, text, self.path, self.pins))


def _findings_problem(before: list[Finding], after: list[Finding], chosen: list[_Candidate]) -> str | None:
    old = Counter(finding_key(f) for f in before)
    now = Counter(finding_key(f) for f in after)
    meant = Counter(finding_key(c.finding) for c in chosen)
    for key, count in meant.items():
        if old[key] - now[key] < count:
            return f"its finding is still reported after the edit ({key[0]}: {key[2]})"
    # New: a finding of a code on a resource that has more of them than before. One whose message changed (a
    # finding that lists the statements of the policy just edited) is the same finding, not a new one.
    # A warning of phase "account" on a resource the fix is about names a fact about the account that the fix
    # cannot change, not a failure the edit causes: the documented fix of PF6103 names Auto Scaling's
    # service-linked role, which a new account lacks (PF6512). It stays in the findings left, and is said.
    fixed = [c.finding for c in chosen]
    added = Counter(_owner(f) for f in after if not is_precondition(f, fixed)) - Counter(_owner(f) for f in before)
    if added:
        new = [f for f in after if added[_owner(f)] > 0 and finding_key(f) not in old]
        more = f" (and {sum(added.values()) - 1} more)" if sum(added.values()) > 1 else ""
        return f"the edit introduces a new finding: {describe((new or after)[0])}{more}"
    return None


def is_precondition(finding: Finding, fixed: Iterable[Finding]) -> bool:
    """An account-phase warning on a resource that one of the `fixed` findings is about: a fact about the account
    the fix brings with it (a service-linked role its documented statement names), not a failure it causes."""
    return finding.phase == "account" and any(
        finding.resource in (f.resource, *f.related) for f in fixed if finding.resource
    )


def _owner(finding: Finding) -> tuple[str, str]:
    return finding.code, finding.resource or ""


def _selected(finding: Finding, options: Options) -> bool:
    if options.select and not any(finding.code.startswith(s) for s in options.select):
        return False
    return not any(finding.code.startswith(s) for s in options.ignore)


def _select(findings: list[Finding], options: Options) -> list[Finding]:
    return [f for f in findings if _selected(f, options)]
