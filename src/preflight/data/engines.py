"""RDS, Aurora and ElastiCache engine versions (``engine_versions.json``, from cfn-lint's extension schemas)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Literal, NamedTuple

from preflight.data._snapshot import data, snapshot_info

_FILE = "engine_versions"

EngineVersionStatus = Literal["available", "major-only", "deprecated", "unknown-engine", "not-found"]


class EngineVersions(NamedTuple):
    """Versions of one engine for one resource type."""

    available: frozenset[str]
    deprecated: frozenset[str]


@cache
def engine_versions(resource_type: str, engine: str) -> EngineVersions | None:
    """Creatable and retired versions of ``engine`` for ``resource_type``; None when the data has none."""
    raw = data(_FILE).get(resource_type, {}).get("engines", {}).get(engine.lower())
    if raw is None:
        return None
    return EngineVersions(available=frozenset(raw["available"]), deprecated=frozenset(raw["deprecated"]))


def engine_names(resource_type: str) -> frozenset[str]:
    """Engines CloudFormation accepts for ``resource_type`` (some have no version list, e.g. oracle-ee)."""
    return frozenset(data(_FILE).get(resource_type, {}).get("engine_names", ()))


def engine_resource_types() -> frozenset[str]:
    """Resource types for which engine versions are known."""
    return frozenset(data(_FILE))


def _is_prefix(version: str, versions: frozenset[str]) -> bool:
    # RDS and ElastiCache accept a leading part of a version ("8.0", "15") and pick the default minor.
    return any(v.startswith((version + ".", version + "-")) for v in versions)


def engine_version_status(resource_type: str, engine: str, version: str) -> EngineVersionStatus:
    """How AWS treats ``EngineVersion`` ``version`` of ``engine`` on ``resource_type``.

    "available": an exact creatable version; "major-only": a leading part of creatable versions that AWS
    accepts and completes (MySQL "8.0", Postgres "15"); "deprecated": only retired versions match;
    "unknown-engine": no version list for this type/engine (see ``engine_names`` to tell an invalid engine
    from one without version data, such as oracle-ee); "not-found": no version matches.
    """
    versions = engine_versions(resource_type, engine)
    if versions is None:
        return "unknown-engine"
    version = str(version).strip()
    if _is_prefix(version, versions.available):
        return "major-only"
    if version in versions.available:
        return "available"
    if version in versions.deprecated or _is_prefix(version, versions.deprecated):
        return "deprecated"
    return "not-found"


def engine_versions_retrieved() -> dt.date:
    """When the engine-version snapshot was taken (versions change often: warn with this date)."""
    return snapshot_info(_FILE).retrieved
