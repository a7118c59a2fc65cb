"""The service knowledge base: how AWS services reach customer resources, as data (``integrations.yaml``).

This module is the typed loader. It reads the knowledge base once (lazily, on first use) and hands out frozen
records. People edit ``integrations.yaml``; preflight reads ``integrations.json``, which
``scripts/compile_kb.py`` compiles from it (a test fails when the two differ):

- ``integration(id)`` / ``integrations()``: a service acting on a property of a resource reaches another
  resource and makes requests (principal, action, resource ARN, context keys) at create time or at runtime;
  with the error CloudFormation prints, the documented minimal statement and the doc pages;
- ``role_consumers()``: properties that hand a role to a service, which must be trusted by it;
- ``lambda_facts()``: Lambda permission shapes and the services that invoke a function at create time;
- ``execution_role_calls(kind)``, ``service_role_calls(id)``: what a service calls with a role's own permissions;
- ``managed_policy_facts()``, ``managed_policy_scopes()``, ``managed_policy_documents()``,
  ``apigateway_logging()``: the rest of the tables.

Placeholders (``${Region}``, ``${Source.Arn}``...) stay text here; ``preflight.services.replay`` binds them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

from preflight.errors import PreflightError

_FILE = "integrations.json"  # compiled from integrations.yaml by scripts/compile_kb.py
UNKNOWN_PREFIX = "?"  # a context value "?<what>" is a value the service chooses and no document states


class KnowledgeBaseError(PreflightError):
    """integrations.yaml is missing or malformed (a packaging bug, not a template problem)."""


class RequestSpec(NamedTuple):
    """One request a service makes. ``deny_only``: only an explicit Deny can fail it (AWS adds the Allow)."""

    action: str
    timing: str  # "create" | "runtime"
    resource: str
    context: Mapping[str, Any]
    deny_only: bool = False
    note: str | None = None  # why a runtime request is checked (what breaks when it is denied)


class PrincipalSpec(NamedTuple):
    """Who makes the requests: a service principal or an IAM ARN (``identity``: its IAM policies, "none"
    when AWS documents that they grant nothing on customer resources)."""

    service: str | None = None
    aws: str | None = None
    identity: str | None = None


class Integration(NamedTuple):
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
    bindings: Mapping[str, str] = MappingProxyType({})  # derived placeholders, bound in order

    @property
    def doc(self) -> str:
        return self.docs[0] if self.docs else ""


class RoleConsumer(NamedTuple):
    """``property`` of ``type`` names a role that ``service`` assumes (a dotted path; ``[]`` walks a list)."""

    type: str
    property: str
    service: str
    timing: str
    error: str | None
    symptom: str | None
    docs: tuple[str, ...]


class Invoker(NamedTuple):
    principal: str
    arn_service: str
    example: str
    docs: tuple[str, ...]


class CreateTimeInvoker(NamedTuple):
    principal: str
    error: str
    docs: tuple[str, ...]


class RefFact(NamedTuple):
    """What Ref returns for a type the CloudFormation schemas do not cover (AWS SAM)."""

    is_arn: bool
    description: str
    docs: tuple[str, ...]


class LambdaFacts(NamedTuple):
    source_arn_pattern: str
    source_arn_error: str
    invokers: tuple[Invoker, ...]
    create_time: Mapping[str, CreateTimeInvoker]
    sam_refs: Mapping[str, RefFact] = MappingProxyType({})

    def invoker(self, principal: str) -> Invoker | None:
        return next((i for i in self.invokers if i.principal == principal), None)


class RoleCall(NamedTuple):
    """A request a service makes with a role's identity permissions. ``timing``: "create" (a denial fails the
    resource) or "runtime"; ``resource``: its ARN with placeholders, when it differs from the target's."""

    action: str
    verb: str
    timing: str = "create"
    resource: str | None = None


class ArnMatch(NamedTuple):
    """How an ARN from outside the template is recognized: its service, and a piece it contains (or must not)."""

    service: str
    contains: str | None = None
    excludes: str | None = None


class CallTarget(NamedTuple):
    """What a service calls with a role on one kind of target, and how the failure shows."""

    calls: tuple[RoleCall, ...]
    error: str
    symptom: str | None
    docs: tuple[str, ...]
    arn: ArnMatch | None = None
    attribute: str = "Arn"  # the GetAtt attribute that names the target
    statement_resource: str | None = None  # the Resource of the minimal statement, when not the target's ARN
    resource_policy: str | None = None  # "queue" | "stream": the target may have a resource policy

    @property
    def doc(self) -> str:
        return self.docs[0] if self.docs else ""


class ExecutionRoleCalls(NamedTuple):
    error: str
    docs: tuple[str, ...]
    by_target: Mapping[str, tuple[RoleCall, ...]]
    targets: Mapping[str, CallTarget] = MappingProxyType({})


class ServiceRoleCalls(NamedTuple):
    """A resource property hands a role to a service that calls other services with it while the resource is
    created (``validates``: "all" calls are checked, or the role is rejected when it allows "any" of them none)."""

    id: str
    type: str
    service: str
    role_property: str
    target_property: str | None
    resource: str  # the ARN of the requests, with placeholders (a call may give its own)
    statement_resource: str
    validates: str
    calls: tuple[RoleCall, ...]
    error: str
    symptom: str | None
    docs: tuple[str, ...]
    symbols: Mapping[str, str] = MappingProxyType({})


