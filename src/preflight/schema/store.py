"""The resource-type shapes snapshot (``preflight/data/schemas_cfn.json``), read lazily one type at a time.

The snapshot is written by ``scripts/refresh_schemas.py`` from CloudFormation's published resource provider
schemas (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-type-schemas.html). It is valid
JSON laid out with one resource type per line, so that a run parses only the types its templates use: the first
call indexes the lines (a few milliseconds for ~1900 types), each type is decoded on first use and cached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from preflight.errors import PreflightError

_FILE = "schemas_cfn.json"
_TYPES_OPEN = '"types":{'

# A compact schema node: "#Name" (reference to a definition), a kinds string ("o", "a", "s" or a mix; "" = any)
# or {"k": kinds, "p": {prop: node}, "r": [required], "c": 1 when unknown keys are rejected, "i": items node}.
Node = Any


class SchemaDataError(PreflightError):
    """The packaged schema snapshot is missing or malformed (a packaging bug, not bad user input)."""


@dataclass(frozen=True)
class TypeSchema:
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


@dataclass(frozen=True)
class _Index:
    header: dict[str, Any]  # every data member but "types"
    lines: dict[str, str]  # type name -> the JSON text of its entry


def _read() -> str:
    # A plain file read when installed as files (importlib.resources' first use costs ~60 ms of imports).
    path = Path(__file__).resolve().parent.parent / "data" / _FILE
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return resources.files("preflight.data").joinpath(_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _index() -> _Index:
    try:
        text = _read()
    except OSError as exc:
        raise SchemaDataError(f"cannot read {_FILE}: {exc}") from exc
    head, _, rest = text.partition("\n" + _TYPES_OPEN + "\n")
    body, _, _ = rest.partition("\n}\n")
    header: dict[str, Any] = {}
    lines: dict[str, str] = {}
    try:
        for line in head.split("\n")[1:]:  # the first line opens the document and its "data" member
            name, _, value = line.partition('":')
            header[name[1:]] = json.loads(value.rstrip(","))
    except ValueError as exc:
        raise SchemaDataError(f"{_FILE}: bad header line: {exc}") from exc
    for line in body.split("\n"):
        name, _, value = line.partition('":')
        lines[name[1:]] = value.rstrip(",")
    if not lines or "regions" not in header:
        raise SchemaDataError(f"{_FILE} does not have the layout scripts/refresh_schemas.py writes")
    return _Index(header, lines)


@cache
def type_schema(type_name: str) -> TypeSchema | None:
    """The shapes of `type_name`, or None when no Region's provider schemas have it."""
    body = _index().lines.get(type_name)
    if body is None:
        return None
    try:
        raw = json.loads(body)
    except ValueError as exc:
        raise SchemaDataError(f"{_FILE}: bad entry for {type_name}: {exc}") from exc
    return TypeSchema(type_name, raw.get("d", {}), raw["s"])


def known_types() -> frozenset[str]:
    return _known_types()


@lru_cache(maxsize=1)
def _known_types() -> frozenset[str]:
    return frozenset(_index().lines)


@lru_cache(maxsize=1)
def sam_types() -> frozenset[str]:
    """The AWS::Serverless types the SAM transform expands."""
    return frozenset(_index().header.get("sam_types", ()))


def sam_transform() -> str:
    return str(_index().header.get("sam_transform", "AWS::Serverless-2016-10-31"))


@cache
def regions_without(type_name: str) -> frozenset[str]:
    """The Regions whose provider schemas lack `type_name` (empty when every Region has it)."""
    header = _index().header
    regions: list[str] = header["regions"]
    return frozenset(regions[i] for i in header.get("missing", {}).get(type_name, ()))


def known_region(region: str) -> bool:
    return region in _index().header["regions"]


def reserved_namespace(type_name: str) -> bool:
    """Whether the type's organization namespace is reserved to AWS (no private or third-party type uses it)."""
    return type_name.split("::", 1)[0] in _index().header.get("reserved_namespaces", ())
