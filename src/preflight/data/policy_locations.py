"""Where each resource type keeps its policy document (``policy_locations.json``): one table for the policy model,
the service replay, the policy-validity checks and explain-policy."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from preflight.data._snapshot import data


class PolicyLocation(NamedTuple):
    resource_type: str
    property: str
    kind: str
    attached_via: str | None = None  # the property that names the resource the policy applies to
    what: str = "policy"


@cache
def policy_locations() -> tuple[PolicyLocation, ...]:
    return tuple(
        PolicyLocation(
            str(r["type"]), str(r["property"]), str(r["kind"]), r.get("attached_via"), str(r["what"])
        )
        for r in data("policy_locations")["locations"]
    )


def location_of(resource_type: str) -> PolicyLocation | None:
    """The policy location of ``resource_type``, or None when it holds no policy."""
    return next((loc for loc in policy_locations() if loc.resource_type == resource_type), None)


def location_of_kind(kind: str) -> PolicyLocation:
    """The first location holding policies of ``kind`` (the resource that attaches a bucket policy, ...)."""
    found = next((loc for loc in policy_locations() if loc.kind == kind), None)
    if found is None:
        from preflight.data._snapshot import DataFileError

        raise DataFileError(f"policy_locations.json has no location of kind {kind!r}")
    return found
