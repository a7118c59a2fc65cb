"""IAM policy documents as frozen data, parsed from resolved template values.

A policy comes in as a resolved value: ``MapNode`` / ``SeqNode`` containers from the template (their spans locate
each statement and element) or plain ``dict`` / ``list`` (tests), with ``str`` / ``Symbolic`` / ``Unknown``
leaves; a JSON string (``AWS::Logs::ResourcePolicy``) is accepted too. Parsing never raises: what does not fit the
grammar is recorded as a ``ParseProblem`` for ``validate.py`` and evaluated as "matches nothing".

Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple

from preflight.policy import facts
from preflight.policy.match import Pattern, arn_components, compile_pattern, component_value
from preflight.resolve.values import Symbol, Symbolic, Unknown
from preflight.source.nodes import MapNode, child_span, span_of
from preflight.source.span import NO_SPAN, Span


class ParseProblem(NamedTuple):
    kind: str
    message: str
    span: Span
    statement: int | None = None


class PrincipalEntry(NamedTuple):
    """One principal named by a statement.

    kind: "*" | "aws" | "service" | "federated" | "canonical" | "invalid" | "unknown".
    account: for an AWS entry naming an account (``arn:aws:iam::<id>:root`` or the bare id), that account.
    """

    kind: str
    value: Any
    span: Span
    type_key: str = ""
    account: str | Symbolic | None = None
    pattern: Pattern | None = None  # value, exact (derived from value)
    account_pattern: Pattern | None = None


class PrincipalBlock(NamedTuple):
    negated: bool  # NotPrincipal
    entries: tuple[PrincipalEntry, ...]
    span: Span


class PatternEntry(NamedTuple):
    raw: Any
    pattern: Pattern
    span: Span


class PatternBlock(NamedTuple):
    """Action / NotAction / Resource / NotResource."""

    element: str
    negated: bool
    entries: tuple[PatternEntry, ...]
    span: Span
    unknown: Unknown | None = None


class ConditionClause(NamedTuple):
    """One (operator, key) pair of a Condition block with its values (OR-ed, NOR-ed when negated)."""

    operator: str
    base: str | None  # canonical operator ("StringEquals"), None when AWS has no such operator
    set_op: str | None  # "ForAllValues" | "ForAnyValue" | None
    if_exists: bool
    key: str
    key_lower: str
    values: tuple[Any, ...]
    value_spans: tuple[Span, ...]
    span: Span
    unknown: Unknown | None = None
    patterns: tuple[Pattern, ...] = ()  # textual operators only (derived from values)

    @property
    def label(self) -> str:
        return f"{self.operator} {self.key}"


class Statement:
    """One statement of a policy (immutable; a slotted class rather than a NamedTuple because of ``index``)."""

    __slots__ = (
        "action",
        "conditions",
        "effect",
        "effect_reason",
        "element_spans",
        "extra_elements",
        "index",
        "principal",
        "resource",
        "sid",
        "span",
        "unknown",
        "variables",
    )

    def __init__(
        self,
        index: int,
        sid: str | None,
        effect: str,  # "Allow" | "Deny" | "Unknown" (not resolvable offline) | anything else: invalid
        principal: PrincipalBlock | None,
        action: PatternBlock | None,
        resource: PatternBlock | None,
        conditions: tuple[ConditionClause, ...],
        span: Span,
        variables: bool = True,  # policy variables are substituted (Version 2012-10-17)
        unknown: Unknown | None = None,  # the whole statement could not be resolved
        effect_reason: str | None = None,  # why the effect is "Unknown"
        element_spans: tuple[tuple[str, Span], ...] = (),
        extra_elements: tuple[str, ...] = (),
    ) -> None:
        self.index: Final = index
        self.sid: Final = sid
        self.effect: Final = effect
        self.principal: Final = principal
        self.action: Final = action
        self.resource: Final = resource
        self.conditions: Final = conditions
        self.span: Final = span
        self.variables: Final = variables
        self.unknown: Final = unknown
        self.effect_reason: Final = effect_reason
        self.element_spans: Final = element_spans
        self.extra_elements: Final = extra_elements

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in Statement.__slots__)

    def with_index(self, index: int) -> Statement:
        """The same statement at another position (policies merged by policy_of). By keyword: __slots__ is in
        alphabetical order, not __init__'s, so a positional copy would scramble the fields (issue 12)."""
        fields = {name: getattr(self, name) for name in Statement.__slots__}
        fields["index"] = index
        return Statement(**fields)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Statement and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in Statement.__slots__)
        return f"Statement({inner})"

    def element_span(self, element: str) -> Span:
        for name, span in self.element_spans:
            if name == element:
                return span
        return self.span

    @property
    def condition_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.key for c in self.conditions))

    @property
    def label(self) -> str:
        return f"statement {self.index + 1}" + (f' "{self.sid}"' if self.sid else "")


