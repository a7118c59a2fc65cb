"""Properties: the matcher agrees with a reference glob on known strings, and symbolic answers are sound.

Soundness, stated as tests: pinning symbols to values never turns YES into NO or NO into YES, and pinning every
symbol gives exactly what the known-string evaluation gives.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.policy import evaluate, parse_policy
from preflight.policy.match import compile_pattern, match, match_arn, match_parts
from preflight.policy.tri import NO, YES
from preflight.resolve.values import Symbol, Symbolic

from .conftest import ACCOUNT, REGION, pin, request, service, sym

LITERALS = "ab12:/"
PATTERN_CHARS = LITERALS + "*?"


def reference_glob(pattern: str, text: str) -> bool:
    """The IAM Resource/Action reading of a pattern: '*' any run of characters, '?' one character."""

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(text)
        char = pattern[i]
        if char == "*":
            return go(i + 1, j) or (j < len(text) and go(i, j + 1))
        return j < len(text) and (char == "?" or char == text[j]) and go(i + 1, j + 1)

    return go(0, 0)


def reference_arn(pattern: str, text: str) -> bool:
    """ArnLike: six components matched separately; a pattern that is not six components matches as a whole."""
    p, t = pattern.split(":", 5), text.split(":", 5)
    if len(p) < 6:
        return reference_glob(pattern, text)
    return len(t) == 6 and all(reference_glob(a, b) for a, b in zip(p, t))


@settings(max_examples=400, deadline=None)
@given(st.text(PATTERN_CHARS, max_size=8), st.text(PATTERN_CHARS, max_size=8))
def test_concrete_matching_agrees_with_reference(pattern: str, text: str) -> None:
    compiled = compile_pattern(pattern)
    expected = YES if reference_glob(pattern, text) else NO
    assert match(compiled, text) is expected  # regex fast path
    assert match_parts(compiled.tokens, True, False, (text,)) is expected  # the symbolic engine on literals


@settings(max_examples=200, deadline=None)
@given(st.text(PATTERN_CHARS + "AB", max_size=6), st.text(LITERALS + "AB", max_size=6))
def test_action_matching_ignores_case(pattern: str, text: str) -> None:
    expected = YES if reference_glob(pattern.lower(), text.lower()) else NO
    assert match(compile_pattern(pattern, fold=True), text) is expected


# --- symbols ---------------------------------------------------------------------------------------------------
DIGITS = Symbol("t:digits", "attribute", "two digits", min_len=2, max_len=2, charset="digits")
WORD = Symbol("t:word", "resource", "a short name", min_len=0, max_len=3)
ENUM = Symbol("t:enum", "parameter", "parameter Enum", allowed=("a", "b:", "*", "12"))
FREE = Symbol("t:free", "parameter", "parameter Free")
POOL = (DIGITS, WORD, ENUM, FREE)

VALUE_FOR: dict[str, st.SearchStrategy[str]] = {
    DIGITS.key: st.text("0123456789", min_size=2, max_size=2),
    WORD.key: st.text(PATTERN_CHARS, max_size=3),
    ENUM.key: st.sampled_from(ENUM.allowed or ()),
    FREE.key: st.text(PATTERN_CHARS, max_size=4),
}


def parts(chars: str, pool: tuple[Symbol, ...]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.one_of(st.sampled_from(list(chars)), st.sampled_from(pool)), max_size=7)


@st.composite
def scenario(draw: st.DrawFn, pool: tuple[Symbol, ...] = POOL) -> tuple[Any, Any, dict[str, str], set[str]]:
    pattern = Symbolic.of(draw(parts(PATTERN_CHARS, pool)))
    value = Symbolic.of(draw(parts(PATTERN_CHARS, pool)))
    assignment = {s.key: draw(VALUE_FOR[s.key]) for s in pool}
    partial = draw(st.sets(st.sampled_from([s.key for s in pool])))
    return pattern, value, assignment, partial


def concrete(value: Any, assignment: dict[str, str]) -> str:
    pinned = pin(value, assignment)
    assert isinstance(pinned, str)
    return pinned


def check_sound(result: Any, pinned: Any) -> None:
    if result is YES:
        assert pinned is YES
    elif result is NO:
        assert pinned is NO


@settings(max_examples=600, deadline=None)
@given(scenario())
def test_symbolic_matching_is_sound(case: tuple[Any, Any, dict[str, str], set[str]]) -> None:
    pattern, value, assignment, partial = case
    result = match(compile_pattern(pattern), value)
    subset = {k: v for k, v in assignment.items() if k in partial}
    check_sound(result, match(compile_pattern(pin(pattern, subset)), pin(value, subset)))
    full = match(compile_pattern(concrete(pattern, assignment)), concrete(value, assignment))
    assert full is (YES if reference_glob(concrete(pattern, assignment), concrete(value, assignment)) else NO)
    check_sound(result, full)


COLON_FREE = (
    DIGITS,
    Symbol("t:name", "resource", "a name", min_len=1, max_len=3, charset="lower-alnum"),
)
VALUE_FOR["t:name"] = st.text("ab12", min_size=1, max_size=3)


@settings(max_examples=400, deadline=None)
@given(scenario(COLON_FREE))
def test_arn_matching_is_sound(case: tuple[Any, Any, dict[str, str], set[str]]) -> None:
    pattern, value, assignment, partial = case
    result = match_arn(compile_pattern(pattern), value)
    subset = {k: v for k, v in assignment.items() if k in partial}
    check_sound(result, match_arn(compile_pattern(pin(pattern, subset)), pin(value, subset)))
    text_pattern, text_value = concrete(pattern, assignment), concrete(value, assignment)
    full = match_arn(compile_pattern(text_pattern), text_value)
    assert full is (YES if reference_arn(text_pattern, text_value) else NO)
    check_sound(result, full)


# --- whole decisions ------------------------------------------------------------------------------------------------
PRINCIPALS = [
    "logs.amazonaws.com",
    "logs.us-west-2.amazonaws.com",
    sym("logs.", REGION, ".amazonaws.com"),
    "*",
]
RESOURCES = ["*", sym("arn:aws:kms:", REGION, ":", ACCOUNT, ":key/*"), "arn:aws:kms:us-east-1:*"]
CONDITIONS = [
    None,
    {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    {"StringEquals": {"aws:SourceAccount": sym(ACCOUNT)}},
    {"StringNotEqualsIfExists": {"aws:SourceAccount": sym(ACCOUNT)}},
]


@st.composite
def statement(draw: st.DrawFn) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Principal": {"Service": draw(st.sampled_from(PRINCIPALS))} if True else None,
        "Action": draw(st.sampled_from(["kms:*", "kms:GenerateDataKey*", "kms:Decrypt"])),
        "Resource": draw(st.sampled_from(RESOURCES)),
    }
    if stmt["Principal"]["Service"] == "*":
        stmt["Principal"] = "*"
    condition = draw(st.sampled_from(CONDITIONS))
    if condition:
        stmt["Condition"] = condition
    return stmt


@settings(max_examples=300, deadline=None)
@given(
    st.lists(statement(), min_size=1, max_size=4),
    st.sampled_from([sym("logs.", REGION, ".amazonaws.com"), "logs.us-east-1.amazonaws.com"]),
    st.sampled_from([None, sym(ACCOUNT), "444455556666"]),
    st.sampled_from(["us-east-1", "us-west-2"]),
    st.sampled_from(["111122223333", "444455556666"]),
)
def test_pinning_never_flips_a_decision(
    statements: list[dict[str, Any]], who: Any, source: Any, region: str, account: str
) -> None:
    document = {"Version": "2012-10-17", "Statement": statements}
    resource = sym("arn:aws:kms:", REGION, ":", ACCOUNT, ":key/k")
    context = {} if source is None else {"aws__SourceAccount": source}
    before = evaluate(
        request(service(who), "kms:GenerateDataKey", resource, **context),
        parse_policy(document, kind="kms-key"),
    )
    values = {REGION.key: region, ACCOUNT.key: account}
    pinned_context = {k: pin(v, values) for k, v in context.items()}
    after = evaluate(
        request(service(pin(who, values)), "kms:GenerateDataKey", pin(resource, values), **pinned_context),
        parse_policy(pin(document, values), kind="kms-key"),
    )
    assert after.outcome != "Depends"  # every symbol is pinned: a definite answer
    if before.outcome == "Allow":
        assert after.outcome == "Allow"
    elif before.outcome == "ExplicitDeny":
        assert after.outcome == "ExplicitDeny"
    elif before.outcome == "ImplicitDeny":  # denied either way; a possible Deny may turn out to apply
        assert after.outcome in ("ImplicitDeny", "ExplicitDeny")
