"""Conditions as scenarios: every satisfiable combination of condition values, bounded.

Conditions are functions of parameters and pseudo parameters. Instead of treating each condition as a free
boolean (which yields combinations no deployment can produce, such as IsProd and IsDev both true), we enumerate
the *inputs*: for each parameter or pseudo parameter a condition reads, its AllowedValues, or the literals it is
compared with plus one "any other value" candidate. Each assignment gives one vector of condition values; equal
vectors are one scenario. A condition that still cannot be decided (it reads an import, an AZ list ...) is
enumerated as a free boolean.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

MAX_SCENARIOS = 64


class Other:
    """'Any value other than the literals the conditions compare with' for one input."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<other value of {self.name}>"


@dataclass(frozen=True)
class Scenario:
    conditions: tuple[tuple[str, bool], ...] = ()
    inputs: tuple[tuple[str, Any], ...] = field(default=(), compare=False)
    # Lookups and the hash are used on every resolution (scenarios key the resolver's caches): precomputed.
    _conditions: dict[str, bool] = field(init=False, repr=False, compare=False)
    _inputs: dict[str, Any] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_conditions", dict(self.conditions))
        object.__setattr__(self, "_inputs", dict(self.inputs))
        object.__setattr__(self, "_hash", hash(self.conditions))

    def __hash__(self) -> int:
        return self._hash

    def condition(self, name: str) -> bool | None:
        return self._conditions.get(name)

    def input(self, name: str) -> Any:
        return self._inputs.get(name)

    def describe(self) -> str:
        if not self.conditions:
            return "always"
        return ", ".join(f"{k}={'true' if v else 'false'}" for k, v in self.conditions)


DEFAULT = Scenario()


@dataclass(frozen=True)
class ScenarioSet:
    scenarios: tuple[Scenario, ...]
    truncated: bool  # True when the bound cut the enumeration


def condition_inputs(conditions: dict[str, Any]) -> dict[str, set[Any]]:
    """Map each Ref'd name inside Conditions to the literal values it is compared with in Fn::Equals."""
    inputs: dict[str, set[Any]] = {}

    def refs(node: Any) -> list[str]:
        found: list[str] = []
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if len(item) == 1 and "Ref" in item and isinstance(item["Ref"], str):
                    found.append(item["Ref"])
                    continue
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return found

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, arg in node.items():
                if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                    for side, other in ((arg[0], arg[1]), (arg[1], arg[0])):
                        for name in refs(side):
                            bucket = inputs.setdefault(name, set())
                            if isinstance(other, (str, int, float, bool)):
                                bucket.add(str(other) if not isinstance(other, bool) else str(other).lower())
                walk(arg)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(conditions)
    return inputs


def enumerate_scenarios(
    names: list[str],
    candidates: dict[str, list[Any]],
    evaluate: Any,
) -> ScenarioSet:
    """`evaluate(assignment) -> dict[name, bool | None]`; returns the distinct satisfiable condition vectors."""
    if not names:
        return ScenarioSet((DEFAULT,), False)
    keys = sorted(candidates)
    seen: dict[tuple[tuple[str, bool], ...], Scenario] = {}
    truncated = False
    product = itertools.product(*(candidates[k] for k in keys))
    for count, combo in enumerate(product):
        if count >= MAX_SCENARIOS * 8:
            truncated = True
            break
        assignment = dict(zip(keys, combo))
        values = evaluate(assignment)
        free = [n for n in names if values.get(n) is None]
        for bits in itertools.product((True, False), repeat=len(free)):
            vector = dict(values)
            vector.update(zip(free, bits))
            key = tuple((n, bool(vector[n])) for n in names)
            if key not in seen:
                if len(seen) >= MAX_SCENARIOS:
                    truncated = True
                    break
                seen[key] = Scenario(key, tuple(assignment.items()))
    return ScenarioSet(tuple(seen.values()), truncated)
