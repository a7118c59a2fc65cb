"""The fix engine (preflight.fix.engine): edits, overlaps, rounds, refusal reasons, idempotence, bytes kept.

Most tests drive the engine with a small scripted checker (findings computed from tokens in the text) and a
scripted verifier, so that each rule of the engine is exercised alone; the last ones run the real checks on real
templates (the letter-case renames of PF8001/PF8003)."""

from __future__ import annotations

import os
import re

import pytest

from preflight.checks.base import Options
from preflight.findings import Edit, Finding, Fix
from preflight.fix import engine
from preflight.fix.engine import (
    MAX_ROUNDS,
    apply_edits,
    changed_paths,
    finding_key,
    fix_text,
    kept_outside,
    map_back,
    overlaps,
    touched_path,
)
from preflight.source.document import load_text
from preflight.source.span import LineIndex
from tests.conftest import ROOT, STRICT

# --------------------------------------------------------------------------- a scripted checker

_TOKEN = re.compile(r"\b(bad|risky|shown|spread|worse|stuck|both|half|c|grant|watch)(\d+)\b")


def _finding(text: str, start: int, end: int, message: str, fix: Fix | None, code: str = "PF8003") -> Finding:
    words = message.split()
    resource = "C" if words[0] == "c" else "R" + (words[1] if len(words) > 1 else "")
    return Finding("t.yaml", LineIndex(text).span(start, end), code, "template-structure", "error", message,
                   resource=resource, fix=fix)


def _scripted(text: str, path: str, pins: object, options: Options) -> list[Finding]:
    """bad<N> -> good<N> (safe); risky<N> -> fine<N> (unsafe); shown<N> (display); spread<N>: the edit adds a
    key elsewhere; worse<N> -> bad9<N> (a new finding); stuck<N>: a comment only (the finding stays);
    both<N>: two findings on one range (the second becomes half<N> -> done<N>); c<N>: N rounds of c<N-1>;
    grant<N> -> granted (the scripted verifier objects)."""
    out = []
    for m in _TOKEN.finditer(text):
        kind, n = m.group(1), int(m.group(2))
        s, e = m.start(), m.end()

        def fix(new: str, safety: str = "safe", s: int = s, e: int = e, old: str = m.group(0)) -> Fix:
            return Fix(f"{old} to {new}", safety, (Edit(s, e, new),))

        if kind == "bad":
            out.append(_finding(text, s, e, f"bad {n}", fix(f"good{n}")))
        elif kind == "risky":
            out.append(_finding(text, s, e, f"risky {n}", fix(f"fine{n}", "unsafe")))
        elif kind == "shown":
            out.append(_finding(text, s, e, f"shown {n}", Fix("paste this", "display")))
        elif kind == "spread":
            out.append(_finding(text, s, e, f"spread {n}", fix(f"ok{n}\nExtra: 1")))
        elif kind == "worse":
            out.append(_finding(text, s, e, f"worse {n}", fix(f"bad9{n}")))
        elif kind == "stuck":
            out.append(_finding(text, s, e, f"stuck {n}", fix(f"stuck{n} # still")))
        elif kind == "both":
            out.append(_finding(text, s, e, f"both {n} a", fix(f"half{n}")))
            out.append(_finding(text, s, e, f"both {n} b", fix(f"half{n}")))
        elif kind == "half":
            out.append(_finding(text, s, e, f"both {n} b", fix(f"done{n}")))
        elif kind == "c":
            out += [_finding(text, s, e, f"c {k}", fix(f"c{n - 1}" if n > 1 else "c_done")) for k in range(n, 0, -1)]
        elif kind == "watch":  # a finding whose message lists what the other fixes change
            out.append(_finding(text, s, e, f"watch {n} sees {text.count('good')} good", None))
        elif kind == "grant":
            out.append(_finding(text, s, e, f"grant {n}", fix("granted")))
    return out


def _verifier(old: str, new: str, path: str, pins: object) -> list[str]:
    return ["granted: new access for *"] if "granted" in new and "granted" not in old else []


def _fix(text: str, **kwargs: object) -> engine.FixResult:
    return fix_text(text, "t.yaml", checker=_scripted, verifier=_verifier, **kwargs)  # type: ignore[arg-type]


def _reasons(result: engine.FixResult) -> dict[str, str]:
    return {r.finding.message: r.reason for r in result.refused}


# --------------------------------------------------------------------------- edits