class ManagedPolicyFacts(NamedTuple):
    not_found_error: str
    service_role_error: str
    service_role_path: str
    properties: Mapping[str, str]
    docs: tuple[str, ...]


class ApiGatewayLogging(NamedTuple):
    error: str
    managed_policy: str
    docs: tuple[str, ...]


# --- loading -----------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _raw() -> Mapping[str, Any]:
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), _FILE), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:  # pragma: no cover - packaging problem
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


def aws_error(value: Any) -> str | None:
    """An error CloudFormation prints: the knowledge base names it by its AWS error signature
    (``{aws_error: id}``), whose message lives in ``preflight/data/aws_errors.json`` (one home for the errors the
    checks quote and ``diagnose`` matches); a plain string is taken as it is."""
    if isinstance(value, dict) and "aws_error" in value:
        from preflight.data.errors import error_message

        return error_message(str(value["aws_error"]))
    return None if value is None else str(value)


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
        error=aws_error(raw.get("error")),
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
            aws_error(r.get("error")),
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
        name: CreateTimeInvoker(str(v["principal"]), str(aws_error(v["error"])), _docs(v.get("docs")))
        for name, v in raw["create_time_invokers"].items()
    }
    sam = {
        str(k): RefFact(bool(v["arn"]), str(v["description"]), _docs(v.get("docs")))
        for k, v in raw.get("sam_refs", {}).items()
    }
    return LambdaFacts(str(raw["source_arn_pattern"]), str(aws_error(raw["source_arn_error"])), invokers, create, sam)


def _role_call(raw: Mapping[str, Any]) -> RoleCall:
    return RoleCall(
        str(raw["action"]), str(raw["verb"]), str(raw.get("timing", "create")), raw.get("resource")
    )


@cache
def execution_role_calls(kind: str) -> ExecutionRoleCalls:
    """``by_target``: target type -> calls; ``targets``: the same with each target's error, docs and ARN shape
    (a target written as a mapping with ``calls`` may override the kind's error and docs)."""
    raw = _raw()["execution_role_calls"][kind]
    by_target: dict[str, tuple[RoleCall, ...]] = {}
    targets: dict[str, CallTarget] = {}
    for rtype, entry in raw["by_target"].items():
        spec = entry if isinstance(entry, dict) and "calls" in entry else {"calls": entry}
        items = spec["calls"] if isinstance(spec["calls"], list) else [spec["calls"]]
        calls = tuple(_role_call(c) for c in items)
        by_target[str(rtype)] = calls
        arn = spec.get("arn")
        targets[str(rtype)] = CallTarget(
            calls,
            str(aws_error(spec.get("error", raw["error"]))),
            spec.get("symptom"),
            _docs(spec.get("docs", raw.get("docs"))),
            ArnMatch(str(arn["service"]), arn.get("contains"), arn.get("excludes")) if arn else None,
            str(spec.get("attribute", "Arn")),
            spec.get("statement_resource"),
            spec.get("resource_policy"),
        )
    return ExecutionRoleCalls(str(aws_error(raw["error"])), _docs(raw.get("docs")), by_target, targets)


@cache
def service_role_calls(ident: str) -> ServiceRoleCalls:
    try:
        raw = _raw()["service_role_calls"][ident]
    except KeyError:
        raise KnowledgeBaseError(f"{_FILE} has no service_role_calls {ident!r}") from None
    return ServiceRoleCalls(
        ident,
        str(raw["type"]),
        str(raw["service"]),
        str(raw["role"]),
        raw.get("target"),
        str(raw["resource"]),
        str(raw.get("statement_resource", raw["resource"])),
        str(raw.get("validates", "all")),
        tuple(_role_call(c) for c in raw["calls"]),
        str(aws_error(raw["error"])),
        raw.get("symptom"),
        _docs(raw.get("docs")),
        {str(k): str(v) for k, v in (raw.get("symbols") or {}).items()},
    )


@lru_cache(maxsize=1)
def managed_policy_facts() -> ManagedPolicyFacts:
    raw = _raw()["managed_policies"]
    return ManagedPolicyFacts(
        str(aws_error(raw["not_found_error"])),
        str(aws_error(raw["service_role_error"])),
        str(raw["service_role_path"]),
        dict(raw["properties"]),
        _docs(raw.get("docs")),
    )


@lru_cache(maxsize=1)
def apigateway_logging() -> ApiGatewayLogging:
    raw = _raw()["apigateway_logging"]
    return ApiGatewayLogging(str(aws_error(raw["error"])), str(raw["managed_policy"]), _docs(raw.get("docs")))


@lru_cache(maxsize=1)
def managed_policy_scopes() -> Mapping[str, frozenset[str]]:
    """AWS managed policy ARN (with ``${Partition}``) -> the only services its statements reach."""
    raw = _raw().get("managed_policy_scopes") or {}
    return {str(arn): frozenset(str(s) for s in entry["services"]) for arn, entry in raw.items()}


@lru_cache(maxsize=1)
def managed_policy_documents() -> Mapping[str, Mapping[str, Any]]:
    """AWS managed policy ARN (with ``${Partition}``) -> its policy document, for the policies whose statements
    the knowledge base records (their pages in the AWS Managed Policy Reference)."""
    raw = _raw().get("managed_policy_scopes") or {}
    return {
        str(arn): {"Version": "2012-10-17", "Statement": entry["statement"]}
        for arn, entry in raw.items()
        if entry.get("statement")
    }


def source_url(key: str) -> str:
    """The URL of one of the knowledge base's sources."""
    return _docs([key])[0]
