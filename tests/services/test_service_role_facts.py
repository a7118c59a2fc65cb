"""The knowledge base's facts behind PF6303-PF6305: what services call with a role, and the AWS managed policies
whose statements are recorded."""

from __future__ import annotations

import pytest

from preflight import services


def test_event_source_calls_by_source_kind():
    targets = services.execution_role_calls("event_source").targets
    sqs = targets["AWS::SQS::Queue"]
    assert [(c.action, c.timing) for c in sqs.calls] == [
        ("sqs:ReceiveMessage", "create"),
        ("sqs:DeleteMessage", "create"),
        ("sqs:GetQueueAttributes", "create"),
    ]
    assert sqs.error.startswith(
        "The provided execution role does not have permissions to call ${Verb} on SQS"
    )
    assert sqs.arn is not None and sqs.arn.service == "sqs"
    assert sqs.resource_policy == "queue"
    stream = targets["AWS::Kinesis::Stream"]
    assert {c.timing for c in stream.calls} == {"runtime"}
    assert stream.arn is not None and (stream.arn.contains, stream.arn.excludes) == (":stream/", "/consumer/")
    table = targets["AWS::DynamoDB::Table"]
    assert (table.attribute, table.statement_resource) == ("StreamArn", "${Table.Arn}/stream/*")
    assert table.doc.startswith("https://docs.aws.amazon.com/amazondynamodb/")


def test_destination_calls_keep_their_shape():
    destination = services.execution_role_calls("destination")
    assert destination.targets["AWS::SNS::Topic"].calls[0].action == "sns:Publish"
    assert destination.targets["AWS::SNS::Topic"].error == destination.error


@pytest.mark.parametrize(
    ("ident", "rtype", "role", "validates"),
    [
        ("cloudtrail-logs", "AWS::CloudTrail::Trail", "CloudWatchLogsRoleArn", "any"),
        ("apigateway-account-logs", "AWS::ApiGateway::Account", "CloudWatchRoleArn", "any"),
    ],
    ids=["cloudtrail", "apigateway"],
)
def test_service_role_calls(ident, rtype, role, validates):
    facts = services.service_role_calls(ident)
    assert (facts.type, facts.role_property, facts.validates) == (rtype, role, validates)
    assert facts.docs and all(url.startswith(("https://", "/work/")) for url in facts.docs)


def test_cloudtrail_writes_the_log_streams_of_the_target():
    facts = services.service_role_calls("cloudtrail-logs")
    assert facts.target_property == "CloudWatchLogsLogGroupArn"
    assert facts.resource == "${Target}:log-stream:${LogStream}"
    assert [c.action for c in facts.calls] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert "InvalidCloudWatchLogsLogGroupArnException" in facts.error


def test_apigateway_calls_are_the_managed_policy_actions():
    facts = services.service_role_calls("apigateway-account-logs")
    managed = services.apigateway_logging().managed_policy
    document = services.managed_policy_documents()[managed]
    assert [c.action for c in facts.calls] == document["Statement"][0]["Action"]


def test_unknown_service_role_calls_is_an_error():
    with pytest.raises(services.KnowledgeBaseError):
        services.service_role_calls("no-such-thing")


def test_managed_policy_documents_have_a_scope_and_a_source():
    documents = services.managed_policy_documents()
    scopes = services.managed_policy_scopes()
    sqs = "arn:${Partition}:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
    assert "sqs:ReceiveMessage" in documents[sqs]["Statement"][0]["Action"]
    for arn, document in documents.items():
        services_named = {a.split(":", 1)[0] for s in document["Statement"] for a in s["Action"]}
        assert services_named <= scopes[arn], arn
