"""The name and account facts: loadable, sourced, and consistent with the resource-type data they extend."""

from __future__ import annotations

import pytest

from preflight import data
from preflight.data import names_data
from preflight.data._snapshot import snapshot_info


@pytest.mark.parametrize("name", ["names_rules", "account_rules"], ids=["names", "account"])
def test_snapshots_carry_sources_and_a_date(name):
    info = snapshot_info(name)
    assert info.source and all(s.startswith("https://") for s in info.source)
    assert info.notes


def test_region_bound_rules_name_real_types_and_cite_aws():
    for type_name in names_data.region_bound_types():
        assert type_name in data.known_resource_types()
        rules = names_data.region_bound(type_name) + names_data.region_bound_references(type_name)
        assert rules and all(r.doc_url.startswith("https://docs.aws.amazon.com/") for r in rules)
        assert all(r.region in data.regions() for r in rules)


def test_singleton_families_are_singletons():
    for type_name in (
        "AWS::Config::ConfigurationRecorder",
        "AWS::Config::DeliveryChannel",
        "AWS::GuardDuty::Detector",
        "AWS::SecurityHub::Hub",
    ):
        family = names_data.singleton_family(type_name)
        assert family is not None and data.singleton(type_name) is not None
    recorder = names_data.singleton_family("AWS::Config::ConfigurationRecorder")
    assert recorder == names_data.singleton_family("AWS::Config::DeliveryChannel")


def test_parent_scopes_match_the_resource_type_scopes():
    for type_name in ("AWS::EC2::SecurityGroup", "AWS::ApiGateway::Stage", "AWS::ECS::Service"):
        info = data.resource_type(type_name)
        assert info is not None and info.name_scope is not None and info.name_scope.startswith("parent:")
        assert names_data.name_parent(type_name) is not None


def test_stage_creator_is_the_v1_deployment():
    (creator,) = names_data.stage_creators()
    assert (creator.creator_type, creator.stage_property) == ("AWS::ApiGateway::Deployment", "StageName")


def test_published_arns_and_example_accounts():
    assert names_data.aws_published_arn("lambda", "layer:Insights:38") is not None
    assert names_data.aws_published_arn("lambda", "function:mine") is None
    assert "123456789012" in names_data.example_account_ids()


def test_stack_names_may_hold_upper_case_letters_regions_may_not():
    stack = names_data.symbol_chars("AWS::StackName")
    region = names_data.symbol_chars("AWS::Region")
    assert stack is not None and stack.has_upper and "-" in stack.chars
    assert region is not None and not region.has_upper