class Policy(NamedTuple):
    kind: str  # a key of facts.POLICY_KINDS
    name: str
    version: Any
    statements: tuple[Statement, ...]
    span: Span
    unknown: Unknown | None = None
    problems: tuple[ParseProblem, ...] = ()

    @property
    def resource_based(self) -> bool:
        """Whether its statements name a Principal."""
        kind = facts.POLICY_KINDS.get(self.kind)
        return kind.resource_based if kind else True

    @property
    def label(self) -> str:
        kind = facts.POLICY_KINDS.get(self.kind)
        base = kind.label if kind else self.kind
        return f"{base} {self.name}" if self.name else base


# AWS caps policy documents at tens of kilobytes (a KMS key policy at 32 KB,
# https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html; a bucket policy at 20 KB,
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html) and a statement takes some 45 bytes
# at least, so no deployable policy comes near this; evaluating every request against thousands of statements costs
# seconds (issue 12). Such a policy stays unknown, and the engine says so (PF0011).
MAX_STATEMENTS = 1000
# Likewise the values of one statement (actions, resources, principals): every request is matched against each.
MAX_STATEMENT_VALUES = 1000
_LISTED = ("Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal")


def too_many_statements(count: int) -> str:
    return f"a policy of {count} statements (more than {MAX_STATEMENTS} are not evaluated)"


def statement_values(node: Mapping[str, Any]) -> int:
    """How many values a statement lists in Action, Resource, Principal and their Not forms (a cheap count)."""
    total = 0
    for name in _LISTED:
        value = node.get(name)
        if value is None:
            continue
        for item in value.values() if isinstance(value, Mapping) else (value,):
            total += len(item) if isinstance(item, list) else 1
    return total


def too_many_values(count: int) -> str:
    return f"a policy statement of {count} actions, resources and principals (more than {MAX_STATEMENT_VALUES} " \
        "are not evaluated)"


# --- parsing ---------------------------------------------------------------------------------------------------
def parse_policy(
    document: Any, *, kind: str = "identity", name: str = "", span: Span | None = None
) -> Policy:
    """Parse a policy document. ``kind`` is a key of ``facts.POLICY_KINDS`` ("kms-key", "s3-bucket", ...)."""
    where = span or span_of(document)
    if isinstance(document, (Unknown, Symbolic)):
        reason = document.reason if isinstance(document, Unknown) else f"policy document {document}"
        return Policy(kind, name, None, (), where, Unknown(reason, where))
    if isinstance(document, str):
        return _parse_json_text(document, kind, name, where)
    if not isinstance(document, Mapping):
        problem = ParseProblem("malformed-policy", "a policy document must be an object", where)
        return Policy(kind, name, None, (), where, problems=(problem,))
    version = document.get("Version")
    raw = document.get("Statement")
    if isinstance(raw, list) and len(raw) > MAX_STATEMENTS:
        return Policy(kind, name, version, (), where, Unknown(too_many_statements(len(raw)), where))
    variables = version == facts.VERSION_WITH_VARIABLES
    statements, problems = _parse_statements(document, where, variables)
    problems += _document_problems(document, where)
    return Policy(kind, name, version, statements, where, problems=tuple(problems))


