"""Hostile pastes: truncated, reordered, mixed formats, random bytes. The event parsers and the reasoning either
diagnose or raise InputError (exit 2 with a message); never anything else."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.diagnose.core import diagnose
from preflight.diagnose.events import parse_events
from preflight.diagnose.render import render as render_report
from preflight.errors import InputError
from tests.diagnose.streams import FORMATS, render, scenario

REASONS = [
    "Resource creation cancelled",
    "Internal Failure",
    'Resource handler returned message: "Cannot find version 8.0.1 for mysql (Service: Rds, Status Code: 400)"',
    (
        "Embedded stack arn:aws:cloudformation:us-east-1:1:stack/N/1 was not successfully created: The following "
        "resource(s) failed to create: [A]."
    ),
    "Circular dependency between resources: [A, B",
    "The following resource(s) failed to create: [",
    "#/KmsKeyId: failed validation constraint",
]
SETTINGS = settings(
    max_examples=int(os.environ.get("PF_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def streams(draw: st.DrawFn) -> str:
    fmt = draw(st.sampled_from(FORMATS))
    reason = draw(st.sampled_from(REASONS))
    others = [
        (f"R{i}", draw(st.sampled_from(["AWS::S3::Bucket", "Custom::Thing", "AWS::KMS::Key"])))
        for i in range(draw(st.integers(0, 3)))
    ] or [("Only", "AWS::SNS::Topic")]
    sc = scenario(
        draw(st.sampled_from(["Root", "Root-1", "x" * 300])),
        "AWS::Logs::LogGroup",
        reason,
        others,
        blocker=draw(st.booleans()),
        show_root=draw(st.booleans()),
    )
    return render(fmt, sc, draw(st.booleans()))


def _diagnose_all(text: str) -> None:
    try:
        parsed = parse_events(text, "fuzz.txt")
    except InputError as exc:
        assert "fuzz.txt" in str(exc)
        return
    result = diagnose([parsed])
    for fmt in ("text", "json", "markdown"):
        assert render_report(result, fmt, "0")


@SETTINGS
@given(streams(), st.data())
def test_truncated(text: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(text)))
    _diagnose_all(text[:cut])
    _diagnose_all(text[cut:])


@SETTINGS
@given(streams(), st.randoms(use_true_random=False))
def test_reordered_lines(text: str, rnd) -> None:  # type: ignore[no-untyped-def]
    lines = text.split("\n")
    rnd.shuffle(lines)
    _diagnose_all("\n".join(lines))


@SETTINGS
@given(streams(), streams(), st.integers(0, 10_000))
def test_mixed_formats(first: str, second: str, at: int) -> None:
    at = min(at, len(first))
    _diagnose_all(first[:at] + second + first[at:])


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=2000))
def test_random_text(text: str) -> None:
    _diagnose_all(text)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                "|",
                "\t",
                "CREATE_FAILED",
                "AWS::S3::Bucket",
                " ",
                "\n",
                "-",
                "12:00:01 PM",
                "2024-01-01 10:00:00 UTC-0700",
                "{",
                "}",
                '"LogicalResourceId": "A",',
                "[",
                "]",
                "STACKEVENTS\t",
                ("ResourceStatus  ResourceType  LogicalResourceId  ResourceStatusReason"),
                "❌ x failed: ",
                "An error occurred: A - ",
                "  - AWS::A::B A ",
            ]
        ),
        max_size=80,
    )
)
def test_token_soup(tokens: list[str]) -> None:
    _diagnose_all("".join(tokens))
