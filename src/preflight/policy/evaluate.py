"""Will this request be allowed? AWS's policy evaluation logic, three-valued, with the deciding statements.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

1. An explicit Deny in any applicable policy wins
   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html).
2. Otherwise the request needs an Allow along one of the *paths* of ``PATHS`` (a path is a conjunction of
   groups; a group is satisfied by one applicable Allow statement):
   - a service (or federated, or canonical-user) principal: an Allow in the resource policy;
   - an IAM principal in the same account: an Allow in its identity policies or one naming it directly in the
     resource policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html),
     except where the resource policy is required (KMS key policies, role trust policies): there the resource
     policy must allow it directly, or allow its account and so delegate to its IAM policies
     (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html);
   - an IAM principal from another account: both, the resource policy naming it or its account
     (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
3. Extra layers (SCPs, RCPs, VPC endpoint policies, permissions boundaries, session policies) must allow too,
   each on the paths its ``facts.LAYER_RULES`` entry says it gates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple

from preflight.policy import facts
from preflight.policy.model import Policy
from preflight.policy.principals import Principal
from preflight.policy.statements import (
    Outcome,
    Prepared,
    Request,
    element_results,
    evaluate_statement,
    prepare,
    statements_of,
)
from preflight.policy.tri import NO, YES, Tri, all_of, any_of
from preflight.resolve.values import render
from preflight.source.span import Span

__all__ = ["OUTCOMES", "DecidingStatement", "Decision", "Layer", "Principal", "Request", "evaluate", "scp_layer"]

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, DEPENDS = "Allow", "ExplicitDeny", "ImplicitDeny", "Depends"
OUTCOMES = (ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, DEPENDS)
MAX_NEAR_MISSES = 5
MAX_NEAR_MISS_SCAN = 200  # statements re-examined for near misses (an explanation, not the decision)

# (principal class, resource policy required, same account) -> alternative paths, each a conjunction of groups.
PATHS: Mapping[tuple[str, bool, bool], tuple[tuple[str, ...], ...]] = {
    ("aws", False, True): (("rp.direct",), ("id",)),
    ("aws", True, True): (("rp.direct",), ("rp.delegated", "id")),
    ("aws", False, False): (("rp.any", "id"),),
    ("aws", True, False): (("rp.any", "id"),),
    ("other", False, True): (("rp.direct",),),
    ("other", True, True): (("rp.direct",),),
    ("other", False, False): (("rp.direct",),),
    ("other", True, False): (("rp.direct",),),
}

# Why a group fails, for the explanation. {rp}: the resource policy; {who}: the principal; {action}: the action.
GROUP_FAILURE: Mapping[str, str] = {
    "rp.direct": "the {rp} has no statement that allows {who} to perform {action}",
    "rp.delegated": "the {rp} does not delegate {action} to IAM policies: no statement allows the account "
    "principal (arn:aws:iam::<account>:root)",
    "rp.any": "the {rp} allows neither {who} nor its account to perform {action}",
    "id": "no identity policy of {who} allows {action} on this resource",
    "layer": "the {layer} does not allow {action}",
}

# How a group that may hold reads. {deps}: what it depends on.
GROUP_DEPENDS: Mapping[str, str] = {
    "rp.direct": "the {rp} allows {who} to perform {action} only if {deps}",
    "rp.delegated": "the {rp} delegates {action} to IAM policies only if {deps}",
    "rp.any": "the {rp} allows {who} or its account to perform {action} only if {deps}",
    "id": "an identity policy of {who} allows {action} only if {deps}",
    "layer": "the {layer} allows {action} only if {deps}",
}
NO_RESOURCE_POLICY = "no resource policy was given, and {who} can only be allowed by one"
DENY_DEPENDS = "an explicit Deny applies if {deps}"

ROLE_OF_GROUP: Mapping[str, str] = {
    "rp.direct": "allows",
    "rp.delegated": "delegates to IAM (account principal)",
    "rp.any": "allows",
    "id": "allows (identity policy)",
    "layer": "allows (layer)",
}


class Layer(NamedTuple):
    """An extra policy layer: kind is a key of ``facts.LAYER_RULES`` (scp, rcp, vpce, boundary, session)."""

    kind: str
    policies: tuple[Policy, ...]
    name: str = ""

    @property
    def label(self) -> str:
        kind = facts.POLICY_KINDS.get(self.kind)
        base = kind.label if kind else self.kind
        return f"{base} {self.name}" if self.name else base


class DecidingStatement:
    """A statement that decides (or could decide) the outcome, located in the template (immutable).

    details: each element's own answer ("Principal: yes", "Condition StringEquals aws:SourceAccount: no"),
    computed when first read. ``source`` (what details are computed from) is not part of its identity.
    """

    __slots__ = (
        "_details",
        "condition_keys",
        "effect",
        "index",
        "match",
        "policy",
        "policy_kind",
        "role",
        "sid",
        "source",
        "span",
    )

    def __init__(
        self,
        policy: str,
        policy_kind: str,
        index: int,
        sid: str | None,
        effect: str,
        span: Span,
        role: str,
        match: Tri,
        condition_keys: tuple[str, ...],
        source: tuple[Outcome, Prepared] | None = None,
    ) -> None:
        self.policy: Final = policy
        self.policy_kind: Final = policy_kind
        self.index: Final = index
        self.sid: Final = sid
        self.effect: Final = effect
        self.span: Final = span
        self.role: Final = role
        self.match: Final = match
        self.condition_keys: Final = condition_keys
        self.source: Final = source
        self._details: tuple[str, ...] | None = None

    @property
    def details(self) -> tuple[str, ...]:
        if self._details is None:
            if self.source is None:
                self._details = ()
            else:
                outcome, prep = self.source
                self._details = tuple(
                    f"{label}: {tri}" for label, tri in element_results(outcome.statement, outcome.policy, prep)
                )
        return self._details

    @property
    def label(self) -> str:
        return f"statement {self.index + 1}" + (f' "{self.sid}"' if self.sid else "")

    def _identity(self) -> tuple[Any, ...]:
        return (self.policy, self.policy_kind, self.index, self.sid, self.effect, self.span, self.role, self.match,
                self.condition_keys)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is DecidingStatement and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"DecidingStatement({self.policy!r}, {self.label}, effect={self.effect!r}, match={self.match})"


class Decision(NamedTuple):
    """outcome: Allow | ExplicitDeny | ImplicitDeny | Depends.

    depends_on: what a Depends outcome hinges on ("AWS::Region = us-west-2", "parameter Env", an unknown's
    reason); deciding: the statements that decide, in AWS's order (denies first); reasons: why, in words;
    near_misses: for an ImplicitDeny, Allow statements that name the action but fail on another element.
    """

    outcome: str
    depends_on: tuple[str, ...]
    deciding: tuple[DecidingStatement, ...]
    request: Request
    reasons: tuple[str, ...] = ()
    near_misses: tuple[DecidingStatement, ...] = ()
    doc_url: str = facts.DOC_EVALUATION_LOGIC

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOW


# --- evaluation ------------------------------------------------------------------------------------------------
class _Group(NamedTuple):
    name: str  # "rp.direct" | "rp.delegated" | "rp.any" | "id" | "layer:<n>"
    members: tuple[tuple[Outcome, Tri], ...]
    label: str = ""  # the layer's label for layer groups

    @property
    def result(self) -> Tri:
        return any_of(t for _, t in self.members)

    @property
    def base(self) -> str:
        return "layer" if self.name.startswith("layer:") else self.name


def evaluate(
    request: Request,
    resource_policy: Policy | None = None,
    identity_policies: Sequence[Policy] = (),
    *,
    service: str | None = None,
    same_account: bool = True,
    extra_layers: Sequence[Layer] = (),
) -> Decision:
    """Decide ``request`` against the policies, per AWS's evaluation logic (module docstring)."""
    prep = prepare(request, same_account=same_account, service=service)
    is_aws = prep.view.kind == "aws"
    rp = _outcomes([resource_policy] if resource_policy is not None else [], prep)
    ids = _outcomes(identity_policies, prep) if is_aws else []
    layers = [
        (n, layer, _outcomes(layer.policies, prep))
        for n, layer in enumerate(extra_layers)
        if _applies(layer, prep)
    ]
    denies = [
        o
        for o in rp + ids + [o for _, _, outs in layers for o in outs]
        if o.statement.effect in ("Deny", "Unknown")
    ]
    groups = _groups(rp, ids, layers)
    paths = _paths(prep, same_account, layers)
    deny = any_of(o.applies for o in denies)
    path_results = [(path, all_of(groups[g].result for g in path)) for path in paths]
    allow = any_of(r for _, r in path_results)
    context = _Context(prep, resource_policy, groups)
    return _decide(context, deny, denies, allow, path_results)