def _parse_json_text(text: str, kind: str, name: str, where: Span) -> Policy:
    try:
        document = json.loads(text)
    except ValueError as exc:
        problem = ParseProblem("malformed-policy", f"the policy is not valid JSON: {exc}", where)
        return Policy(kind, name, None, (), where, problems=(problem,))
    return parse_policy(document, kind=kind, name=name, span=where)


def _document_problems(document: Mapping[str, Any], where: Span) -> list[ParseProblem]:
    problems = [
        ParseProblem("unknown-element", f"unknown policy element {key!r}", _key_span(document, key, where))
        for key in document
        if key not in facts.POLICY_ELEMENTS
    ]
    version = document.get("Version")
    if (
        version is not None
        and not isinstance(version, (Unknown, Symbolic))
        and version not in facts.KNOWN_VERSIONS
    ):
        problems.append(
            ParseProblem(
                "invalid-version",
                f"Version {version!r} is not one of {', '.join(facts.KNOWN_VERSIONS)}",
                child_span(document, "Version", where),
            )
        )
    return problems


def _parse_statements(
    document: Mapping[str, Any], where: Span, variables: bool
) -> tuple[tuple[Statement, ...], list[ParseProblem]]:
    raw = document.get("Statement")
    if raw is None:
        return (), [ParseProblem("missing-statement", "the policy has no Statement", where)]
    block_span = child_span(document, "Statement", where)
    if isinstance(raw, Unknown):
        return (_unknown_statement(0, raw, block_span),), []
    items = raw if isinstance(raw, list) else [raw]
    out: list[Statement] = []
    problems: list[ParseProblem] = []
    for index, item in enumerate(items):
        item_span = child_span(raw, index, block_span) if isinstance(raw, list) else block_span
        stmt, found = parse_statement(item, index, span=item_span, variables=variables)
        out.append(stmt)
        problems.extend(found)
    return tuple(out), problems


def _unknown_statement(index: int, value: Unknown, span: Span) -> Statement:
    return Statement(
        index, None, "Unknown", None, None, None, (), span, unknown=value, effect_reason=value.reason
    )


def parse_statement(
    node: Any, index: int, *, span: Span = NO_SPAN, variables: bool = True
) -> tuple[Statement, list[ParseProblem]]:
    """One statement; returns it with the problems found in it."""
    where = span_of(node, span)
    if isinstance(node, (Unknown, Symbolic)):
        reason = node.reason if isinstance(node, Unknown) else f"statement {node}"
        return _unknown_statement(index, Unknown(reason, where), where), []
    if not isinstance(node, Mapping):
        problem = ParseProblem("malformed-statement", "a statement must be an object", where, index)
        return Statement(index, None, "", None, None, None, (), where), [problem]
    values = statement_values(node)
    if values > MAX_STATEMENT_VALUES:
        return _unknown_statement(index, Unknown(too_many_values(values), where), where), []
    problems: list[ParseProblem] = []
    effect, effect_reason = _effect(node.get("Effect"))
    stmt = Statement(
        index=index,
        sid=node.get("Sid") if isinstance(node.get("Sid"), str) else None,
        effect=effect,
        principal=_principal_block(node, where, problems, index),
        action=_pattern_block(
            node, ("Action", "NotAction"), where, problems, index, variables=False, fold=True
        ),
        resource=_pattern_block(
            node, ("Resource", "NotResource"), where, problems, index, variables, fold=False
        ),
        conditions=_conditions(node, where, problems, index, variables),
        span=where,
        variables=variables,
        effect_reason=effect_reason,
        element_spans=tuple((str(k), _key_span(node, k, where)) for k in node),
        extra_elements=tuple(str(k) for k in node if k not in facts.STATEMENT_ELEMENTS),
    )
    return stmt, problems


