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
from typing import Any, Final, NamedTuple

MAX_SCENARIOS = 64
MAX_EVALUATIONS = 50_000  # condition evaluations spent enumerating (assignments x conditions)


class Other:
    """'Any value other than the literals the conditions compare with' for one input."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<other value of {self.name}>"


class Scenario:
    """One satisfiable combination of the template's conditions (immutable; identity: ``conditions``), with the
    parameter values (``inputs``) that realise it."""

    __slots__ = ("_conditions", "_hash", "_inputs", "conditions", "inputs")

    def __init__(self, conditions: tuple[tuple[str, bool], ...] = (), inputs: tuple[tuple[str, Any], ...] = ()) -> None:
        self.conditions: Final = conditions
        self.inputs: Final = inputs
        # Lookups and the hash are used on every resolution (scenarios key the resolver's caches): precomputed.
        self._conditions: Final = dict(conditions)
        self._inputs: Final = dict(inputs)
        self._hash: Final = hash(conditions)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Scenario and self.conditions == other.conditions

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Scenario(conditions={self.conditions!r}, inputs={self.inputs!r})"

    def condition(self, name: str) -> bool | None:
        return self._conditions.get(name)

    def input(self, name: str) -> Any:
        return self._inputs.get(name)

    def describe(self) -> str:
        if not self.conditions:
            return "always"
        return ", ".join(f"{k}={'true' if v else 'false'}" for k, v in self.conditions)


DEFAULT = Scenario()


class ScenarioSet(NamedTuple):
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
    # Each assignment evaluates every condition: bound the assignments by the work they cost, so that thousands
    # of conditions over thousands of parameters (issue 12) stay a fraction of a second.
    assignments = max(8, min(MAX_SCENARIOS * 8, MAX_EVALUATIONS // len(names)))
    product = itertools.product(*(candidates[k] for k in keys))
    for count, combo in enumerate(product):
        if count >= assignments or truncated:
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
