"""Name, account and Region facts for the PF3xxx and PF5xxx checks (``names_rules.json``, ``account_rules.json``).

They complement ``resource_types.json`` (name property, limits, uniqueness scope) and ``singletons.json`` (one per
account types), which ``preflight.data`` serves. Every file is loaded lazily, once.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from preflight.data._snapshot import data
from preflight.data.errors import error_message

_NAMES = "names_rules"
_ACCOUNT = "account_rules"


# --------------------------------------------------------------------------- names


class ExtraRule(NamedTuple):
    """A rule on a fully known name that NameLimits does not express: the name must not match ``regex``."""

    kind: str
    regex: str
    message: str


class ParentScope(NamedTuple):
    """Properties that identify the parent inside which a name must be unique, with defaults for absent ones."""

    properties: tuple[str, ...]
    defaults: tuple[tuple[str, str], ...] = ()

    def default(self, prop: str) -> str | None:
        return dict(self.defaults).get(prop)


class SuffixRule(NamedTuple):
    """A name suffix required when a boolean property is true (FIFO queues and topics end with .fifo)."""

    flag: str
    suffix: str
    message: str
    doc_url: str


class StageCreator(NamedTuple):
    """A property of another type that creates an API Gateway stage implicitly."""

    creator_type: str
    stage_property: str
    parent_property: str
    stage_type: str
    stage_parent_property: str
    stage_name_property: str
    doc_url: str


class SymbolChars(NamedTuple):
    """The characters a pseudo parameter's value can contain."""

    chars: frozenset[str]
    has_upper: bool


@cache
def _names() -> dict[str, Any]:
    return dict(data(_NAMES))


@cache
def extra_rules(type_name: str) -> tuple[ExtraRule, ...]:
    raw = _names()["extra_rules"].get(type_name, ())
    return tuple(ExtraRule(str(r["kind"]), str(r["regex"]), str(r["message"])) for r in raw)


def name_message(type_name: str, kind: str) -> str | None:
    """The text the service prints for a violation ``kind`` of ``type_name``'s name, when documented."""
    value = _names()["messages"].get(type_name, {}).get(kind)
    return None if value is None else str(value)


def generic_message(kind: str) -> str:
    """A template ({prop}, {limit}, {pattern}, {prefixes}, {suffixes}, {name}) for a violation ``kind``."""
    return str(_names()["messages"]["generic"][kind])


@cache
def name_parent(type_name: str) -> ParentScope | None:
    raw = _names()["parents"].get(type_name)
    if raw is None:
        return None
    defaults = tuple(sorted((str(k), str(v)) for k, v in raw.get("defaults", {}).items()))
    return ParentScope(tuple(raw["properties"]), defaults)


@cache
def suffix_rule(type_name: str) -> SuffixRule | None:
    raw = _names()["fifo_suffix"].get(type_name)
    if raw is None:
        return None
    return SuffixRule(str(raw["flag"]), str(raw["suffix"]), str(raw["message"]), str(raw["doc_url"]))


@cache
def stage_creators() -> tuple[StageCreator, ...]:
    return tuple(
        StageCreator(
            creator_type=name,
            stage_property=str(raw["stage_property"]),
            parent_property=str(raw["parent_property"]),
            stage_type=str(raw["stage_type"]),
            stage_parent_property=str(raw["stage_parent_property"]),
            stage_name_property=str(raw["stage_name_property"]),
            doc_url=str(raw["doc_url"]),
        )
        for name, raw in sorted(_names()["stage_creators"].items())
    )


@cache
def symbol_chars(key: str) -> SymbolChars | None:
    """Characters of the pseudo parameter ``key`` ("AWS::StackName" ...), or None when not recorded."""
    raw = _names()["symbol_chars"].get(key)
    if raw is None:
        return None
    return SymbolChars(frozenset(str(raw["chars"])), bool(raw["has_upper"]))


