"""The service knowledge base: how AWS services reach customer resources, as data (``integrations.yaml``).

This module is the typed loader. It reads the YAML once (lazily, on first use) and hands out frozen records:

- ``integration(id)`` / ``integrations()``: a service acting on a property of a resource reaches another
  resource and makes requests (principal, action, resource ARN, context keys) at create time or at runtime;
  with the error CloudFormation prints, the documented minimal statement and the doc pages;
- ``role_consumers()``: properties that hand a role to a service, which must be trusted by it;
- ``lambda_facts()``: Lambda permission shapes and the services that invoke a function at create time;
- ``execution_role_calls(kind)``, ``managed_policy_facts()``, ``apigateway_logging()``: the rest of the tables.

Placeholders (``${Region}``, ``${Source.Arn}``...) stay text here; ``preflight.services.replay`` binds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from preflight.errors import PreflightError

_FILE = "integrations.yaml"
UNKNOWN_PREFIX = "?"  # a context value "?<what>" is a value the service chooses and no document states


class KnowledgeBaseError(PreflightError):
    """integrations.yaml is missing or malformed (a packaging bug, not a template problem)."""


@dataclass(frozen=True)
class RequestSpec:
    """One request a service makes. ``deny_only``: only an explicit Deny can fail it (AWS adds the Allow)."""

    action: str
    timing: str  # "create" | "runtime"
    resource: str
    context: Mapping[str, Any]
    deny_only: bool = False
    note: str | None = None  # why a runtime request is checked (what breaks when it is denied)


@dataclass(frozen=True)
class PrincipalSpec:
    """Who makes the requests: a service principal or an IAM ARN (``identity``: its IAM policies, "none"
    when AWS documents that they grant nothing on customer resources)."""

    service: str | None = None
    aws: str | None = None
    identity: str | None = None


@dataclass(frozen=True)
class Integration:
    id: str
    title: str
    source_type: str
    source_property: str
    target_type: str
    policy: str  # "key" | "bucket" | "topic" | "queue" | "none"
    principal: PrincipalSpec
    requests: tuple[RequestSpec, ...]
    error: str | None
    symptom: str | None
    statement: Any  # the documented minimal statement(s), with placeholders
    docs: tuple[str, ...]  # URLs
    bindings: Mapping[str, str] = field(default_factory=dict)  # derived placeholders, bound in order

    @property
    def doc(self) -> str:
        return self.docs[0] if self.docs else ""


@dataclass(frozen=True)
class RoleConsumer:
    """``property`` of ``type`` names a role that ``service`` assumes (a dotted path; ``[]`` walks a list)."""

    type: str
    property: str
    service: str
    timing: str
    error: str | None
    symptom: str | None
    docs: tuple[str, ...]


@dataclass(frozen=True)
class Invoker:
    principal: str
    arn_service: str
    example: str
    docs: tuple[str, ...]


@dataclass(frozen=True)
class CreateTimeInvoker:
    principal: str
    error: str
    docs: tuple[str, ...]


@dataclass(frozen=True)
class RefFact:
    """What Ref returns for a type the CloudFormation schemas do not cover (AWS SAM)."""

    is_arn: bool
    description: str
    docs: tuple[str, ...]


@dataclass(frozen=True)
class LambdaFacts:
    source_arn_pattern: str
    source_arn_error: str
    invokers: tuple[Invoker, ...]
    create_time: Mapping[str, CreateTimeInvoker]
    sam_refs: Mapping[str, RefFact] = field(default_factory=dict)

    def invoker(self, principal: str) -> Invoker | None:
        return next((i for i in self.invokers if i.principal == principal), None)


@dataclass(frozen=True)
class RoleCall:
    action: str
    verb: str


@dataclass(frozen=True)
class ExecutionRoleCalls:
    error: str
    docs: tuple[str, ...]
    by_target: Mapping[str, tuple[RoleCall, ...]]


@dataclass(frozen=True)
class ManagedPolicyFacts:
    not_found_error: str
    service_role_error: str
    service_role_path: str
    properties: Mapping[str, str]
    docs: tuple[str, ...]


@dataclass(frozen=True)
class ApiGatewayLogging:
    error: str
    managed_policy: str
    docs: tuple[str, ...]


# --- loading -----------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _raw() -> Mapping[str, Any]:
    try:
        text = resources.files(__package__).joinpath(_FILE).read_text(encoding="utf-8")
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:  # pragma: no cover - packaging problem
        raise KnowledgeBaseError(f"cannot read {_FILE}: {exc}") from exc
    if not isinstance(data, dict) or "integrations" not in data:  # pragma: no cover
        raise KnowledgeBaseError(f"{_FILE} has no integrations")
    return data


def checked() -> str:
    """The date the cited pages were last re-read."""
    return str(_raw()["checked"])


def _docs(keys: Any) -> tuple[str, ...]:
    sources = _raw()["sources"]
    out = []
    for key in keys or ():
        if key not in sources:
            raise KnowledgeBaseError(f"{_FILE}: unknown source {key!r}")
        out.append(str(sources[key]))
    return tuple(out)


def _request(raw: Mapping[str, Any]) -> RequestSpec:
    return RequestSpec(
        action=str(raw["action"]),
        timing=str(raw.get("timing", "create")),
        resource=str(raw.get("resource", "${Target.Arn}")),
        context=dict(raw.get("context") or {}),
        deny_only=bool(raw.get("deny_only", False)),
        note=raw.get("note"),
    )


def _integration(raw: Mapping[str, Any]) -> Integration:
    principal = raw.get("principal") or {}
    return Integration(
        id=str(raw["id"]),
        title=str(raw["title"]),
        source_type=str(raw["source"]["type"]),
        source_property=str(raw["source"]["property"]),
        target_type=str(raw["target"]["type"]),
        policy=str(raw["target"].get("policy", "none")),
        principal=PrincipalSpec(principal.get("service"), principal.get("aws"), principal.get("identity")),
        requests=tuple(_request(r) for r in raw.get("requests") or ()),
        error=raw.get("error"),
        symptom=raw.get("symptom"),
        statement=raw.get("statement"),
        docs=_docs(raw.get("docs")),
        bindings=dict(raw.get("bindings") or {}),
    )


@lru_cache(maxsize=1)
def _integrations() -> dict[str, Integration]:
    return {item.id: item for item in (_integration(r) for r in _raw()["integrations"])}


def integrations() -> tuple[Integration, ...]:
    return tuple(_integrations().values())


def integration(ident: str) -> Integration:
    try:
        return _integrations()[ident]
    except KeyError:
        raise KnowledgeBaseError(f"{_FILE} has no integration {ident!r}") from None


@lru_cache(maxsize=1)
def role_consumers() -> tuple[RoleConsumer, ...]:
    return tuple(
        RoleConsumer(
            str(r["type"]),
            str(r["property"]),
            str(r["service"]),
            str(r["timing"]),
            r.get("error"),
            r.get("symptom"),
            _docs(r.get("docs")),
        )
        for r in _raw()["role_consumers"]
    )


@lru_cache(maxsize=1)
def lambda_facts() -> LambdaFacts:
    raw = _raw()["lambda"]
    invokers = tuple(
        Invoker(str(i["principal"]), str(i["arn_service"]), str(i["example"]), _docs(i.get("docs")))
        for i in raw["invokers"]
    )
    create = {
        name: CreateTimeInvoker(str(v["principal"]), str(v["error"]), _docs(v.get("docs")))
        for name, v in raw["create_time_invokers"].items()
    }
    sam = {
        str(k): RefFact(bool(v["arn"]), str(v["description"]), _docs(v.get("docs")))
        for k, v in raw.get("sam_refs", {}).items()
    }
    return LambdaFacts(str(raw["source_arn_pattern"]), str(raw["source_arn_error"]), invokers, create, sam)


@cache
def execution_role_calls(kind: str) -> ExecutionRoleCalls:
    raw = _raw()["execution_role_calls"][kind]
    by_target: dict[str, tuple[RoleCall, ...]] = {}
    for rtype, calls in raw["by_target"].items():
        items = calls if isinstance(calls, list) else [calls]
        by_target[str(rtype)] = tuple(RoleCall(str(c["action"]), str(c["verb"])) for c in items)
    return ExecutionRoleCalls(str(raw["error"]), _docs(raw.get("docs")), by_target)


@lru_cache(maxsize=1)
def managed_policy_facts() -> ManagedPolicyFacts:
    raw = _raw()["managed_policies"]
    return ManagedPolicyFacts(
        str(raw["not_found_error"]),
        str(raw["service_role_error"]),
        str(raw["service_role_path"]),
        dict(raw["properties"]),
        _docs(raw.get("docs")),
    )


@lru_cache(maxsize=1)
def apigateway_logging() -> ApiGatewayLogging:
    raw = _raw()["apigateway_logging"]
    return ApiGatewayLogging(str(raw["error"]), str(raw["managed_policy"]), _docs(raw.get("docs")))


@lru_cache(maxsize=1)
def managed_policy_scopes() -> Mapping[str, frozenset[str]]:
    """AWS managed policy ARN (with ``${Partition}``) -> the only services its statements reach."""
    raw = _raw().get("managed_policy_scopes") or {}
    return {str(arn): frozenset(str(s) for s in entry["services"]) for arn, entry in raw.items()}


def source_url(key: str) -> str:
    """The URL of one of the knowledge base's sources."""
    return _docs([key])[0]
