"""Wildcard matching of policy patterns against request values, three-valued over symbols.

A *pattern* (an Action, Resource or condition value) is compiled once into tokens: literal text, the wildcards
``*`` and ``?``, template symbols and policy variables (``${aws:username}``). A *value* is a plain string, a
``Symbolic`` (literal parts and symbols) or an ``Unknown``. ``match`` answers:

- YES when the pattern matches for every value the symbols can take,
- NO when it matches for none,
- depends otherwise, naming the symbols and, when it can, the value that makes it match
  ("AWS::Region = us-west-2").

Soundness: YES is proved by an alignment in which every symbol of the value is absorbed by a ``*`` or meets the
same symbol in the pattern (the same key is the same value everywhere in one deployment); NO is proved by showing
that no string at all fits both sides, each symbol standing for any string of its character class and length
bounds. Symbols with a short list of ``allowed`` values are enumerated instead.

Semantics follow the IAM User Guide:
- Resource: ``*`` and ``?`` match any characters, ``:`` and ``/`` included; matching is case-sensitive.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- Action: the same wildcards, case-insensitive.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
- ArnLike / ArnEquals: "each of the six colon-delimited components of the ARN is checked separately".
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
- Policy variables and the ``${*}``, ``${?}``, ``${$}`` escapes.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import lru_cache
from itertools import product
from typing import Any, Final, NamedTuple

from preflight.policy import facts
from preflight.policy.tri import NO, YES, Dep, Tri, depends, depends_on, of_bool, symbol_dep
from preflight.resolve.values import Symbol, Symbolic, Unknown


class Wild:
    """The two wildcards; exactly two instances exist (STAR, QUEST), compared by identity."""

    __slots__ = ("char",)

    def __init__(self, char: str) -> None:
        self.char = char

    def __repr__(self) -> str:
        return self.char


STAR = Wild("*")
QUEST = Wild("?")


class Var(NamedTuple):
    """A policy variable; ``key`` is lower-case (context keys are case-insensitive)."""

    key: str
    default: str | None
    text: str


Token = str | Wild | Symbol | Var
Part = str | Symbol

# Enumerate symbols' allowed values only while the number of combinations stays small.
MAX_COMBINATIONS = 256
# Length bounds beyond this are approximated by "any length" (sound for the possibility test).
LENGTH_CAP = 32
# Symbolic values remembered per pattern.
MEMO_SIZE = 256


class Pattern:
    """A compiled pattern. Build with ``compile_pattern``; the arguments after ``unknown`` are derived and are not
    part of its identity. Immutable but for ``memo``, the answers for symbolic values already seen, by identity
    (the value is kept, so its id stays its own)."""

    __slots__ = (
        "fold",
        "has_vars",
        "literal",
        "matches_all",
        "memo",
        "regex",
        "text",
        "tokens",
        "unknown",
        "wildcards",
    )

    def __init__(
        self,
        tokens: tuple[Token, ...],
        wildcards: bool,
        fold: bool,
        unknown: Unknown | None = None,
        text: str = "",
        literal: str | None = None,
        regex: re.Pattern[str] | None = None,
        has_vars: bool = False,
        matches_all: bool = False,
    ) -> None:
        self.tokens: Final = tokens
        self.wildcards: Final = wildcards
        self.fold: Final = fold
        self.unknown: Final = unknown
        self.text: Final = text
        self.literal: Final = literal
        self.regex: Final = regex
        self.has_vars: Final = has_vars
        self.matches_all: Final = matches_all
        self.memo: Final[dict[int, tuple[Any, Tri]]] = {}

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Pattern and (self.tokens, self.wildcards, self.fold, self.unknown) == (
            other.tokens, other.wildcards, other.fold, other.unknown)

    def __hash__(self) -> int:
        return hash((self.tokens, self.wildcards, self.fold, self.unknown))

    def __repr__(self) -> str:
        return f"Pattern({self.text!r}, wildcards={self.wildcards}, fold={self.fold}, unknown={self.unknown!r})"

    def __str__(self) -> str:
        return self.text


# --- compiling --------------------------------------------------------------------------------------------------
_VAR_RE = re.compile(r"^\s*([A-Za-z0-9_:./\-]+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$")


def _parse_var(inner: str) -> Var | None:
    found = _VAR_RE.match(inner)
    if not found:
        return None
    default = found.group(2)
    return Var(
        found.group(1).lower(), None if default is None else default.replace("''", "'"), "${" + inner + "}"
    )


def _tokenize_text(text: str, wildcards: bool, variables: bool) -> list[Token]:
    out: list[Token] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        special = _variable_at(text, i) if variables and text.startswith("${", i) else None
        if special is not None:
            piece, i = special
            if isinstance(piece, str):
                buf.append(piece)  # an escape: ${*} ${?} ${$} are literal characters
            else:
                _flush(buf, out)
                out.append(piece)
            continue
        ch = text[i]
        if wildcards and ch in "*?":
            _flush(buf, out)
            out.append(STAR if ch == "*" else QUEST)
        else:
            buf.append(ch)
        i += 1
    _flush(buf, out)
    return out


def _variable_at(text: str, start: int) -> tuple[str | Var, int] | None:
    """The escape or variable that starts at ``text[start]`` ("${"), with the index after it."""
    end = text.find("}", start + 2)
    if end == -1:
        return None
    inner = text[start + 2 : end]
    escaped = facts.VARIABLE_ESCAPES.get(inner)
    piece = escaped if escaped is not None else _parse_var(inner)
    return None if piece is None else (piece, end + 1)


def _flush(buf: list[str], out: list[Token]) -> None:
    if buf:
        out.append("".join(buf))
        buf.clear()


def _merge(tokens: list[Token] | list[Part], fold: bool) -> tuple[Any, ...]:
    """Merge adjacent literals (lower-cased when folding), drop empty ones."""
    merged: list[Any] = []
    for tok in tokens:
        if isinstance(tok, str):
            if not tok:
                continue
            tok = tok.lower() if fold else tok
            if merged and isinstance(merged[-1], str):
                merged[-1] = merged[-1] + tok
                continue
        merged.append(tok)
    return tuple(merged)


def _render(tokens: tuple[Token, ...]) -> str:
    return "".join(
        t.char if isinstance(t, Wild) else (t.text if isinstance(t, Var) else str(t)) for t in tokens
    )


@lru_cache(maxsize=16384)
def make_pattern(tokens: tuple[Token, ...], wildcards: bool, fold: bool, text: str | None = None) -> Pattern:
    """A pattern from tokens, with its fast paths (plain equality, or one compiled regex) precomputed."""
    literal: str | None = None
    regex: re.Pattern[str] | None = None
    has_vars = any(isinstance(t, Var) for t in tokens)
    concrete = all(isinstance(t, (str, Wild)) for t in tokens)
    if concrete and all(isinstance(t, str) for t in tokens):
        literal = "".join(tokens)  # type: ignore[arg-type]
    elif concrete:
        body = "".join(_regex_piece(t) for t in tokens)  # type: ignore[arg-type]
        regex = re.compile(body, re.DOTALL)
    return Pattern(
        tokens,
        wildcards,
        fold,
        None,
        _render(tokens) if text is None else text,
        literal,
        regex,
        has_vars,
        tokens == (STAR,),
    )


def _regex_piece(tok: str | Wild) -> str:
    if isinstance(tok, Wild):
        return ".*" if tok is STAR else "."
    return re.escape(tok)


@lru_cache(maxsize=16384)
def _compile_hashable(value: Any, wildcards: bool, variables: bool, fold: bool) -> Pattern:
    if isinstance(value, Unknown):
        return Pattern((), wildcards, fold, value, str(value))
    if isinstance(value, Symbol):  # a bare symbol (!Ref AWS::AccountId) is a one-part symbolic string
        value = Symbolic((value,))
    if isinstance(value, Symbolic):
        raw: list[Token] = []
        for part in value.parts:
            raw.extend(_tokenize_text(part, wildcards, variables) if isinstance(part, str) else [part])
        return make_pattern(_merge(raw, fold), wildcards, fold, str(value))
    text = scalar_text(value)
    if text is None:
        return Pattern((), wildcards, fold, Unknown(f"not a string: {value!r}"), repr(value))
    return make_pattern(_merge(_tokenize_text(text, wildcards, variables), fold), wildcards, fold, text)


def compile_pattern(
    value: Any, *, wildcards: bool = True, variables: bool = False, fold: bool = False
) -> Pattern:
    """Compile a policy value (str, Symbolic, Unknown, bool or number) once; results are cached."""
    try:
        return _compile_hashable(value, wildcards, variables, fold)
    except TypeError:  # an unhashable container where a string was expected
        return Pattern((), wildcards, fold, Unknown(f"not a string: {type(value).__name__}"), repr(value))


def scalar_text(value: Any) -> str | None:
    """How IAM reads a JSON scalar as a string: booleans as true/false, numbers as written."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return None


