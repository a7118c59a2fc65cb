"""The checks framework: rule metadata (the catalog's rows), check subscriptions, and the context checks read.

A check is a pure function. Template-level checks take `(ctx)`; resource checks subscribe to resource types and
take `(ctx, resource)`. They read the model and yield Findings made with `ctx.finding(code, ...)`, which fills
category, severity and documentation from the catalog (house rule 4: metadata lives in the catalog, not in code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from preflight.findings import Explanation, Finding, Fix
from preflight.source.span import Span

if TYPE_CHECKING:  # pragma: no cover
    from preflight.model.graph import Graph
    from preflight.model.template import Resource, Template
    from preflight.resolve.resolver import Resolver
    from preflight.resolve.scenarios import Scenario
    from preflight.source.document import Document

CATEGORIES = (
    "kms-service-access",
    "bucket-policy-service",
    "iam-trust-or-role",
    "lambda-permission",
    "circular-dependency",
    "missing-dependson",
    "invalid-value",
    "name-constraint",
    "template-structure",
    "rollback-blocker",
    "region-account",
    "other",
)
FIX_SAFETIES = ("none", "safe", "unsafe", "display")
# When a warning's failure would show (README "Phases"): the create or update itself, the rollback after a failure,
# the running stack (it deploys, then the feature silently does not work), or the account's state.
PHASES = ("deploy", "rollback", "runtime", "account")
DOC_BASE = "docs/checks/"


class Rule(NamedTuple):
    """One catalog row. `code` is never reused; `slug` names the golden-test folder."""

    code: str
    slug: str
    title: str
    category: str
    severity: str
    fix: str = "none"
    phase: str = "deploy"  # one of PHASES: when the failure this rule predicts shows

    @property
    def doc_url(self) -> str:
        return f"{DOC_BASE}{self.code}.md"


TemplateCheck = Callable[["Context"], Iterable[Finding]]
ResourceCheck = Callable[["Context", "Resource"], Iterable[Finding]]


class Check(NamedTuple):
    """A check function, the codes it may emit, and the resource types it subscribes to (None: whole template)."""

    func: Callable[..., Iterable[Finding]]
    codes: tuple[str, ...]
    types: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


class Options(NamedTuple):
    strict: bool = False  # tests: a crashing check raises instead of becoming an internal-error finding
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    extra: Mapping[str, Any] = MappingProxyType({})  # e.g. "layers": --scp evaluation layers


class Context:
    """What a check may read. Frozen in spirit: checks never mutate it."""

    def __init__(self, path: str, document: Document, template: Template, resolver: Resolver, graph: Graph,
                 rules: dict[str, Rule], options: Options) -> None:
        self.path = path
        self.document = document
        self.template = template
        self.resolver = resolver
        self.graph = graph
        self.rules = rules
        self.options = options
        self._memo: dict[str, Any] = {}

    def release(self) -> None:
        """Drop the memo (its entries refer back to the context), so that refcounting frees the template."""
        self._memo.clear()

    def memo(self, key: str, factory: Callable[[Context], Any]) -> Any:
        """Derived data several checks share (a policy workspace, an index), built once per context and dropped
        with it: checks stay pure and nothing outlives the template being checked."""
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = factory(self)
        return value

    @property
    def pins(self) -> Any:
        return self.resolver.pins

    def resolve(self, node: Any, scenario: Any = None) -> Any:
        from preflight.resolve.scenarios import DEFAULT

        return self.resolver.resolve(node, scenario or DEFAULT)

    def created(self, *resources: Resource) -> list[Scenario]:
        """The condition scenarios that create every one of `resources`: a problem of them shows only in those
        (pass them as `when` to `finding`)."""
        active = self.resolver.active
        return [s for s in self.resolver.scenarios.scenarios if all(active(r, s) for r in resources)]

    def values(self, node: Any) -> list[tuple[Any, Any]]:
        """(scenario, value) for each distinct value of `node` across condition scenarios."""
        return self.resolver.resolve_all(node)

    def finding(
        self,
        code: str,
        span: Span,
        message: str,
        *,
        resource: str | None = None,
        related: Iterable[str] = (),
        fix: Fix | None = None,
        severity: str | None = None,
        notes: Iterable[str] = (),
        when: Sequence[Scenario] | None = None,
        phase: str | None = None,
        explanation: Explanation | None = None,
    ) -> Finding:
        """A finding of catalog rule `code`. `when`: the condition scenarios in which the problem shows; when they
        are only some of the template's scenarios, the outcome depends on parameter values, so an error becomes a
        warning and the message names the scenario (the one place where a scenario verdict becomes a finding)."""
        rule = self.rules[code]
        severity = severity or rule.severity
        shown: tuple[str, ...] = ()
        if when is not None:
            distinct = tuple(dict.fromkeys(when))
            everywhere = self.resolver.scenarios.scenarios
            if len(distinct) < len(everywhere):
                shown = describe_scenarios(distinct, everywhere)
                message += f" (when {scenario_list(shown)})"
                if severity == "error":
                    severity = "warning"
        construct = None
        if resource and resource in self.template.resources:
            construct = self.template.resources[resource].construct_path
        return Finding(
            file=self.path,
            span=span,
            code=code,
            category=rule.category,
            severity=severity,
            message=message,
            resource=resource,
            related=tuple(r for r in dict.fromkeys(related) if r != resource),
            fix=fix,
            doc_url=rule.doc_url,
            construct_path=construct,
            notes=tuple(notes),
            phase=(phase or rule.phase) if severity == "warning" else None,
            when=shown,
            explanation=explanation,
        )


def describe_scenarios(when: Sequence[Scenario], everywhere: Sequence[Scenario]) -> tuple[str, ...]:
    """The deploy-time choices `when` stands for, among all scenarios: the parameter values, then the conditions,
    that the problem's scenarios share and some other scenario does not (what decides it), else all of them."""
    others = [s for s in everywhere if s not in set(when)]
    inputs = _deciding([dict(s.inputs) for s in when], [dict(s.inputs) for s in others])
    conditions = _deciding([dict(s.conditions) for s in when], [dict(s.conditions) for s in others])
    return tuple(dict.fromkeys(describe_scenario(s, inputs, conditions) for s in when))


