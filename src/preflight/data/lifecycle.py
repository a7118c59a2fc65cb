"""Facts about a changing AWS (``lifecycle.json``): services closed or shut down, CloudWatch Synthetics runtime
deprecations, Application Auto Scaling target formats. Hand-curated; every entry cites its AWS page and the day it
was checked (see the file's notes for how to refresh it).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any, NamedTuple

from preflight.data._snapshot import data, snapshot_info
from preflight.numbers import is_digits

_FILE = "lifecycle"


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def lifecycle_retrieved() -> dt.date:
    return snapshot_info(_FILE).retrieved


class ServiceEnd(NamedTuple):
    """A service (or one mode of a resource type) AWS closed to new customers or shut down."""

    name: str
    types: tuple[str, ...]  # exact types, or "AWS::Service::" for every type of the service
    prop: tuple[str, str] | None  # (property, value): only resources with that value
    closed: dt.date | None  # closed to new customers from this day
    closed_dated: (
        bool  # False when AWS's page gives no closing day (then `closed` is the day the data was checked)
    )
    no_create_from: dt.date | None  # every create fails from this day
    use_instead: str
    source: str

    def covers(self, type_name: str) -> bool:
        return any(type_name == t or (t.endswith("::") and type_name.startswith(t)) for t in self.types)


def _closed(value: Any) -> dt.date | None:
    """The closing day; 'undated' (AWS's page gives none) counts from the day the data was checked."""
    return lifecycle_retrieved() if value == "undated" else _date(value)


@cache
def ends_for(type_name: str) -> tuple[ServiceEnd, ...]:
    """The service ends that cover a resource type (a template's types are looked up, not every end scanned)."""
    return tuple(end for end in service_ends() if end.covers(type_name))


@cache
def service_ends() -> tuple[ServiceEnd, ...]:
    out = []
    for raw in data(_FILE)["services"]:
        prop = raw.get("property")
        out.append(
            ServiceEnd(
                name=str(raw["name"]),
                types=tuple(raw["types"]),
                prop=(str(prop["name"]), str(prop["value"])) if prop else None,
                closed=_closed(raw.get("closed_to_new_customers")),
                closed_dated=raw.get("closed_to_new_customers") != "undated",
                no_create_from=_date(raw.get("no_create_from")),
                use_instead=str(raw["use_instead"]),
                source=str(raw["source"]),
            )
        )
    return tuple(out)


def service_end_types() -> tuple[str, ...]:
    """Every exact resource type a service end names (for check subscription); prefixes are matched in code."""
    return tuple(t for end in service_ends() for t in end.types if not t.endswith("::"))


def synthetics_runtime_deprecated(runtime: str) -> dt.date | None:
    """The day CloudWatch Synthetics stopped creating canaries with ``runtime``, or None when not recorded."""
    return _date(data(_FILE)["synthetics_runtimes"]["deprecated"].get(runtime))


def synthetics_source() -> str:
    return str(data(_FILE)["synthetics_runtimes"]["source"])


class TargetFormat(NamedTuple):
    pattern: re.Pattern[str]
    prefix: str
    example: str


def scalable_dimensions() -> frozenset[str]:
    return frozenset(data(_FILE)["scalable_targets"]["dimensions"])


@cache
def resource_id_format(dimension: str) -> TargetFormat | None:
    """The ResourceId format RegisterScalableTarget requires for ``dimension`` (namespace:type:property)."""
    key = ":".join(dimension.split(":")[:2])
    raw = data(_FILE)["scalable_targets"]["resource_ids"].get(key)
    if raw is None:
        return None
    return TargetFormat(re.compile(raw["pattern"]), str(raw["prefix"]), str(raw["example"]))


def scalable_target_error() -> str:
    return str(data(_FILE)["scalable_targets"]["error"])


class DatedVersion(NamedTuple):
    """The day from which ``service`` creates no resource with a version (``exact``: the page names it)."""

    service: str
    no_create_from: dt.date
    exact: bool
    source: str


def dated_engine_types() -> tuple[str, ...]:
    return tuple(data(_FILE)["engine_versions"])


def dated_engine_version(type_name: str, version: str) -> DatedVersion | None:
    """When AWS stopped (or stops) creating ``version`` for ``type_name``; None when the data does not date it."""
    table = data(_FILE)["engine_versions"].get(type_name)
    if table is None:
        return None
    service, source = str(table["service"]), str(table["source"])
    for key, day in table["no_create_from"].items():
        if version == key or (key.endswith(".") and version.startswith(key)):
            exact = not table.get("latest_dates", False)  # end-of-life dates: the latest day a create passes
            return DatedVersion(service, dt.date.fromisoformat(day), exact, source)
    older = table.get("older_than_listed")
    listed = [_numbers(k) for k in table["no_create_from"] if not k.endswith(".")]
    mine = _numbers(version)
    if older and mine is not None and listed and all(n is not None and mine < n for n in listed):
        return DatedVersion(service, dt.date.fromisoformat(older), False, source)
    return None


def _numbers(version: str) -> tuple[int, ...] | None:
    parts = version.split(".")
    return tuple(int(p) for p in parts) if all(is_digits(p) for p in parts) else None  # not str.isdigit: '²'


def ssm_script_runtime_blocked(runtime: str) -> dt.date | None:
    """The day from which SSM Automation runbooks whose aws:executeScript step uses ``runtime`` cannot be created."""
    return _date(data(_FILE)["ssm_script_runtimes"]["no_create_from"].get(runtime))


def ssm_script_runtime_successor() -> str:
    return str(data(_FILE)["ssm_script_runtimes"]["use"])
