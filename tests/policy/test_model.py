"""Parsing policy documents into the frozen model: forms, spans, unknowns, Lambda permissions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from preflight.policy import evaluate, parse_policy, policy_of, statement_from_lambda_permission
from preflight.policy.facts import DOC_GRAMMAR, DOC_LAMBDA_RESOURCE_POLICY, DOC_PRINCIPAL
from preflight.policy.model import account_of, parse_operator
from preflight.resolve.values import Unknown
from preflight.source.document import load_text

from .conftest import ACCOUNT, PARTITION, UNKNOWN_IMPORT, attr, ref, request, service, sym, yaml_policy

STATEMENT = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


def test_single_statement_object_equals_one_element_list() -> None:
    """Statement may be one object or an array (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html)."""
    single = parse_policy({"Version": "2012-10-17", "Statement": STATEMENT})
    listed = parse_policy({"Version": "2012-10-17", "Statement": [STATEMENT]})
    assert single.statements == listed.statements
    assert [e.raw for e in single.statements[0].action.entries] == ["s3:GetObject"]  # type: ignore[union-attr]


def test_value_or_list_forms() -> None:
    policy = parse_policy(
        {"Statement": {**STATEMENT, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["a", "b"]}}
    )
    stmt = policy.statements[0]
    assert [e.raw for e in stmt.action.entries] == ["s3:GetObject", "s3:PutObject"]  # type: ignore[union-attr]
    assert [e.raw for e in stmt.resource.entries] == ["a", "b"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("version", "variables"),
    [("2012-10-17", True), ("2008-10-17", False), (None, False)],
    ids=["2012-substitutes", "2008-literal", "absent-literal"],
)
def test_version_decides_policy_variables(version: str | None, variables: bool) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"""
    document: dict[str, Any] = {"Statement": STATEMENT}
    if version:
        document["Version"] = version
    assert parse_policy(document).statements[0].variables is variables


def test_statements_keep_their_spans_and_sids() -> None:
    policy = yaml_policy(
        """\
Version: '2012-10-17'
Statement:
  - Sid: First
    Effect: Allow
    Principal:
      Service: [logs.amazonaws.com, delivery.logs.amazonaws.com]
    Action: 's3:PutObject'
    Resource: 'arn:aws:s3:::b/*'
  - Effect: Deny
    Principal: '*'
    Action: 's3:*'
    Resource: 'arn:aws:s3:::b/*'
    Condition:
      Bool: {'aws:SecureTransport': 'false'}
""",
        "s3-bucket",
        "LogBucket",
    )
    first, second = policy.statements
    assert (first.index, first.sid, first.span.line, second.index, second.sid, second.span.line) == (
        0,
        "First",
        3,
        1,
        None,
        9,
    )
    assert [(e.kind, e.value, e.span.line) for e in first.principal.entries] == [  # type: ignore[union-attr]
        ("service", "logs.amazonaws.com", 6),
        ("service", "delivery.logs.amazonaws.com", 6),
    ]
    assert [(c.base, c.key, c.span.line) for c in second.conditions] == [("Bool", "aws:SecureTransport", 14)]
    assert second.element_span("Condition").line == 13


def test_json_string_document() -> None:
    """AWS::Logs::ResourcePolicy takes its document as a JSON string."""
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [{**STATEMENT, "Principal": {"Service": "es.amazonaws.com"}}]}
    )
    policy = parse_policy(text, kind="logs-resource")
    assert policy.statements[0].principal.entries[0].value == "es.amazonaws.com"  # type: ignore[union-attr]
    broken = parse_policy("{not json", kind="logs-resource")
    assert [p.kind for p in broken.problems] == ["malformed-policy"]


def test_unknown_document_and_statement() -> None:
    assert parse_policy(UNKNOWN_IMPORT).unknown == UNKNOWN_IMPORT
    policy = parse_policy(
        {"Version": "2012-10-17", "Statement": [STATEMENT, Unknown("Fn::If on an unresolved condition")]}
    )
    assert [(s.effect, s.unknown.reason if s.unknown else None) for s in policy.statements] == [
        ("Allow", None),
        ("Unknown", "Fn::If on an unresolved condition"),
    ]


ACCOUNTS = [
    ("bare-account-id", "111122223333", "111122223333"),
    ("root-arn", "arn:aws:iam::111122223333:root", "111122223333"),
    ("china-root-arn", "arn:aws-cn:iam::111122223333:root", "111122223333"),
    ("role-is-not-an-account", "arn:aws:iam::111122223333:role/r", None),
    ("symbolic-root", sym("arn:", PARTITION, ":iam::", ACCOUNT, ":root"), sym(ACCOUNT)),
    ("account-id-pseudo", sym(ACCOUNT), sym(ACCOUNT)),
    ("attribute-arn-is-not-known-as-account", sym(attr("Role.Arn")), None),
]


