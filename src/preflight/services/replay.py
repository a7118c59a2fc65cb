"""Replay the knowledge base's requests against a template's own policies.

A ``Workspace`` is the permission checks' view of one template: which resources a property refers to, the
ARN and name of a resource per condition scenario, and the policy that guards a resource (key policy, bucket
policy, topic/queue policy, function policy, trust policy, a role's identity policies). ``replay`` binds an
integration's placeholders, builds ``Request``s, asks ``preflight.policy.evaluate`` and folds the decisions of
all scenarios into a ``Verdict``: the request that fails, the statement that decides (or that none allows it),
and how sure we are (error: a create-time request is denied in every scenario where both resources exist;
warning: it depends on a value preflight cannot know, on a condition, or the request happens only at runtime).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from preflight.checks.base import Context
from preflight.data.policy_locations import location_of_kind
from preflight.findings import Explanation
from preflight.model.graph import Edge
from preflight.model.template import Resource
from preflight.policy.evaluate import DecidingStatement, Decision, Layer, Principal, Request, evaluate
from preflight.policy.model import (
    Policy,
    Statement,
    parse_policy,
    policy_of,
    statement_from_lambda_permission,
)
from preflight.policy.principals import match_principal
from preflight.policy.statements import element_results, prepare
from preflight.policy.tri import NO, YES
from preflight.resolve.scenarios import DEFAULT, Scenario
from preflight.resolve.values import Symbol, Symbolic, Unknown, render
from preflight.services import (
    UNKNOWN_PREFIX,
    Integration,
    RequestSpec,
    managed_policy_documents,
    managed_policy_scopes,
)
from preflight.source.nodes import MapNode, SeqNode

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.]+)\}")
MAX_SCENARIOS = 8  # permission replays over more condition scenarios than this are cut (the first ones kept)
OBJECT_KEY = Symbol(
    "service-object-key", "resource", "the rest of the object key the service writes", min_len=1
)


# --- the workspace ---------------------------------------------------------------------------------------------
def workspace(ctx: Context) -> Workspace:
    """The workspace of a check context (one per template check run), kept by the context itself."""
    return ctx.memo("services.workspace", Workspace)  # type: ignore[no-any-return]


class PolicySource(NamedTuple):
    """The policy guarding a resource. ``policy`` None: there is none, so nothing allows a service principal.
    ``owners``: the resources that hold it (a BucketPolicy, TopicPolicy, Lambda::Permission, or the key)."""

    policy: Policy | None
    label: str
    owners: tuple[str, ...] = ()
    unknowns: frozenset[str] = frozenset()  # reasons of the template values the resolver could not know


class Workspace:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # Extra evaluation layers the user supplies (--scp FILE): applied to every replayed request.
        self.layers: tuple[Layer, ...] = tuple(ctx.options.extra.get("layers", ()))
        self.template = ctx.template
        self.resolver = ctx.resolver
        self.graph = ctx.graph
        self._policies: dict[tuple[str, str, Scenario], PolicySource] = {}

    # ---------------------------------------------------------------- values
    def resolve(self, node: Any, scenario: Scenario = DEFAULT) -> Any:
        return self.resolver.resolve(node, scenario)

    def document(self, node: Any, scenario: Scenario = DEFAULT) -> Any:
        """A policy document's resolved value, ready for parse_policy."""
        return plain(self.resolver.resolve(node, scenario))

    def attr(self, logical_id: str, attribute: str, scenario: Scenario = DEFAULT) -> Any:
        return self.resolver.attribute(logical_id, attribute, scenario)

    def ref(self, logical_id: str, scenario: Scenario = DEFAULT) -> Any:
        return self.resolver.ref(logical_id, scenario)

    def arn(self, logical_id: str, scenario: Scenario = DEFAULT) -> Any:
        """The ARN as policies and request contexts name it (a log group's GetAtt Arn adds ':*', this does not)."""
        resource = self.template.resources.get(logical_id)
        arn = self.resolver.arn_of(resource, scenario) if resource is not None else None
        return as_text(arn if arn is not None else self.attr(logical_id, "Arn", scenario))

    def name(self, resource: Resource, scenario: Scenario = DEFAULT) -> Any:
        return as_text(self.resolver.name_of(resource, scenario))

    def pseudo(self, name: str) -> Any:
        return as_text(self.resolver.ref(name))

    # ---------------------------------------------------------------- structure
    def referenced(self, source: Resource, *path: Any, types: Sequence[str] = ()) -> list[Resource]:
        """Resources that ``source.Properties.<path...>`` refers to (Ref, GetAtt, Sub), in template order."""
        return [self.template.resources[t] for t in self._links(source, path, types)]

    def _links(self, source: Resource, path: tuple[Any, ...], types: Sequence[str]) -> dict[str, list[Edge]]:
        prefix = ("Properties", *path)
        found: dict[str, list[Edge]] = {}
        for edge in self.graph.out.get(source.logical_id, ()):
            if edge.kind == "DependsOn" or tuple(edge.path[: len(prefix)]) != prefix:
                continue
            target = self.template.resources.get(edge.target)
            if target is not None and (not types or target.type in types):
                found.setdefault(target.logical_id, []).append(edge)
        return found

    def linked_scenarios(self, source: Resource, target: Resource, *path: Any) -> list[Scenario]:
        """Scenarios where both exist and ``source.Properties.<path...>`` still refers to ``target`` (an
        Fn::If branch may drop the reference)."""
        edges = self._links(source, path, ()).get(target.logical_id, [])
        return [s for s in self.scenarios(source, target) if any(e.active(s) for e in edges)]

    def referrers(self, target: Resource, rtype: str, *path: Any) -> list[Resource]:
        """Resources of ``rtype`` whose ``Properties.<path...>`` refers to ``target``."""
        path_key = tuple(path)
        return [r for r in self.template.of_type(rtype) if target.logical_id in self._links(r, path_key, ())]

    def depends(self, source: Resource, target: Resource) -> bool:
        return self.graph.depends(source.logical_id, target.logical_id)

    def scenarios(self, *resources: Resource) -> list[Scenario]:
        """Condition scenarios in which all ``resources`` exist (at most MAX_SCENARIOS)."""
        return self.ctx.created(*resources)[:MAX_SCENARIOS]

    # ---------------------------------------------------------------- policies
    def key_policy(self, key: Resource, scenario: Scenario = DEFAULT) -> PolicySource:
        return self._cached("key", key, scenario, self._key_policy)

    def bucket_policy(self, bucket: Resource, scenario: Scenario = DEFAULT) -> PolicySource:
        return self._cached("bucket", bucket, scenario, self._bucket_policy)

    def topic_policy(self, topic: Resource, scenario: Scenario = DEFAULT) -> PolicySource:
        return self._cached("topic", topic, scenario, self._topic_policy)

    def queue_policy(self, queue: Resource, scenario: Scenario = DEFAULT) -> PolicySource:
        return self._cached("queue", queue, scenario, self._queue_policy)

    def function_policy(self, function: Resource, scenario: Scenario = DEFAULT) -> PolicySource:
        return self._cached("function", function, scenario, self._function_policy)

    def trust_policy(self, role: Resource, scenario: Scenario = DEFAULT) -> PolicySource:
        return self._cached("trust", role, scenario, self._trust_policy)

    def policy_for(self, kind: str, target: Resource, scenario: Scenario = DEFAULT) -> PolicySource:
        table = {
            "key": self.key_policy,
            "bucket": self.bucket_policy,
            "topic": self.topic_policy,
            "queue": self.queue_policy,
            "function": self.function_policy,
            "trust": self.trust_policy,
        }
        return table[kind](target, scenario)

    def _cached(self, kind: str, target: Resource, scenario: Scenario, build: Any) -> PolicySource:
        key = (kind, target.logical_id, scenario)
        found = self._policies.get(key)
        if found is None:
            found = build(target, scenario)
            self._policies[key] = found
        return found

    def _key_policy(self, key: Resource, scenario: Scenario) -> PolicySource:
        label = f"the key policy of {key.logical_id}"
        if "KeyPolicy" not in key.properties:
            # Without KeyPolicy, KMS applies the default key policy: the account root with kms:* (kms-default).
            account = self.pseudo("AWS::AccountId")
            document = {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "kms:*",
                        "Resource": "*",
                        "Principal": {
                            "AWS": Symbolic.of(
                                ["arn:", self.pseudo("AWS::Partition"), ":iam::", *_parts(account), ":root"]
                            )
                        },
                    }
                ]
            }
            return PolicySource(
                parse_policy(document, kind="kms-key", name=key.logical_id),
                label + " (default)",
                (key.logical_id,),
            )
        document = self.document(key.properties["KeyPolicy"], scenario)
        return PolicySource(
            parse_policy(document, kind="kms-key", name=key.logical_id, span=key.prop_span("KeyPolicy")),
            label,
            (key.logical_id,),
            unknown_reasons(document),
        )

    def _attached(
        self, target: Resource, rtype: str, prop: str, doc_prop: str, kind: str, scenario: Scenario, what: str
    ) -> PolicySource:
        holders = [r for r in self.referrers(target, rtype, prop) if self.resolver.active(r, scenario)]
        if not holders:
            return PolicySource(None, f"no {what} (none in the template names {target.logical_id})")
        if len(holders) == 1:
            holder = holders[0]
            document = self.document(holder.properties.get(doc_prop), scenario)
            policy = parse_policy(
                document, kind=kind, name=holder.logical_id, span=holder.prop_span(doc_prop)
            )
            return PolicySource(
                policy, f"the {what} {holder.logical_id}", (holder.logical_id,), unknown_reasons(document)
            )
        statements: list[Statement] = []
        unknowns: frozenset[str] = frozenset()
        for holder in holders:
            document = self.document(holder.properties.get(doc_prop), scenario)
            statements.extend(parse_policy(document, kind=kind, name=holder.logical_id).statements)
            unknowns |= unknown_reasons(document)
        names = ", ".join(h.logical_id for h in holders)
        policy = policy_of(statements, kind=kind, name=names, span=holders[0].prop_span(doc_prop))
        return PolicySource(policy, f"the {what}s {names}", tuple(h.logical_id for h in holders), unknowns)

    def _attached_of(self, target: Resource, kind: str, scenario: Scenario) -> PolicySource:
        """The policy of ``kind`` attached to ``target`` by a policy resource (policy_locations.json)."""
        loc = location_of_kind(kind)
        return self._attached(
            target, loc.resource_type, loc.attached_via or "", loc.property, kind, scenario, loc.what
        )

    def _bucket_policy(self, bucket: Resource, scenario: Scenario) -> PolicySource:
        return self._attached_of(bucket, "s3-bucket", scenario)

    def _topic_policy(self, topic: Resource, scenario: Scenario) -> PolicySource:
        return self._attached_of(topic, "sns-topic", scenario)

    def _queue_policy(self, queue: Resource, scenario: Scenario) -> PolicySource:
        return self._attached_of(queue, "sqs-queue", scenario)

    def _function_policy(self, function: Resource, scenario: Scenario) -> PolicySource:
        permissions = [p for p in self.permissions_of(function) if self.resolver.active(p, scenario)]
        if not permissions:
            return PolicySource(None, f"no Lambda permission for {function.logical_id}")
        documents = [self.document(p.properties, scenario) for p in permissions]
        statements = [statement_from_lambda_permission(d, index=n) for n, d in enumerate(documents)]
        names = tuple(p.logical_id for p in permissions)
        policy = policy_of(statements, kind="lambda-permission", name=", ".join(names))
        unknowns = frozenset().union(*(unknown_reasons(d) for d in documents))
        return PolicySource(policy, f"the function policy of {function.logical_id}", names, unknowns)

    def _trust_policy(self, role: Resource, scenario: Scenario) -> PolicySource:
        document = self.document(role.properties.get("AssumeRolePolicyDocument"), scenario)
        policy = parse_policy(
            document, kind="trust", name=role.logical_id, span=role.prop_span("AssumeRolePolicyDocument")
        )
        return PolicySource(
            policy, f"the trust policy of {role.logical_id}", (role.logical_id,), unknown_reasons(document)
        )

    def identity_policies(self, principal: Resource, scenario: Scenario = DEFAULT) -> IdentityPolicies:
        """The IAM policies of a role (or user or group) of the template: inline ``Policies``, the
        ``AWS::IAM::Policy`` / ``AWS::IAM::ManagedPolicy`` resources attached to it, and managed policies of the
        template in ``ManagedPolicyArns``. Other managed policies (AWS managed, or from outside the template)
        make the set incomplete: their statements are not known offline."""
        policies: list[Policy] = []
        inline = self.resolve(principal.properties.get("Policies"), scenario)
        if isinstance(inline, list):
            for item in inline:
                if isinstance(item, dict):
                    raw_name = item.get("PolicyName")
                    name = raw_name if isinstance(raw_name, str) else principal.logical_id
                    policies.append(
                        parse_policy(plain(item.get("PolicyDocument")), kind="identity", name=name)
                    )
        prop = {"AWS::IAM::Role": "Roles", "AWS::IAM::User": "Users", "AWS::IAM::Group": "Groups"}.get(
            principal.type
        )
        attached: list[Resource] = []
        if prop:
            for rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                attached += [
                    r for r in self.referrers(principal, rtype, prop) if self.resolver.active(r, scenario)
                ]
        managed = self.resolve(principal.properties.get("ManagedPolicyArns"), scenario)
        listed = self.referenced(principal, "ManagedPolicyArns", types=("AWS::IAM::ManagedPolicy",))
        names = {r.logical_id for r in attached}
        attached += [r for r in listed if r.logical_id not in names]
        for holder in attached:
            document = self.document(holder.properties.get("PolicyDocument"), scenario)
            policies.append(parse_policy(document, kind="identity", name=holder.logical_id))
        others: list[str] = []
        if isinstance(managed, list):
            others = [render(v) for v in managed if not _names_any(v, listed, self, scenario)]
        elif managed is not None:
            others = [render(managed)]
        # AWS managed policies whose statements the knowledge base records are evaluated like the role's own.
        documents = managed_policy_documents()
        for arn in [a for a in others if _generic_partition(a) in documents]:
            name = arn.rsplit("/", 1)[-1]
            policies.append(parse_policy(documents[_generic_partition(arn)], kind="identity", name=name))
        others = [arn for arn in others if _generic_partition(arn) not in documents]
        scopes = managed_policy_scopes()
        scoped = {arn: scopes[_generic_partition(arn)] for arn in others if _generic_partition(arn) in scopes}
        unknown = tuple(arn for arn in others if arn not in scoped)
        return IdentityPolicies(tuple(policies), not unknown, unknown, tuple(scoped.items()))

    def permissions_of(self, function: Resource) -> list[Resource]:
        """The AWS::Lambda::Permission resources whose FunctionName refers to ``function``."""
        return self.referrers(function, "AWS::Lambda::Permission", "FunctionName")


