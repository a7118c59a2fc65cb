"""The checks framework: rule metadata (the catalog's rows), check subscriptions, and the context checks read.

A check is a pure function. Template-level checks take `(ctx)`; resource checks subscribe to resource types and
take `(ctx, resource)`. They read the model and yield Findings made with `ctx.finding(code, ...)`, which fills
category, severity and documentation from the catalog (house rule 4: metadata lives in the catalog, not in code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from preflight.findings import Finding, Fix
from preflight.source.span import Span

if TYPE_CHECKING:  # pragma: no cover
    from preflight.model.graph import Graph
    from preflight.model.template import Resource, Template
    from preflight.resolve.resolver import Resolver
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
DOC_BASE = "docs/checks/"


class Rule(NamedTuple):
    """One catalog row. `code` is never reused; `slug` names the golden-test folder."""

    code: str
    slug: str
    title: str
    category: str
    severity: str
    fix: str = "none"

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
    ) -> Finding:
        rule = self.rules[code]
        construct = None
        if resource and resource in self.template.resources:
            construct = self.template.resources[resource].construct_path
        return Finding(
            file=self.path,
            span=span,
            code=code,
            category=rule.category,
            severity=severity or rule.severity,
            message=message,
            resource=resource,
            related=tuple(r for r in dict.fromkeys(related) if r != resource),
            fix=fix,
            doc_url=rule.doc_url,
            construct_path=construct,
            notes=tuple(notes),
        )


def iter_checks(checks: Iterable[Check], types: Iterable[str]) -> Iterator[Check]:
    wanted = set(types)
    for check in checks:
        if check.types is None or wanted.intersection(check.types):
            yield check
