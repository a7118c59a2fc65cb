"""Helpers for the policy tests: template symbols, pinning, and policies loaded from YAML (with spans)."""

from __future__ import annotations

from typing import Any

from preflight.policy import Policy, Principal, Request, parse_policy
from preflight.resolve.pins import ACCOUNT, REGION
from preflight.resolve.values import Symbol, Symbolic, Unknown
from preflight.source.document import load_text

PARTITION = Symbol("AWS::Partition", "pseudo", "the partition", min_len=3, max_len=10)
STACK = Symbol("AWS::StackName", "pseudo", "the stack name", min_len=1, max_len=128, charset="alnum-dash")


def sym(*parts: Any) -> Any:
    """A value from literal parts and symbols: sym("arn:", PARTITION, ":s3:::", bucket)."""
    return Symbolic.of(list(parts))


def param(name: str, allowed: tuple[str, ...] | None = None) -> Symbol:
    return Symbol(f"param:{name}", "parameter", f"parameter {name}", allowed=allowed)


def ref(name: str) -> Symbol:
    return Symbol(f"ref:{name}", "resource", f"the name of {name}")


def attr(name: str) -> Symbol:
    return Symbol(f"attr:{name}", "attribute", f"GetAtt {name}")


def pin(value: Any, values: dict[str, str]) -> Any:
    """Substitute pinned symbols (by key) everywhere in a resolved value."""
    if isinstance(value, Symbolic):
        return Symbolic.of([values.get(p.key, p) if isinstance(p, Symbol) else p for p in value.parts])
    if isinstance(value, dict):
        return {k: pin(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [pin(v, values) for v in value]
    return value


def yaml_policy(text: str, kind: str, name: str = "") -> Policy:
    """Parse a policy written as YAML, so statements carry real spans (line numbers)."""
    return parse_policy(load_text(text).root, kind=kind, name=name)


def service(name: Any) -> Principal:
    return Principal("service", name)


def aws(value: Any) -> Principal:
    return Principal("aws", value)


def request(principal: Principal, action: str, resource: Any, **context: Any) -> Request:
    """Context keys are given with "__" for ":" (aws__SourceAccount -> aws:SourceAccount)."""
    return Request(principal, action, resource, {k.replace("__", ":"): v for k, v in context.items()})


UNKNOWN_IMPORT = Unknown("Fn::ImportValue of 'shared-key-arn'")

__all__ = ["ACCOUNT", "PARTITION", "REGION", "STACK", "UNKNOWN_IMPORT"]
