"""engine_versions.json: creatable, major-only and deprecated engine versions."""

from __future__ import annotations

import datetime as dt

import pytest

from preflight.data import engine_names, engine_version_status, engine_versions, engine_versions_retrieved

I, C = "AWS::RDS::DBInstance", "AWS::RDS::DBCluster"
CASES = [
    (I, "mysql", "8.0", "major-only"),
    (I, "postgres", "15", "major-only"),
    (I, "MySQL", "8.0", "major-only"),
    (I, "mysql", "5.6.51", "deprecated"),
    (I, "mysql", "5.6", "deprecated"),
    (I, "mysql", "5.5.62", "deprecated"),
    (I, "mysql", "9.9.9", "not-found"),
    (I, "postgres", "9.6.1", "deprecated"),
    (I, "postgres", "8.1.1", "not-found"),
    (I, "nosuchdb", "1.0", "unknown-engine"),
    (C, "aurora-postgresql", "10.7", "deprecated"),
    (C, "aurora-mysql", "8.0", "major-only"),
    ("AWS::ElastiCache::CacheCluster", "redis", "7.1", "available"),
    ("AWS::ElastiCache::CacheCluster", "valkey", "8.0", "available"),
    ("AWS::ElastiCache::ReplicationGroup", "redis", "2.8.24", "not-found"),
    ("AWS::DocDB::DBCluster", "docdb", "5.0.0", "unknown-engine"),
]


@pytest.mark.parametrize(
    ("rtype", "engine", "version", "status"),
    CASES,
    ids=[f"{c[1]}-{c[2]}-{c[0].split('::')[-1]}" for c in CASES],
)
def test_engine_version_status(rtype: str, engine: str, version: str, status: str) -> None:
    assert engine_version_status(rtype, engine, version) == status


def test_an_available_exact_version_exists_for_main_engines() -> None:
    for engine in ("mysql", "postgres", "mariadb"):
        versions = engine_versions(I, engine)
        assert versions is not None and versions.available
        exact = max(versions.available, key=len)
        assert engine_version_status(I, engine, exact) in ("available", "major-only")
        assert not versions.available & versions.deprecated


def test_oracle_is_a_valid_engine_without_version_list() -> None:
    assert "oracle-ee" in engine_names(I)
    assert engine_version_status(I, "oracle-ee", "19") == "unknown-engine"


def test_retrieved_date() -> None:
    assert isinstance(engine_versions_retrieved(), dt.date)
    assert engine_versions_retrieved() <= dt.date.today()