class LengthTolerance(NamedTuple):
    """Characters a service does not count against its documented name length (observed, not documented)."""

    not_counted: str
    why: str


@cache
def length_tolerance(type_name: str) -> LengthTolerance | None:
    raw = _names()["length_tolerance"].get(type_name)
    return None if raw is None else LengthTolerance(str(raw["not_counted"]), str(raw["why"]))


def collision_reason(scope: str | None) -> str | None:
    """Why a fixed name in uniqueness ``scope`` is reported by PF3005 (None: that scope is not reported)."""
    if scope is None:
        return None
    value = _names()["fixed_name_collision"]["scopes"].get(scope)
    return None if value is None else str(value)


# --------------------------------------------------------------------------- account and Region


class RegionBound(NamedTuple):
    """A resource type that can be created in one Region only when ``property`` equals ``equals``."""

    type_name: str
    property: str
    equals: str
    region: str
    error: str
    doc_url: str


class RegionBoundReference(NamedTuple):
    """A property that must point to a resource in ``region`` (``path`` may hold "*" for list items)."""

    type_name: str
    path: tuple[str, ...]
    what: str
    target_types: frozenset[str]
    region: str
    error: str | None
    doc_url: str
    skip_if_path: tuple[str, ...] = ()
    skip_if_contains: str | None = None


class SingletonFamily(NamedTuple):
    """Singleton types reported together, and the parameter name suggested for the guard condition."""

    family: str
    guard: str


@cache
def _account() -> dict[str, Any]:
    return dict(data(_ACCOUNT))


@cache
def region_bound(type_name: str) -> tuple[RegionBound, ...]:
    return tuple(
        RegionBound(
            type_name,
            str(r["property"]),
            str(r["equals"]),
            str(r["region"]),
            error_message(str(r["aws_error"])),
            str(r["doc_url"]),
        )
        for r in _account()["region_bound"]
        if r["type"] == type_name
    )


@cache
def region_bound_references(type_name: str) -> tuple[RegionBoundReference, ...]:
    return tuple(
        RegionBoundReference(
            type_name,
            tuple(r["path"]),
            str(r["what"]),
            frozenset(r["target_types"]),
            str(r["region"]),
            error_message(str(r["aws_error"])) if r.get("aws_error") else None,
            str(r["doc_url"]),
            tuple(r.get("skip_if", {}).get("path", ())),
            r.get("skip_if", {}).get("contains"),
        )
        for r in _account()["region_bound_references"]
        if r["type"] == type_name
    )


@cache
def region_bound_types() -> frozenset[str]:
    """Every type with a region_bound or region_bound_references entry."""
    raw = _account()
    return frozenset(r["type"] for r in raw["region_bound"]) | frozenset(
        r["type"] for r in raw["region_bound_references"]
    )


@cache
def region_bound_property_names() -> frozenset[str]:
    """Last path elements of the region_bound_references (an ARN there must name that Region)."""
    return frozenset(r["path"][-1] for r in _account()["region_bound_references"])


def aws_published_arn(service: str, resource: str) -> str | None:
    """Why an ARN of ``service`` whose resource part is ``resource`` legitimately names a foreign account."""
    for entry in _account()["aws_published_arns"]:
        if entry["service"] == service and resource.startswith(entry["resource_prefix"]):
            return str(entry["why"])
    return None


@cache
def example_account_ids() -> frozenset[str]:
    return frozenset(_account()["example_account_ids"])


@cache
def cross_region_properties() -> frozenset[str]:
    return frozenset(_account()["cross_region_properties"])


@cache
def global_arn_resource_prefixes() -> tuple[str, ...]:
    """ARN resource parts of CloudFront-scope resources, whose Region field is us-east-1 by definition."""
    return tuple(_account()["global_arn_resource_prefixes"])


@cache
def singleton_family(type_name: str) -> SingletonFamily | None:
    raw = _account()["singleton_families"].get(type_name)
    return None if raw is None else SingletonFamily(str(raw["family"]), str(raw["guard"]))
