"""The resource-type shapes snapshot (``preflight/data/schemas_cfn.json``), read lazily one type at a time.

The snapshot is written by ``scripts/refresh_schemas.py`` from CloudFormation's published resource provider
schemas (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-type-schemas.html). It is valid
JSON laid out with one resource type per line, so that a run parses only the types its templates use: the first
call reads the file as bytes, and each type is found and decoded on first use (``data._snapshot.LineTable``).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any, NamedTuple

from preflight.data._snapshot import DataFileError, LineTable, line_table
from preflight.errors import PreflightError

_SNAPSHOT = "schemas_cfn"

# A compact schema node: "#Name" (reference to a definition), a kinds string ("o", "a", "s" or a mix; "" = any)
# or {"k": kinds, "p": {prop: node}, "r": [required], "c": 1 when unknown keys are rejected, "i": items node}.
Node = Any


class SchemaDataError(PreflightError):
    """The packaged schema snapshot is missing or malformed (a packaging bug, not bad user input)."""


class TypeSchema(NamedTuple):
    """The shapes of one resource type: its definitions and its Properties node."""

    name: str
    definitions: dict[str, Node]
    root: Node

    def deref(self, node: Node) -> Node:
        """Follow "#Name" references (definitions may refer to each other, not to themselves directly)."""
        seen = 0
        while isinstance(node, str) and node.startswith("#") and seen < 16:
            node = self.definitions.get(node[1:], "")
            seen += 1
        return node


def _table() -> LineTable:
    try:
        return line_table(_SNAPSHOT)
    except DataFileError as exc:
        raise SchemaDataError(str(exc)) from exc


def _header(member: str, default: Any = None) -> Any:
    return _table().rest()["data"].get(member, default)


@cache
def type_schema(type_name: str) -> TypeSchema | None:
    """The shapes of `type_name`, or None when no Region's provider schemas have it."""
    try:
        raw = _table().get(type_name)
    except DataFileError as exc:
        raise SchemaDataError(str(exc)) from exc
    if raw is None:
        return None
    return TypeSchema(type_name, raw.get("d", {}), raw["s"])


def known_types() -> frozenset[str]:
    return _table().keys()


def is_known_type(type_name: str) -> bool:
    """Whether some Region's provider schemas have ``type_name`` (without listing every type)."""
    return type_name in _table()


@lru_cache(maxsize=1)
def sam_types() -> frozenset[str]:
    """The AWS::Serverless types the SAM transform expands."""
    return frozenset(_header("sam_types", ()))


def sam_transform() -> str:
    return str(_header("sam_transform", "AWS::Serverless-2016-10-31"))


@cache
def regions_without(type_name: str) -> frozenset[str]:
    """The Regions whose provider schemas lack `type_name` (empty when every Region has it)."""
    regions: list[str] = _header("regions")
    return frozenset(regions[i] for i in _header("missing", {}).get(type_name, ()))


def known_region(region: str) -> bool:
    return region in _header("regions")


def reserved_namespace(type_name: str) -> bool:
    """Whether the type's organization namespace is reserved to AWS (no private or third-party type uses it)."""
    return type_name.split("::", 1)[0] in _header("reserved_namespaces", ())
