"""The replay engine's building blocks: binding placeholders, prefixes, folding decisions into severities."""

from __future__ import annotations

import pytest

from preflight.resolve.values import Symbol, Symbolic, Unknown
from preflight.services.replay import bind, key_prefix, plain, render_statement
from preflight.source.nodes import MapNode

REGION = Symbol("AWS::Region", "pseudo", "the region")


@pytest.mark.parametrize(
    "text,bindings,expected",
    [
        ("arn:aws:s3:::b/${Prefix}AWSLogs/x", {"Prefix": "p/"}, "arn:aws:s3:::b/p/AWSLogs/x"),
        ("logs.${Region}.amazonaws.com", {"Region": "eu-west-1"}, "logs.eu-west-1.amazonaws.com"),
        ("logs.${Region}.amazonaws.com", {"Region": Symbolic((REGION,))}, Symbolic(("logs.", REGION, ".amazonaws.com"))),
        (True, {}, True),
    ],
    ids=["literal", "pinned-region", "symbolic-region", "bool"],
)
def test_bind(text, bindings, expected):
    assert bind(text, bindings) == expected


def test_bind_unknown_marker_and_missing_placeholder():
    assert bind("?whether the header is sent", {}) == Unknown("whether the header is sent")
    assert isinstance(bind("${Nope}", {}), Unknown)


@pytest.mark.parametrize(
    "value,expected",
    [(None, ""), ("", ""), ("cloudtrail", "cloudtrail/"), ("logs/", "logs/"), ("/a/b/", "a/b/")],
    ids=["none", "empty", "plain", "trailing-slash", "both-slashes"],
)
def test_key_prefix(value, expected):
    assert key_prefix(value) == expected


def test_plain_turns_bare_symbols_into_strings_and_keeps_spans():
    node = MapNode()
    node["AWS"] = REGION
    node.value_spans["AWS"] = "span"  # type: ignore[assignment]
    out = plain(node)
    assert out["AWS"] == Symbolic((REGION,))
    assert out.value_spans["AWS"] == "span"
    untouched = {"AWS": "arn:aws:iam::1:root"}
    assert plain(untouched) is untouched


def test_render_statement_uses_cloudformation_style_symbols():
    text = render_statement({"Principal": {"Service": "logs.${Region}.amazonaws.com"}}, {"Region": Symbolic((REGION,))})
    assert text == '{"Principal": {"Service": "logs.${AWS::Region}.amazonaws.com"}}'