@pytest.mark.parametrize(("a", "b", "expected"), [
    ((0, 3), (3, 5), False),  # touching replacements
    ((0, 3), (2, 5), True),
    ((3, 3), (3, 3), True),  # two insertions at one offset: order undefined
    ((3, 3), (0, 3), True),  # an insertion at a replaced range's end
    ((5, 5), (0, 3), False),
], ids=["touching", "intersecting", "same-insertion-point", "insertion-at-end", "apart"])
def test_overlaps(a, b, expected):
    assert overlaps(Edit(*a, "x"), Edit(*b, "y")) is expected
    assert overlaps(Edit(*b, "y"), Edit(*a, "x")) is expected


def test_apply_edits_copies_every_other_character_and_refuses_overlaps():
    text = "abc\r\ndef # comment\r\n"
    assert apply_edits(text, [Edit(5, 8, "DEF"), Edit(0, 0, ">")]) == ">abc\r\nDEF # comment\r\n"
    with pytest.raises(ValueError):
        apply_edits(text, [Edit(0, 4, "x"), Edit(2, 3, "y")])


def test_kept_outside():
    edits = [Edit(2, 4, "XY"), Edit(6, 6, "+")]
    assert kept_outside("abcdefgh", "abXYef+gh", edits)
    assert not kept_outside("abcdefgh", "abXYeF+gh", edits)  # a character outside the edits changed
    assert not kept_outside("abcdefgh", "abXYef+gh!", edits)
    assert kept_outside("abc", "abc", [])


def test_map_back_through_an_earlier_round():
    edits = [Edit(2, 4, "XYZW"), Edit(10, 10, "++")]  # +2, then +2 at 10
    assert map_back(1, edits) == 1
    assert map_back(3, edits) == 2  # inside inserted text: the edit's start
    assert map_back(7, edits) == 5
    assert map_back(16, edits) == 12


def test_touched_path_and_changed_paths():
    text = "A:\n  B: [1, 2]\n  C: x\nD: y\n"
    doc = load_text(text, "t.yaml")
    start = text.index("x")
    assert touched_path(doc.root, Edit(start, start + 1, "z"), text) == ("A", "C")
    assert touched_path(doc.root, Edit(text.index("2"), text.index("2"), "0"), text) == ("A", "B")
    # a YAML block node's span runs on over the comment after it: an insertion there belongs to the parent
    block = "A:\n  S:\n    - x: 1\n    # note\nB: 2\n"
    at = block.index("\n    # note")
    assert touched_path(load_text(block, "t.yaml").root, Edit(at, at, "\n    - y: 2"), block) == ("A", "S")
    assert list(changed_paths({"A": {"B": [1, 2], "C": "x"}}, {"A": {"B": [1], "C": "z"}})) == [
        ("A", "B"), ("A", "C")]
    assert list(changed_paths({"a": 1}, {"a": True})) == [("a",)]  # 1 == True, but not the same value


def test_finding_key_ignores_line_numbers():
    f = _finding("x", 0, 1, "Ref at Properties.A (line 48); see 12:3", None)._replace(resource="R")
    g = f._replace(message="Ref at Properties.A (line 50); see 14:3")
    assert finding_key(f) == finding_key(g)


# --------------------------------------------------------------------------- what is applied


def test_safe_fix_applied_unsafe_only_when_asked_display_never():
    text = "A: bad1\nB: risky2\nC: shown3\n"
    result = _fix(text)
    assert result.text == "A: good1\nB: risky2\nC: shown3\n"
    assert [a.code for a in result.applied] == ["PF8003"]
    assert {f.message for f in result.findings} == {"risky 2", "shown 3"}
    unsafe = _fix(text, unsafe=True)
    assert unsafe.text == "A: good1\nB: fine2\nC: shown3\n"
    assert {f.message for f in unsafe.findings} == {"shown 3"}


def test_select_and_ignore_choose_the_fixes():
    text = "A: bad1\n"
    assert not _fix(text, options=Options(select=frozenset({"PF1"}))).changed
    assert not _fix(text, options=Options(ignore=frozenset({"PF8"}))).changed
    assert _fix(text, options=Options(select=frozenset({"PF8003"}))).changed


