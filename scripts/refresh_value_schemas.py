#!/usr/bin/env python3
"""Regenerate src/preflight/data/schemas_values.json: the value constraints of CloudFormation's resource schemas.

Usage:
    python scripts/refresh_value_schemas.py            # rewrite the snapshot
    python scripts/refresh_value_schemas.py --check    # exit 1 if the snapshot's data would change

The companion of scripts/refresh_schemas.py (same source, same cfn-lint package data, same one-type-per-line
layout): that snapshot keeps the shapes, this one the value keywords the shapes snapshot drops -- ``pattern``,
``enum``, ``minLength``/``maxLength`` and ``minimum``/``maximum`` of every property path. preflight's runtime never
runs this script.

Which types: only those whose schema declares create, read and delete handlers. CloudFormation validates a
template's properties against the registry schema of such a type before (and in) its handlers -- the failure reads
"Properties validation failed for resource X with message: #/Prop: failed validation constraint for keyword
[pattern]" or "Model validation failed (#/Prop: ...)". A type without those handlers is NON_PROVISIONABLE in the
registry: CloudFormation still serves it from its older built-in implementation, which does not validate the
published schema's keywords, so its constraints are not kept (no finding rather than a guess).
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeType.html (ProvisioningType)
https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html

Encoding, per type: {"c": {path: constraint}} where path is the property path joined with "/" ("*" for the items
of an array), and constraint has "p" (pattern, ECMA/Java syntax that Python's re compiles; patterns it cannot
compile are dropped), "w" (the one character class a ^[...]{m,n}$ pattern makes the whole value of), "a" (the
literal text every match must start with, when the pattern is anchored with ^ and begins with literals: what a
partly symbolic value can be compared with), "s" (the literal text every match of an unanchored pattern contains:
its leading literals), "e" (string enum), "n"/"x" (min/max length), "lo"/"hi" (minimum/maximum). Only constraints outside oneOf/anyOf alternatives are kept (an alternative's
constraint binds only when that alternative is chosen), and only settable properties (not readOnlyProperties).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import refresh_schemas as shapes  # the pipeline this script extends

ROOT = shapes.ROOT
OUT = ROOT / "src" / "preflight" / "data" / "schemas_values.json"
SOURCES = [
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-type-schemas.html",
    "https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html",
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeType.html",
]
NOTES = (
    "types: resource type -> {'c': {property path: constraint}}, one type per line, only types whose schema has "
    "create, read and delete handlers (CloudFormation validates their properties against the schema). Path: "
    "property names joined with '/', '*' for array items. Constraint: p pattern, a literal prefix every match "
    "starts with (anchored patterns), s a literal text every match contains (the leading literals of an unanchored pattern), w the character class the whole value is made of (^[...]{m,n}$ patterns), e enum, n minLength, x maxLength, lo minimum, hi maximum. Constraints inside "
    "oneOf/anyOf alternatives and of readOnlyProperties are not kept; patterns Python cannot compile are dropped."
)
_HANDLERS = ("create", "read", "delete")
# A pattern that makes the whole value one character class repeated (^[a-zA-Z0-9_-]{1,64}$): every character of
# the value must be in the class, which a partly symbolic value's literal characters can already break.
_WHOLE = re.compile(r"\^(\[(?:\\.|[^\]\\])+\]|\\w|\\S)(?:\+|\*|\{\d+(?:,\d*)?\})\$")
_MAX_DEPTH = 8
Json = Any


def literal_prefix(pattern: str, anchored: bool = True) -> str | None:
    """The literal text every match of an anchored pattern starts with ("arn:" for ^arn:aws...), else None. With
    anchored=False, the literal text every match of an unanchored pattern contains (its leading literals)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_constants as c
        import sre_parse

    try:
        parsed = list(sre_parse.parse(pattern))
    except (re.error, RecursionError, OverflowError):
        return None
    if not parsed or (parsed[0] == (c.AT, c.AT_BEGINNING)) != anchored:
        return None
    prefix: list[str] = []
    items = parsed[1:] if anchored else parsed
    while items:
        op, arg = items[0]
        if op is c.LITERAL:
            prefix.append(chr(arg))
            items = items[1:]
        elif op is c.SUBPATTERN and arg[3] and arg[1] == 0 and arg[2] == 0:
            items = list(arg[3]) + items[1:]  # a plain group: look inside it
        else:
            break
    return "".join(prefix) or None