def _applies(layer: Layer, prep: Prepared) -> bool:
    rule = facts.LAYER_RULES.get(layer.kind)
    if rule is None or prep.view.kind not in rule.applies_to:
        return False
    who = render(prep.view.principal.value)
    return not any(fragment in who for fragment in rule.exempt)


def scp_layer(policy: Policy) -> Layer:
    """One service control policy as AWS applies it. A file of Deny statements only (the deny-list strategy)
    restricts nothing by itself: it sits on top of FullAWSAccess, which AWS Organizations attaches at every level;
    a file with its own Allow statements (the allow-list strategy) replaces it, and only what it allows passes
    (facts.DOC_SCP_EVALUATION)."""
    from preflight.policy.model import parse_policy

    if any(s.effect in ("Allow", "Unknown") for s in statements_of(policy)):
        return Layer("scp", (policy,), policy.name)
    full = parse_policy(facts.FULL_AWS_ACCESS, kind="scp", name="FullAWSAccess (attached by AWS Organizations)")
    return Layer("scp", (full, policy), policy.name)


def _outcomes(policies: Iterable[Policy], prep: Prepared) -> list[Outcome]:
    return [evaluate_statement(s, p, prep) for p in policies for s in statements_of(p)]


def _allows(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.statement.effect in ("Allow", "Unknown")]


