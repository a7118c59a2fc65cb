"""lambda_runtimes.json, regions.json and singletons.json."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from preflight.data import (
    elb_account_id,
    elb_log_delivery_principal,
    lambda_runtime,
    not_a_resource_type,
    partition_of,
    regions,
    singleton,
    singleton_types,
)


def test_retired_runtime_dates_and_successor() -> None:
    info = lambda_runtime("python2.7")
    assert info is not None
    assert info.deprecated is not None and info.create_block is not None and info.update_block is not None
    assert info.successor is not None and info.successor.startswith("python3")
    assert info.status(dt.date(2030, 1, 1)) == "update-blocked"


def test_nodejs_lifecycle_order() -> None:
    info = lambda_runtime("nodejs16.x")
    assert info is not None and info.deprecated == dt.date(2024, 6, 12)
    assert info.status(dt.date(2024, 1, 1)) == "supported"
    assert info.status(dt.date(2025, 1, 1)) == "deprecated"


def test_current_runtime_from_schema_only() -> None:
    info = lambda_runtime("python3.12")
    assert info is not None and info.in_schema
    assert lambda_runtime("python3.99") is None
    assert lambda_runtime("cobol") is None


def test_regions_and_partitions() -> None:
    all_regions = regions()
    assert all_regions["us-east-1"] == "aws"
    assert all_regions["cn-north-1"] == "aws-cn"
    assert all_regions["us-gov-west-1"] == "aws-us-gov"
    assert partition_of("eu-west-1") == "aws"
    assert partition_of("moon-1") is None
    all_regions["us-east-1"] = "x"
    assert regions()["us-east-1"] == "aws", "callers get a copy"


ELB = [
    ("us-east-1", "127311923021"),
    ("eu-west-1", "156460612806"),
    ("ap-southeast-3", "589379963580"),
    ("us-gov-west-1", "048591011584"),
    ("cn-north-1", "638102146993"),
]


@pytest.mark.parametrize(("region", "account"), ELB, ids=[r for r, _ in ELB])
def test_elb_account_ids(region: str, account: str) -> None:
    assert elb_account_id(region) == account


def test_new_regions_use_the_log_delivery_principal() -> None:
    for region in ("eu-south-2", "ap-southeast-4", "il-central-1", "ca-west-1", "mx-central-1"):
        assert region in regions()
        assert elb_account_id(region) is None
    assert elb_log_delivery_principal() == "logdelivery.elasticloadbalancing.amazonaws.com"


def test_singletons_with_service_errors() -> None:
    rec = singleton("AWS::Config::ConfigurationRecorder")
    assert rec is not None and rec.behavior == "fails" and rec.scope == "account-region"
    assert rec.error_code == "MaxNumberOfConfigurationRecordersExceededException"
    assert rec.error_pattern is not None
    event = (
        "Resource handler returned message: \"Failed to put configuration recorder 'default' because the "
        'maximum number of configuration recorders: 1 is reached."'
    )
    assert re.search(rec.error_pattern, event)
    gd = singleton("AWS::GuardDuty::Detector")
    assert gd is not None and gd.error_message is not None and "detector already exists" in gd.error_message
    hub = singleton("AWS::SecurityHub::Hub")
    assert hub is not None and hub.error_pattern is not None
    assert re.search(hub.error_pattern, "Account 123456789012 is already subscribed to Security Hub")


def test_generic_handler_error_for_registry_singletons() -> None:
    macie = singleton("AWS::Macie::Session")
    assert macie is not None and macie.error_code == "AlreadyExists" and not macie.verified
    assert macie.error_pattern is not None
    assert re.search(
        macie.error_pattern,
        "Resource of type 'AWS::Macie::Session' with identifier '123456789012' already exists.",
    )


def test_api_gateway_account_overwrites() -> None:
    acct = singleton("AWS::ApiGateway::Account")
    assert acct is not None and acct.behavior == "overwrites" and acct.error_code is None


def test_singleton_set_and_absent_types() -> None:
    types = singleton_types()
    assert {"AWS::Config::DeliveryChannel", "AWS::Detective::Graph", "AWS::SecurityHub::Hub"} <= types
    assert singleton("AWS::S3::Bucket") is None
    for absent in (
        "AWS::IAM::AccountPasswordPolicy",
        "AWS::S3::AccountPublicAccessBlock",
        "AWS::EC2::EBSEncryptionByDefault",
    ):
        assert singleton(absent) is None
        note = not_a_resource_type(absent)
        assert note is not None and "Not a CloudFormation resource type" in note
