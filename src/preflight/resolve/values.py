"""Resolved values: known, symbolic or unknown, never guessed (DESIGN.md "Values, not guesses").

Representation (kept cheap because every property of every resource goes through it):

- A **known** value is plain Python data: ``str``, ``int``, ``float``, ``bool``, ``None``, and ``dict`` / ``list``
  containers (``MapNode`` / ``SeqNode`` when they come from the template, so their spans survive).
  A known container may hold symbolic or unknown leaves: the container's shape is known, the leaf is not.
- A **symbolic** string is a ``Symbolic``: a sequence of literal parts and ``Symbol`` objects. The same symbol
  (same ``key``) is the same value everywhere in one deployment: ``${AWS::Region}`` in a key policy and in a log
  group ARN are one region.
- An **unknown** value is an ``Unknown`` with a reason ("Fn::ImportValue of 'shared-vpc'", "GetAtt of a custom
  resource") and the span it came from.

``Symbolic`` and ``Unknown`` carry their origin span; plain values are located through their container's spans.
"""

from __future__ import annotations

from typing import Any, Final

from preflight.source.span import Span


class Symbol:
    """A value fixed for one deployment but not known offline.

    key: identity of the value ("AWS::Region", "param:Env", "ref:MyBucket", "attr:MyRole.Arn").
    kind: "pseudo" | "parameter" | "resource" | "attribute".
    min_len / max_len: bounds of the rendered length when known (a stack name is 1..128), else None.
    allowed: the finite set of values it can take, when known (a parameter's AllowedValues).
    description: what a user would call it in a message ("the stack name", "parameter Env").
    """

    __slots__ = ("allowed", "charset", "description", "key", "kind", "max_len", "min_len")

    # Immutable values (hashable, shared between scenarios): never assign after construction. Plain slotted
    # classes rather than frozen dataclasses: defining a dataclass costs ~0.5 ms of every run's start-up and
    # constructing a frozen one is several times slower than this.
    def __init__(
        self,
        key: str,
        kind: str,
        description: str,
        min_len: int | None = None,
        max_len: int | None = None,
        allowed: tuple[str, ...] | None = None,
        charset: str | None = None,  # "digits", "region" ...: policy/facts.py CHARSETS or SHAPES; not identity
    ) -> None:
        self.key: Final = key
        self.kind: Final = kind
        self.description: Final = description
        self.min_len: Final = min_len
        self.max_len: Final = max_len
        self.allowed: Final = allowed
        self.charset: Final = charset

    def _identity(self) -> tuple[Any, ...]:
        return (self.key, self.kind, self.description, self.min_len, self.max_len, self.allowed)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Symbol and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return (f"Symbol(key={self.key!r}, kind={self.kind!r}, description={self.description!r}, "
                f"min_len={self.min_len!r}, max_len={self.max_len!r}, allowed={self.allowed!r}, "
                f"charset={self.charset!r})")

    def __str__(self) -> str:
        """As the template would write it in a Sub: ${Stage}, ${Bucket}, ${Role.Arn}, ${AWS::Region}."""
        kind, sep, name = self.key.partition(":")
        if not sep or kind not in _DISPLAY:
            return "${" + self.key + "}"
        return _DISPLAY[kind].format(name)


# How symbols are shown in messages: like the template writes the reference (the key stays the identity).
_DISPLAY = {"param": "${{{}}}", "ref": "${{{}}}", "attr": "${{{}}}", "import": "${{ImportValue {}}}",
            "az": "${{GetAZs[{}]}}"}


Part = str | Symbol


class Symbolic:
    """A string made of literal parts and symbols, e.g. arn:aws:logs:${AWS::Region}:${AWS::AccountId}:...

    Immutable (see Symbol); ``origin``, where the value came from, is not part of its identity."""

    __slots__ = ("origin", "parts")

    def __init__(self, parts: tuple[Part, ...], origin: Span | None = None) -> None:
        self.parts: Final = parts
        self.origin: Final = origin

    def with_origin(self, origin: Span | None) -> Symbolic:
        return Symbolic(self.parts, origin)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Symbolic and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __repr__(self) -> str:
        return f"Symbolic(parts={self.parts!r}, origin={self.origin!r})"

    @staticmethod
    def of(parts: list[Part] | tuple[Part, ...], origin: Span | None = None) -> str | Symbolic:
        """Normalise: merge adjacent literals, drop empty ones; a purely literal result is a plain str.

        Runs of literals are joined once (linear), not concatenated pairwise (quadratic on long joins)."""
        merged: list[Part] = []
        run: list[str] = []
        for part in parts:
            if isinstance(part, str):
                if part:
                    run.append(part)
                continue
            if run:
                merged.append(run[0] if len(run) == 1 else "".join(run))
                run = []
            merged.append(part)
        if run:
            merged.append(run[0] if len(run) == 1 else "".join(run))
        if not merged:
            return ""
        if len(merged) == 1 and isinstance(merged[0], str):
            return merged[0]
        return Symbolic(tuple(merged), origin)

    @property
    def symbols(self) -> tuple[Symbol, ...]:
        return tuple(p for p in self.parts if isinstance(p, Symbol))

    def length_bounds(self) -> tuple[int, int | None]:
        """(min, max) rendered length; max is None when some symbol has no upper bound."""
        low, high = 0, 0
        unbounded = False
        for part in self.parts:
            if isinstance(part, str):
                low += len(part)
                high += len(part)
            else:
                low += part.min_len or 0
                if part.max_len is None:
                    unbounded = True
                else:
                    high += part.max_len
        return low, (None if unbounded else high)

    def literal_prefix(self) -> str:
        first = self.parts[0]
        return first if isinstance(first, str) else ""

    def __str__(self) -> str:
        return "".join(str(p) for p in self.parts)


class Unknown:
    """A value that cannot be decided offline; `reason` says what it depends on.

    Immutable (see Symbol); ``origin`` is not part of its identity."""

    __slots__ = ("origin", "reason")

    def __init__(self, reason: str, origin: Span | None = None) -> None:
        self.reason: Final = reason
        self.origin: Final = origin

    def with_origin(self, origin: Span | None) -> Unknown:
        return Unknown(self.reason, origin)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Unknown and self.reason == other.reason

    def __hash__(self) -> int:
        return hash(self.reason)

    def __repr__(self) -> str:
        return f"Unknown(reason={self.reason!r}, origin={self.origin!r})"

    def __str__(self) -> str:
        return f"<unknown: {self.reason}>"


Value = Any  # known plain data | Symbolic | Unknown (see module docstring)


def is_known(value: Value) -> bool:
    """True when the value is fully known: no Symbolic or Unknown anywhere inside."""
    if isinstance(value, (Symbolic, Unknown)):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


def is_stringlike(value: Value) -> bool:
    return isinstance(value, (str, Symbolic))


def render(value: Value) -> str:
    """Human-readable rendering for messages: symbols as ${...}, unknowns as <unknown: ...>."""
    if isinstance(value, (Symbolic, Unknown)):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, default=render, sort_keys=False)
    return str(value)