class Walker:
    def __init__(self, schema: dict[str, Json]) -> None:
        self.schema = schema
        self.found: dict[str, dict[str, Json]] = {}
        read_only = schema.get("readOnlyProperties", [])
        self.read_only = {
            p.removeprefix("/properties/").replace("/", "/") for p in read_only if isinstance(p, str)
        }

    def deref(self, node: Json, seen: tuple[str, ...]) -> tuple[Json, tuple[str, ...]]:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen or not node["$ref"].startswith("#/definitions/"):
                return None, seen
            seen = (*seen, name)
            node = self.schema.get("definitions", {}).get(name)
        return node, seen

    def walk(self, node: Json, path: tuple[str, ...], seen: tuple[str, ...] = ()) -> None:
        node, seen = self.deref(node, seen)
        if not isinstance(node, dict) or len(path) > _MAX_DEPTH:
            return
        if "/".join(p for p in path if p != "*") in self.read_only:
            return
        constraint = self.constraint(node)
        if constraint and path:
            self.found["/".join(path)] = constraint
        for key, child in (node.get("properties") or {}).items():
            self.walk(child, (*path, str(key)), seen)
        if isinstance(node.get("items"), dict):
            self.walk(node["items"], (*path, "*"), seen)
        for branch in node.get("allOf", []):
            self.walk(branch, path, seen)

    @staticmethod
    def constraint(node: dict[str, Json]) -> dict[str, Json]:
        out: dict[str, Json] = {}
        pattern = node.get("pattern")
        if isinstance(pattern, str) and pattern not in ("", ".*", "^.*$"):
            try:
                re.compile(pattern)
            except (re.error, RecursionError, OverflowError):
                pass
            else:
                out["p"] = pattern
                prefix = literal_prefix(pattern) if not re.compile(pattern).flags & re.IGNORECASE else None
                if prefix:
                    out["a"] = prefix
                inner = (
                    literal_prefix(pattern, anchored=False)
                    if not re.compile(pattern).flags & re.IGNORECASE
                    else None
                )
                if inner:
                    out["s"] = inner
                whole = _WHOLE.fullmatch(pattern)
                if whole:
                    out["w"] = whole.group(1)
        enum = node.get("enum")
        if isinstance(enum, list) and enum and all(isinstance(e, str) for e in enum):
            out["e"] = enum
        for keyword, short in (("minLength", "n"), ("maxLength", "x"), ("minimum", "lo"), ("maximum", "hi")):
            value = node.get(keyword)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[short] = value
        if out.get("n") == 0:
            del out["n"]
        return out


def provisionable(schema: dict[str, Json]) -> bool:
    handlers = schema.get("handlers")
    return isinstance(handlers, dict) and all(h in handlers for h in _HANDLERS)


def build(retrieved: str, cfnlint: str | None = None) -> dict[str, Json]:
    root = shapes.cfnlint_root(cfnlint)
    base = root / "data" / "schemas"
    by_region = shapes.region_types(base)
    types: dict[str, Json] = {}
    for type_name, digest in sorted(by_region[shapes.PRIMARY].items()):
        if not shapes._TYPE_NAME.fullmatch(type_name) or type_name.startswith("AWS::Serverless::"):
            continue
        schema = json.loads((base / "resources" / f"{digest}.json").read_text("utf-8"))
        if not provisionable(schema):
            continue
        walker = Walker(schema)
        for key, child in (schema.get("properties") or {}).items():
            walker.walk(child, (str(key),))
        if walker.found:
            types[type_name] = {"c": dict(sorted(walker.found.items()))}
    source = SOURCES + [
        f"cfn-lint@{shapes.cfnlint_version(root)} data/schemas/providers/{shapes.PRIMARY} + resources"
        + (f" (CloudFormation schemas of {date})" if (date := shapes.schema_date(base)) else ""),
    ]
    return {"source": source, "retrieved": retrieved, "notes": NOTES, "data": {"types": types}}


def render(payload: dict[str, Json]) -> str:
    """One type per line (preflight.data._snapshot.LineTable), like schemas_cfn.json."""
    head = {k: payload[k] for k in ("notes", "retrieved", "source")}
    lines = [f'"{k}":{json.dumps(v, separators=(",", ":"))}' for k, v in sorted(head.items())]
    types = payload["data"]["types"]
    body = ",\n".join(
        f"{json.dumps(k)}:{json.dumps(v, sort_keys=True, separators=(',', ':'))}" for k, v in types.items()
    )
    return '{"data":{\n"types":{\n' + body + "\n}\n},\n" + ",\n".join(lines) + "}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the data would change")
    parser.add_argument(
        "--retrieved", default=dt.date.today().isoformat(), help="date to record (YYYY-MM-DD)"
    )
    parser.add_argument("--cfn-lint", help="a cfnlint package directory to read instead of the installed one")
    args = parser.parse_args(argv)
    payload = build(args.retrieved, args.cfn_lint)
    if args.check:
        current = json.loads(OUT.read_text("utf-8")) if OUT.is_file() else {}
        changed = current.get("data") != payload["data"]
        print(f"schemas_values: {'out of date' if changed else 'up to date'}")
        return 1 if changed else 0
    OUT.write_text(render(payload), encoding="utf-8")
    print(
        f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB, {len(payload['data']['types'])} types)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
