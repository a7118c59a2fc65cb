"""Resource types of which an account (or account+Region) holds at most one (``singletons.json``)."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from preflight.data._snapshot import data

_FILE = "singletons"


class SingletonInfo(NamedTuple):
    """One-per-scope resource type and what a second one does."""

    type_name: str
    scope: str  # "account-region", "account" or "parent:<x>"
    behavior: str  # "fails" (second create errors) or "overwrites" (last writer silently wins)
    error_code: str | None
    error_message: str | None  # as AWS prints it, placeholders in braces
    error_pattern: str | None  # regex matching the stack-event message
    doc_url: str
    verified: bool  # False: message from the handler contract, not a captured event of this type
    notes: str = ""


@cache
def singleton(type_name: str) -> SingletonInfo | None:
    """The singleton facts of ``type_name``, or None when an account may hold several."""
    raw = data(_FILE)["types"].get(type_name)
    if raw is None:
        return None
    return SingletonInfo(
        type_name=type_name,
        scope=str(raw["scope"]),
        behavior=str(raw["behavior"]),
        error_code=raw.get("error_code"),
        error_message=raw.get("error_message"),
        error_pattern=raw.get("error_pattern"),
        doc_url=str(raw["doc_url"]),
        verified=bool(raw.get("verified", False)),
        notes=str(raw.get("notes", "")),
    )


def singleton_types() -> frozenset[str]:
    """Every resource type recorded as a singleton."""
    return frozenset(data(_FILE)["types"])


def not_a_resource_type(type_name: str) -> str | None:
    """For account settings people expect as resource types but CloudFormation lacks
    (AWS::IAM::AccountPasswordPolicy, ...), the explanation; else None."""
    note = data(_FILE)["absent_types"].get(type_name)
    return None if note is None else str(note)
