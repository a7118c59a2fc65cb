"""Three-valued answers: yes, no, or "depends on ..." (DESIGN.md "Values, not guesses").

``YES`` and ``NO`` are singletons (compare with ``is``); a depends answer carries the dependencies that would
settle it: a symbol ("AWS::Region", with the deciding value when known: "AWS::Region = us-west-2"), a parameter
("parameter Env"), or an unknown value's reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from preflight.resolve.values import Symbol


class Dep(NamedTuple):
    """One thing an answer depends on; ``value`` is the value that decides it, when one was found."""

    subject: str
    value: str | None = None

    def __str__(self) -> str:
        return self.subject if self.value is None else f"{self.subject} = {self.value}"


def describe_symbol(symbol: Symbol) -> str:
    """How a message names a symbol: pseudo parameters by name, the rest by their description."""
    if symbol.kind == "pseudo":
        return symbol.key
    return symbol.description or symbol.key


def symbol_dep(symbol: Symbol, value: str | None = None) -> Dep:
    return Dep(describe_symbol(symbol), value)


class Tri(NamedTuple):
    """state: 1 yes, 0 no, 2 depends. Build with YES / NO / depends(); combine with the functions below."""

    state: int
    deps: frozenset[Dep] = frozenset()

    @property
    def is_yes(self) -> bool:
        return self.state == 1

    @property
    def is_no(self) -> bool:
        return self.state == 0

    @property
    def is_depends(self) -> bool:
        return self.state == 2

    def __str__(self) -> str:
        if self.state != 2:
            return "yes" if self.state == 1 else "no"
        # a symbol may be a dependency with and without a deciding value at once: None does not order with str
        return "depends on " + ", ".join(str(d) for d in sorted(self.deps, key=lambda d: (d.subject, d.value or "")))


YES = Tri(1)
NO = Tri(0)


def of_bool(flag: bool) -> Tri:
    return YES if flag else NO


def depends(deps: Iterable[Dep]) -> Tri:
    return Tri(2, frozenset(deps))


def depends_on(subject: str, value: str | None = None) -> Tri:
    return Tri(2, frozenset((Dep(subject, value),)))


def and_(a: Tri, b: Tri) -> Tri:
    if a is NO or b is NO:
        return NO
    if a is YES:
        return b
    if b is YES:
        return a
    return Tri(2, a.deps | b.deps)


def or_(a: Tri, b: Tri) -> Tri:
    if a is YES or b is YES:
        return YES
    if a is NO:
        return b
    if b is NO:
        return a
    return Tri(2, a.deps | b.deps)


def not_(a: Tri) -> Tri:
    if a is YES:
        return NO
    if a is NO:
        return YES
    return a


def all_of(items: Iterable[Tri]) -> Tri:
    """AND with short-circuit on the first NO."""
    deps: set[Dep] = set()
    pending = False
    for item in items:
        if item is NO:
            return NO
        if item is not YES:
            pending = True
            deps |= item.deps
    return Tri(2, frozenset(deps)) if pending else YES


def any_of(items: Iterable[Tri]) -> Tri:
    """OR with short-circuit on the first YES."""
    deps: set[Dep] = set()
    pending = False
    for item in items:
        if item is YES:
            return YES
        if item is not NO:
            pending = True
            deps |= item.deps
    return Tri(2, frozenset(deps)) if pending else NO
