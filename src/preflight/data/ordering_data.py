"""Create-time ordering requirements (ordering.json) and rollback blockers (rollback.json), as typed rows.

Both snapshots are hand-curated from the AWS pages each row cites; their ``notes`` explain every field. The rows
are loaded lazily and cached: importing this module reads no file.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from preflight.data._snapshot import data
from preflight.data.errors import DISPLAY, format_error

KINDS = ("hard", "race", "advice")


class Side(NamedTuple):
    """One end of an ordering requirement: resource types, the property paths that name the shared resource and
    an optional named predicate the resource must satisfy."""

    types: tuple[str, ...]
    paths: tuple[str, ...]
    when: str | None = None


class WhenNone(NamedTuple):
    """What to report when the later resource has no related first resource at all."""

    code: str
    target_type: str | None  # the referenced resource must be of this type (None: no target needed)
    unless: tuple[str, ...]  # properties of that target that make the requirement moot
    why: str
    fix: str


class OrderRule(NamedTuple):
    id: str
    code: str
    later: Side
    first: Side
    relation: str  # "same" | "any"
    needs: str  # "each" | "some"
    kind: str  # "hard" | "race" | "advice"
    what: str
    why: str
    error: str
    doc: str
    partial: str | None = None
    when_none: WhenNone | None = None


class RoleConsumer(NamedTuple):
    """A resource whose creation makes AWS check its role's permissions (so the role's policies must exist)."""

    type: str
    role: str  # path to the role, as in OrderRule paths
    when: str | None  # property path that must be present for the check to happen
    actions: tuple[str, ...]
    what: str
    error: str
    doc: str
    source: str | None = None  # property whose referenced resource type selects the actions
    actions_by_source: tuple[tuple[str, tuple[str, ...]], ...] = ()


class Protection(NamedTuple):
    type: str
    path: str
    enabled: tuple[Any, ...]
    error: str
    doc: str


class LogWriter(NamedTuple):
    type: str
    path: str
    when: str | None
    immediate: bool
    what: str
    doc: str
    late: bool = False  # files arrive hours after the requests: after a custom resource emptied the bucket
    late_doc: str | None = None


def _side(raw: dict[str, Any]) -> Side:
    return Side(types=tuple(raw["types"]), paths=tuple(raw.get("paths", ())), when=raw.get("when"))


def _when_none(raw: dict[str, Any] | None) -> WhenNone | None:
    if not raw:
        return None
    return WhenNone(
        code=raw["code"],
        target_type=raw.get("target_type"),
        unless=tuple(raw.get("unless", ())),
        why=raw["why"],
        fix=raw["fix"],
    )


def _order(raw: dict[str, Any]) -> OrderRule:
    if (
        raw["kind"] not in KINDS
        or raw["relation"] not in ("same", "any")
        or raw["needs"] not in ("each", "some")
    ):
        raise ValueError(f"ordering.json row {raw['id']}: bad kind, relation or needs")
    return OrderRule(
        id=raw["id"],
        code=raw["code"],
        later=_side(raw["later"]),
        first=_side(raw["first"]),
        relation=raw["relation"],
        needs=raw["needs"],
        kind=raw["kind"],
        what=raw["what"],
        why=raw["why"],
        error=format_error(raw["aws_error"], **DISPLAY),
        doc=raw["doc"],
        partial=raw.get("partial"),
        when_none=_when_none(raw.get("when_none")),
    )


@cache
def order_rules() -> tuple[OrderRule, ...]:
    """Every create-time ordering requirement, in file order."""
    return tuple(_order(raw) for raw in data("ordering")["orders"])


@cache
def role_consumers() -> tuple[RoleConsumer, ...]:
    return tuple(
        RoleConsumer(
            type=r["type"],
            role=r["role"],
            when=r.get("when"),
            actions=tuple(r["actions"]),
            what=r["what"],
            error=format_error(r["aws_error"], **DISPLAY),
            doc=r["doc"],
            source=r.get("source"),
            actions_by_source=tuple((k, tuple(v)) for k, v in r.get("actions_by_source", {}).items()),
        )
        for r in data("ordering")["role_consumers"]
    )


@cache
def role_policy_types() -> tuple[str, ...]:
    """Resource types that attach a policy to a role through their ``Roles`` property."""
    return tuple(data("ordering")["role_policy_types"])


@cache
def protections() -> tuple[Protection, ...]:
    return tuple(
        Protection(
            type=r["type"], path=r["path"], enabled=tuple(r["enabled"]),
            error=format_error(r["aws_error"], **DISPLAY), doc=r["doc"]
        )
        for r in data("rollback")["protection"]
    )


@cache
def log_writers() -> tuple[LogWriter, ...]:
    return tuple(
        LogWriter(
            type=r["type"],
            path=r["path"],
            when=r.get("when"),
            immediate=bool(r["immediate"]),
            what=r["what"],
            doc=r["doc"],
            late=bool(r.get("late", False)),
            late_doc=r.get("late_doc"),
        )
        for r in data("rollback")["log_writers"]
    )


def default_deletion_policy(type_name: str, properties: Mapping[str, Any]) -> str:
    """The DeletionPolicy CloudFormation applies when the attribute is absent: Snapshot for RDS clusters and for
    RDS instances outside a cluster, Delete otherwise."""
    raw = data("rollback")
    unless = raw["default_deletion_policy_unless"].get(type_name)
    if unless is not None and unless in properties:
        return "Delete"
    return str(raw["default_deletion_policy"].get(type_name, "Delete"))


def rollback_fact(name: str) -> Any:
    """A scalar or list fact of rollback.json (an error string, the collision scopes, ...)."""
    return data("rollback")[name]
