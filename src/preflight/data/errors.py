"""The AWS error signatures (``aws_errors.json``): one home for the errors checks quote and diagnose matches.

A check that predicts a failure quotes the error CloudFormation will print by formatting a signature's
``message`` (``format_error(id, Name=value)``; placeholders are ``${Name}``, the one syntax of the knowledge
base); ``preflight diagnose`` classifies a stack event's status reason by the first signature whose
``pattern`` matches it (``match_error(reason)``). Each entry cites the AWS pages behind it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from preflight.data._snapshot import DataFileError, data

_FILE = "aws_errors"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][\w.]*)\}")
# How a placeholder reads in a message when the check does not know the value (a name chosen at deploy time).
DISPLAY = {
    "Bucket": "<bucket>",
    "Arn": "<arn>",
    "RouteTableId": "<rtb-id>",
    "GatewayId": "<igw-id>",
    "VpnGatewayId": "<vgw-id>",
    "VpcId": "<vpc-id>",
    "Id": "<id>",
    "Name": "<name>",
}


class ErrorSignature(NamedTuple):
    """One AWS error: how to recognise it, what it means and which checks predict it."""

    id: str
    pattern: re.Pattern[str]
    category: str
    explanation: str
    codes: tuple[str, ...]
    sources: tuple[str, ...]
    message: str | None  # the text as AWS prints it, ${Name} placeholders; None when no check quotes it
    resource_types: tuple[str, ...] = ()
    check_first: str | None = None
    variants: tuple[
        tuple[str, str], ...
    ] = ()  # (name, text): the same error as other tools or API versions print it


@cache
def error_signatures() -> tuple[ErrorSignature, ...]:
    """Every signature, in matching order (specific before generic); the account singletons' errors
    (singletons.json) are read from there, not copied, and join before ``singletons_before``."""
    out = []
    before = data(_FILE).get("singletons_before")
    for raw in data(_FILE)["signatures"]:
        if raw.get("id") == before:
            out.extend(_singleton_signatures())
        try:
            pattern = re.compile(str(raw["pattern"]), re.IGNORECASE)
        except re.error as exc:  # a packaging bug: the data file is tested
            raise DataFileError(f"aws_errors.json: signature {raw.get('id')}: bad pattern: {exc}") from None
        out.append(
            ErrorSignature(
                id=str(raw["id"]),
                pattern=pattern,
                category=str(raw["category"]),
                explanation=str(raw["explanation"]),
                codes=tuple(raw.get("codes", ())),
                sources=tuple(raw.get("sources", ())),
                message=raw.get("message"),
                resource_types=tuple(raw.get("resource_types", ())),
                check_first=raw.get("check_first"),
                variants=tuple((str(k), str(v)) for k, v in (raw.get("variants") or {}).items()),
            )
        )
    return tuple(out)


def _singleton_signatures() -> list[ErrorSignature]:
    from preflight.data.singletons import singleton, singleton_types

    out = []
    for rtype in sorted(singleton_types()):
        info = singleton(rtype)
        if info is None or info.behavior != "fails" or not info.error_pattern:
            continue
        per = "Region" if info.scope == "account-region" else "account"
        out.append(
            ErrorSignature(
                id=f"singleton:{rtype}",
                pattern=re.compile(info.error_pattern, re.IGNORECASE),
                category="limit-exceeded",
                explanation=(
                    f"An account holds one {rtype} per {per} and one already exists (another stack, the "
                    f"console, an organization-wide service). {info.notes}"
                ).strip(),
                codes=("PF5001",),
                sources=(info.doc_url,),
                message=info.error_message,
                resource_types=(rtype,),
            )
        )
    return out


@cache
def _by_id() -> dict[str, ErrorSignature]:
    return {s.id: s for s in error_signatures()}


def error_signature(signature_id: str) -> ErrorSignature:
    """The signature ``signature_id``; DataFileError when the catalog lacks it (a packaging bug)."""
    try:
        return _by_id()[signature_id]
    except KeyError:
        raise DataFileError(f"aws_errors.json has no signature {signature_id!r}") from None


@cache
def _raw_by_id() -> dict[str, dict[str, Any]]:
    return {str(raw["id"]): raw for raw in data(_FILE)["signatures"]}


def error_message(signature_id: str) -> str:
    """The message template of ``signature_id`` (``id:variant`` for one of its variants), placeholders left as
    ``${Name}``. Reads the entry only: checks quote messages without compiling the catalog's patterns."""
    base, _, variant = signature_id.partition(":")
    raw = _raw_by_id().get(base)
    if raw is None:
        raise DataFileError(f"aws_errors.json has no signature {base!r}")
    message = (raw.get("variants") or {}).get(variant) if variant else raw.get("message")
    if message is None:
        raise DataFileError(f"aws_errors.json: signature {signature_id!r} has no message")
    return str(message)


def format_error(signature_id: str, **values: str) -> str:
    """The error as AWS prints it, with the given placeholders filled in (others stay ``${Name}``)."""
    return fill(error_message(signature_id), **values)


def fill(template: str, **values: str) -> str:
    """``${Name}`` placeholders of an error text replaced by ``values`` (``Target_Arn`` fills ``${Target.Arn}``)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1).replace(".", "_"), m.group(0)), template)


def match_error(reason: str, resource_type: str | None = None) -> ErrorSignature | None:
    """The first signature whose pattern occurs in ``reason`` (a stack event's status reason), or None. With the
    failing resource's type, a matching signature of that type comes first: the same words ("Invalid principal
    in policy") are S3's answer on a bucket policy and IAM's on a role."""
    first = None
    for signature in error_signatures():
        if signature.pattern.search(reason):
            if resource_type is None or resource_type in signature.resource_types:
                return signature
            first = first or signature
    return first
