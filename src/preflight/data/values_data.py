"""Facts for the invalid-value checks (``values_rules.json``, ``values_engine_retirements.json``).

Both files are hand-curated snapshots in the shared format (source, retrieved, notes, data); every entry names the
AWS page it comes from. Loaded lazily and cached, like the rest of ``preflight.data``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any, NamedTuple

from preflight.data._snapshot import data, snapshot_info
from preflight.numbers import is_digits

_RULES = "values_rules"
_RETIREMENTS = "values_engine_retirements"


def _rule(name: str) -> dict[str, Any]:
    table: dict[str, Any] = data(_RULES)[name]
    return table


def values_retrieved() -> dt.date:
    return snapshot_info(_RULES).retrieved


# ---------------------------------------------------------------- engine versions


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Sortable key of a dotted version: numeric parts compare as numbers ("8.0.9" < "8.0.10")."""
    return tuple((int(p), "") if is_digits(p) else (-1, p) for p in version.split("."))


def major_of(version: str) -> str:
    """Everything before the last dot: the series a minor version belongs to ("8.0.35" -> "8.0", "15.4" -> "15")."""
    return version.rpartition(".")[0]


class Retirement(NamedTuple):
    """When AWS stopped creating a version: `exact` when the notice names it, else inferred from a newer minor."""

    not_creatable_from: dt.date
    exact: bool
    source: str


@cache
def engine_retirement(engine: str, version: str) -> Retirement | None:
    """The documented retirement date of `version` of `engine` (RDS engines only), or None when undated."""
    batches = data(_RETIREMENTS).get(engine.lower(), [])
    for batch in batches:
        if version in batch["versions"]:
            return Retirement(dt.date.fromisoformat(batch["not_creatable_from"]), True, batch["source"])
    # An older minor of the same series was retired no later than the earliest dated newer one (RDS retires
    # minors oldest first; see the file's notes).
    series, key = major_of(version), version_key(version)
    dates = [
        (dt.date.fromisoformat(b["not_creatable_from"]), b["source"])
        for b in batches
        if b.get("dates_older_minors", True)  # a batch withdrawn out of order says nothing of older minors
        for v in b["versions"]
        if major_of(v) == series and version_key(v) > key
    ]
    if not series or not dates:
        return None
    when, source = min(dates)
    return Retirement(when, False, source)


def docdb_engine_versions() -> frozenset[str]:
    return frozenset(_rule("docdb_engine_versions")["versions"])


# ---------------------------------------------------------------- RDS features and names


def performance_insights_unsupported(engine: str, instance_class: str) -> bool:
    """True when the RDS docs list `instance_class` as not supporting Performance Insights for `engine`."""
    patterns = _rule("performance_insights_unsupported_classes")["engines"].get(engine.lower(), ())
    cls = instance_class.lower()
    return any(cls.startswith(p[:-1]) if p.endswith("*") else cls == p for p in patterns)


def performance_insights_error() -> str:
    return str(_rule("performance_insights_unsupported_classes")["error"])


class DatabaseNameRule(NamedTuple):
    pattern: re.Pattern[str]
    max_length: int
    error: str


@cache
def database_name_rule(engine: str) -> DatabaseNameRule | None:
    """RDS's DBName / DatabaseName rule for `engine`, or None when the data has none (Oracle, SQL Server ...)."""
    table = _rule("database_name_rules")
    limit = table["max_length"].get(engine.lower())
    if limit is None:
        return None
    return DatabaseNameRule(re.compile(table["pattern"]), int(limit), str(table["error"]))


def default_character_set_server(family: str) -> str | None:
    """The engine's default character_set_server for a parameter-group family (None when not recorded)."""
    found = _rule("mysql_default_character_set_server")["families"].get(family.lower())
    return str(found) if found else None


def character_set(name: str) -> str:
    """Canonical character-set name: `utf8` is an alias of `utf8mb3`."""
    aliases: dict[str, str] = _rule("mysql_default_character_set_server")["charset_aliases"]
    return aliases.get(name.lower(), name.lower())


def charset_of_collation(collation: str) -> str:
    """The character set a MySQL collation belongs to: its name up to the first underscore."""
    return character_set(collation.split("_", 1)[0])


# ---------------------------------------------------------------- Lambda, VPC, CloudTrail, SSM, flow logs, ACM


def lambda_concurrency_limits() -> tuple[int, int]:
    """(default account concurrency quota, unreserved minimum)."""
    table = _rule("lambda_concurrency")
    return int(table["default_account_quota"]), int(table["unreserved_minimum"])


def lambda_concurrency_error() -> str:
    return str(_rule("lambda_concurrency")["error"])


def ipv4_block_prefix_range() -> tuple[int, int]:
    table = _rule("ipv4_block_prefix")
    return int(table["min"]), int(table["max"])


def cloudtrail_basic_data_resource_types() -> frozenset[str]:
    return frozenset(_rule("cloudtrail_basic_data_resource_types")["types"])


def ssm_parameter_types() -> tuple[str, ...]:
    return tuple(_rule("ssm_parameter_types")["types"])


class FlowLogRoleRule(NamedTuple):
    required_for: frozenset[str]
    rejected_for: frozenset[str]
    default_destination: str


def flow_log_role_rule() -> FlowLogRoleRule:
    table = _rule("flow_log_role")
    return FlowLogRoleRule(
        frozenset(table["required_for"]), frozenset(table["rejected_for"]), str(table["default_destination"])
    )


def reserved_domain(name: str) -> str | None:
    """The reserved domain or TLD (RFC 2606) that `name` lies in, or None."""
    table = _rule("reserved_domains")
    host = name.lower().rstrip(".")
    for domain in table["domains"]:
        if host == domain or host.endswith("." + domain):
            return str(domain)
    tld = host.rpartition(".")[2]
    return "." + tld if tld in table["tlds"] else None


def ami_parameter_suggestion() -> str:
    return str(_rule("ami_public_parameters")["suggestion"])