def _groups(
    rp: list[Outcome], ids: list[Outcome], layers: list[tuple[int, Layer, list[Outcome]]]
) -> dict[str, _Group]:
    allow_rp = _allows(rp)
    groups = {
        "rp.direct": _Group("rp.direct", tuple((o, o.direct) for o in allow_rp)),
        "rp.delegated": _Group("rp.delegated", tuple((o, o.delegated) for o in allow_rp)),
        "rp.any": _Group("rp.any", tuple((o, o.applies) for o in allow_rp)),
        "id": _Group("id", tuple((o, o.applies) for o in _allows(ids))),
    }
    for n, layer, outs in layers:
        groups[f"layer:{n}"] = _Group(f"layer:{n}", tuple((o, o.applies) for o in _allows(outs)), layer.label)
    return groups


def _paths(
    prep: Prepared, same_account: bool, layers: list[tuple[int, Layer, list[Outcome]]]
) -> list[tuple[str, ...]]:
    cls = "aws" if prep.view.kind == "aws" else "other"
    required = prep.service in facts.RESOURCE_POLICY_REQUIRED
    out = []
    for path in PATHS[(cls, required, same_account)]:
        gates = tuple(
            f"layer:{n}"
            for n, layer, _ in layers
            if facts.LAYER_RULES[layer.kind].gates == "all" or "id" in path
        )
        out.append(path + gates)
    return out


class _Context(NamedTuple):
    prep: Prepared
    resource_policy: Policy | None
    groups: dict[str, _Group]


def _decide(
    ctx: _Context, deny: Tri, denies: list[Outcome], allow: Tri, paths: list[tuple[tuple[str, ...], Tri]]
) -> Decision:
    request = ctx.prep.request
    if deny is YES:
        deciding = [_deciding(o, "explicitly denies", o.applies, ctx) for o in denies if o.applies is YES]
        return Decision(
            EXPLICIT_DENY, (), tuple(deciding), request, ("an explicit Deny overrides any Allow",)
        )
    if allow is NO:
        deciding = [_deciding(o, "may also deny", o.applies, ctx) for o in denies if o.applies is not NO]
        deciding += _partial_allows(ctx, paths)
        return Decision(
            IMPLICIT_DENY, (), tuple(_unique(deciding)), request, _failures(ctx, paths), _near_misses(ctx)
        )
    if deny is NO and allow is YES:
        path = next(p for p, r in paths if r is YES)
        return Decision(ALLOW, (), tuple(_path_statements(ctx, path, only_yes=True)), request)
    deps = (deny.deps if deny is not NO else frozenset()) | (allow.deps if allow is not YES else frozenset())
    deciding = [_deciding(o, "may deny", o.applies, ctx) for o in denies if o.applies is not NO]
    for path, result in paths:
        if result is not NO:
            deciding.extend(_path_statements(ctx, path, only_yes=False))
    return Decision(
        DEPENDS,
        tuple(sorted({str(d) for d in deps})),
        tuple(_unique(deciding)),
        request,
        _failures(ctx, paths, deny),
    )


