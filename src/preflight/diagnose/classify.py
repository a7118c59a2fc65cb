"""Classify a status reason by the AWS error signatures (``preflight/data/aws_errors.json``)."""

from __future__ import annotations

import re
from typing import NamedTuple

from preflight.data.errors import ErrorSignature, error_signatures, match_error

UNMATCHED = (
    "No known AWS error signature matches this reason: it is the service's own message. Read it with the "
    "resource type in mind; the request id lets AWS Support find the call."
)


class Classification(NamedTuple):
    category: str
    explanation: str
    codes: tuple[str, ...]
    signature: str | None
    check_first: str | None
    resource_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


MAX_REASON = (
    4000  # AWS status reasons are far shorter; a longer one is a paste accident, matched by its start
)


def classify(reason: str, resource_type: str | None = None) -> Classification:
    signature = match_error(reason[:MAX_REASON], resource_type)
    if signature is None:
        return Classification("other", UNMATCHED, (), None, None)
    return from_signature(signature)


def from_signature(signature: ErrorSignature) -> Classification:
    return Classification(
        signature.category,
        signature.explanation,
        signature.codes,
        signature.id,
        signature.check_first,
        signature.resource_types,
        signature.sources,
    )


def suspect_singleton(names: list[str]) -> tuple[str, str, Classification] | None:
    """For a nested stack whose events are not shown: a failed resource whose logical id names an account
    singleton (``ConfigRecorder`` ~ AWS::Config::ConfigurationRecorder) is the likely cause; (name, type, class)."""
    from preflight import data

    for name in names:
        lowered = name.lower()
        for rtype in sorted(data.singleton_types()):
            info = data.singleton(rtype)
            if info is None or info.behavior != "fails":
                continue
            service, kind = rtype.split("::")[1:3]
            words = re.findall(r"[A-Z][a-z0-9]*", kind) or [kind]
            if service.lower() in lowered and words[-1].lower() in lowered:
                signature = next(
                    (
                        s
                        for s in error_signatures()
                        if rtype in s.resource_types and s.category == "limit-exceeded"
                    ),
                    None,
                )
                base = (
                    from_signature(signature)
                    if signature
                    else Classification(
                        "limit-exceeded", f"An account holds one {rtype} per Region.", ("PF5001",), None, None
                    )
                )
                return name, rtype, base
    return None
