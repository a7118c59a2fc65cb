"""Value constraints of the resource schemas (``preflight/data/schemas_values.json``) and how a value meets them.

The snapshot is written by ``scripts/refresh_value_schemas.py`` from the same published resource provider schemas
as the shapes snapshot; it holds only the types CloudFormation validates against their schema (registry types
with create, read and delete handlers; see the script's docstring for the evidence). Read lazily, one type at a
time, like ``store.py``.

A verdict is definite or nothing: a known value is matched as JSON-schema matches (``pattern`` is searched, not
anchored: https://json-schema.org/understanding-json-schema/reference/string#regexp); a partly symbolic value is
judged only by what its literal parts already decide (a literal prefix an anchored pattern cannot start with, a
character the pattern's only character class does not allow, a length bound every value breaks).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from preflight.data._snapshot import line_table
from preflight.resolve.values import Symbol, Symbolic

_SNAPSHOT = "schemas_values"


class Constraint(NamedTuple):
    pattern: str | None = None
    prefix: str | None = None  # the literal text every match starts with (anchored patterns)
    charset: str | None = None  # the one character class the whole value is made of
    enum: tuple[str, ...] | None = None
    min_len: int | None = None
    max_len: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    contains: str | None = None  # the literal text every match of an unanchored pattern contains


class Verdict(NamedTuple):
    keyword: str  # the JSON-schema keyword CloudFormation names: pattern, enum, minLength, maxLength, minimum, maximum
    reason: str  # why, for the message


@cache
def type_constraints(type_name: str) -> dict[str, Constraint] | None:
    """Property path ("HealthCheck/Interval", "Tags/*/Key") -> Constraint, or None when the type is not validated."""
    raw = line_table(_SNAPSHOT).get(type_name)
    if raw is None:
        return None
    return {path: _constraint(c) for path, c in raw["c"].items()}


@cache
def tree(type_name: str) -> dict[str, Any] | None:
    """The constraints as a tree: key -> (Constraint or None, subtree); "*" stands for every item of a list."""
    flat = type_constraints(type_name)
    if flat is None:
        return None
    root: dict[str, Any] = {}
    for path, constraint in flat.items():
        node = root
        keys = path.split("/")
        for key in keys[:-1]:
            node = node.setdefault(key, [None, {}])[1]
        entry = node.setdefault(keys[-1], [None, {}])
        entry[0] = constraint
    return root


def _constraint(raw: dict[str, Any]) -> Constraint:
    enum = raw.get("e")
    return Constraint(
        raw.get("p"),
        raw.get("a"),
        raw.get("w"),
        tuple(enum) if enum else None,
        raw.get("n"),
        raw.get("x"),
        raw.get("lo"),
        raw.get("hi"),
        raw.get("s"),
    )


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


def check_known(constraint: Constraint, value: Any) -> Verdict | None:
    """The first constraint a fully known value breaks, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return _range(constraint, value)
    if not isinstance(value, str):
        return None
    if constraint.minimum is not None or constraint.maximum is not None:
        number = _number(value)
        if number is not None:
            return _range(constraint, number)
    if constraint.enum is not None and value not in constraint.enum:
        return Verdict("enum", _not_in_enum(value, constraint.enum))
    if constraint.max_len is not None and len(value) > constraint.max_len:
        return Verdict("maxLength", f"{len(value)} characters, more than {constraint.max_len}")
    if constraint.min_len is not None and len(value) < constraint.min_len:
        return Verdict("minLength", f"{len(value)} characters, fewer than {constraint.min_len}")
    if constraint.pattern is not None:
        compiled = _compiled(constraint.pattern)
        if compiled is not None and compiled.search(value) is None:
            return Verdict("pattern", f"{value!r} does not match {constraint.pattern}")
    return None


_SHOWN_VALUES = 12


def _not_in_enum(value: str, enum: tuple[str, ...]) -> str:
    from preflight.schema.suggest import closest

    shown = ", ".join(enum[:_SHOWN_VALUES]) + (
        f", ... ({len(enum)} in all)" if len(enum) > _SHOWN_VALUES else ""
    )
    same_case = [e for e in enum if e.casefold() == value.casefold()]
    meant = same_case[0] if same_case else closest(value, enum, 0.75, same_initial=False)
    return f"{value!r} is not one of {shown}" + (f"; did you mean {meant}?" if meant else "")


def check_symbolic(constraint: Constraint, value: Symbolic) -> Verdict | None:
    """A constraint every value of the symbolic string breaks, judged from its literal parts alone."""
    low, high = value.length_bounds()
    if constraint.max_len is not None and low > constraint.max_len:
        return Verdict("maxLength", f"at least {low} characters, more than {constraint.max_len}")
    if constraint.min_len is not None and high is not None and high < constraint.min_len:
        return Verdict("minLength", f"at most {high} characters, fewer than {constraint.min_len}")
    first = value.literal_prefix()
    if constraint.prefix and first and not _compatible(first, constraint.prefix):
        return Verdict(
            "pattern", f"it starts with {first!r}, and {constraint.pattern} needs {constraint.prefix!r}"
        )
    if constraint.charset:
        bad = bad_character(constraint.charset, "".join(p for p in value.parts if isinstance(p, str)))
        if bad is not None:
            return Verdict("pattern", f"it contains {bad!r}, which {constraint.pattern} does not allow")
    return None


def check_prefix(constraint: Constraint, known_prefix: str, known_chars: str = "") -> Verdict | None:
    """A value known only to start with `known_prefix` and to contain `known_chars` (what a reference returns)."""
    if constraint.prefix and not _compatible(known_prefix, constraint.prefix):
        return Verdict("pattern", f"{constraint.pattern} needs a value starting with {constraint.prefix!r}")
    if constraint.charset:
        bad = bad_character(constraint.charset, known_prefix + known_chars)
        if bad is not None:
            return Verdict("pattern", f"{constraint.pattern} does not allow {bad!r}")
    return None


def check_not_prefixed(constraint: Constraint, absent: str) -> Verdict | None:
    """A value known never to start with (nor contain) `absent` ("arn:") against a pattern whose matches all start
    with it (or, unanchored, all contain it)."""
    if constraint.prefix and constraint.prefix.startswith(absent):
        return Verdict("pattern", f"{constraint.pattern} needs a value starting with {constraint.prefix!r}")
    if constraint.contains and absent in constraint.contains:
        return Verdict("pattern", f"{constraint.pattern} needs a value containing {constraint.contains!r}")
    return None


def bad_character(charset: str, text: str) -> str | None:
    compiled = _compiled(charset)
    if compiled is None:
        return None
    for char in dict.fromkeys(text):
        if compiled.fullmatch(char) is None:
            return char
    return None


def _compatible(given: str, needed: str) -> bool:
    return given.startswith(needed) or needed.startswith(given)


def _range(constraint: Constraint, number: float) -> Verdict | None:
    if constraint.minimum is not None and number < constraint.minimum:
        return Verdict("minimum", f"{_show(number)} is less than the minimum {_show(constraint.minimum)}")
    if constraint.maximum is not None and number > constraint.maximum:
        return Verdict("maximum", f"{_show(number)} is more than the maximum {_show(constraint.maximum)}")
    return None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def symbol_values(value: Any) -> tuple[Symbol, tuple[str, ...]] | None:
    """A value that is one symbol with a finite set of values (a parameter's AllowedValues): the symbol and them."""
    if isinstance(value, Symbolic) and len(value.parts) == 1:
        value = value.parts[0]
    if isinstance(value, Symbol) and value.allowed:
        return value, value.allowed
    return None
