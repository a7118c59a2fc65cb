"""managed_policies.json: AWS managed policy ARNs and suggestions for wrong ones."""

from __future__ import annotations

import pytest

from preflight.data import (
    deprecated_managed_policies,
    is_managed_policy_arn,
    managed_policy_arns,
    suggest_managed_policy,
)

P = "arn:aws:iam::aws:policy/"


def test_config_role_has_its_path_and_underscore() -> None:
    arns = managed_policy_arns()
    assert P + "service-role/AWS_ConfigRole" in arns
    assert P + "service-role/ConfigRole" not in arns
    assert P + "service-role/AWSConfigRole" not in arns


def test_well_known_policies_present() -> None:
    arns = managed_policy_arns()
    assert len(arns) > 1000
    assert {
        P + "AdministratorAccess",
        P + "ReadOnlyAccess",
        P + "service-role/AWSLambdaBasicExecutionRole",
        P + "AmazonSSMManagedInstanceCore",
        P + "service-role/AmazonECSTaskExecutionRolePolicy",
    } <= arns
    assert all(a.startswith(P) for a in arns)


SUGGEST_CASES = [
    ("service-role/ConfigRole", "service-role/AWS_ConfigRole"),
    ("service-role/AWSConfigRole", "service-role/AWS_ConfigRole"),
    ("AWSLambdaBasicExecutionRole", "service-role/AWSLambdaBasicExecutionRole"),
    ("AWSLambdaFullAccess", "AWSLambda_FullAccess"),
    ("AmazonS3ReadOnly", "AmazonS3ReadOnlyAccess"),
    ("AdministratorAcess", "AdministratorAccess"),
]


@pytest.mark.parametrize(("wrong", "right"), SUGGEST_CASES, ids=[c[0] for c in SUGGEST_CASES])
def test_suggest_managed_policy(wrong: str, right: str) -> None:
    assert suggest_managed_policy(P + wrong) == P + right


def test_suggest_keeps_the_partition() -> None:
    assert (
        suggest_managed_policy("arn:aws-us-gov:iam::aws:policy/AWSLambdaBasicExecutionRole")
        == "arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    )


def test_no_suggestion_for_valid_or_unrelated() -> None:
    assert suggest_managed_policy(P + "ReadOnlyAccess") is None
    assert suggest_managed_policy("arn:aws:iam::123456789012:policy/Mine") is None
    assert suggest_managed_policy(P + "Zzqxv") is None


def test_deprecated_map_points_at_existing_policies() -> None:
    deprecated = deprecated_managed_policies()
    assert deprecated[P + "service-role/AWSConfigRole"] == P + "service-role/AWS_ConfigRole"
    assert set(deprecated.values()) <= managed_policy_arns()
    assert not set(deprecated) & managed_policy_arns()


def test_is_managed_policy_arn_any_partition() -> None:
    assert is_managed_policy_arn("arn:aws-cn:iam::aws:policy/ReadOnlyAccess")
    assert not is_managed_policy_arn(P + "service-role/ConfigRole")
