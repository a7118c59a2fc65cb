"""Where policies live in a template, per resource type: read from ``preflight/data/policy_locations.json``
(one home for this fact; see that file for its sources)."""

from __future__ import annotations

from typing import Any

from preflight.data.policy_locations import PolicyLocation, location_of, location_of_kind, policy_locations

__all__ = ["PolicyLocation", "location_of", "location_of_kind", "policy_locations"]


def __getattr__(name: str) -> Any:
    """``LOCATIONS``: every row, read on first use (importing this module reads no file)."""
    if name == "LOCATIONS":
        return policy_locations()
    raise AttributeError(name)