def _path_statements(ctx: _Context, path: tuple[str, ...], *, only_yes: bool) -> list[DecidingStatement]:
    out = []
    for name in path:
        group = ctx.groups[name]
        for outcome, result in group.members:
            if result is YES or (not only_yes and result is not NO):
                role = ROLE_OF_GROUP[group.base] if result is YES else "may allow"
                out.append(_deciding(outcome, role, result, ctx))
    return out


def _partial_allows(ctx: _Context, paths: list[tuple[tuple[str, ...], Tri]]) -> list[DecidingStatement]:
    """Allows that hold but do not suffice: their path also needs a group that fails (KMS without delegation)."""
    out = []
    for path, _ in paths:
        if len(path) < 2 or all(ctx.groups[g].result is NO for g in path):
            continue
        for name in path:
            for outcome, result in ctx.groups[name].members:
                if result is not NO:
                    out.append(_deciding(outcome, "allows, but is not enough on its own", result, ctx))
    return out


def _unique(items: list[DecidingStatement]) -> list[DecidingStatement]:
    seen: set[tuple[str, int, str]] = set()
    out = []
    for item in items:
        key = (item.policy, item.index, item.role)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _deciding(outcome: Outcome, role: str, result: Tri, ctx: _Context) -> DecidingStatement:
    stmt = outcome.statement
    return DecidingStatement(
        outcome.policy.label,
        outcome.policy.kind,
        stmt.index,
        stmt.sid,
        stmt.effect,
        stmt.span,
        role,
        result,
        stmt.condition_keys,
        (outcome, ctx.prep),
    )


def _failures(ctx: _Context, paths: list[tuple[tuple[str, ...], Tri]], deny: Tri = NO) -> tuple[str, ...]:
    """Why each path fails or hangs, group by group."""
    prep = ctx.prep
    rp = ctx.resource_policy.label if ctx.resource_policy is not None else "resource policy"
    out: list[str] = []
    if deny.is_depends:
        out.append(DENY_DEPENDS.format(deps=_tri_text(deny)))
    for path, _ in paths:
        for name in path:
            group = ctx.groups[name]
            verdict = group.result
            if verdict is YES:
                continue
            fields = {
                "rp": rp,
                "who": prep.view.principal,
                "action": prep.request.action,
                "layer": group.label,
            }
            if ctx.resource_policy is None and name.startswith("rp."):
                if len(paths) == 1 or prep.service in facts.RESOURCE_POLICY_REQUIRED:
                    out.append(NO_RESOURCE_POLICY.format(**fields))
                continue
            table = GROUP_FAILURE if verdict is NO else GROUP_DEPENDS
            out.append(table[group.base].format(deps=_tri_text(verdict), **fields))
    return tuple(dict.fromkeys(out))


def _tri_text(result: Tri) -> str:
    return ", ".join(sorted(str(d) for d in result.deps)) or "an unknown value"


def _near_misses(ctx: _Context) -> tuple[DecidingStatement, ...]:
    out: list[DecidingStatement] = []
    scanned = 0
    for name in ("rp.any", "id"):
        for outcome, result in ctx.groups[name].members:
            if len(out) >= MAX_NEAR_MISSES or scanned >= MAX_NEAR_MISS_SCAN:
                break
            if result is not NO:
                continue
            scanned += 1
            results = element_results(outcome.statement, outcome.policy, ctx.prep)
            if any(label in ("Action", "NotAction") and r is NO for label, r in results):
                continue
            failing = [label for label, r in results if r is NO]
            out.append(_deciding(outcome, "does not apply: " + ", ".join(failing or ["-"]), NO, ctx))
    return tuple(out)