# --- binding policy variables ------------------------------------------------------------------------------------
_MISSING = object()


def bind(pattern: Pattern, context: Mapping[str, Any]) -> Pattern | None:
    """Substitute policy variables from the request context (keys lower-case).

    None means the pattern matches nothing: a variable whose key is absent (and has no default) or is
    multivalued "does not match" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    #policy-vars-no-value). Substituted text is literal: a ``*`` in a context value is not a wildcard.
    """
    if not pattern.has_vars:
        return pattern
    out: list[Token] = []
    for tok in pattern.tokens:
        if not isinstance(tok, Var):
            out.append(tok)
            continue
        sub = _variable_parts(context.get(tok.key, _MISSING), tok.default)
        if sub is None:
            return None
        if isinstance(sub, Unknown):
            return Pattern((), pattern.wildcards, pattern.fold, sub, pattern.text)
        out.extend(sub)
    return make_pattern(_merge(out, pattern.fold), pattern.wildcards, pattern.fold)


def _variable_parts(value: Any, default: str | None) -> tuple[Part, ...] | Unknown | None:
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else _MISSING
    if value is _MISSING or value is None:
        return None if default is None else (default,)
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Symbolic):
        return value.parts
    text = scalar_text(value)
    return None if text is None else (text,)


# --- matching ----------------------------------------------------------------------------------------------------
def value_parts(value: Any) -> tuple[Part, ...] | Unknown:
    """A request value as literal parts and symbols (or the Unknown that stops it)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Symbolic):
        return value.parts
    if isinstance(value, Symbol):
        return (value,)
    if isinstance(value, Unknown):
        return value
    text = scalar_text(value)
    if text is None:
        return Unknown(f"not a string: {value!r}")
    return (text,)


def match(pattern: Pattern, value: Any) -> Tri:
    """Does ``pattern`` (variables already bound) match ``value``? YES / NO / depends."""
    if type(value) is str:
        if pattern.literal is not None:
            return YES if (value.lower() if pattern.fold else value) == pattern.literal else NO
        if pattern.regex is not None:
            return YES if pattern.regex.fullmatch(value.lower() if pattern.fold else value) else NO
    memo = pattern.memo
    seen = memo.get(id(value))
    if seen is not None and seen[0] is value:
        return seen[1]
    result = _match_any(pattern, value)
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[id(value)] = (value, result)
    return result


def _match_any(pattern: Pattern, value: Any) -> Tri:
    if pattern.unknown is not None:
        return depends_on(pattern.unknown.reason)
    parts = value_parts(value)
    if isinstance(parts, Unknown):
        return YES if pattern.matches_all else depends_on(parts.reason)
    return match_parts(pattern.tokens, pattern.wildcards, pattern.fold, parts)


def equals(a: Any, b: Any, *, fold: bool = False) -> Tri:
    """Exact equality of two values (no wildcards), three-valued."""
    return match(compile_pattern(a, wildcards=False, fold=fold), b)


@lru_cache(maxsize=65536)
def match_parts(tokens: tuple[Token, ...], wildcards: bool, fold: bool, parts: tuple[Part, ...]) -> Tri:
    if any(isinstance(t, Var) for t in tokens):
        return NO  # an unbound variable matches nothing
    enumerable = _enumerable(tokens, parts)
    if enumerable:
        return _enumerate(tokens, wildcards, fold, parts, enumerable)
    return _match_core(tokens, wildcards, fold, parts)


def _symbols(tokens: tuple[Any, ...]) -> list[Symbol]:
    return [t for t in tokens if isinstance(t, Symbol)]


def _unique(symbols: list[Symbol]) -> list[Symbol]:
    seen: dict[str, Symbol] = {}
    for sym in symbols:
        seen.setdefault(sym.key, sym)
    return list(seen.values())


def allowed_values(sym: Symbol) -> tuple[str, ...] | None:
    """The finite list of values a symbol can take: its own (a parameter's AllowedValues), or, for a pseudo
    parameter, the AWS list (facts.PSEUDO_VALUES; AWS::URLSuffix: the partitions' DNS suffixes)."""
    if sym.allowed is not None or sym.kind != "pseudo":
        return sym.allowed
    if sym.key == "AWS::URLSuffix":
        from preflight.data.regions import dns_suffixes

        return dns_suffixes()
    return facts.PSEUDO_VALUES.get(sym.key)


def _enumerable(tokens: tuple[Token, ...], parts: tuple[Part, ...]) -> list[Symbol]:
    syms = [s for s in _unique(_symbols(tokens) + _symbols(parts)) if allowed_values(s)]
    total = 1
    for sym in syms:
        total *= len(allowed_values(sym) or ())
    return syms if syms and total <= MAX_COMBINATIONS else []


def _substitute_tokens(
    tokens: tuple[Token, ...], values: Mapping[str, str], wildcards: bool, fold: bool
) -> tuple[Token, ...]:
    out: list[Token] = []
    for tok in tokens:
        if isinstance(tok, Symbol) and tok.key in values:
            # A template value is substituted before IAM reads the policy: its wildcards are wildcards.
            out.extend(_tokenize_text(values[tok.key], wildcards, False))
        else:
            out.append(tok)
    return _merge(out, fold)


def _substitute_parts(parts: tuple[Part, ...], values: Mapping[str, str]) -> tuple[Part, ...]:
    subbed = [values[p.key] if isinstance(p, Symbol) and p.key in values else p for p in parts]
    return _merge(subbed, False)


def _enumerate(
    tokens: tuple[Token, ...], wildcards: bool, fold: bool, parts: tuple[Part, ...], syms: list[Symbol]
) -> Tri:
    results: list[tuple[dict[str, str], Tri]] = []
    for combo in product(*(allowed_values(s) or () for s in syms)):
        values = dict(zip((s.key for s in syms), combo))
        sub = _match_core(
            _substitute_tokens(tokens, values, wildcards, fold),
            wildcards,
            fold,
            _substitute_parts(parts, values),
        )
        results.append((values, sub))
    if all(r is YES for _, r in results):
        return YES
    if all(r is NO for _, r in results):
        return NO
    deps: set[Dep] = set()
    for _, r in results:
        deps |= r.deps
    if len(syms) == 1:
        winners = [v[syms[0].key] for v, r in results if r is not NO]  # the values that can match
        named = winners and len(winners) < len(results)
        deps.add(symbol_dep(syms[0], " or ".join(winners) if named else None))
    else:
        deps.update(symbol_dep(s) for s in syms)
    return depends(deps)


def _explode_tokens(tokens: tuple[Token, ...]) -> list[Any]:
    out: list[Any] = []
    for tok in tokens:
        if isinstance(tok, str):
            out.extend(tok)
        else:
            out.append(tok)
    return out


def _explode_parts(parts: tuple[Part, ...], fold: bool) -> list[Any]:
    out: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            out.extend(part.lower() if fold else part)
        else:
            out.append(part)
    return out


def _match_core(tokens: tuple[Token, ...], wildcards: bool, fold: bool, parts: tuple[Part, ...]) -> Tri:
    p = _explode_tokens(tokens)
    v = _explode_parts(parts, fold)
    pending = False
    for p_seg, v_seg in _split_shared(p, v, wildcards):
        found = _decide(p_seg, v_seg, wildcards, fold)
        if found is NO:
            return NO
        pending = pending or found is None
    return _depends(tokens, wildcards, fold, parts) if pending else YES


def _decide(p: list[Any], v: list[Any], wildcards: bool, fold: bool) -> Tri | None:
    """YES / NO for one aligned segment, None when it depends."""
    i = 0
    while i < len(p) and i < len(v) and type(p[i]) is str and type(v[i]) is str:
        if p[i] != v[i]:
            return NO
        i += 1
    p, v = p[i:], v[i:]
    while p and v and type(p[-1]) is str and type(v[-1]) is str:
        if p[-1] != v[-1]:
            return NO
        p.pop()
        v.pop()
    if not p and not v:
        return YES
    if _certain(p, v):
        return YES
    if not any(isinstance(x, Symbol) for x in p) and not any(isinstance(x, Symbol) for x in v):
        return NO  # no symbols left: the glob test above was exact
    if not _possible(_pattern_atoms(p, wildcards, fold), _value_atoms(v, fold)):
        return NO
    return None


# --- the same symbol on both sides --------------------------------------------------------------------------------
def _split_shared(p: list[Any], v: list[Any], wildcards: bool) -> list[tuple[list[Any], list[Any]]]:
    """Cut pattern and value at each symbol they share that starts at the same offset on both sides, counted from
    the start (or from the end) over pieces of fixed length: there the symbol meets itself, whatever its value, so
    the match holds exactly when each pair of pieces between the cuts matches. ``arn:aws:s3:::${B}/AWSLogs/*``
    against ``arn:aws:s3:::${B}/prefix/AWSLogs/x`` is cut at ${B}, and "/AWSLogs/*" cannot match "/prefix/...".
    A pattern symbol that may hold a wildcard is no cut: substituted, its "*" could span more than itself."""
    if not any(isinstance(t, Symbol) for t in p) or not any(isinstance(t, Symbol) for t in v):
        return [(p, v)]
    head: list[tuple[list[Any], list[Any]]] = []
    while True:
        cut = _first_cut(p, v, wildcards)
        if cut is None:
            break
        i, j = cut
        head.append((p[:i], v[:j]))
        p, v = p[i + 1 :], v[j + 1 :]
    tail: list[tuple[list[Any], list[Any]]] = []
    while True:
        cut = _first_cut(p[::-1], v[::-1], wildcards)
        if cut is None:
            break
        i, j = len(p) - 1 - cut[0], len(v) - 1 - cut[1]
        tail.append((p[i + 1 :], v[j + 1 :]))
        p, v = p[:i], v[:j]
    return [*head, (p, v), *reversed(tail)]


def _first_cut(p: list[Any], v: list[Any], wildcards: bool) -> tuple[int, int] | None:
    """The first (i, j) where p[i] and v[j] are one symbol at the same fixed offset from the start."""
    offsets: dict[int, tuple[int, str]] = {}  # offset in the value -> index of a symbol there, its key
    at = 0
    for j, tok in enumerate(v):
        if isinstance(tok, Symbol):
            offsets.setdefault(at, (j, tok.key))
        size = 1 if type(tok) is str else fixed_length(tok)
        if size is None:
            break
        at += size
    if not offsets:
        return None
    at = 0
    for i, tok in enumerate(p):
        if isinstance(tok, Symbol):
            wild = wildcards and (may_hold(tok, "*") or may_hold(tok, "?"))
            if wild:
                return None
            there = offsets.get(at)
            if there is not None and there[1] == tok.key:
                return i, there[0]
            size = fixed_length(tok)
        else:
            size = 1 if type(tok) is str or tok is QUEST else None
        if size is None:
            return None
        at += size
    return None


def _certain(p: list[Any], v: list[Any]) -> bool:
    """Glob match where a value symbol may only be absorbed by ``*`` or met by the same symbol (true for all values)."""
    m = len(v)
    nxt = [False] * (m + 1)
    nxt[m] = True
    for tok in reversed(p):
        cur = [False] * (m + 1)
        if tok is STAR:
            cur[m] = nxt[m]
            for j in range(m - 1, -1, -1):
                cur[j] = nxt[j] or cur[j + 1]
        elif tok is QUEST:
            for j in range(m):
                cur[j] = type(v[j]) is str and nxt[j + 1]
        elif type(tok) is str:
            for j in range(m):
                cur[j] = type(v[j]) is str and v[j] == tok and nxt[j + 1]
        else:
            for j in range(m):
                cur[j] = isinstance(v[j], Symbol) and v[j].key == tok.key and nxt[j + 1]
        nxt = cur
    return nxt[0]


# --- possibility: is there any string both sides can be? -----------------------------------------------------------
# An atom is (kind, chars): "C" one given char; "1" exactly one char of a class; "O" zero or one; "S" zero or more.
# A class is a frozenset of characters, or None for any character.
Atom = tuple[str, Any]


def _shape_name(sym: Symbol) -> str | None:
    known = facts.PSEUDO_SHAPES.get(sym.key) if sym.kind == "pseudo" else None
    return sym.charset or (known[0] if known is not None else None)


def _shape(sym: Symbol) -> tuple[frozenset[str] | None, int, int | None]:
    """(characters, min length, max length) of the symbol's values; None characters: any."""
    charset, low, high = _shape_name(sym), sym.min_len, sym.max_len
    known = facts.PSEUDO_SHAPES.get(sym.key) if sym.kind == "pseudo" else None
    if known is not None:
        low = known[1] if low is None else low
        high = known[2] if high is None else high
    shaped = _shape_of(charset)
    if shaped is None:
        return (facts.CHARSETS.get(charset) if charset else None), low or 0, high
    _, chars, shape_low, shape_high = shaped
    low = max(low or 0, shape_low)
    high = shape_high if high is None else (high if shape_high is None else min(high, shape_high))
    return chars, low, high


Shape = tuple[tuple[tuple[frozenset[str], int, int | None], ...], frozenset[str], int, int | None]


def _shape_of(name: str | None) -> Shape | None:
    """The parsed shape a Symbol.charset names: a facts.SHAPES entry, or "re:<pattern>", a parameter's
    AllowedPattern (which "must match the entire parameter value",
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/parameters-section-structure.html)."""
    if name is None:
        return None
    if name in facts.SHAPES:
        return _shape_pieces(facts.SHAPES[name])
    if name.startswith("re:"):
        return _shape_pieces(_unanchored(name[3:]))
    return None


def _unanchored(pattern: str) -> str:
    pattern = pattern.removeprefix("^")
    return pattern[:-1] if pattern.endswith("$") and not pattern.endswith("\\$") else pattern


# A shape read as pieces: (characters, min repeats, max repeats or None). The subset: literal characters, escaped
# punctuation, \d \w \s, [classes] (ranges, those escapes; no negation or nesting), and one greedy quantifier
# ? * + {n} {n,} {n,m} per piece. Anything else ("." "(" "|" a lazy quantifier ...) is no shape: the symbol may
# then be anything, which is sound.
_SHAPE_TOKEN = re.compile(r"(\\[^\\]|\[(?:\\.|[^\]\\])+\]|[^\\\[])(\{\d+(?:,\d*)?\}|[?*+])?")
_CLASS_ESCAPES = {"d": "0123456789", "w": string.ascii_letters + string.digits + "_", "s": " \t\n\x0b\f\r"}
_NOT_LITERAL = frozenset(".()|^$?*+{}[]")


@lru_cache(maxsize=256)
def _shape_pieces(shape: str) -> Shape | None:
    """Parse a shape into pieces, with the union of its characters and its length bounds (None: not a shape)."""
    pieces: list[tuple[frozenset[str], int, int | None]] = []
    pos = 0
    while pos < len(shape):
        found = _SHAPE_TOKEN.match(shape, pos)
        chars = _shape_chars(found.group(1)) if found else None
        if found is None or chars is None:
            return None
        pos = found.end()
        pieces.append((chars, *_repeats(found.group(2))))
    union = frozenset().union(*(c for c, _, _ in pieces))
    low = sum(n for _, n, _ in pieces)
    highs = [m for _, _, m in pieces]
    high = None if None in highs else sum(m for m in highs if m is not None)
    return tuple(pieces), union, low, high


def _shape_chars(atom: str) -> frozenset[str] | None:
    if atom.startswith("\\"):
        return _escape_chars(atom[1])
    if not atom.startswith("["):
        return None if atom in _NOT_LITERAL else frozenset(atom)
    body, i = atom[1:-1], 0
    if body.startswith("^") or "[" in body or "&&" in body:
        return None
    out: set[str] = set()
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            escaped = _escape_chars(body[i + 1])
            if escaped is None:
                return None
            out.update(escaped)
            i += 2
        elif i + 2 < len(body) and body[i + 1] == "-":
            if body[i + 2] == "\\":
                return None  # a range up to an escaped character: not read
            out.update(chr(c) for c in range(ord(ch), ord(body[i + 2]) + 1))
            i += 3
        else:
            out.add(ch)
            i += 1
    return frozenset(out)


def _escape_chars(ch: str) -> frozenset[str] | None:
    """What ``\\ch`` stands for: a class escape, an escaped punctuation character, or None (unsupported)."""
    if ch in _CLASS_ESCAPES:
        return frozenset(_CLASS_ESCAPES[ch])
    return None if ch.isalnum() else frozenset(ch)


def _repeats(quantifier: str | None) -> tuple[int, int | None]:
    if not quantifier:
        return 1, 1
    if quantifier in "?*+":
        return {"?": (0, 1), "*": (0, None), "+": (1, None)}[quantifier]
    low, comma, high = quantifier[1:-1].partition(",")
    return int(low), (int(low) if not comma else (int(high) if high else None))


def _class_atoms(chars: frozenset[str] | None, low: int, high: int | None) -> list[Atom]:
    """Atoms for low..high characters of a class (lengths beyond LENGTH_CAP approximated by "any length")."""
    atoms: list[Atom] = [("1", chars)] * min(low, LENGTH_CAP)
    if high is None or low > LENGTH_CAP or high - low > LENGTH_CAP:
        atoms.append(("S", chars))
    else:
        atoms.extend([("O", chars)] * (high - low))
    return atoms


def fixed_length(sym: Symbol) -> int | None:
    """The length every value of the symbol has, when there is one (an account id: 12)."""
    allowed = allowed_values(sym)
    if allowed:
        lengths = {len(v) for v in allowed}
        return lengths.pop() if len(lengths) == 1 else None
    _, low, high = _shape(sym)
    return low if high == low else None


def may_hold(sym: Symbol, char: str) -> bool:
    """Can the symbol's value contain ``char``? Pseudo parameters with a known shape cannot hold ':', '*', '?'."""
    allowed = allowed_values(sym)
    if allowed is not None:
        return any(char in value for value in allowed)
    if sym.kind == "pseudo" and sym.key in facts.COLON_FREE_PSEUDO:
        return False
    chars = _shape(sym)[0]
    return chars is None or char in chars


def _symbol_atoms(sym: Symbol, pattern_side: bool, wildcards: bool, fold: bool) -> list[Atom]:
    if pattern_side and wildcards and (may_hold(sym, "*") or may_hold(sym, "?")):
        return [("S", None)]  # a template value holding "*" would be a wildcard once substituted
    shaped = _shape_of(_shape_name(sym))
    if shaped is not None:  # a shape keeps its sequence: "-" and a digit end a Region, whatever its length
        atoms: list[Atom] = []
        for piece, low, high in shaped[0]:
            atoms.extend(_class_atoms(frozenset(c.lower() for c in piece) if fold else piece, low, high))
        return atoms
    chars, low, high = _shape(sym)
    if fold and chars is not None:
        chars = frozenset(c.lower() for c in chars)
    return _class_atoms(chars, low, high)


def _pattern_atoms(p: list[Any], wildcards: bool, fold: bool) -> list[Atom]:
    atoms: list[Atom] = []
    for tok in p:
        if type(tok) is str:
            atoms.append(("C", tok))
        elif tok is STAR:
            atoms.append(("S", None))
        elif tok is QUEST:
            atoms.append(("1", None))
        else:
            atoms.extend(_symbol_atoms(tok, True, wildcards, fold))
    return atoms


def _value_atoms(v: list[Any], fold: bool) -> list[Atom]:
    atoms: list[Atom] = []
    for tok in v:
        if type(tok) is str:
            atoms.append(("C", tok))
        else:
            atoms.extend(_symbol_atoms(tok, False, False, fold))
    return atoms


def _compatible(x: Atom, y: Atom) -> bool:
    (kx, cx), (ky, cy) = x, y
    if kx == "C":
        return cx == cy if ky == "C" else (cy is None or cx in cy)
    if ky == "C":
        return cx is None or cy in cx
    if cx is None:
        return cy is None or bool(cy)
    if cy is None:
        return bool(cx)
    return not cx.isdisjoint(cy)


def _possible(a: list[Atom], b: list[Atom]) -> bool:
    """Is the intersection of the two atom languages non-empty? (search over position pairs)"""
    na, nb = len(a), len(b)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == na and j == nb:
            return True
        ai = a[i] if i < na else None
        bj = b[j] if j < nb else None
        if ai is not None and ai[0] in "SO":
            stack.append((i + 1, j))
        if bj is not None and bj[0] in "SO":
            stack.append((i, j + 1))
        if ai is not None and bj is not None and _compatible(ai, bj):
            nxt = (i if ai[0] == "S" else i + 1, j if bj[0] == "S" else j + 1)
            if nxt != state:
                stack.append(nxt)
    return False


# --- explaining a dependency ---------------------------------------------------------------------------------------
def _depends(tokens: tuple[Token, ...], wildcards: bool, fold: bool, parts: tuple[Part, ...]) -> Tri:
    psyms, vsyms = _unique(_symbols(tokens)), _unique(_symbols(parts))
    hint: list[Dep] | None = None
    if vsyms and not psyms:
        hint = _hint_from_value(tokens, wildcards, fold, parts, vsyms)
    elif psyms and not vsyms:
        hint = _hint_from_pattern(tokens, wildcards, fold, parts, psyms)
    if hint:
        return depends(hint)
    return depends(symbol_dep(s) for s in _unique(psyms + vsyms))


def _group_regex(items: tuple[Any, ...], piece: Any, fold: bool) -> tuple[re.Pattern[str], list[Symbol]]:
    order: list[Symbol] = []
    body: list[str] = []
    for item in items:
        if isinstance(item, Symbol):
            names = [s.key for s in order]
            if item.key in names:
                body.append(f"(?P=g{names.index(item.key)})")
            else:
                body.append(f"(?P<g{len(order)}>.+?)")
                order.append(item)
        else:
            body.append(piece(item))
    flags = re.DOTALL | (re.IGNORECASE if fold else 0)
    return re.compile("".join(body), flags), order


def _hint_from_value(
    tokens: tuple[Token, ...], wildcards: bool, fold: bool, parts: tuple[Part, ...], syms: list[Symbol]
) -> list[Dep] | None:
    """Read each value symbol's counterpart off the pattern; keep those that are plain literals, verified."""
    regex, order = _group_regex(parts, re.escape, fold)
    found = regex.fullmatch(_render(tokens))
    values = {s.key: found.group(f"g{k}") for k, s in enumerate(order)} if found else {}
    if not found:
        values = _hint_by_components(tokens, parts)
    clean = {k: v for k, v in values.items() if v and not (wildcards and ("*" in v or "?" in v))}
    if not clean:
        return None
    rest = _match_core(tokens, wildcards, fold, _substitute_parts(parts, clean))
    if rest is NO:
        return None
    hinted = [symbol_dep(s, clean[s.key]) for s in syms if s.key in clean]
    return hinted + sorted(rest.deps, key=lambda d: (d.subject, d.value or ""))  # value None and str mix


def _hint_by_components(tokens: tuple[Token, ...], parts: tuple[Part, ...]) -> dict[str, str]:
    """Align colon-separated components from both ends, up to the first wildcard (it may span colons)."""
    pattern = _split_all(tokens)
    value = _split_all(parts)
    if pattern is None or value is None:
        return {}
    hints: dict[str, str] = {}
    for pairs in (zip(pattern, value), zip(reversed(pattern), reversed(value))):
        for p_comp, v_comp in pairs:
            if not all(isinstance(t, str) for t in p_comp):
                break
            _solve_component("".join(p_comp), v_comp, hints)
    return hints


def _split_all(items: tuple[Any, ...]) -> list[list[Any]] | None:
    components: list[list[Any]] = [[]]
    for item in items:
        if isinstance(item, str):
            pieces = item.split(":")
            components[-1].append(pieces[0])
            components.extend([p] for p in pieces[1:])
        elif isinstance(item, Symbol) and may_hold(item, ":"):
            return None
        else:
            components[-1].append(item)
    return components


def _solve_component(text: str, component: list[Any], hints: dict[str, str]) -> None:
    """text = prefix + symbol + suffix: the symbol's value, when the component holds exactly one symbol."""
    symbols = [i for i, item in enumerate(component) if isinstance(item, Symbol)]
    if len(symbols) != 1:
        return
    at = symbols[0]
    prefix, suffix = "".join(component[:at]), "".join(component[at + 1 :])
    if len(text) > len(prefix) + len(suffix) and text.startswith(prefix) and text.endswith(suffix):
        hints.setdefault(component[at].key, text[len(prefix) : len(text) - len(suffix)])


def _hint_from_pattern(
    tokens: tuple[Token, ...], wildcards: bool, fold: bool, parts: tuple[Part, ...], syms: list[Symbol]
) -> list[Dep] | None:
    """Read each pattern symbol's counterpart off the (literal) value."""
    regex, order = _group_regex(tokens, _regex_piece, fold)
    found = regex.fullmatch("".join(p for p in parts if isinstance(p, str)))
    if not found:
        return None
    values = {s.key: found.group(f"g{k}") for k, s in enumerate(order)}
    if _match_core(_substitute_tokens(tokens, values, wildcards, fold), wildcards, fold, parts) is not YES:
        return None
    return [symbol_dep(s, values[s.key]) for s in syms]


# --- ARN operators ------------------------------------------------------------------------------------------------
_SHORT = "short"  # definitely fewer than six components: not an ARN


def match_arn(pattern: Pattern, value: Any) -> Tri:
    """ArnEquals / ArnLike: the six colon-separated components are matched one by one."""
    if pattern.unknown is not None:
        return depends_on(pattern.unknown.reason)
    parts = value_parts(value)
    if isinstance(parts, Unknown):
        return depends_on(parts.reason)
    return _match_arn_parts(pattern.tokens, pattern.fold, parts)


@lru_cache(maxsize=16384)
def _match_arn_parts(tokens: tuple[Token, ...], fold: bool, parts: tuple[Part, ...]) -> Tri:
    pattern_components = _split_six(tokens)
    if not isinstance(pattern_components, list):
        # A pattern that is not six components ("*", say) is matched as a whole string: the guide does not say
        # what IAM does with it, and the whole-string reading is the permissive one.
        return match_parts(tokens, True, fold, parts)
    value_components = _split_six(parts)
    if value_components == _SHORT:
        return NO
    if value_components is None:
        whole = match_parts(tokens, True, fold, parts)
        return NO if whole is NO else depends(whole.deps or {symbol_dep(s) for s in _symbols(parts)})
    assert isinstance(value_components, list)
    results = [match_parts(pc, True, fold, vc) for pc, vc in zip(pattern_components, value_components)]
    deps: set[Dep] = set()
    for r in results:
        if r is NO:
            return NO
        deps |= r.deps
    return YES if all(r is YES for r in results) else depends(deps)


def _split_six(items: tuple[Any, ...]) -> list[tuple[Any, ...]] | str | None:
    """Split at the first five literal colons. None: a symbol that may hold ':' comes first (ambiguous)."""
    components: list[list[Any]] = [[]]
    for item in items:
        if isinstance(item, str) and len(components) < 6:
            pieces = item.split(":", 6 - len(components))
            components[-1].append(pieces[0])
            components.extend([p] for p in pieces[1:])
        elif isinstance(item, Symbol) and len(components) < 6 and may_hold(item, ":"):
            return None
        else:
            components[-1].append(item)
    if len(components) < 6:
        return _SHORT
    return [_merge(c, False) for c in components]


def arn_components(value: Any) -> tuple[tuple[Part, ...], ...] | None:
    """The six components of an ARN value (str or Symbolic), or None when they cannot be told apart."""
    parts = value_parts(value)
    if isinstance(parts, Unknown):
        return None
    return _components(parts)


@lru_cache(maxsize=4096)
def _components(parts: tuple[Part, ...]) -> tuple[tuple[Part, ...], ...] | None:
    split = _split_six(parts)
    return tuple(split) if isinstance(split, list) else None


def component_value(component: tuple[Part, ...]) -> str | Symbolic:
    return Symbolic.of(list(component))


def of_literal(flag: bool) -> Tri:
    return of_bool(flag)
