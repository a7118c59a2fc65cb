"""The AWS error signatures (src/preflight/data/aws_errors.json): well-formed, cited, and the one source of the
errors that checks quote and that `preflight diagnose` matches."""

from __future__ import annotations

import json
import os
import re

import pytest

from preflight.checks.base import CATEGORIES as FINDING_CATEGORIES
from preflight.checks.registry import rules
from preflight.data.errors import error_message, error_signatures, fill, format_error, match_error

SRC = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src", "preflight"
)
# The finding categories, and the two that only stack events have (DESIGN.md; issue 10).
CATEGORIES = set(FINDING_CATEGORIES) | {"already-exists", "limit-exceeded"}
SAMPLES = {"ImageId": "ami-0123456789abcdef0", "Account": "111122223333", "Arn": "arn:aws:iam::aws:policy/X"}
SIGNATURES = error_signatures()


def _sample(text: str) -> str:
    return re.sub(r"\$\{([\w.]+)\}", lambda m: SAMPLES.get(m.group(1), "sample-1"), text)


@pytest.mark.parametrize("signature", SIGNATURES, ids=[s.id for s in SIGNATURES])
def test_signature_is_well_formed_and_cited(signature) -> None:  # type: ignore[no-untyped-def]
    assert signature.category in CATEGORIES
    assert signature.explanation.endswith((".", ")")) and len(signature.explanation) > 30
    assert signature.sources and all(u.startswith("https://") for u in signature.sources)
    known = rules()
    assert all(code in known for code in signature.codes), signature.codes


@pytest.mark.parametrize(
    "signature",
    [s for s in SIGNATURES if s.message or s.variants],
    ids=[s.id for s in SIGNATURES if s.message or s.variants],
)
def test_quoted_messages_are_matched_by_their_own_entry(signature) -> None:  # type: ignore[no-untyped-def]
    for text in [signature.message, *(v for _, v in signature.variants)]:
        if text is None:
            continue
        found = match_error(_sample(text))
        assert found is not None and found.category == signature.category, (text, found and found.id)


def test_ids_are_unique() -> None:
    ids = [s.id for s in SIGNATURES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("reason", "signature", "category"),
    [
        (
            (
                "The specified KMS key does not exist or is not allowed to be used with Arn 'arn:aws:logs:us-east-1:1:log-"
                "group:x'"
            ),
            "logs-kms-key-not-allowed",
            "kms-service-access",
        ),
        (
            (
                "Insufficient permissions to access S3 bucket b or KMS key arn:aws:kms:us-east-1:1:key/k. "
                "(InsufficientEncryptionPolicyException)"
            ),
            "cloudtrail-encryption-policy",
            "kms-service-access",
        ),
        (
            (
                "Incorrect S3 bucket policy is detected for bucket: b (Service: AWSCloudTrail; Status Code: 400; Error Code: "
                "InsufficientS3BucketPolicyException)"
            ),
            "cloudtrail-bucket-policy",
            "bucket-policy-service",
        ),
        (
            (
                "Policy arn:aws:iam::aws:policy/service-role/ConfigRole does not exist or is not attachable. (Service: "
                "AmazonIdentityManagement; Status Code: 404; Error Code: NoSuchEntity)"
            ),
            "iam-managed-policy-not-found",
            "iam-trust-or-role",
        ),
        (
            'Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:root"',
            "iam-invalid-principal",
            "iam-trust-or-role",
        ),
        (
            "MalformedPolicyDocument: Has prohibited field Resource",
            "iam-malformed-policy",
            "iam-trust-or-role",
        ),
        ("bucket-x already exists", "already-exists", "already-exists"),
        (
            "The maximum number of addresses has been reached. (Service: AmazonEC2; Error Code: AddressLimitExceeded)",
            "quota-exceeded",
            "limit-exceeded",
        ),
        (
            "Failed to put delivery channel 'default' because the maximum number of delivery channels: 1 is reached.",
            "singleton:AWS::Config::DeliveryChannel",
            "limit-exceeded",
        ),
        (
            "Cannot find version 15.4 for postgres (Service: Rds, Status Code: 400)",
            "rds-engine-version",
            "invalid-value",
        ),
        ("Resource is not supported in this region", "region-unsupported", "region-account"),
        (
            'Resource handler returned message: "Exceeded attempts to wait" (HandlerErrorCode: NotStabilized)',
            "not-stabilized",
            "other",
        ),
        (
            "Received response status [FAILED] from custom resource. Message returned: boom",
            "custom-resource-failed",
            "other",
        ),
        ("Internal Failure", "internal-failure", "other"),
        ("The bucket you tried to delete is not empty", "bucket-not-empty", "rollback-blocker"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_frequent_errors_are_classified(reason: str, signature: str, category: str) -> None:
    found = match_error(reason)
    assert found is not None and (found.id, found.category) == (signature, category)


def test_format_and_fill() -> None:
    assert (
        format_error("rds-engine-version", Version="8.0.1", Engine="mysql")
        == "Cannot find version 8.0.1 for mysql"
    )
    assert fill("Policy ${Arn} at ${Target.Arn}", Target_Arn="t") == "Policy ${Arn} at t"
    assert error_message("apigateway-account-role:trust").endswith("add the required role policy.")


def test_no_quoted_error_is_left_outside_the_catalog() -> None:
    """integrations.yaml, ordering.json, rollback.json and account_rules.json name errors by signature; every name
    resolves."""
    with open(os.path.join(SRC, "services", "integrations.yaml"), encoding="utf-8") as handle:
        kb = handle.read()
    assert not re.search(
        r"(?m)^\s*(?:-\s*\{)?.*\b(?:error|not_found_error|service_role_error|source_arn_error):\s*(?:&\S+\s+)?\"",
        kb,
    )
    refs = re.findall(r"aws_error: \"?([\w:-]+)\"?\}", kb)
    for name in ("ordering", "rollback", "account_rules"):
        with open(os.path.join(SRC, "data", f"{name}.json"), encoding="utf-8") as handle:
            text = handle.read()
        assert '"error":' not in text and '"already_exists_error"' not in text
        refs += re.findall(r'"aws_error": "([\w:-]+)"', text)
    assert len(refs) > 50
    for ref in refs:
        assert error_message(ref)


def test_placeholders_use_one_syntax() -> None:
    with open(os.path.join(SRC, "data", "aws_errors.json"), encoding="utf-8") as handle:
        entries = json.load(handle)["data"]["signatures"]
    for entry in entries:
        for text in [entry.get("message") or "", *(entry.get("variants") or {}).values()]:
            assert not re.search(r"<[a-z-]+>|(?<!\$)\{[a-z_]+\}", text), (entry["id"], text)


def test_policy_rejections_are_classified_as_their_checks() -> None:
    """The phrases the policy validator says AWS answers (policy/facts.py REJECTIONS) are recognised by the
    catalog, in the category of the check that reports them for that policy's resource type."""
    from preflight.data.policy_locations import location_of_kind
    from preflight.policy.facts import REJECTIONS

    category = {"trust": "iam-trust-or-role", "identity": "iam-trust-or-role", "s3-bucket": "bucket-policy-service",
                "kms-key": "kms-service-access"}
    for (kind, problem), rejection in sorted(REJECTIONS.items()):
        if kind not in category:
            continue
        found = match_error(rejection.message, location_of_kind(kind).resource_type)
        assert found is not None and found.category == category[kind], (kind, problem, rejection.message)