def _effect(value: Any) -> tuple[str, str | None]:
    if isinstance(value, Unknown):
        return "Unknown", value.reason
    if isinstance(value, Symbolic):
        return "Unknown", f"Effect {value}"
    return (value if isinstance(value, str) else ""), None


def _key_span(node: Any, key: Any, default: Span) -> Span:
    if isinstance(node, MapNode):
        return node.key_spans.get(key, node.span)
    return default


def _items(node: Any, span: Span) -> list[tuple[Any, Span]]:
    if isinstance(node, list):
        return [(item, child_span(node, k, span)) for k, item in enumerate(node)]
    return [(node, span)]


def _two(
    node: Mapping[str, Any], names: tuple[str, str], where: Span, problems: list[ParseProblem], index: int
) -> tuple[str | None, Any]:
    present = [n for n in names if n in node]
    if len(present) == 2:
        problems.append(
            ParseProblem(
                "conflicting-elements",
                f"a statement cannot have both {names[0]} and {names[1]}",
                _key_span(node, names[1], where),
                index,
            )
        )
    return (present[0], node[present[0]]) if present else (None, None)


# --- Principal ---------------------------------------------------------------------------------------------------
_ROOT_ARN = re.compile(r"^arn:[a-z\-]+:iam::([0-9]{12}):root$")
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")


def _principal_block(
    node: Mapping[str, Any], where: Span, problems: list[ParseProblem], index: int
) -> PrincipalBlock | None:
    element, value = _two(node, ("Principal", "NotPrincipal"), where, problems, index)
    if element is None:
        return None
    span = child_span(node, element, where)
    return PrincipalBlock(element == "NotPrincipal", tuple(principal_entries(value, span)), span)


def principal_entries(value: Any, span: Span) -> list[PrincipalEntry]:
    """The entries of a Principal element value: "*" or a map of AWS / Service / Federated / CanonicalUser."""
    if isinstance(value, Unknown):
        return [PrincipalEntry("unknown", value, span)]
    if isinstance(value, str) and value == "*":
        return [PrincipalEntry("*", value, span)]
    if not isinstance(value, Mapping):
        return [PrincipalEntry("invalid", value, span)]
    entries: list[PrincipalEntry] = []
    for key, items in value.items():
        kind = facts.PRINCIPAL_KEYS.get(key, "invalid")
        for item, item_span in _items(items, child_span(value, key, span)):
            entries.append(principal_entry(kind, item, item_span, str(key)))
    return entries


def principal_entry(kind: str, value: Any, span: Span, type_key: str = "") -> PrincipalEntry:
    if kind == "aws" and value == "*":
        return PrincipalEntry("*", value, span, type_key)
    account = account_of(value) if kind == "aws" else None
    # Principals never take wildcards; service principal names are DNS names (compared case-insensitively).
    pattern = compile_pattern(value, wildcards=False, fold=kind == "service")
    account_pattern = compile_pattern(account, wildcards=False) if account is not None else None
    return PrincipalEntry(kind, value, span, type_key, account, pattern, account_pattern)


def account_of(value: Any) -> str | Symbolic | None:
    """The account an AWS principal value names as a whole account (bare id or root ARN), else None."""
    if isinstance(value, str):
        if _ACCOUNT_ID.match(value):
            return value
        found = _ROOT_ARN.match(value)
        return found.group(1) if found else None
    if not isinstance(value, Symbolic):
        return None
    if (
        len(value.parts) == 1
        and isinstance(value.parts[0], Symbol)
        and value.parts[0].key == "AWS::AccountId"
    ):
        return value
    components = arn_components(value)
    if components and components[0] == ("arn",) and components[2] == ("iam",) and components[5] == ("root",):
        account = component_value(components[4])
        return account if isinstance(account, Symbolic) or _ACCOUNT_ID.match(account) else None
    return None