def _deciding(mine: list[dict[str, Any]], rest: list[dict[str, Any]]) -> set[str] | None:
    """The names whose value is the same in all of `mine` and different in some of `rest` (None: no such name,
    so nothing short says it)."""
    if not mine:
        return None
    shared = {k for k, v in mine[0].items() if all(m.get(k, v) == v for m in mine[1:]) and
              any(r.get(k, v) != v for r in rest)}
    return shared or None


def describe_scenario(scenario: Scenario, inputs: set[str] | None = None,
                      conditions: set[str] | None = None) -> str:
    """A scenario as its parameter values when known, then its conditions (only the names given, when given)."""
    from preflight.resolve.scenarios import Other

    chosen = [f"{name}={value if value != '' else repr(value)}" for name, value in scenario.inputs
              if not isinstance(value, Other) and (inputs is None or name in inputs)]
    conds = [(k, v) for k, v in scenario.conditions if conditions is None or k in conditions]
    said = ", ".join(f"{k}={'true' if v else 'false'}" for k, v in conds) or "always"
    return f"{', '.join(chosen)}, i.e. {said}" if chosen else said


def scenario_list(shown: Sequence[str], limit: int = 3) -> str:
    more = len(shown) - limit
    return "; ".join(shown[:limit]) + (f"; and {more} more" if more > 0 else "")


def iter_checks(checks: Iterable[Check], types: Iterable[str]) -> Iterator[Check]:
    wanted = set(types)
    for check in checks:
        if check.types is None or wanted.intersection(check.types):
            yield check
