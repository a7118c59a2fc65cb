#!/usr/bin/env python3
"""Regenerate src/preflight/data/schemas_cfn.json: the shapes of CloudFormation's resource provider schemas.

Usage:
    python scripts/refresh_schemas.py            # rewrite the snapshot
    python scripts/refresh_schemas.py --check    # exit 1 if the snapshot's data would change

    python scripts/refresh_schemas.py --cfn-lint /tmp/cfnlint/unpacked   # a newer cfn-lint than the installed

Source: the resource provider schemas CloudFormation publishes per Region
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-type-schemas.html), as cfn-lint ships
them (``cfnlint/data/schemas/providers/<region>.json`` (or ``.py``) maps each type name to a content hash,
``cfnlint/data/schemas/resources/<hash>.json`` is the schema, with cfn-lint's documented corrections applied);
and the SAM resource types of the installed aws-sam-translator. Only what preflight validates is kept: for every
node the kinds of JSON value it accepts (object / array / scalar), its properties, its required properties and
whether unknown keys are rejected (``additionalProperties: false``), and array items. Enums, patterns, lengths and
descriptions are dropped (the schema-validity checks deliberately do not read them). preflight's runtime never
runs this script.

Compact node encoding (see preflight/schema/store.py, which reads it):
  a string  - "#Name": a reference to definition Name of the same type; otherwise the accepted kinds, a subset
              of "o" (object), "a" (array), "s" (scalar: string, number, integer, boolean); "" = anything.
  an object - {"k": kinds, "p": {property: node}, "r": [required], "c": 1 (closed), "i": items node}.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import importlib.util
import json
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "preflight" / "data" / "schemas_cfn.json"
PRIMARY = "us-east-1"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# Organization namespaces no registered extension may use (RegisterType, TypeName): a type name in one of them
# that no Region's schemas list cannot exist; any other namespace may be a private or third-party extension.
RESERVED_NAMESPACES = ["AWS", "Alexa", "AMZN", "Amazon", "Custom", "Dev"]
SOURCES = [
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_RegisterType.html",
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-type-schemas.html",
    "https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html",
    (
        "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
        "sam-specification-resources-and-properties.html"
    ),
]
NOTES = (
    "types: resource type -> {'d': definitions, 's': root node}, one type per line (node encoding in "
    "scripts/refresh_schemas.py); the us-east-1 schema when the type exists there, else the first Region that "
    "has it. regions: the Region names; missing: type -> indexes into regions of the Regions without the type "
    "(absent when every Region has it). sam_types: the AWS::Serverless types the SAM transform "
    f"({SAM_TRANSFORM}) expands. reserved_namespaces: the organization namespaces RegisterType refuses, so an "
    "unlisted type in them cannot exist. Kinds: o object, a array, s scalar; '' any."
)
_SCALARS = {"string": "s", "integer": "s", "number": "s", "boolean": "s"}
_KIND = {"object": "o", "array": "a", **_SCALARS}
_COMBINATORS = ("oneOf", "anyOf", "allOf")
_REGION = re.compile(r"[a-z]{2,5}(-[a-z]+)+-[0-9]")
_TYPE_NAME = re.compile(r"[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+")

Json = Any


# --------------------------------------------------------------------------- reading cfn-lint's package data


def cfnlint_root(given: str | None) -> Path:
    """The cfnlint package directory: `given` (e.g. an unpacked newer wheel), else the installed one."""
    if given:
        root = Path(given)
        return root / "cfnlint" if (root / "cfnlint").is_dir() else root
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or spec.origin is None:
        raise SystemExit("cfn-lint is not installed (pip install cfn-lint): it is the schema source")
    return Path(spec.origin).parent


def cfnlint_version(root: Path) -> str:
    """The version of the cfnlint package at `root` (its dist-info beside it, else the installed one)."""
    for info in sorted(root.parent.glob("cfn_lint-*.dist-info")):
        return info.name[len("cfn_lint-") : -len(".dist-info")]
    return metadata.version("cfn-lint")


def region_types(base: Path) -> dict[str, dict[str, str]]:
    """Region name -> {type name: schema hash}, from `providers/<region>.json` (cfn-lint >= 1.5x) or
    `providers/<region_py>.py` (a module assigning `types = {...}`, read without importing it)."""
    result: dict[str, dict[str, str]] = {}
    for path in sorted((base / "providers").glob("*.json")):
        if _REGION.fullmatch(path.stem):  # not "sam.json": cfn-lint's schemas of the SAM transform's types
            result[path.stem] = dict(json.loads(path.read_text("utf-8")))
    for path in sorted((base / "providers").glob("*.py")):
        region = path.stem.replace("_", "-")
        if _REGION.fullmatch(region) and region not in result:
            result[region] = _py_types(path)
    return result


def _py_types(path: Path) -> dict[str, str]:
    for node in ast.parse(path.read_text("utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign):
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "types":
            return dict(ast.literal_eval(value))
    raise SystemExit(f"{path}: no `types` mapping")


def schema_date(base: Path) -> str | None:
    version = base / "version.json"
    if version.is_file():
        return str(json.loads(version.read_text("utf-8")).get("schema_date"))
    return None


def sam_types(base: Path) -> list[str]:
    """The AWS::Serverless types: cfn-lint's providers/sam.json (newer cfn-lint) and aws-sam-translator's."""
    found: set[str] = set()
    sam = base / "providers" / "sam.json"
    if sam.is_file():
        found.update(json.loads(sam.read_text("utf-8")))
    try:
        from samtranslator.model import sam_resources  # type: ignore[import-untyped]
    except ImportError:
        sam_resources = None
    if sam_resources is not None:
        found.update(
            getattr(obj, "resource_type", "") for obj in vars(sam_resources).values() if isinstance(obj, type)
        )
    return sorted(t for t in found if isinstance(t, str) and t.startswith("AWS::Serverless::"))


# --------------------------------------------------------------------------- compiling one schema


def _kinds(type_value: Json) -> str | None:
    """The kinds a JSON-schema ``type`` accepts; None when it says nothing (any kind)."""
    names = (
        type_value if isinstance(type_value, list) else [type_value] if isinstance(type_value, str) else []
    )
    kinds = {_KIND[n] for n in names if n in _KIND}
    return "".join(k for k in "oas" if k in kinds) if kinds else None


class Compiler:
    def __init__(self, schema: dict[str, Json]) -> None:
        self.schema = schema
        self.defs: dict[str, Json] = {}
        self.pending: list[str] = []

    def ref(self, pointer: str) -> str:
        name = pointer.rsplit("/", 1)[-1]
        if pointer.startswith("#/definitions/") and name in self.schema.get("definitions", {}):
            if name not in self.defs:
                self.defs[name] = ""  # placeholder: recursion-safe
                self.pending.append(name)
            return "#" + name
        return ""  # a pointer into properties or elsewhere: accept anything rather than guess

    def resolve(self, node: Json, depth: int = 0) -> Json:
        """A combinator branch with its $ref followed (one level), for merging."""
        if isinstance(node, dict) and "$ref" in node and depth < 4:
            pointer = node["$ref"]
            name = pointer.rsplit("/", 1)[-1] if isinstance(pointer, str) else ""
            target = self.schema.get("definitions", {}).get(name)
            if isinstance(target, dict):
                return self.resolve(target, depth + 1)
        return node

    def node(self, raw: Json) -> Json:
        if not isinstance(raw, dict):
            return ""
        if isinstance(raw.get("$ref"), str):
            return self.ref(raw["$ref"])
        kinds = _kinds(raw.get("type"))
        props = {str(k): self.node(v) for k, v in (raw.get("properties") or {}).items()}
        required = [r for r in raw.get("required", []) if isinstance(r, str)]
        closed = raw.get("additionalProperties") is False and not raw.get("patternProperties")
        items = self.node(raw["items"]) if isinstance(raw.get("items"), dict) else None
        branches = [self.resolve(b) for c in _COMBINATORS for b in raw.get(c, []) if isinstance(b, dict)]
        shaped = [b for b in branches if {"type", "properties", "items"} & b.keys()]
        if shaped:
            kinds, closed, items = self._merge(raw, shaped, kinds, props, closed, items)
        for name in _combined_required(raw):
            if name not in required:
                required.append(name)
        return encode(kinds, props, required, closed, items)

    def _merge(
        self,
        raw: dict[str, Json],
        branches: list[Json],
        kinds: str | None,
        props: dict[str, Json],
        closed: bool,
        items: Json,
    ) -> tuple[str | None, bool, Json]:
        """Union of the shapes of oneOf/anyOf/allOf branches: lenient by construction (never a false alarm)."""
        branch_kinds = [_kinds(b.get("type")) for b in branches]
        if kinds is None and None not in branch_kinds:
            kinds = "".join(k for k in "oas" if any(k in (bk or "") for bk in branch_kinds))
        for branch in branches:
            for key, value in (branch.get("properties") or {}).items():
                props.setdefault(str(key), self.node(value))
            if items is None and isinstance(branch.get("items"), dict):
                items = self.node(branch["items"])
        if "properties" not in raw:
            # Closed when every branch that can be an object is (a string alternative says nothing about keys).
            objects = [b for b in branches if "o" in (_kinds(b.get("type")) or "o")]
            closed = bool(objects) and all(
                b.get("additionalProperties") is False and not b.get("patternProperties") for b in objects
            )
        return kinds, closed, items

    def compile(self) -> dict[str, Json]:
        schema = self.schema
        closed = schema.get("additionalProperties") is False and not schema.get("patternProperties")
        props = {str(k): self.node(v) for k, v in (schema.get("properties") or {}).items()}
        root = encode("o", props, [r for r in schema.get("required", []) if isinstance(r, str)], closed, None)
        while self.pending:
            name = self.pending.pop()
            self.defs[name] = self.node(self.schema["definitions"][name])
        return {"d": dict(sorted(self.defs.items())), "s": root} if self.defs else {"s": root}


def _combined_required(raw: dict[str, Json]) -> list[str]:
    """Properties the combinators make required whatever the alternative: every allOf branch's `required`, and
    what every oneOf/anyOf branch requires (LaunchTemplateSpecification: Name or Id, and Version either way)."""
    found: list[str] = []
    for branch in raw.get("allOf", []):
        if isinstance(branch, dict) and isinstance(branch.get("required"), list) and len(branch) == 1:
            found.extend(r for r in branch["required"] if isinstance(r, str))
    for combinator in ("oneOf", "anyOf"):
        branches = raw.get(combinator)
        if isinstance(branches, list) and branches and all(isinstance(b, dict) for b in branches):
            sets = [
                set(b.get("required", ())) if isinstance(b.get("required"), list) else set() for b in branches
            ]
            found.extend(sorted(set.intersection(*sets)))
    return found


def encode(kinds: str | None, props: dict[str, Json], required: list[str], closed: bool, items: Json) -> Json:
    body: dict[str, Json] = {}
    if kinds:
        body["k"] = kinds
    if props:
        body["p"] = props
    if required:
        body["r"] = required
    if closed and (props or kinds == "o"):
        body["c"] = 1
    if items not in (None, ""):
        body["i"] = items
    if set(body) <= {"k"}:
        return kinds or ""
    return body


# --------------------------------------------------------------------------- the snapshot


def build(retrieved: str, cfnlint: str | None = None) -> dict[str, Json]:
    root = cfnlint_root(cfnlint)
    base = root / "data" / "schemas"
    by_region = region_types(base)
    regions = sorted(by_region)
    # Only `Service::Vendor::Resource` names: cfn-lint's own pseudo entries (e.g. "Module") are not types.
    # SAM types are the transform's, not CloudFormation's (sam_types below).
    every = sorted(
        {
            t
            for types in by_region.values()
            for t in types
            if _TYPE_NAME.fullmatch(t) and not t.startswith("AWS::Serverless::")
        }
    )
    types: dict[str, Json] = {}
    missing: dict[str, list[int]] = {}
    for type_name in every:
        holder = (
            PRIMARY
            if type_name in by_region[PRIMARY]
            else next(r for r in regions if type_name in by_region[r])
        )
        schema = json.loads((base / "resources" / f"{by_region[holder][type_name]}.json").read_text("utf-8"))
        types[type_name] = Compiler(schema).compile()
        absent = [i for i, r in enumerate(regions) if type_name not in by_region[r]]
        if absent:
            missing[type_name] = absent
    data = {
        "regions": regions,
        "missing": missing,
        "reserved_namespaces": RESERVED_NAMESPACES,
        "sam_types": sam_types(base),
        "sam_transform": SAM_TRANSFORM,
        "types": types,
    }
    source = SOURCES + [
        f"cfn-lint@{cfnlint_version(root)} data/schemas/providers (per Region) + resources"
        + (f" (CloudFormation schemas of {date})" if (date := schema_date(base)) else ""),
        f"aws-sam-translator@{metadata.version('aws-sam-translator')} samtranslator.model.sam_resources",
    ]
    return {"source": source, "retrieved": retrieved, "notes": NOTES, "data": data}


def render(payload: dict[str, Json]) -> str:
    """Valid JSON with one type per line (`"Type":{...},`), which preflight/schema/store.py relies on to parse
    only the types a template uses; every other member of ``data`` sits on a line of its own before "types"."""
    data = payload["data"]
    head = {k: payload[k] for k in ("notes", "retrieved", "source")}
    lines = [f'"{k}":{json.dumps(v, separators=(",", ":"))}' for k, v in sorted(head.items())]
    inner = [
        f'"{k}":{json.dumps(data[k], separators=(",", ":"), sort_keys=True)}'
        for k in ("missing", "regions", "reserved_namespaces", "sam_transform", "sam_types")
    ]
    inner.append(
        '"types":{\n' + ",\n".join(f"{json.dumps(k)}:{_line(v)}" for k, v in data["types"].items()) + "\n}"
    )
    return '{"data":{\n' + ",\n".join(inner) + "\n},\n" + ",\n".join(lines) + "}\n"


def _line(value: Json) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _version(source: list[str]) -> tuple[int, ...]:
    """The cfn-lint version a snapshot's source list names, as a comparable tuple (() when none)."""
    for entry in source:
        match = re.match(r"cfn-lint@([0-9.]+)", entry)
        if match:
            return tuple(int(part) for part in match.group(1).split(".") if part)
    return ()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the data would change")
    parser.add_argument(
        "--retrieved", default=dt.date.today().isoformat(), help="date to record (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--cfn-lint",
        help="a cfnlint package directory to read instead of the installed one "
        "(e.g. a newer wheel unpacked with `pip download cfn-lint --no-deps` + unzip)",
    )
    parser.add_argument(
        "--force", action="store_true", help="write even from an older cfn-lint than the snapshot's"
    )
    args = parser.parse_args(argv)
    payload = build(args.retrieved, args.cfn_lint)
    current = json.loads(OUT.read_text("utf-8")) if OUT.is_file() else {}
    older = _version(payload["source"]) < _version(current.get("source", []))
    if args.check:
        changed = current.get("data") != payload["data"]
        state = "out of date" if changed else "up to date"
        print(
            f"schemas_cfn: {state}" + (" (the source cfn-lint is older than the snapshot's)" if older else "")
        )
        return 1 if changed and not older else 0
    if older and not args.force:
        raise SystemExit(
            "the snapshot comes from a newer cfn-lint than the source: pass --cfn-lint DIR with a "
            "newer one (or --force to go back)"
        )
    OUT.write_text(render(payload), encoding="utf-8")
    print(
        f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB, {len(payload['data']['types'])} types)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