@pytest.mark.parametrize(("text", "reason"), [
    ("A: spread1\n", "outside the nodes they touch (Extra)"),
    ("A: worse1\n", "introduces a new finding: PF8003 on R91: bad 91"),
    ("A: stuck1\n", "still reported"),
    ("A: grant1\n", "grants new access: granted: new access for *"),
], ids=["value-outside-edit", "new-finding", "finding-stays", "new-access"])
def test_refused_with_the_reason_and_reverted(text, reason):
    result = _fix(text)
    assert result.text == text
    assert result.applied == []
    [refused] = result.refused
    assert reason in refused.reason


def test_a_finding_whose_message_changes_is_not_new():
    result = _fix("A: bad1\nB: watch2\n")
    assert result.text == "A: good1\nB: watch2\n"
    assert [f.message for f in result.findings] == ["watch 2 sees 1 good"]


def test_one_bad_fix_in_a_round_does_not_sink_the_others():
    text = "A: bad1\nB: grant2\nC: bad3\n"
    result = _fix(text)
    assert result.text == "A: good1\nB: grant2\nC: good3\n"
    assert list(_reasons(result)) == ["grant 2"]


def test_overlapping_fixes_wait_for_the_next_round():
    result = _fix("A: both1\n")
    assert result.text == "A: done1\n"
    assert [(a.finding.message, a.round) for a in result.applied] == [("both 1 a", 1), ("both 1 b", 2)]
    assert result.rounds == 2
    # the second round's edit, mapped back onto the original text
    assert result.applied[1].edits[0].start == len("A: ")


def test_rounds_are_bounded():
    result = _fix("A: c7\n")
    assert result.rounds == MAX_ROUNDS
    assert result.text == "A: c2\n"
    assert len(result.pending) == 2
    assert all("after 5 rounds" in r.reason for r in result.refused)


def test_idempotent_a_second_run_changes_nothing():
    first = _fix("A: bad1\nB: both2\nC: [bad3, grant4]\n")
    again = _fix(first.text)
    assert first.changed and not again.changed
    assert again.applied == []


def test_without_the_verifier_nothing_is_kept(monkeypatch):
    monkeypatch.setattr(engine, "_default_verifier", lambda: None)
    result = fix_text("A: bad1\n", "t.yaml", checker=_scripted)
    assert not result.changed
    assert "verifier (preflight.fix.access) is not available" in result.refused[0].reason
    assert result.access is None


def test_edits_outside_the_text_are_refused():
    def checker(text, path, pins, options):
        return [] if "ok" in text else [_finding(text, 0, 1, "m", Fix("t", "safe", (Edit(0, 999, "ok"),)))]

    result = fix_text("A: 1\n", "t.yaml", checker=checker, verifier=_verifier)
    assert "outside the text" in result.refused[0].reason


# --------------------------------------------------------------------------- real checks, real files

GOLDEN = os.path.join(ROOT, "tests", "golden", "PF8003_unsupported-property", "failing.yaml")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_real_fix_keeps_every_byte_outside_its_edit(newline):
    with open(GOLDEN, encoding="utf-8", newline="") as handle:
        text = handle.read().replace("\n", newline)
    result = fix_text(text, "failing.yaml", options=STRICT)
    assert [a.code for a in result.applied] == ["PF8003"]
    assert kept_outside(text, result.text, [e for a in result.applied for e in a.edits])
    assert "# The property is RoleARN: names are case-sensitive." + newline in result.text
    assert result.text.count("\r\n") == text.count("\r\n")
    assert result.access == []
    assert not fix_text(result.text, "failing.yaml", options=STRICT).changed


def test_real_fix_in_json_keeps_indentation():
    text = ('{\n    "Parameters": {"R": {"Type": "String"}},\n    "Resources": {\n        "Recorder": {\n'
            '            "Type": "AWS::Config::ConfigurationRecorder",\n'
            '            "Properties": {"RoleArn": {"Ref": "R"}}\n        }\n    }\n}\n')
    result = fix_text(text, "t.json", options=STRICT)
    assert result.text == text.replace('"RoleArn"', '"RoleARN"')


def test_rounds_that_pass_alone_but_not_together_are_all_refused():
    def verifier(old: str, new: str, path: str, pins: object) -> list[str]:
        return ["the sum grants more"] if "both" in old and "done" in new else []

    result = fix_text("A: both1\n", "t.yaml", checker=_scripted, verifier=verifier)
    assert not result.changed
    assert result.applied == []
    assert [r.reason for r in result.refused] == ["the whole change grants new access: the sum grants more"] * 2