def unknown_reasons(value: Any) -> frozenset[str]:
    """The reasons of the Unknown values inside a resolved document."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Unknown):
            found.add(item.reason)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return frozenset(found)


def plain(value: Any) -> Any:
    """A resolved policy document with bare Symbol leaves turned into one-part Symbolic strings (the policy
    model reads strings, Symbolic or Unknown); containers are rebuilt only when they hold a Symbol."""
    if isinstance(value, Symbol):
        return Symbolic((value,))
    if isinstance(value, dict):
        items = {k: plain(v) for k, v in value.items()}
        if all(items[k] is value[k] for k in value):
            return value
        out = MapNode(value.span) if isinstance(value, MapNode) else {}
        out.update(items)
        if isinstance(value, MapNode) and isinstance(out, MapNode):
            out.key_spans.update(value.key_spans)
            out.value_spans.update(value.value_spans)
        return out
    if isinstance(value, list):
        converted = [plain(v) for v in value]
        if all(a is b for a, b in zip(converted, value)):
            return value
        seq = SeqNode(value.span) if isinstance(value, SeqNode) else []
        seq.extend(converted)
        if isinstance(value, SeqNode) and isinstance(seq, SeqNode):
            seq.item_spans.extend(value.item_spans)
        return seq
    return value


class IdentityPolicies(NamedTuple):
    policies: tuple[Policy, ...]
    complete: bool  # False when some attached policy's statements are not known offline
    unknown: tuple[str, ...] = ()  # those policies, as written
    scoped: tuple[
        tuple[str, frozenset[str]], ...
    ] = ()  # AWS managed policies known to reach only these services

    def complete_for(self, action: str) -> bool:
        """Whether these policies are all the role has for ``action`` (the scoped managed policies do not reach
        its service)."""
        service = action.split(":", 1)[0].lower()
        return self.complete and all(service not in services for _, services in self.scoped)


def _generic_partition(arn: str) -> str:
    for prefix in ("arn:aws:", "arn:${AWS::Partition}:", "arn:aws-cn:", "arn:aws-us-gov:"):
        if arn.startswith(prefix):
            return "arn:${Partition}:" + arn[len(prefix) :]
    return arn


def _names_any(value: Any, resources: Sequence[Resource], ws: Workspace, scenario: Scenario) -> bool:
    """Whether a ManagedPolicyArns entry is the ARN (the Ref) of one of ``resources``."""
    return any(value == ws.ref(r.logical_id, scenario) for r in resources)


# --- binding placeholders -------------------------------------------------------------------------------------------
def as_text(value: Any) -> Any:
    """A resolved value as str / Symbolic / Unknown (a bare Symbol becomes a one-part Symbolic)."""
    if isinstance(value, Symbol):
        return Symbolic((value,))
    if isinstance(value, (str, Symbolic, Unknown)):
        return value
    return Unknown(f"a value that is not a string ({render(value)})")


def _parts(value: Any) -> list[Any]:
    if isinstance(value, Symbolic):
        return list(value.parts)
    if isinstance(value, Symbol):
        return [value]
    return [value]


def bind(text: Any, bindings: Mapping[str, Any]) -> Any:
    """Substitute ``${Name}`` placeholders; a context value ``"?<what>"`` is an Unknown (what the service
    chooses); booleans and numbers stay as they are."""
    if not isinstance(text, str):
        return text
    if text.startswith(UNKNOWN_PREFIX):
        return Unknown(text[len(UNKNOWN_PREFIX) :])
    parts: list[Any] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        value = bindings.get(match.group(1))
        if value is None:
            value = Unknown(f"${{{match.group(1)}}}")
        if isinstance(value, Unknown):
            return value
        parts.extend(_parts(as_text(value)))
        position = match.end()
    parts.append(text[position:])
    return Symbolic.of(parts)


def bind_deep(value: Any, bindings: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {
            bind(k, bindings) if isinstance(k, str) else k: bind_deep(v, bindings) for k, v in value.items()
        }
    if isinstance(value, list):
        return [bind_deep(v, bindings) for v in value]
    return bind(value, bindings)


def render_statement(statement: Any, bindings: Mapping[str, Any]) -> str:
    """The documented minimal statement(s) with the template's values, as compact JSON."""
    bound = bind_deep(statement, bindings)
    return json.dumps(bound, default=render, separators=(", ", ": "))