# --- Action / Resource ---------------------------------------------------------------------------------------------
def _pattern_block(
    node: Mapping[str, Any],
    names: tuple[str, str],
    where: Span,
    problems: list[ParseProblem],
    index: int,
    variables: bool,
    fold: bool,
) -> PatternBlock | None:
    element, value = _two(node, names, where, problems, index)
    if element is None:
        return None
    span = child_span(node, element, where)
    negated = element.startswith("Not")
    if isinstance(value, Unknown):
        return PatternBlock(element, negated, (), span, value)
    entries = tuple(
        PatternEntry(item, compile_pattern(item, wildcards=True, variables=variables, fold=fold), item_span)
        for item, item_span in _items(value, span)
    )
    return PatternBlock(element, negated, entries, span)


# --- Condition ---------------------------------------------------------------------------------------------------
def parse_operator(operator: str) -> tuple[str | None, str | None, bool]:
    """(base operator, set operator, IfExists) of an operator as written; base None when AWS has no such operator."""
    set_op: str | None = None
    rest = operator
    if ":" in operator:
        prefix, rest = operator.split(":", 1)
        set_op = facts.SET_OPERATORS.get(prefix.lower())
        if set_op is None:
            return None, None, False
    lower = rest.lower()
    if_exists = lower.endswith(facts.IF_EXISTS) and lower != facts.IF_EXISTS
    if if_exists:
        lower = lower[: -len(facts.IF_EXISTS)]
    base = facts.OPERATORS_BY_LOWER.get(lower)
    if base == "Null" and (if_exists or set_op):
        base = None
    return base, set_op, if_exists


def _conditions(
    node: Mapping[str, Any], where: Span, problems: list[ParseProblem], index: int, variables: bool
) -> tuple[ConditionClause, ...]:
    block = node.get("Condition")
    if block is None:
        return ()
    span = child_span(node, "Condition", where)
    if isinstance(block, Unknown):
        return (ConditionClause("?", None, None, False, "?", "?", (), (), span, block),)
    if not isinstance(block, Mapping):
        problems.append(ParseProblem("malformed-condition", "Condition must be an object", span, index))
        return ()
    clauses: list[ConditionClause] = []
    for operator, keys in block.items():
        op_span = _key_span(block, operator, span)
        clauses.extend(
            _clauses_of(str(operator), keys, child_span(block, operator, op_span), problems, index, variables)
        )
    return tuple(clauses)


def _clauses_of(
    operator: str, keys: Any, span: Span, problems: list[ParseProblem], index: int, variables: bool
) -> list[ConditionClause]:
    if isinstance(keys, Unknown):
        return [make_clause(operator, "?", (), (), span, variables=variables, unknown=keys)]
    if not isinstance(keys, Mapping):
        problems.append(
            ParseProblem("malformed-condition", f"the {operator} block must map keys to values", span, index)
        )
        return []
    out = []
    for key, values in keys.items():
        key_span = _key_span(keys, key, span)
        if isinstance(values, Unknown):
            out.append(make_clause(operator, str(key), (), (), key_span, variables=variables, unknown=values))
            continue
        items = _items(values, child_span(keys, key, key_span))
        out.append(
            make_clause(
                operator,
                str(key),
                tuple(v for v, _ in items),
                tuple(s for _, s in items),
                key_span,
                variables=variables,
            )
        )
    return out


def make_clause(
    operator: str,
    key: str,
    values: tuple[Any, ...],
    value_spans: tuple[Span, ...],
    span: Span,
    *,
    variables: bool,
    unknown: Unknown | None = None,
) -> ConditionClause:
    """A clause with its operator parsed and, for textual operators, its values compiled once."""
    base, set_op, if_exists = parse_operator(operator)
    fact = facts.OPERATORS.get(base) if base else None
    patterns: tuple[Pattern, ...] = ()
    if fact is not None and fact.textual:
        flags = {"wildcards": fact.wildcards, "variables": variables and fact.variables, "fold": fact.fold}
        patterns = tuple(compile_pattern(v, **flags) for v in values)
    return ConditionClause(
        operator, base, set_op, if_exists, key, key.lower(), values, value_spans, span, unknown, patterns
    )


