"""Condition operators, three-valued over symbolic request values.

Rules (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
- operators and keys of one Condition element are AND-ed; the values of one key are OR-ed (NOR-ed for the negated
  operators) (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html);
- a key absent from the request context makes a condition false, except for the negated operators (true), the
  ``...IfExists`` operators (true) and ``Null``;
- ``ForAllValues`` is true when every request value matches some policy value, and when the key is absent or
  empty; ``ForAnyValue`` is true when at least one request value matches, false when the key is absent
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html);
- condition keys are case-insensitive; values compare per operator (StringEqualsIgnoreCase folds case).

The request context maps lower-case keys to str / Symbolic / Unknown / bool / number, or a list of those for a
multivalued key.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from itertools import product
from typing import Any

from preflight.policy import facts
from preflight.policy.match import bind, compile_pattern, match, match_arn, scalar_text
from preflight.policy.model import ConditionClause
from preflight.policy.tri import (
    NO,
    YES,
    Dep,
    Tri,
    all_of,
    any_of,
    depends,
    depends_on,
    not_,
    of_bool,
    or_,
    symbol_dep,
)
from preflight.resolve.values import Symbolic, Unknown

_ABSENT = object()
MAX_COMBINATIONS = 64

Comparer = Callable[[Any, Any], Tri]


def eval_conditions(clauses: tuple[ConditionClause, ...], context: Mapping[str, Any], variables: bool) -> Tri:
    """All clauses of a statement (AND)."""
    return all_of(eval_clause(c, context, variables) for c in clauses)


def eval_clause(clause: ConditionClause, context: Mapping[str, Any], variables: bool) -> Tri:
    if clause.unknown is not None:
        return depends_on(clause.unknown.reason)
    if clause.base is None:
        return NO  # not an operator AWS knows: the policy is rejected when created (validate.py says so)
    fact = facts.OPERATORS[clause.base]
    raw = context.get(clause.key_lower, _ABSENT)
    if fact.family == "null":
        return _null(clause, raw)
    present = _present(raw)
    if not present and (clause.set_op is None or present is None):
        return _absent(clause, fact.negated)
    positive = _textual(clause, context, fact.family == "arn") if fact.textual else _scalar(clause, fact)

    def one(value: Any) -> Tri:
        matched = positive(value)
        return not_(matched) if fact.negated else matched

    assert present is not None
    if clause.set_op is None:
        if len(present) > 1:
            return depends_on(
                f"{clause.key} has {len(present)} values but {clause.operator} has no ForAnyValue/ForAllValues "
                "(AWS documents multivalued keys only with a set operator)"
            )
        return one(present[0])
    results = (one(v) for v in present)
    return all_of(results) if clause.set_op == "ForAllValues" else any_of(results)


def _textual(clause: ConditionClause, context: Mapping[str, Any], arn: bool) -> Callable[[Any], Tri]:
    """String, Bool and ARN operators: the clause's precompiled patterns, policy variables bound first."""
    matcher = match_arn if arn else match

    def positive(value: Any) -> Tri:
        result = NO
        for pattern in clause.patterns:
            bound = bind(pattern, context) if pattern.has_vars else pattern
            if bound is None:
                continue
            result = or_(result, matcher(bound, value))
            if result is YES:
                break
        return result

    return positive


def _scalar(clause: ConditionClause, fact: facts.OperatorFact) -> Callable[[Any], Tri]:
    compare = _COMPARERS[(fact.family, fact.compare)]

    def positive(value: Any) -> Tri:
        return any_of(compare(pv, value) for pv in clause.values)

    return positive


def _present(raw: Any) -> list[Any] | None:
    if raw is _ABSENT or raw is None:
        return None
    return list(raw) if isinstance(raw, (list, tuple)) else [raw]


def _absent(clause: ConditionClause, negated: bool) -> Tri:
    if clause.if_exists:
        return YES
    if clause.set_op == "ForAllValues":
        return YES
    if clause.set_op == "ForAnyValue":
        return NO
    return YES if negated else NO


def _null(clause: ConditionClause, raw: Any) -> Tri:
    """Null: "true" holds when the key is absent, "false" when it is present (whatever its value)."""
    is_null = raw is _ABSENT or raw is None or (isinstance(raw, (list, tuple)) and not raw)
    wanted = "true" if is_null else "false"
    results = []
    for value in clause.values:
        if isinstance(value, (Symbolic, Unknown)):
            results.append(_symbolic_bool(value, wanted))
            continue
        text = scalar_text(value)
        results.append(of_bool(text is not None and text.lower() == wanted))
    return any_of(results)


