"""The ordering and rollback data: every row is well formed, cites AWS, and names codes the catalog knows."""

from __future__ import annotations

import re

import pytest

from preflight.checks.ordering import _PREDICATES
from preflight.checks.registry import rules
from preflight.data import resource_type, snapshot_info
from preflight.data.ordering_data import log_writers, order_rules, protections, role_consumers

ORDERS = order_rules()


@pytest.mark.parametrize("name", ["ordering", "rollback"], ids=["ordering", "rollback"])
def test_snapshots_have_sources_and_a_date(name):
    info = snapshot_info(name)
    assert info.source and all(s.startswith("https://docs.aws.amazon.com/") for s in info.source)
    assert info.retrieved.year >= 2025


@pytest.mark.parametrize("rule", ORDERS, ids=[r.id for r in ORDERS])
def test_order_rows(rule):
    catalog = rules()
    assert rule.code in catalog and catalog[rule.code].code.startswith("PF20")
    assert rule.doc.startswith("https://")
    for side in (rule.later, rule.first):
        # a Custom:: type is a construct library's custom resource (CDK's Custom::S3BucketNotifications)
        assert all(t.startswith("Custom::") or resource_type(t) is not None for t in side.types)
        assert side.when is None or side.when in _PREDICATES
    assert rule.relation == "any" or (rule.later.paths and rule.first.paths)
    if rule.when_none:
        assert rule.when_none.code in catalog
        assert rule.when_none.target_type is None or resource_type(rule.when_none.target_type) is not None


@pytest.mark.parametrize("consumer", role_consumers(), ids=[f"{c.type}:{c.when}" for c in role_consumers()])
def test_role_consumer_rows(consumer):
    assert resource_type(consumer.type) is not None and consumer.doc.startswith("https://")
    actions = consumer.actions + tuple(a for _, group in consumer.actions_by_source for a in group)
    assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", a) for a in actions)


@pytest.mark.parametrize(
    "row", protections() + log_writers(), ids=[f"{r.type}:{r.path}" for r in protections() + log_writers()]
)
def test_rollback_rows(row):
    assert resource_type(row.type) is not None and row.doc.startswith("https://")