# --- building policies from statements -------------------------------------------------------------------------------
def policy_of(statements: Sequence[Statement], *, kind: str, name: str = "", span: Span = NO_SPAN) -> Policy:
    """A policy made of already-built statements (Lambda permissions: one statement per AWS::Lambda::Permission)."""
    renumbered = tuple(_with_index(s, k) for k, s in enumerate(statements))
    return Policy(kind, name, facts.VERSION_WITH_VARIABLES, renumbered, span)


def _with_index(stmt: Statement, index: int) -> Statement:
    return stmt if stmt.index == index else stmt.with_index(index)


# Lambda permission properties that become conditions of the statement Lambda stores.
# https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
LAMBDA_PERMISSION_CONDITIONS: tuple[tuple[str, str, str], ...] = (
    ("SourceArn", "ArnLike", "aws:SourceArn"),
    ("SourceAccount", "StringEquals", "aws:SourceAccount"),
    ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
    ("EventSourceToken", "StringEquals", "lambda:EventSourceToken"),
    ("FunctionUrlAuthType", "StringEquals", "lambda:FunctionUrlAuthType"),
)


def statement_from_lambda_permission(props: Mapping[str, Any], *, index: int = 0) -> Statement:
    """The statement Lambda adds to a function's policy for an ``AWS::Lambda::Permission``.

    Principal: an account id or ARN is an AWS principal, "*" everyone, anything else a service principal.
    Resource: the function ARN when FunctionName is one; otherwise "*" (the statement lives in that function's
    policy, so it only ever applies to that function).
    """
    where = span_of(props)
    clauses = []
    for prop, operator, key in LAMBDA_PERMISSION_CONDITIONS:
        if prop in props:
            span = child_span(props, prop, where)
            clauses.append(make_clause(operator, key, (props[prop],), (span,), span, variables=False))
    action = props.get("Action", "lambda:InvokeFunction")
    action_span = child_span(props, "Action", where)
    function = props.get("FunctionName")
    resource = function if _looks_like_function_arn(function) else "*"
    resource_span = child_span(props, "FunctionName", where)
    principal_span = child_span(props, "Principal", where)
    return Statement(
        index=index,
        sid=None,
        effect="Allow",
        principal=PrincipalBlock(
            False, (_lambda_principal(props.get("Principal"), principal_span),), principal_span
        ),
        action=PatternBlock(
            "Action",
            False,
            (PatternEntry(action, compile_pattern(action, fold=True), action_span),),
            action_span,
        ),
        resource=PatternBlock(
            "Resource",
            False,
            (PatternEntry(resource, compile_pattern(resource), resource_span),),
            resource_span,
        ),
        conditions=tuple(clauses),
        span=where,
        element_spans=tuple(
            (k, _key_span(props, k, where)) for k in ("Principal", "Action", "FunctionName") if k in props
        ),
    )


def _lambda_principal(value: Any, span: Span) -> PrincipalEntry:
    if isinstance(value, Unknown):
        return PrincipalEntry("unknown", value, span, "Principal")
    if value == "*":
        return PrincipalEntry("*", value, span, "Principal")
    text = (
        value if isinstance(value, str) else (value.literal_prefix() if isinstance(value, Symbolic) else "")
    )
    is_aws = text.startswith("arn:") or bool(_ACCOUNT_ID.match(text)) or account_of(value) is not None
    return principal_entry("aws" if is_aws else "service", value, span, "Principal")


def _looks_like_function_arn(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("arn:")
    if isinstance(value, Symbolic):
        first = value.parts[0]
        return value.literal_prefix().startswith("arn:") or (
            len(value.parts) == 1 and isinstance(first, Symbol) and first.key.endswith(".Arn")
        )
    return False