def base_bindings(ws: Workspace) -> dict[str, Any]:
    return {
        "Partition": ws.pseudo("AWS::Partition"),
        "Region": ws.pseudo("AWS::Region"),
        "Account": ws.pseudo("AWS::AccountId"),
        "ObjectKey": Symbolic((OBJECT_KEY,)),
        "Prefix": "",
    }


def integration_bindings(
    ws: Workspace,
    integration: Integration,
    source: Resource,
    target: Resource,
    scenario: Scenario,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Pair bindings, then the caller's, then the integration's derived ones (which may use both)."""
    values = pair_bindings(ws, source, target, scenario)
    values.update(extra or {})
    for name, text in integration.bindings.items():
        values[name] = bind(text, values)
    return values


def pair_bindings(ws: Workspace, source: Resource, target: Resource, scenario: Scenario) -> dict[str, Any]:
    out = base_bindings(ws)
    out.update(
        {
            "Source.Arn": ws.arn(source.logical_id, scenario),
            "Source.Name": ws.name(source, scenario),
            "Target.Arn": ws.arn(target.logical_id, scenario),
            "Target.Name": ws.name(target, scenario),
        }
    )
    return out


# --- replay ----------------------------------------------------------------------------------------------------------
class Replayed(NamedTuple):
    spec: RequestSpec
    request: Request
    decision: Decision
    scenario: Scenario
    policy: PolicySource
    guard: str = ""  # the resource whose policy decided (empty: not a resource policy the fix can edit)
    actor: Actor | None = None

    @property
    def failed(self) -> bool:
        if self.spec.deny_only:
            return self.decision.outcome == "ExplicitDeny"
        return self.decision.outcome in ("ExplicitDeny", "ImplicitDeny")

    @property
    def undecided(self) -> bool:
        return self.decision.outcome == "Depends" and not self.opaque

    @property
    def opaque(self) -> bool:
        """Undecided only because the template's own policy holds values the resolver cannot know: nothing to
        report (DESIGN.md: an unknown value yields nothing)."""
        deps = set(self.decision.depends_on)
        return self.decision.outcome == "Depends" and bool(deps) and deps <= self.policy.unknowns


class Verdict(NamedTuple):
    """The outcome of replaying one integration for one (source, target) pair."""

    severity: str | None  # "error" | "warning" | None (nothing to report)
    culprit: Replayed | None
    others: tuple[Replayed, ...] = ()
    only_when: tuple[Scenario, ...] = ()  # the failing scenarios, when not all of them fail

    @property
    def failed(self) -> bool:
        return self.severity is not None


class Actor(NamedTuple):
    """Who makes the requests: the principal, and its identity policies when it is an IAM principal
    (``identity`` None: unknown policies, so an IAM principal's own permissions cannot be decided)."""

    principal: Principal
    identity: Sequence[Policy] | None = ()
    service: str | None = None
    same_account: bool = True
    label: str | None = None  # how messages name it, when its ARN alone says little


def actor_for(integration: Integration, bindings: Mapping[str, Any]) -> Actor:
    spec = integration.principal
    if spec.service:
        return Actor(Principal("service", bind(spec.service, bindings)))
    identity: Sequence[Policy] | None = () if spec.identity == "none" else None
    return Actor(Principal("aws", bind(spec.aws, bindings)), identity)


def make_request(spec: RequestSpec, actor: Actor, bindings: Mapping[str, Any]) -> Request:
    context = {key: bind(value, bindings) for key, value in spec.context.items()}
    return Request(actor.principal, spec.action, bind(spec.resource, bindings), context)


def decide(request: Request, policy: PolicySource, actor: Actor, layers: Sequence[Layer] = ()) -> Decision:
    identity = actor.identity
    if identity is None:
        identity = (
            parse_policy(Unknown(f"the IAM policies of {render(actor.principal.value)}"), kind="identity"),
        )
    return evaluate(request, policy.policy, identity, service=actor.service, same_account=actor.same_account,
                    extra_layers=layers)


def foreign_actor(arn: Any, label: str) -> Actor:
    """An AWS-owned account or role writing into the template's resource: its own side allows the call, so only
    the resource policy decides (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html)."""
    allow_all = parse_policy(
        {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, kind="identity", name=label
    )
    return Actor(Principal("aws", arn), (allow_all,), same_account=False, label=label)


def replay(
    ws: Workspace,
    integration: Integration,
    source: Resource,
    target: Resource,
    *,
    policy_target: Resource | None = None,
    bindings: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
    specs: Sequence[RequestSpec] | None = None,
    scenarios: Sequence[Scenario] | None = None,
) -> Verdict:
    """Replay ``integration`` from ``source`` to ``target`` in every scenario where both exist.

    policy_target: the resource whose policy guards the requests (default ``target``); bindings: extra
    placeholder values (``Prefix``...); actor: overrides the integration's principal; specs: a subset of requests;
    scenarios: where the link holds (default: where the source's trigger property refers to the target).
    """
    guard = policy_target or target
    runs: list[Replayed] = []
    if scenarios is None:
        scenarios = ws.linked_scenarios(source, target, integration.source_property)
    linked = [s for s in scenarios if ws.resolver.active(guard, s)]
    for scenario in linked:
        values = integration_bindings(ws, integration, source, target, scenario, bindings)
        who = actor or actor_for(integration, values)
        policy = ws.policy_for(integration.policy, guard, scenario)
        for spec in specs if specs is not None else integration.requests:
            request = make_request(spec, who, values)
            if isinstance(request.resource, Unknown) or isinstance(request.principal.value, Unknown):
                continue  # the template names the resource in a way preflight cannot resolve: nothing to say
            runs.append(Replayed(spec, request, decide(request, policy, who, ws.layers), scenario, policy,
                                 guard.logical_id, who))
    # A failure in every scenario is certain; one that a condition can avoid (the resource has a Condition, the
    # reference sits in an Fn::If branch) depends on the parameters: a warning that names the condition.
    return fold(runs, len(ws.scenarios()))


def fold(runs: Sequence[Replayed], scenario_count: int) -> Verdict:
    """Create-time denial in every scenario: error; in some, or depending on a value, or at runtime: warning."""
    for timing in ("create", "runtime"):
        mine = [r for r in runs if r.spec.timing == timing]
        failed = [r for r in mine if r.failed]
        if failed:
            failing_scenarios = tuple(dict.fromkeys(r.scenario for r in failed))
            everywhere = len(failing_scenarios) >= scenario_count
            severity = "error" if timing == "create" and everywhere else "warning"
            only = () if everywhere else failing_scenarios
            return Verdict(severity, failed[0], tuple(failed[1:]), only)
        undecided = [r for r in mine if r.undecided]
        if undecided and timing == "create":
            return Verdict("warning", undecided[0], tuple(undecided[1:]))
    return Verdict(None, None)


# --- explaining ------------------------------------------------------------------------------------------------------
def principal_text(request: Request) -> str:
    return render(request.principal.value)


def why(run: Replayed) -> str:
    """Why the request is denied (or undecided), naming the deciding statements."""
    decision = run.decision
    if decision.outcome == "ExplicitDeny":
        denies = [d for d in decision.deciding if d.effect == "Deny"] or list(decision.deciding)
        return "; ".join(f"{statement_text(d)} denies it" for d in denies[:2])
    if decision.outcome == "Depends":
        what = ", ".join(decision.depends_on) or "a value known only at deploy time"
        return f"whether {run.policy.label} allows it depends on {what}"
    if run.policy.policy is None:
        return f"there is {run.policy.label}"
    named = _named_allows(run)
    who = principal_text(run.request)
    if not named:
        return f"no statement of {run.policy.label} names {who}"
    parts = [
        f"{label} (line {span.line}) covers {who} but fails on {', '.join(failing)}"
        for label, span, failing in named[:2]
    ]
    return f"no statement of {run.policy.label} allows it: " + "; ".join(parts)


def _named_allows(run: Replayed) -> list[tuple[str, Any, list[str]]]:
    """Allow statements that name the principal directly, with the elements that fail for this request."""
    policy = run.policy.policy
    if policy is None:
        return []
    prep = prepare(run.request)
    out = []
    for stmt in policy.statements:
        if stmt.effect != "Allow" or match_principal(stmt.principal, prep.view)[0] is not YES:
            continue
        failing = [
            label if not label.startswith("Condition") else label.replace("Condition ", "condition ")
            for label, result in element_results(stmt, policy, prep)
            if result is NO
        ]
        if failing:
            out.append((stmt.label, stmt.span, [_element(f, run) for f in failing]))
    return sorted(out, key=lambda item: len(item[2]))  # the closest statements first


def named_but_conditioned(run: Replayed) -> bool:
    """Whether an Allow statement names the principal, the action and the resource, failing only on conditions
    (whose context the service supplies in ways not documented: not a certain denial)."""
    policy = run.policy.policy
    if policy is None:
        return False
    prep = prepare(run.request)
    for stmt in policy.statements:
        if stmt.effect != "Allow" or match_principal(stmt.principal, prep.view)[0] is NO:
            continue
        results = element_results(stmt, policy, prep)
        if all(result is not NO for label, result in results if not label.startswith("Condition")):
            return True
    return False


def _element(label: str, run: Replayed) -> str:
    if label in ("Action", "NotAction"):
        return f"{label} ({run.request.action} not listed)"
    return label


def statement_text(item: DecidingStatement) -> str:
    return f"{item.label} (line {item.span.line})"


def request_text(run: Replayed) -> str:
    request = run.request
    return f"{principal_text(request)} -> {request.action} on {render(request.resource)}"


def failure_message(verdict: Verdict, lead: str) -> str:
    """``lead``: the error or symptom text; then the failing request and why."""
    run = verdict.culprit
    assert run is not None
    message = f"{lead}: {request_text(run)} is not allowed: {why(run)}"
    if run.undecided:
        deps = ", ".join(run.decision.depends_on) or "a value known only at deploy time"
        message = f"{lead} unless {run.policy.label} allows {request_text(run)}, which depends on {deps}"
    return message


def other_notes(verdict: Verdict) -> Iterator[str]:
    seen = {verdict.culprit.spec.action} if verdict.culprit else set()
    for run in verdict.others:
        if run.spec.action in seen:
            continue
        seen.add(run.spec.action)
        yield f"also not allowed: {request_text(run)} ({why(run)})"


def report(
    ctx: Context,
    code: str,
    integration: Integration,
    verdict: Verdict,
    *,
    source: Resource,
    target: Resource,
    span: Any,
    related: Iterable[str] = (),
    bindings: Mapping[str, Any] | None = None,
    policy_owner: str | None = None,
) -> Any:
    """The finding for a failed verdict: the error CloudFormation prints (or the runtime symptom), the request
    that fails and the statement that decides; the fix appends the documented minimal statement to the policy
    (fix/policy.py), display-only when that cannot be done safely as a text edit."""

    run = verdict.culprit
    assert run is not None
    ws = workspace(ctx)
    values = integration_bindings(ws, integration, source, target, run.scenario, bindings)
    lead = integration.error
    if run.spec.timing == "runtime":
        lead = run.spec.note or (f"after deployment, {integration.symptom}" if integration.symptom else None)
        lead = lead or f"{integration.title}: a request it makes after deployment is denied"
    message = failure_message(verdict, render(bind(lead or integration.title, values)))
    owner = policy_owner or (run.policy.owners[0] if run.policy.owners else target.logical_id)
    where = run.policy.label if run.policy.policy is not None else f"a policy on {target.logical_id}"
    fix = None
    if integration.statement:
        from preflight.fix.policy import policy_fix

        title = f"add to {where}: {render_statement(integration.statement, values)}"
        fix = policy_fix(ctx, title, integration, verdict, source, target, bindings, values)
    notes = list(other_notes(verdict))
    notes.append(f"documented in {integration.doc}")
    explained = explanation(run, integration.policy) if integration.policy != "none" else None
    names = [target.logical_id, owner, *related]
    return ctx.finding(
        code,
        span,
        message,
        resource=source.logical_id,
        related=names,
        fix=fix,
        severity=verdict.severity,
        notes=notes,
        when=verdict.only_when or None,
        explanation=explained,
        phase="runtime" if run.spec.timing == "runtime" else "deploy",  # deploys, then the service's request is denied
    )


def explanation(run: Replayed, kind: str) -> Explanation | None:
    """The failing request as plain data, so that the fix's change report can decide it again after the edit."""
    if not run.guard or run.actor is None:
        return None
    request, actor = run.request, run.actor
    identity = "none" if actor.identity == () else "unknown" if actor.identity is None else "allow-all"
    return Explanation(
        request_text(run), why(run), kind, run.guard, run.scenario.conditions,
        (request.principal.kind, request.principal.value, request.principal.account), request.action,
        request.resource, tuple(request.context.items()), identity, actor.service, actor.same_account,
    )


def decide_again(ws: Workspace, explained: Explanation) -> tuple[str, str]:
    """(outcome, why) of an explained request on another version of the template (the fixed one): the policy of
    the same resource in the same scenario, evaluated as the check evaluated it."""
    guard = ws.ctx.template.resources.get(explained.guard)
    if guard is None:
        return "Unknown", f"{explained.guard} is no longer in the template"
    scenario = next((s for s in ws.scenarios() if s.conditions == explained.conditions), DEFAULT)
    source = ws.policy_for(explained.policy, guard, scenario)
    identity: Sequence[Policy] | None = ()
    if explained.identity == "unknown":
        identity = None
    elif explained.identity == "allow-all":
        identity = foreign_actor("", "").identity
    actor = Actor(Principal(*explained.principal), identity, explained.service, explained.same_account)
    request = Request(actor.principal, explained.action, explained.resource, dict(explained.context))
    decision = decide(request, source, actor, ws.layers)
    if decision.outcome == "Allow":
        allows = [d for d in decision.deciding if d.effect == "Allow"] or list(decision.deciding)
        return "Allow", "allowed by " + "; ".join(statement_text(d) for d in allows[:2])
    run = Replayed(RequestSpec(explained.action, "create", "", {}), request, decision, scenario, source, explained.guard, actor)
    return decision.outcome, why(run)


# --- template facts the permission checks share ----------------------------------------------------------------------
class BucketEncryption(NamedTuple):
    """A bucket's default encryption: ``algorithm`` ("AES256", "aws:kms", "aws:kms:dsse", or None when the
    template does not set one, or an Unknown), the key resource of the template (if any) and its value."""

    algorithm: Any
    key: Resource | None
    key_value: Any


def bucket_encryption(ws: Workspace, bucket: Resource, scenario: Scenario = DEFAULT) -> BucketEncryption:
    config = ws.resolve(bucket.properties.get("BucketEncryption"), scenario)
    rules = config.get("ServerSideEncryptionConfiguration") if isinstance(config, dict) else None
    if not isinstance(rules, list) or not rules or not isinstance(rules[0], dict):
        return BucketEncryption(None, None, None)
    default = rules[0].get("ServerSideEncryptionByDefault")
    if not isinstance(default, dict):
        return BucketEncryption(None, None, None)
    keys = ws.referenced(bucket, "BucketEncryption", types=("AWS::KMS::Key",))
    return BucketEncryption(
        default.get("SSEAlgorithm"), keys[0] if keys else None, default.get("KMSMasterKeyID")
    )


def is_kms_algorithm(algorithm: Any) -> bool:
    return isinstance(algorithm, str) and algorithm.startswith("aws:kms")


def key_prefix(value: Any) -> Any:
    """A log key prefix as AWS prepends it: "" when none, else the prefix with one trailing "/"."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip("/") + "/"
    text = as_text(value)
    if isinstance(text, Unknown):
        return text
    return Symbolic.of([*text.parts, "/"])


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
