"""AWS service principals (``service_principals.json``, refreshed by ``scripts/refresh_service_principals.py``).

AWS publishes no complete list: the snapshot holds the principals AWS's own managed policies name plus curated
ones, each with its AWS page. So a name missing from it is *unlisted*, not absent; only a name the data rules out
(a reported rejection, a domain of another partition, or a near miss of a listed principal whose differing label
names no service) is said not to exist.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, NamedTuple

from preflight.data._snapshot import data, snapshot_info

_FILE = "service_principals"
# The DNS domains of service principals, longest first (a name is matched against the first that ends it).
DOMAINS = ("amazonaws.com.cn", "amazonaws.com", "amazon.com", "api.aws")


class PrincipalVerdict(NamedTuple):
    """What the data says about a service principal name.

    status: "known" | "rejected" (reported refused) | "other-partition" | "near-miss" (a typo of ``suggestion``)
    | "unlisted" (not in the data: may be new or wrong).
    """

    status: str
    reason: str = ""
    suggestion: str | None = None
    source: str = ""


@cache
def _principals() -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in data(_FILE)["principals"].items()}


@cache
def _labels() -> frozenset[str]:
    """Every DNS label of a listed principal (ecs-tasks, logs, delivery, ...)."""
    return frozenset(label for name in _principals() for label in _split(name)[0])


def _split(name: str) -> tuple[tuple[str, ...], str]:
    """(labels before the domain, domain); domain "" when the name is under none of DOMAINS."""
    for domain in DOMAINS:
        if name.endswith("." + domain):
            return tuple(name[: -len(domain) - 1].split(".")), domain
    return tuple(name.split(".")), ""


def retrieved() -> dt.date:
    return snapshot_info(_FILE).retrieved


def source_of(name: str) -> str | None:
    """The evidence for a listed principal: an AWS page, or "managed-policies"."""
    return _principals().get(name.lower())


def classify(name: str, partition: str) -> PrincipalVerdict:
    """The verdict on service principal ``name`` in ``partition`` (aws, aws-cn, aws-us-gov, ...)."""
    lower = name.lower()
    rejected: dict[str, Any] = data(_FILE)["rejected"]
    if lower in rejected:
        entry = rejected[lower]
        return PrincipalVerdict("rejected", str(entry["reason"]), None, str(entry["evidence"]))
    labels, domain = _split(lower)
    only = data(_FILE)["domain_partitions"].get(domain)
    if only is not None and partition not in only["partitions"]:
        where = ", ".join(only["partitions"])
        base = ".".join(labels) + ".amazonaws.com"
        suggestion = base if base in _principals() else None
        return PrincipalVerdict(
            "other-partition", f"names under {domain} exist only in {where}", suggestion, str(only["source"])
        )
    if lower in _principals() or _regional_known(labels, domain):
        return PrincipalVerdict("known")
    miss = _near_miss(labels, domain, partition)
    if miss is None and len(labels) > 1 and _is_region(labels[-1]):  # a typo in a Regional form's service
        miss = _near_miss(labels[:-1], domain, partition)
    return miss or PrincipalVerdict("unlisted")


def _is_region(label: str) -> bool:
    from preflight.data.regions import partition_of

    return partition_of(label) is not None


def _regional_known(labels: tuple[str, ...], domain: str) -> bool:
    """``<service>.<region>.<domain>`` of a service whose Regional form AWS documents. (The Regional form of
    other services is unlisted: CDK saw ``ssm.<region>.amazonaws.com`` refused, aws/aws-cdk#17646.)"""
    if len(labels) != 2 or not _is_region(labels[1]):
        return False
    return labels[0] in data(_FILE)["regional"]


def _near_miss(labels: tuple[str, ...], domain: str, partition: str) -> PrincipalVerdict | None:
    only = data(_FILE)["domain_partitions"]
    for other in sorted(DOMAINS, key=len):  # the right service under the wrong domain (ec2.amazon.com)
        candidate = ".".join(labels) + "." + other
        allowed = other not in only or partition in only[other]["partitions"]
        if other != domain and domain and allowed and candidate in _principals():
            return PrincipalVerdict("near-miss", f"the principal is under {other}, not {domain}", candidate)
    best: tuple[int, str] | None = None
    for known in _principals():
        known_labels, known_domain = _split(known)
        if known_domain != domain or len(known_labels) != len(labels):
            continue
        differing = [(a, b) for a, b in zip(labels, known_labels) if a != b]
        if len(differing) != 1 or not _is_typo(*differing[0]):
            continue
        distance = _distance(*differing[0])
        if best is None or (distance, known) < best:
            best = (distance, known)
    if best is None:
        return None
    return PrincipalVerdict("near-miss", "", best[1])


def _is_typo(label: str, known: str) -> bool:
    """A label one or two edits from a listed one, naming no service or principal of its own."""
    from preflight.policy import iamdb

    limit = 1 if max(len(label), len(known)) <= 5 else 2
    if label in _labels() or iamdb.service_exists(label):
        return False
    return _distance(label, known) <= limit


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, adjacent transpositions)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
