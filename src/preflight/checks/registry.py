"""The catalog and the registry: every area module is listed here explicitly (no registration by import)."""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType

from preflight.checks.base import CATEGORIES, FIX_SAFETIES, PHASES, Check, Rule


def _areas() -> tuple[ModuleType, ...]:
    from preflight.checks import (
        account,
        graph,
        lifecycle,
        names,
        ordering,
        property_values,
        rollback,
        schema,
        structure,
        suppressions,
        transforms,
        values,
    )
    from preflight.checks.permissions import (
        buckets,
        cdk_custom,
        deployer,
        iam,
        kms,
        lambda_permissions,
        policy_validity,
        principals,
    )

    return (structure, transforms, graph, ordering, names, values, property_values, lifecycle, account, rollback, schema,
            kms, deployer, buckets, cdk_custom, iam, lambda_permissions, policy_validity, principals, suppressions)


@lru_cache(maxsize=1)
def rules() -> dict[str, Rule]:
    """The catalog: code -> Rule, in code order."""
    table: dict[str, Rule] = {}
    for area in _areas():
        for rule in area.RULES:
            if rule.code in table:
                raise ValueError(f"check code {rule.code} is declared twice")
            if rule.category not in CATEGORIES or rule.fix not in FIX_SAFETIES or rule.phase not in PHASES:
                raise ValueError(f"check {rule.code} has an unknown category, fix safety or phase")
            table[rule.code] = rule
    return dict(sorted(table.items()))


@lru_cache(maxsize=1)
def checks() -> tuple[Check, ...]:
    found: list[Check] = []
    for area in _areas():
        found.extend(area.CHECKS)
    return tuple(found)


def engine_codes() -> tuple[str, ...]:
    return tuple(code for area in _areas() for code in getattr(area, "ENGINE_CODES", ()))
