"""The fuzzing harness (bench/fuzz.py) as a fast, deterministic test: a few hundred mutated inputs per target.

Hypothesis drives the harness's random choices (derandomized: the same inputs on every run, shrunk on failure).
Seeds are the project's own examples and golden templates, so the test needs nothing outside the repository.
The long runs are `python bench/fuzz.py --seconds N` (see its docstring); deselect these with `-m "not fuzz"`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _harness() -> Any:
    spec = importlib.util.spec_from_file_location("preflight_bench_fuzz", os.path.join(ROOT, "bench", "fuzz.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fuzz = _harness()
SEEDS = fuzz.load_seeds(fuzz.seed_files([os.path.join(ROOT, "examples"), os.path.join(ROOT, "tests", "golden")]))
POLICIES = fuzz.policy_seeds(SEEDS)
pytestmark = pytest.mark.fuzz


def _settings(examples: int) -> Any:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_the_seeds_are_there() -> None:
    assert len(SEEDS) >= 20 and len(POLICIES) >= 10


@_settings(400)
@given(st.randoms(use_true_random=False))
def test_loader_raises_nothing_but_load_error(rng: Any) -> None:
    text, path, _ = fuzz.mutated_template(SEEDS, rng, small=True)
    fuzz.target_loader(text, path)


@_settings(150)
@given(st.randoms(use_true_random=False))
def test_resolver_raises_nothing(rng: Any) -> None:
    text, path, _ = fuzz.mutated_template(SEEDS, rng)
    fuzz.target_resolver(text, path)


@_settings(300)
@given(st.randoms(use_true_random=False))
def test_policy_evaluator_raises_nothing(rng: Any) -> None:
    fuzz.target_policy(fuzz.PolicyCase(rng, POLICIES))


@_settings(150)
@given(st.randoms(use_true_random=False))
def test_checks_never_crash(rng: Any) -> None:
    """Strict: a crashing check raises here (it would be a PF0000 finding in production)."""
    text, path, _ = fuzz.mutated_template(SEEDS, rng)
    fuzz.target_checks(text, path)


def test_writers_round_trip_through_the_loader() -> None:
    """The harness's JSON and YAML writers produce what the loader reads back (else it fuzzes its own bugs)."""
    from preflight.source.document import load_text

    for seed in SEEDS[:30]:
        for text in (fuzz.to_json(seed.data), fuzz.to_yaml(seed.data)):
            root = load_text(text, "t.yaml").root
            assert isinstance(root, dict) and set(root) == set(seed.data), seed.path


# Failures the harness found, each reduced to its cause (bench/results/fuzz.md lists the runs).
def test_regression_lone_surrogate_resource_type_is_no_crash() -> None:
    """A JSON "\\ud800" escape decodes to a lone surrogate: the data tables looked the type up as UTF-8 bytes."""
    from tests.conftest import run

    findings = run('{"Resources": {"B": {"Type": "\\ud800", "Properties": {"BucketName": "b"}}}}', "t.json")
    assert "PF0000" not in {f.code for f in findings}


def test_regression_depends_on_the_same_symbol_with_and_without_a_value() -> None:
    """Tri's message sorted its dependencies: Dep("AWS::Region", None) and Dep("AWS::Region", "us-east-1")
    did not order (None < str)."""
    from preflight.policy.tri import Dep, Tri

    answer = Tri(2, frozenset({Dep("AWS::Region"), Dep("AWS::Region", "us-east-1"), Dep("AWS::AccountId")}))
    assert str(answer) == "depends on AWS::AccountId, AWS::Region, AWS::Region = us-east-1"


def test_regression_a_huge_misspelt_managed_policy_name_is_suggested_quickly() -> None:
    """A 70,000-character policy name was normalised once per managed policy (~1,300): seconds per ARN."""
    import time

    from preflight.data.policies import suggest_managed_policy, suggestion_is_unique

    arn = "arn:aws:iam::aws:policy/" + "Amazon-S3_" * 7000
    start = time.monotonic()
    assert suggest_managed_policy(arn) is None and not suggestion_is_unique(arn)
    assert suggest_managed_policy("arn:aws:iam::aws:policy/amazons3readonlyaccess") == \
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    assert time.monotonic() - start < 2.0
