"""Symbolic reasoning (issue 13, class 3): the same symbol on both sides is one value, and symbols have shapes.

Properties: whatever the symbols' values (drawn from their shapes), a YES always matches and a NO never does.
Examples: shared symbols cancel (a definite answer where there used to be "depends"), shapes decide what a
character class alone could not, and "depends on X" is said only when some value of X changes the answer.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.data.regions import dns_suffixes, region_patterns, regions
from preflight.policy import facts
from preflight.policy.match import _shape_of, compile_pattern, match, match_arn
from preflight.policy.tri import NO, YES
from preflight.resolve.pins import ACCOUNT, REGION, STACK_NAME
from preflight.resolve.values import Symbol, Symbolic

from .conftest import pin, sym
from .test_properties import LITERALS, PATTERN_CHARS, check_sound, reference_arn, reference_glob

BUCKET = Symbol("ref:Bucket", "resource", "the generated name of Bucket", 1, 63, None, "generated-lowercase")
QUEUE = Symbol("ref:Queue", "resource", "the generated name of Queue", 1, 80, None, "generated")
FREE = Symbol("param:Free", "parameter", "parameter Free")  # may hold anything, "*" included
ENV = Symbol("param:Env", "parameter", "parameter Env", charset="re:^[a-z0-9-]{1,4}$")  # its AllowedPattern
PARTITION = Symbol("AWS::Partition", "pseudo", "the partition")
URL_SUFFIX = Symbol("AWS::URLSuffix", "pseudo", "the URL suffix")
POOL = (ACCOUNT, REGION, STACK_NAME, BUCKET, QUEUE, FREE, PARTITION, ENV)

# Values drawn as AWS would give them: each from its shape (facts.SHAPES) within the symbol's length bounds.
VALUE_FOR: dict[str, st.SearchStrategy[str]] = {
    ACCOUNT.key: st.from_regex(r"\A[0-9]{12}\Z"),
    REGION.key: st.from_regex(r"\A[a-z]{2}[a-z0-9-]{5,9}-[0-9]{1,2}\Z"),
    STACK_NAME.key: st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,6}\Z"),
    BUCKET.key: st.from_regex(r"\A[a-z0-9][a-z0-9.-]{2,8}\Z"),
    QUEUE.key: st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9.-]{0,6}\Z"),
    FREE.key: st.one_of(st.sampled_from(["*", "a*", "?", ""]), st.text(PATTERN_CHARS + "a-", max_size=4)),
    PARTITION.key: st.sampled_from(facts.PARTITIONS),
    ENV.key: st.from_regex(r"\A[a-z0-9-]{1,4}\Z"),
}
# Literal text close to the symbols' values, so that shapes and shared symbols decide.
TEXT = LITERALS + "-0a"


def _pieces(chars: str, pool: tuple[Symbol, ...]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.one_of(st.text(chars, min_size=1, max_size=3), st.sampled_from(pool)), max_size=6)


@st.composite
def _pair(draw: st.DrawFn) -> tuple[Any, Any, dict[str, str]]:
    """A pattern and a value; half the time the value is the pattern with its wildcards filled in and some
    literal text changed, so that both share symbols at the same places (what templates do)."""
    pattern_parts = draw(_pieces(PATTERN_CHARS, POOL))
    if draw(st.booleans()):
        value_parts: list[Any] = []
        for piece in pattern_parts:
            if isinstance(piece, str):
                piece = re.sub(r"[*?]", lambda _: draw(st.text(TEXT, max_size=2)), piece)
                if draw(st.integers(0, 3)) == 0:
                    piece = draw(st.text(TEXT, max_size=3))
            value_parts.append(piece)
    else:
        value_parts = draw(_pieces(TEXT, POOL))
    assignment = {s.key: draw(VALUE_FOR[s.key]) for s in POOL}
    return Symbolic.of(pattern_parts), Symbolic.of(value_parts), assignment


def _text(value: Any, assignment: dict[str, str]) -> str:
    pinned = pin(value, assignment)
    assert isinstance(pinned, str)
    return pinned


@settings(max_examples=800, deadline=None)
@given(_pair())
def test_never_yes_or_no_when_some_value_disagrees(case: tuple[Any, Any, dict[str, str]]) -> None:
    pattern, value, assignment = case
    result = match(compile_pattern(pattern), value)
    concrete = reference_glob(_text(pattern, assignment), _text(value, assignment))
    check_sound(result, YES if concrete else NO)


@settings(max_examples=400, deadline=None)
@given(_pair())
def test_case_insensitive_matching_is_sound(case: tuple[Any, Any, dict[str, str]]) -> None:
    pattern, value, assignment = case
    result = match(compile_pattern(pattern, fold=True), value)
    concrete = reference_glob(_text(pattern, assignment).lower(), _text(value, assignment).lower())
    check_sound(result, YES if concrete else NO)


@settings(max_examples=400, deadline=None)
@given(_pair())
def test_arn_matching_with_shapes_is_sound(case: tuple[Any, Any, dict[str, str]]) -> None:
    pattern, value, assignment = case
    result = match_arn(compile_pattern(pattern), value)
    concrete = reference_arn(_text(pattern, assignment), _text(value, assignment))
    check_sound(result, YES if concrete else NO)


# --- examples -------------------------------------------------------------------------------------------------------
EXAMPLES = [
    # the same symbol is the same value: cancelled, the rest decides
    (
        "shared-bucket-other-prefix",
        sym("arn:aws:s3:::", BUCKET, "/AWSLogs/*"),
        sym("arn:aws:s3:::", BUCKET, "/prefix/AWSLogs/", ACCOUNT, "/x"),
        "no",
    ),
    (
        "shared-bucket-same-prefix",
        sym("arn:aws:s3:::", BUCKET, "/AWSLogs/", ACCOUNT, "/*"),
        sym("arn:aws:s3:::", BUCKET, "/AWSLogs/", ACCOUNT, "/x"),
        "yes",
    ),
    (
        "shared-region-account-other-group",
        sym("arn:aws:logs:", REGION, ":", ACCOUNT, ":log-group:/a/*"),
        sym("arn:aws:logs:", REGION, ":", ACCOUNT, ":log-group:/b/x"),
        "no",
    ),
    ("shared-symbol-at-the-end", sym("*-dev-", STACK_NAME), sym("app-prod-", STACK_NAME), "no"),
    # a parameter may hold "*": in a pattern it would be a wildcard, so it is not cancelled
    (
        "wildcard-capable-parameter",
        sym("arn:aws:s3:::", FREE, "/AWSLogs/*"),
        sym("arn:aws:s3:::", FREE, "/prefix/AWSLogs/x"),
        "depends on parameter Free",
    ),
    # shapes: an account id is 12 digits, a Region ends in a digit, a generated bucket name is lower-case
    ("account-id-holds-no-letter", "*:123a*", sym("arn:aws:iam::", ACCOUNT, ":root"), "no"),
    (
        "account-id-may-start-with-123",
        "*:123*",
        sym("arn:aws:iam::", ACCOUNT, ":root"),
        "depends on AWS::AccountId",
    ),
    (
        "account-id-is-twelve-digits",
        "arn:aws:iam::1234567890123:root",
        sym("arn:aws:iam::", ACCOUNT, ":root"),
        "no",
    ),
    ("region-ends-in-a-digit", "arn:aws:logs:us-east-x:*", sym("arn:aws:logs:", REGION, ":1:x"), "no"),
    (
        "region-any-digit",
        "arn:aws:logs:us-east-?:*",
        sym("arn:aws:logs:", REGION, ":1:x"),
        "depends on AWS::Region",
    ),
    (
        "region-is-lower-case",
        "arn:aws:logs:US-EAST-1:*",
        sym("arn:aws:logs:", REGION, ":", ACCOUNT, ":x"),
        "no",
    ),
    (
        "region-not-ending-in-digit",
        "arn:aws:logs:us-east:*",
        sym("arn:aws:logs:", REGION, ":", ACCOUNT, ":x"),
        "no",
    ),
    ("generated-bucket-is-lower-case", "arn:aws:s3:::MyBucket*", sym("arn:aws:s3:::", BUCKET), "no"),
    ("generated-bucket-has-no-slash", "arn:aws:s3:::*/AWSLogs/*", sym("arn:aws:s3:::", BUCKET, "/x"), "no"),
    ("stack-name-starts-with-a-letter", "1*", sym(STACK_NAME, "-x"), "no"),
    # known lists: partitions, DNS suffixes
    (
        "partition-decides",
        "arn:aws:s3:::*",
        sym("arn:", PARTITION, ":s3:::b"),
        "depends on AWS::Partition = aws",
    ),
    ("no-partition-is-foo", "arn:foo:s3:::*", sym("arn:", PARTITION, ":s3:::b"), "no"),
    ("any-partition", "arn:*:s3:::b", sym("arn:", PARTITION, ":s3:::b"), "yes"),
    (
        "url-suffix",
        "*.amazonaws.com*",
        sym("logs.", URL_SUFFIX),
        "depends on AWS::URLSuffix = amazonaws.com or amazonaws.com.cn",
    ),
    ("url-suffix-never-example", "*.example.com", sym("logs.", URL_SUFFIX), "no"),
]


@pytest.mark.parametrize(
    ("pattern", "value", "expected"), [c[1:] for c in EXAMPLES], ids=[c[0] for c in EXAMPLES]
)
def test_symbolic_examples(pattern: Any, value: Any, expected: str) -> None:
    assert str(match(compile_pattern(pattern), value)) == expected


# --- the shapes are AWS's -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("region", sorted(regions()), ids=str)
def test_every_known_region_has_the_region_shape(region: str) -> None:
    assert re.fullmatch(facts.SHAPES["region"], region)
    assert any(re.search(p, region) for p in region_patterns())
    assert REGION.min_len is not None and REGION.max_len is not None
    assert REGION.min_len <= len(region) <= REGION.max_len


def test_url_suffixes_are_the_partitions_dns_suffixes() -> None:
    assert "amazonaws.com" in dns_suffixes() and "amazonaws.com.cn" in dns_suffixes()


@pytest.mark.parametrize(
    ("shape", "good", "bad"),
    [
        ("account-id", "123456789012", "12345678901a"),
        ("stack-name", "My-Stack-1", "1stack"),
        ("generated-lowercase", "mystack-logsbucket-1a2b3c4d5e6f", "MyStack-LogsBucket"),
        ("generated", "MyStack-Queue-1A2B3C4D5E6F.fifo", "my_stack/queue"),
    ],
    ids=["account-id", "stack-name", "generated-lowercase", "generated"],
)
def test_shapes(shape: str, good: str, bad: str) -> None:
    assert re.fullmatch(facts.SHAPES[shape], good)
    assert not re.fullmatch(facts.SHAPES[shape], bad)


# --- AllowedPattern as a shape --------------------------------------------------------------------------------------
PATTERNS = [
    r"^[a-z0-9-]+$",
    r"[a-zA-Z][a-zA-Z0-9]*",
    r"^[a-z]{3,10}$",
    r"\d{4}",
    r"^[\w-]+$",
    r"^prod-[0-9]{2,}$",
    r"[A-Z]?[a-z_.]{0,3}\-x",
]


@pytest.mark.parametrize("pattern", PATTERNS, ids=str)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_allowed_pattern_shape_admits_every_value_the_pattern_does(pattern: str, data: st.DataObject) -> None:
    """Over-approximation: every value CloudFormation accepts (the whole value matches) fits the shape read."""
    shape = _shape_of("re:" + pattern)
    assert shape is not None
    body = pattern.removeprefix("^").removesuffix("$")
    value = data.draw(st.from_regex(re.compile(rf"\A(?:{body})\Z", re.ASCII)))  # Java's \d, \w are ASCII
    fitted = "".join(
        "["
        + "".join(re.escape(c) for c in sorted(chars))
        + "]"
        + (f"{{{low},}}" if high is None else f"{{{low},{high}}}")
        for chars, low, high in shape[0]
    )
    assert re.fullmatch(fitted, value)


@pytest.mark.parametrize(
    "pattern",
    [r"^(dev|prod)$", r".*", r"[^a]+", r"a+?", r"a|b", r"\p{Lower}+", r"[a-\]]", r"(?i)abc", r"[a-z&&[^b]]"],
    ids=str,
)
def test_unsupported_patterns_are_no_shape(pattern: str) -> None:
    assert _shape_of("re:" + pattern) is None


def test_a_parameter_with_an_allowed_pattern_is_no_wildcard_and_no_colon() -> None:
    # [a-z0-9-] holds no "*": the shared parameter cancels; no ":": the ARN splits into its six fields
    assert (
        str(
            match(
                compile_pattern(sym("arn:aws:s3:::", ENV, "/AWSLogs/*")),
                sym("arn:aws:s3:::", ENV, "/x/AWSLogs/y"),
            )
        )
        == "no"
    )
    assert (
        str(match_arn(compile_pattern("arn:aws:sqs:*:*:q-*"), sym("arn:aws:sqs:", ENV, ":", ACCOUNT, ":q-1")))
        == "yes"
    )
