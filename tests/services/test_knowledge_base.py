"""The service knowledge base (integrations.yaml) is well formed: every fact cites a page, every type exists."""

from __future__ import annotations

import re

import pytest

from preflight import data, services
from preflight.services.replay import render_statement

INTEGRATIONS = services.integrations()
KNOWN_PLACEHOLDERS = {
    "Partition", "Region", "Account", "Source.Arn", "Source.Name", "Target.Arn", "Target.Name", "Prefix",
    "ObjectKey", "Bucket", "PrefixOrNull", "TrailEncryption",
}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.]+)\}")


def _placeholders(value: object) -> set[str]:
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return set().union(*(_placeholders(k) | _placeholders(v) for k, v in value.items())) if value else set()
    if isinstance(value, list):
        return set().union(*(_placeholders(v) for v in value)) if value else set()
    return set()


def test_the_knowledge_base_has_a_checked_date():
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", services.checked())


@pytest.mark.parametrize("item", INTEGRATIONS, ids=[i.id for i in INTEGRATIONS])
def test_integration_cites_pages_and_names_real_types(item):
    assert item.docs and all(d.startswith(("https://", "/work/")) for d in item.docs)
    assert item.source_type in data.known_resource_types()
    assert item.target_type in data.known_resource_types()
    assert item.policy in ("key", "bucket", "topic", "queue", "none")
    assert item.error or item.symptom
    assert item.principal.service or item.principal.aws
    for spec in item.requests:
        assert spec.timing in ("create", "runtime")
        assert re.fullmatch(r"[a-zA-Z0-9-]+:[A-Za-z*]+", spec.action)


@pytest.mark.parametrize("item", INTEGRATIONS, ids=[i.id for i in INTEGRATIONS])
def test_integration_placeholders_are_bound_by_the_replay(item):
    known = KNOWN_PLACEHOLDERS | set(item.bindings)
    used = _placeholders([s.resource for s in item.requests]) | _placeholders([dict(s.context) for s in item.requests])
    used |= _placeholders(item.statement) | _placeholders(list(item.bindings.values()))
    assert used <= known, f"unbound placeholders {sorted(used - known)}"


@pytest.mark.parametrize("item", [i for i in INTEGRATIONS if i.statement], ids=[i.id for i in INTEGRATIONS if i.statement])
def test_minimal_statement_renders_with_the_template_values(item):
    bindings = {name: f"<{name}>" for name in KNOWN_PLACEHOLDERS | set(item.bindings)}
    text = render_statement(item.statement, bindings)
    assert "${" not in text.replace("${AWS::", "")
    assert '"Effect": "Allow"' in text


@pytest.mark.parametrize("consumer", services.role_consumers(), ids=[f"{c.type}.{c.property}" for c in services.role_consumers()])
def test_role_consumer_is_documented(consumer):
    assert consumer.type in data.known_resource_types()
    assert consumer.timing in ("create", "runtime")
    assert (consumer.error if consumer.timing == "create" else consumer.symptom)
    assert consumer.docs and consumer.service.endswith(".amazonaws.com")


def test_lambda_source_arn_pattern_is_the_schema_pattern():
    pattern = re.compile(services.lambda_facts().source_arn_pattern)
    assert pattern.fullmatch("arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/items")
    assert pattern.fullmatch("arn:aws:s3:::my-bucket")
    assert not pattern.fullmatch("abc123/*/GET/items")
    assert not pattern.fullmatch("my-bucket/*")


@pytest.mark.parametrize("principal,service", [("apigateway.amazonaws.com", "execute-api"), ("s3.amazonaws.com", "s3"),
                                               ("events.amazonaws.com", "events")], ids=["apigateway", "s3", "events"])
def test_lambda_invokers(principal, service):
    invoker = services.lambda_facts().invoker(principal)
    assert invoker is not None and invoker.arn_service == service


def test_sam_refs_know_that_an_api_ref_is_an_id():
    sam = services.lambda_facts().sam_refs
    assert sam["AWS::Serverless::Api"].is_arn is False
    assert sam["AWS::Serverless::StateMachine"].is_arn is True


def test_execution_role_calls_and_managed_policies():
    destination = services.execution_role_calls("destination")
    assert destination.by_target["AWS::Lambda::Function"][0].action == "lambda:InvokeFunction"
    facts = services.managed_policy_facts()
    assert facts.properties["AWS::IAM::Role"] == "ManagedPolicyArns"
    assert "does not exist or is not attachable" in facts.not_found_error
    scopes = services.managed_policy_scopes()
    assert scopes["arn:${Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"] == frozenset({"logs"})


def test_unknown_integration_is_an_error():
    with pytest.raises(services.KnowledgeBaseError):
        services.integration("no-such-integration")