@pytest.mark.parametrize(("value", "account"), [c[1:] for c in ACCOUNTS], ids=[c[0] for c in ACCOUNTS])
def test_account_principals(value: Any, account: Any) -> None:
    """An account id and arn:aws:iam::<id>:root both name the account (DOC_PRINCIPAL)."""
    assert DOC_PRINCIPAL
    assert account_of(value) == account


OPERATORS = [
    ("plain", "StringEquals", ("StringEquals", None, False)),
    ("if-exists", "StringLikeIfExists", ("StringLike", None, True)),
    ("set-operator", "ForAllValues:StringEquals", ("StringEquals", "ForAllValues", False)),
    ("set-and-if-exists", "ForAnyValue:ArnLikeIfExists", ("ArnLike", "ForAnyValue", True)),
    ("case-insensitive-names", "stringequalsignorecase", ("StringEqualsIgnoreCase", None, False)),
    ("null", "Null", ("Null", None, False)),
    ("null-if-exists-is-invalid", "NullIfExists", (None, None, True)),
    ("unknown", "StringEqualz", (None, None, False)),
    ("unknown-set-operator", "ForSomeValues:StringEquals", (None, None, False)),
]


@pytest.mark.parametrize(("operator", "expected"), [c[1:] for c in OPERATORS], ids=[c[0] for c in OPERATORS])
def test_parse_operator(operator: str, expected: tuple[Any, ...]) -> None:
    assert DOC_GRAMMAR
    assert parse_operator(operator) == expected


def lambda_props(**extra: Any) -> Any:
    text = "\n".join(
        [
            "Action: lambda:InvokeFunction",
            "FunctionName: arn:aws:lambda:us-east-1:111122223333:function:handler",
            "Principal: s3.amazonaws.com",
        ]
        + [f"{k}: {v}" for k, v in extra.items()]
    )
    return load_text(text).root


def test_lambda_permission_becomes_a_statement() -> None:
    """SourceArn -> ArnLike aws:SourceArn, SourceAccount -> StringEquals aws:SourceAccount (DOC_LAMBDA_RESOURCE_POLICY)."""
    assert DOC_LAMBDA_RESOURCE_POLICY
    stmt = statement_from_lambda_permission(
        lambda_props(SourceArn="arn:aws:s3:::uploads", SourceAccount="'111122223333'")
    )
    assert stmt.effect == "Allow"
    assert [(e.kind, e.value) for e in stmt.principal.entries] == [("service", "s3.amazonaws.com")]  # type: ignore[union-attr]
    assert [(c.operator, c.key, c.values, c.span.line) for c in stmt.conditions] == [
        ("ArnLike", "aws:SourceArn", ("arn:aws:s3:::uploads",), 4),
        ("StringEquals", "aws:SourceAccount", ("111122223333",), 5),
    ]
    assert [e.raw for e in stmt.resource.entries] == [
        "arn:aws:lambda:us-east-1:111122223333:function:handler"
    ]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("source_arn", "outcome"),
    [("arn:aws:s3:::uploads", "Allow"), ("arn:aws:s3:::other", "ImplicitDeny")],
    ids=["matching-source", "other-source"],
)
def test_lambda_permission_decides_invocations(source_arn: str, outcome: str) -> None:
    stmt = statement_from_lambda_permission(lambda_props(SourceArn="arn:aws:s3:::uploads"))
    policy = policy_of([stmt], kind="lambda-permission", name="handler")
    req = request(
        service("s3.amazonaws.com"),
        "lambda:InvokeFunction",
        "arn:aws:lambda:us-east-1:111122223333:function:handler",
        aws__SourceArn=source_arn,
    )
    decision = evaluate(req, policy)
    assert decision.outcome == outcome
    assert [d.span.line for d in decision.deciding if d.role == "allows"] == (
        [1] if outcome == "Allow" else []
    )


@pytest.mark.parametrize(
    ("principal", "kind"),
    [
        ("'111122223333'", "aws"),
        ("arn:aws:iam::111122223333:role/r", "aws"),
        ("'*'", "*"),
        ("events.amazonaws.com", "service"),
    ],
    ids=["account", "role", "everyone", "service"],
)
def test_lambda_permission_principal_kinds(principal: str, kind: str) -> None:
    props = load_text(f"Action: lambda:InvokeFunction\nFunctionName: f\nPrincipal: {principal}").root
    stmt = statement_from_lambda_permission(props)
    assert [e.kind for e in stmt.principal.entries] == [kind]  # type: ignore[union-attr]
    assert [e.raw for e in stmt.resource.entries] == ["*"]  # type: ignore[union-attr]


def test_lambda_permission_with_function_arn_attribute() -> None:
    arn = sym(attr("Handler.Arn"))
    stmt = statement_from_lambda_permission(
        {"Action": "lambda:InvokeFunction", "FunctionName": arn, "Principal": sym("logs.", ref("x"))}
    )
    assert [e.raw for e in stmt.resource.entries] == [arn]  # type: ignore[union-attr]
