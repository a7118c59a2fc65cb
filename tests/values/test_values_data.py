"""The hand-curated facts behind the invalid-value checks (preflight.data.values_data)."""

from __future__ import annotations

import datetime as dt

import pytest

from preflight.data import values_data as vd


@pytest.mark.parametrize(
    ("older", "newer"),
    [("8.0.9", "8.0.10"), ("15.4", "15.10"), ("8.0.mysql_aurora.3.04.0", "8.0.mysql_aurora.3.10.0")],
    ids=["mysql-minor", "postgres-minor", "aurora-mysql"],
)
def test_version_key_orders_numerically(older, newer):
    assert vd.version_key(older) < vd.version_key(newer)


@pytest.mark.parametrize(
    ("version", "series"),
    [("8.0.35", "8.0"), ("15.4", "15"), ("15", "")],
    ids=["mysql", "postgres", "major-only"],
)
def test_major_of(version, series):
    assert vd.major_of(version) == series


def test_retirement_named_in_a_notice_is_exact():
    retired = vd.engine_retirement("postgres", "15.4")
    assert retired is not None and retired.exact
    assert retired.not_creatable_from == dt.date(2024, 12, 9)


def test_older_minor_is_retired_no_later_than_a_dated_newer_one():
    retired = vd.engine_retirement("postgres", "14.7")
    assert retired is not None and not retired.exact
    assert retired.not_creatable_from == dt.date(2024, 12, 9)


@pytest.mark.parametrize(
    ("engine", "version"),
    [("mysql", "8.0.37"), ("aurora-postgresql", "15.4"), ("postgres", "17.9")],
    ids=["newer-than-dated", "aurora-undated", "current"],
)
def test_undated_retirements(engine, version):
    assert vd.engine_retirement(engine, version) is None


@pytest.mark.parametrize(
    ("name", "reserved"),
    [
        ("example.com", "example.com"),
        ("api.example.org", "example.org"),
        ("shop.test", ".test"),
        ("myexample.com", None),
        ("example.company.io", None),
    ],
    ids=["apex", "subdomain", "tld", "lookalike", "prefix-only"],
)
def test_reserved_domain(name, reserved):
    assert vd.reserved_domain(name) == reserved


@pytest.mark.parametrize(
    ("collation", "charset"),
    [("utf8mb4_unicode_ci", "utf8mb4"), ("latin1_swedish_ci", "latin1"), ("utf8_general_ci", "utf8mb3")],
    ids=["utf8mb4", "latin1", "utf8-alias"],
)
def test_charset_of_collation(collation, charset):
    assert vd.charset_of_collation(collation) == charset


@pytest.mark.parametrize(
    ("engine", "cls", "unsupported"),
    [
        ("mysql", "db.t3.micro", True),
        ("MySQL", "db.t3.medium", False),
        ("postgres", "db.t3.micro", False),
        ("aurora-mysql", "db.t3.large", True),
        ("aurora-mysql", "db.r6g.large", False),
    ],
    ids=["mysql-micro", "mysql-medium", "postgres-micro", "aurora-mysql-t3", "aurora-mysql-r6g"],
)
def test_performance_insights_classes(engine, cls, unsupported):
    assert vd.performance_insights_unsupported(engine, cls) is unsupported