def _symbolic_bool(value: Symbolic | Unknown, wanted: str) -> Tri:
    if isinstance(value, Unknown):
        return depends_on(value.reason)
    return match(compile_pattern(value, wildcards=False, fold=True), wanted)


# --- comparers: one policy value against one request value, positive sense (non-textual operators) ----------
def _ordered(parse: Callable[[str], float | None], test: Callable[[float, float], bool]) -> Comparer:
    def compare(policy_value: Any, value: Any) -> Tri:
        return _over_concrete(policy_value, value, lambda p, v: _compare_parsed(parse, test, p, v))

    return compare


def _compare_parsed(
    parse: Callable[[str], float | None], test: Callable[[float, float], bool], p: str, v: str
) -> bool:
    left, right = parse(v), parse(p)
    return left is not None and right is not None and test(left, right)


def _ip(policy_value: Any, value: Any) -> Tri:
    return _over_concrete(policy_value, value, _in_network)


def _binary(policy_value: Any, value: Any) -> Tri:
    if isinstance(value, (bytes, bytearray)):
        value = base64.b64encode(bytes(value)).decode("ascii")
    return _over_concrete(policy_value, value, _same_bytes)


@lru_cache(maxsize=4096)
def parse_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@lru_cache(maxsize=4096)
def parse_date(text: str) -> float | None:
    """ISO 8601 (date, or date and time; 'Z' or an offset; no zone means UTC) or epoch seconds."""
    number = parse_number(text)
    if number is not None:
        return number
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


@lru_cache(maxsize=4096)
def _in_network(policy_value: str, value: str) -> bool:
    try:
        import ipaddress  # only IpAddress conditions need it

        network = ipaddress.ip_network(policy_value.strip(), strict=False)
        address = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return network.version == address.version and address.subnet_of(network)  # type: ignore[arg-type]


def _same_bytes(policy_value: str, value: str) -> bool:
    try:
        return base64.b64decode(policy_value, validate=True) == base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False


_TESTS: Mapping[str, Callable[[float, float], bool]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}

_COMPARERS: Mapping[tuple[str, str], Comparer] = {
    ("ip", "ip"): _ip,
    ("binary", "binary"): _binary,
    **{("numeric", name): _ordered(parse_number, test) for name, test in _TESTS.items()},
    **{("date", name): _ordered(parse_date, test) for name, test in _TESTS.items()},
}


# --- non-string operators over symbolic values -----------------------------------------------------------------------
def _over_concrete(policy_value: Any, value: Any, test: Callable[[str, str], bool]) -> Tri:
    """Apply a concrete test; a symbolic side is enumerated through its allowed values, or depends."""
    lefts, rights = _concretes(policy_value), _concretes(value)
    if isinstance(lefts, Tri) or isinstance(rights, Tri):
        deps = (lefts.deps if isinstance(lefts, Tri) else frozenset()) | (
            rights.deps if isinstance(rights, Tri) else frozenset()
        )
        return depends(deps)
    if not lefts or not rights:
        return NO  # a value that is not a scalar never matches
    results = {test(p, v) for p in lefts for v in rights}
    if results == {True}:
        return YES
    if results == {False}:
        return NO
    involved: set[Dep] = set()
    for side in (policy_value, value):
        if isinstance(side, Symbolic):
            involved.update(symbol_dep(s) for s in side.symbols)
    return depends(involved)


def _concretes(value: Any) -> list[str] | Tri:
    if isinstance(value, Unknown):
        return depends_on(value.reason)
    if not isinstance(value, Symbolic):
        text = scalar_text(value)
        return [] if text is None else [text]
    symbols = {s.key: s for s in value.symbols}
    choices = [s.allowed for s in symbols.values()]
    if any(c is None for c in choices) or math.prod(len(c or ()) for c in choices) > MAX_COMBINATIONS:
        return depends(symbol_dep(s) for s in symbols.values())
    out = []
    for combo in product(*(c or () for c in choices)):
        chosen = dict(zip(symbols, combo))
        out.append("".join(chosen[p.key] if not isinstance(p, str) else p for p in value.parts))
    return out
