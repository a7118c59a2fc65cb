"""Regions, partitions and the ELB access-log principals (``regions.json``)."""

from __future__ import annotations

from functools import cache

from preflight.data._snapshot import data

_FILE = "regions"


@cache
def _regions() -> dict[str, str]:
    return dict(data(_FILE)["regions"])


def regions() -> dict[str, str]:
    """Every known region -> its partition ("aws", "aws-cn", "aws-us-gov", ...). A fresh copy."""
    return dict(_regions())


def partition_of(region: str) -> str | None:
    """The partition of ``region``, or None for an unknown region."""
    return _regions().get(region)


def elb_account_id(region: str) -> str | None:
    """The Elastic Load Balancing account that writes access logs in ``region`` (Regions available before
    August 2022); None where the bucket policy must name ``elb_log_delivery_principal()`` instead."""
    value = data(_FILE)["elb_account_ids"].get(region)
    return None if value is None else str(value)


def elb_log_delivery_principal() -> str:
    """The service principal ELB uses to write access logs in Regions opened since August 2022."""
    return str(data(_FILE)["elb_log_delivery_principal"])


@cache
def dns_suffixes() -> tuple[str, ...]:
    """The DNS suffix of every partition (the values AWS::URLSuffix can take), sorted."""
    return tuple(sorted({str(p["dns_suffix"]) for p in data(_FILE)["partitions"].values()}))


@cache
def region_patterns() -> tuple[str, ...]:
    """Each partition's regular expression for its Region names (botocore endpoints.json)."""
    return tuple(str(p["region_regex"]) for p in data(_FILE)["partitions"].values())
