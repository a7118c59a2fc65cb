"""Account and Region checks: one-per-account resources, account settings, hard-coded account ids and Regions,
and resources that only exist in one Region.

What an account already holds, and which Region a stack is deployed to, are unknown offline: such findings are
warnings naming the dependency, unless --region / --account-id pin it (then a definite answer is an error).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from preflight import data
from preflight.checks.base import Check, Context, Rule
from preflight.checks.names import show
from preflight.data import names_data
from preflight.data.errors import fill, format_error
from preflight.findings import Finding
from preflight.model.template import Resource, Template
from preflight.resolve.scenarios import Scenario
from preflight.resolve.values import Symbolic
from preflight.source.nodes import MapNode, child_span
from preflight.source.span import Span

RULES = (
    Rule(
        "PF5001",
        "account-singleton",
        "A resource an account holds only one of per Region",
        "name-constraint",
        "warning",
        phase="account",
    ),
    Rule(
        "PF5002",
        "account-setting-overwrite",
        "An account-wide setting that the last stack to set it wins",
        "name-constraint",
        "info",
        phase="account",
    ),
    Rule(
        "PF5003",
        "hardcoded-account-id",
        "An account id written into the template where ${AWS::AccountId} belongs",
        "region-account",
        "warning",
        phase="account",
    ),
    Rule(
        "PF5004",
        "hardcoded-region",
        "A Region written into the template where ${AWS::Region} belongs",
        "region-account",
        "warning",
    ),
    Rule(
        "PF5005",
        "region-bound-resource",
        "A resource or reference that only works in one Region",
        "region-account",
        "warning",
    ),
)

_SCOPE_WORDS = {"account-region": "account in this Region", "account": "account"}
_REGION_REF = MapNode()
_REGION_REF["Ref"] = "AWS::Region"
_SKIPPED_PATHS = frozenset({"ZipFile", "UserData", "InlineCode", "Description", "Tags", "DashboardBody"})
_ACCOUNT_KEYS = frozenset(
    {"aws:sourceaccount", "aws:principalaccount", "aws:resourceaccount", "aws:sourceowner"}
)
_SUB_VAR = re.compile(r"\$\{[^}]*\}")
_ARN = re.compile(r"arn:([^:\s\"']*):([a-z0-9-]+):([^:\s\"']*)(?::([^:\s\"']*))?(?::([^\s\"']*))?")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_AZ = re.compile(r"([a-z]{2}(?:-gov)?-[a-z]+-[0-9])[a-z]")


# --------------------------------------------------------------------------- shared helpers


def stack_region(ctx: Context, scenario: Scenario) -> Any:
    """The Region of the deployment in `scenario`: a str when pinned or fixed by a condition, else a Symbol."""
    return ctx.resolve(_REGION_REF, scenario)


_CDK_LOGICAL_ID = re.compile(r"[A-Za-z0-9]+[0-9A-F]{8}")


def is_cdk_synth(template: Template) -> bool:
    """A template synthesized by the AWS CDK: account and Region literals in it come from the app's `env`, which
    binds the stack to that environment by design (https://docs.aws.amazon.com/cdk/v2/guide/environments.html).

    Recognised by its metadata, its bootstrap parameter, or its logical ids, which end in the 8-hex-digit hash of
    the construct path (https://docs.aws.amazon.com/cdk/v2/guide/identifiers.html#identifiers-logical-ids)."""
    if "BootstrapVersion" in template.parameters:
        return True
    resources = template.resources.values()
    if any(r.construct_path or r.type == "AWS::CDK::Metadata" for r in resources):
        return True
    hashed = sum(1 for r in resources if _CDK_LOGICAL_ID.fullmatch(r.logical_id))
    return hashed * 2 > len(template.resources) > 0


_INTERESTING = re.compile(r"[0-9]{12}|[a-z]{2}-[a-z]+-[0-9]")


def _strings(node: Any, span: Span) -> Iterator[tuple[tuple[str, ...], str, Span]]:
    """Strings under `node` (intrinsic arguments included) that may hold an account id or a Region, with their
    key path and location (computed only for those: this walk sees every string of the template)."""
    stack: list[tuple[Any, Any, Any, tuple[str, ...]]] = [(node, None, None, ())]
    while stack:
        item, parent, key, path = stack.pop()
        if isinstance(item, str):
            if _INTERESTING.search(item):
                yield path, item, _located(parent, key, span)
        elif isinstance(item, dict):
            stack.extend(
                (v, item, k, (*path, str(k))) for k, v in item.items() if str(k) not in _SKIPPED_PATHS
            )
        elif isinstance(item, list):
            stack.extend((v, item, i, path) for i, v in enumerate(item))


def _located(parent: Any, key: Any, default: Span) -> Span:
    return default if parent is None else child_span(parent, key, default)


class _Hit(NamedTuple):
    resource: str
    path: tuple[str, ...]
    span: Span
    kind: str  # "arn" | "principal" | "getazs" | "az"

    def where(self) -> str:
        shown = ".".join(p for p in self.path if not p.startswith("Fn::")) or "Properties"
        return f"{self.resource}.{shown} (line {self.span.line})"


def _arns(text: str) -> Iterator[tuple[str, str, str, str]]:
    """(service, region, account, resource) of each ARN in `text`; ${...} variables are blanked first."""
    flat = _SUB_VAR.sub("§", text)
    for match in _ARN.finditer(flat):
        yield match.group(2), match.group(3) or "", match.group(4) or "", match.group(5) or ""


# --------------------------------------------------------------------------- PF5001 / PF5002


def check_singletons(ctx: Context) -> Iterator[Finding]:
    families: dict[str, list[Resource]] = {}
    for resource in ctx.template.resources.values():
        info = data.singleton(resource.type)
        if info is None or info.scope.startswith("parent:"):
            continue
        if info.behavior != "fails":
            yield _overwrite_finding(ctx, resource, info)
            continue
        family = names_data.singleton_family(resource.type)
        families.setdefault(family.family if family else resource.type, []).append(resource)
    for members in families.values():
        yield from _twice_in_template(ctx, members)
        yield from _account_may_have_one(ctx, members)


def _overwrite_finding(ctx: Context, resource: Resource, info: data.SingletonInfo) -> Finding:
    note = f" {info.notes}" if info.notes else ""
    message = (
        f"{resource.type} is a setting of the whole {_SCOPE_WORDS.get(info.scope, info.scope)}, not a resource of this "
        f"stack: creating it silently replaces the value any other stack or the console set, and the last "
        f"writer wins.{note} Keep it in one shared stack per account and Region"
    )
    when = None
    if resource.condition is not None:  # name the scenarios that create it (issue 13, class 4)
        when = ctx.created(resource) or None
    return ctx.finding("PF5002", resource.key_span, message, resource=resource.logical_id, when=when)


def _error_text(resource: Resource, info: data.SingletonInfo) -> str:
    text = info.error_message or format_error("already-exists", Name=resource.type)
    name = resource.properties.get("Name")
    text = fill(text, Name=name if isinstance(name, str) else "<name>", Identifier="<account id>",
                Account="<account id>")
    return f"{info.error_code}: {text}" if info.error_code else text


def _twice_in_template(ctx: Context, members: list[Resource]) -> Iterator[Finding]:
    """Two of the same one-per-account type active together: the second create fails whatever the account."""
    by_type: dict[str, list[Resource]] = {}
    for resource in members:
        by_type.setdefault(resource.type, []).append(resource)
    for rtype, same in by_type.items():
        if len(same) < 2:
            continue
        together = [
            s for s in ctx.resolver.scenarios.scenarios if sum(ctx.resolver.active(r, s) for r in same) > 1
        ]
        if not together:
            continue
        info = data.singleton(rtype)
        assert info is not None
        second = same[1]
        message = (
            f"{len(same)} resources of type {rtype}, of which an account holds one per "
            f"{'Region' if info.scope == 'account-region' else 'account'}: the second create fails with "
            f"'{_error_text(second, info)}'. Keep one"
        )
        yield ctx.finding(
            "PF5001",
            second.key_span,
            message,
            resource=second.logical_id,
            related=[r.logical_id for r in same],
            severity="error",  # two in one template: the second create fails whatever the account holds
            when=together,
            phase="deploy",  # when only some scenarios create both, the parameters decide, not the account
        )


def _account_may_have_one(ctx: Context, members: list[Resource]) -> Iterator[Finding]:
    """The account may already hold one (AWS Control Tower, Security Hub, another stack): a warning on the first
    member that is created without a choice. A Condition is the documented guard, but only when whoever deploys
    opts in: a Condition that holds with the parameter defaults (or with the values pinned on the command line)
    creates the resource all the same, and the finding names the scenarios that do (issue 13, class 4)."""
    unguarded = [r for r in members if r.condition is None or _holds_by_default(ctx, r)]
    if not unguarded:
        return
    when = None
    defaulted = [r for r in unguarded if r.condition is not None]
    if defaulted and len(defaulted) == len(unguarded):
        when = [s for s in ctx.resolver.scenarios.scenarios if any(ctx.resolver.active(r, s) for r in defaulted)]
    anchor = unguarded[0]
    info = data.singleton(anchor.type)
    assert info is not None
    family = names_data.singleton_family(anchor.type)
    errors = []
    for rtype in dict.fromkeys(r.type for r in unguarded):
        member_info = data.singleton(rtype)
        assert member_info is not None
        errors.append(repr(_error_text(next(r for r in unguarded if r.type == rtype), member_info)))
    what = family.family if family else anchor.type
    per = "account and Region" if info.scope == "account-region" else "account"
    notes = " ".join(dict.fromkeys(i.notes for r in unguarded if (i := data.singleton(r.type)) and i.notes))
    guard = family.guard if family else "Create" + anchor.type.split("::")[-1]
    by_condition: dict[str, list[str]] = {}
    for r in defaulted:
        by_condition.setdefault(str(r.condition), []).append(r.logical_id)
    given = " and the values given on the command line" if ctx.pins.parameters or ctx.pins.region else ""
    default = "; ".join(f"Condition {c} of {', '.join(ids)} holds with the parameter defaults{given}"
                        for c, ids in by_condition.items())
    advice = (f"Its guard creates it unless whoever deploys opts out ({default}): make the guard opt-in"
              if defaulted else
              f"Add a Condition on a parameter (e.g. {guard})")
    message = (
        f"{what}: an account holds one per {per}, so where one already exists the create fails with "
        f"{' / '.join(errors)}. {notes + ' ' if notes else ''}{advice} so accounts that already have one can "
        f"skip it"
    )
    yield ctx.finding(
        "PF5001",
        anchor.key_span,
        message,
        resource=anchor.logical_id,
        related=[r.logical_id for r in unguarded],
        when=when,
    )


def _holds_by_default(ctx: Context, resource: Resource) -> bool:
    """Whether the resource's Condition is true with the parameter defaults and the pinned values (the DEFAULT
    scenario): an opt-out guard, not an opt-in one."""
    from preflight.resolve.scenarios import DEFAULT

    return isinstance(resource.condition, str) and ctx.resolver.condition(resource.condition, DEFAULT) is True


# --------------------------------------------------------------------------- PF5003 / PF5004


def _hardcoded_hits(template: Template) -> tuple[dict[str, list[_Hit]], dict[str, list[_Hit]]]:
    """(account id -> places, Region -> places) of the literals in the template's resources (one walk)."""
    elb = {data.elb_account_id(r) for r in data.regions()} - {None}
    known = data.regions()
    exempt = names_data.cross_region_properties() | names_data.region_bound_property_names()
    accounts: dict[str, list[_Hit]] = {}
    regions: dict[str, list[_Hit]] = {}
    for resource in template.resources.values():
        for path, text, span in _strings(resource.properties, resource.properties.span):
            for account, kind in _accounts_in(path, text):
                if account not in elb:
                    accounts.setdefault(account, []).append(_Hit(resource.logical_id, path, span, kind))
            if exempt.intersection(path):
                continue
            for region, kind in _regions_in(path, text):
                if region in known:
                    regions.setdefault(region, []).append(_Hit(resource.logical_id, path, span, kind))
    return accounts, regions


def _accounts_in(path: tuple[str, ...], text: str) -> Iterator[tuple[str, str]]:
    if _ACCOUNT_ID.fullmatch(text) and ("Principal" in path or (path and path[-1].lower() in _ACCOUNT_KEYS)):
        yield text, "principal"
        return
    for service, _region, account, resource in _arns(text):
        if _ACCOUNT_ID.fullmatch(account) and names_data.aws_published_arn(service, resource) is None:
            yield account, "arn"


def _regions_in(path: tuple[str, ...], text: str) -> Iterator[tuple[str, str]]:
    if path and path[-1] == "Fn::GetAZs":
        yield text, "getazs"
        return
    if path and path[-1] in ("AvailabilityZone", "AvailabilityZones"):
        match = _AZ.fullmatch(text)
        if match:
            yield match.group(1), "az"
        return
    for _service, region, _account, resource in _arns(text):
        if region and not resource.startswith(names_data.global_arn_resource_prefixes()):
            yield region, "arn"


def check_hardcoded(ctx: Context) -> Iterator[Finding]:
    """Account ids and Regions written where the pseudo parameters belong. Templates synthesized by the CDK are
    skipped: their literals come from the app's environment, which binds the stack to it by design."""
    if is_cdk_synth(ctx.template):
        return
    accounts, regions = _hardcoded_hits(ctx.template)
    for account, hits in accounts.items():
        if ctx.pins.account_id != account:
            yield _account_finding(ctx, account, sorted(hits, key=_position))
    for region, hits in regions.items():
        if ctx.pins.region != region:
            yield _region_finding(ctx, region, sorted(hits, key=_position))


def _position(hit: _Hit) -> tuple[int, int]:
    return hit.span.line, hit.span.column


def _places(hits: list[_Hit]) -> str:
    return ", ".join(h.where() for h in hits[:3]) + (" ..." if len(hits) > 3 else "")


def _account_finding(ctx: Context, account: str, hits: list[_Hit]) -> Finding:
    pinned = ctx.pins.account_id
    if account in names_data.example_account_ids():
        why = (
            f"{account} is an example account id from the AWS documentation, not a real account: the "
            f"principal or resource it names does not exist"
        )
    else:
        why = f"the template then works only in account {account}"
        if pinned:
            why += f", not in {pinned} where you deploy"
    message = (
        f"Account id {account} is hard-coded ({_places(hits)}): {why}. Use ${{AWS::AccountId}} for the "
        f"deploying account, or a parameter for another account"
    )
    return ctx.finding(
        "PF5003",
        hits[0].span,
        message,
        resource=hits[0].resource,
        related=[h.resource for h in hits],
        notes=[h.where() for h in hits],
    )


_REGION_CONSEQUENCE = {
    "az": "those Availability Zones do not exist there, so the create fails",
    "getazs": "Fn::GetAZs lists that Region's zones, which do not exist there",
    "arn": "the ARNs keep pointing to that Region, so policies and integrations silently miss the stack's resources",
}


def _region_finding(ctx: Context, region: str, hits: list[_Hit]) -> Finding:
    pinned = ctx.pins.region
    kinds = list(dict.fromkeys(h.kind for h in hits))
    consequence = "; ".join(_REGION_CONSEQUENCE[k] for k in kinds)
    where = f"you deploy to {pinned}" if pinned else "the stack is deployed to another Region"
    message = (
        f"Region {region} is hard-coded ({_places(hits)}): when {where}, {consequence}. Use "
        f"${{AWS::Region}} in ARNs and !GetAZs '' for zones"
    )
    zones = any(k in ("az", "getazs") for k in kinds)
    return ctx.finding(
        "PF5004",
        hits[0].span,
        message,
        resource=hits[0].resource,
        related=[h.resource for h in hits],
        notes=[h.where() for h in hits],
        severity="error" if pinned and zones else None,
    )


# --------------------------------------------------------------------------- PF5005


def check_region_bound(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.template.resources.values():
        for rule in names_data.region_bound(resource.type):
            yield from _bound_resource(ctx, resource, rule)
        for ref in names_data.region_bound_references(resource.type):
            yield from _bound_reference(ctx, resource, ref)


def _regions_where(ctx: Context, resource: Resource, applies: Any) -> tuple[list[Any], list[Scenario]]:
    """Stack Regions of the scenarios in which `resource` exists and `applies(scenario)` holds."""
    regions, scenarios = [], []
    for scenario in ctx.resolver.scenarios.scenarios:
        if ctx.resolver.active(resource, scenario) and applies(scenario):
            regions.append(stack_region(ctx, scenario))
            scenarios.append(scenario)
    return regions, scenarios


def _verdict(regions: list[Any], required: str) -> tuple[str, Any] | None:
    """('error', region) when some scenario's Region is known and wrong, ('warning', None) when it is unknown."""
    wrong = [r for r in regions if isinstance(r, str) and r != required]
    if wrong:
        return "error", wrong[0]
    if any(not isinstance(r, str) for r in regions):
        return "warning", None
    return None


def _bound_resource(ctx: Context, resource: Resource, rule: names_data.RegionBound) -> Iterator[Finding]:
    node = resource.properties.get(rule.property)
    if node is None:
        return
    regions, _ = _regions_where(ctx, resource, lambda s: ctx.resolve(node, s) == rule.equals)
    verdict = _verdict(regions, rule.region)
    if verdict is None:
        return
    severity, region = verdict
    when = f"the stack's Region is {region}" if region else f"it is deployed outside {rule.region}"
    message = (
        f"{resource.type} with {rule.property} {rule.equals} can only be created in {rule.region}: when {when}, "
        f"the create fails with '{rule.error}'. Deploy this stack in {rule.region} (or move the {rule.equals} "
        f"resources to a stack there); if it is deployed there, pin --region {rule.region}"
    )
    yield ctx.finding(
        "PF5005", resource.prop_span(rule.property), message, resource=resource.logical_id, severity=severity
    )


def _at_path(node: Any, path: tuple[str, ...], span: Span) -> Iterator[tuple[Any, Span]]:
    if not path:
        yield node, span
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _at_path(item, rest, child_span(node, index, span))
        return
    if isinstance(node, dict) and head in node:
        yield from _at_path(node[head], rest, child_span(node, head, span))


def _referenced(ctx: Context, node: Any, targets: frozenset[str]) -> Resource | None:
    """The resource of this template that `node` refers to (Ref, GetAtt, Sub), when of one of `targets`."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    ((fn, arg),) = node.items()
    name = None
    if fn == "Ref" and isinstance(arg, str):
        name = arg
    elif fn == "Fn::GetAtt":
        name = (
            arg[0] if isinstance(arg, list) and arg else arg.split(".")[0] if isinstance(arg, str) else None
        )
    elif fn == "Fn::Sub" and isinstance(arg, str):
        match = re.fullmatch(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}", arg)
        name = match.group(1) if match else None
    resource = ctx.template.resources.get(name) if isinstance(name, str) else None
    return resource if resource is not None and resource.type in targets else None


def _skipped(ctx: Context, resource: Resource, ref: names_data.RegionBoundReference) -> bool:
    if not ref.skip_if_path:
        return False
    for node, _ in _at_path(resource.properties, ref.skip_if_path, resource.properties.span):
        value = ctx.resolve(node)
        if isinstance(value, list) and ref.skip_if_contains in value:
            return True
    return False


def _bound_reference(
    ctx: Context, resource: Resource, ref: names_data.RegionBoundReference
) -> Iterator[Finding]:
    if _skipped(ctx, resource, ref):
        return
    for node, span in _at_path(resource.properties, ref.path, resource.properties.span):
        target = _referenced(ctx, node, ref.target_types)
        if target is not None:
            yield from _same_stack_reference(ctx, resource, ref, target, span)
            continue
        value = ctx.resolve(node)
        if isinstance(value, (str, Symbolic)):
            yield from _literal_reference(ctx, resource, ref, show(value), span)


def _same_stack_reference(
    ctx: Context, resource: Resource, ref: names_data.RegionBoundReference, target: Resource, span: Span
) -> Iterator[Finding]:
    regions, _ = _regions_where(ctx, resource, lambda s: ctx.resolver.active(target, s))
    verdict = _verdict(regions, ref.region)
    if verdict is None:
        return
    severity, region = verdict
    error = f": {fill(ref.error, Arn='<certificate ARN>')}" if ref.error else ""
    where = f"this stack's Region ({region})" if region else "this stack's Region"
    message = (
        f"{ref.path[-1]} uses {target.logical_id}, {ref.what} created in {where}, but it must be in "
        f"{ref.region}{error}. Deploy this stack in {ref.region}, or create {target.logical_id} in "
        f"{ref.region} (another stack) and pass its ARN as a parameter"
    )
    if severity == "warning":
        message += f" (fails unless the stack is deployed in {ref.region})"
    yield ctx.finding(
        "PF5005", span, message, resource=resource.logical_id, related=(target.logical_id,), severity=severity
    )


def _literal_reference(
    ctx: Context, resource: Resource, ref: names_data.RegionBoundReference, value: str, span: Span
) -> Iterator[Finding]:
    for _service, region, _account, _resource in _arns(value):
        if region and region != ref.region and region in data.regions():
            error = f": {fill(ref.error, Arn=value)}" if ref.error else ""
            message = (
                f"{ref.path[-1]} '{value}' is {ref.what} in {region}, but it must be in {ref.region}{error}. "
                f"Use one created in {ref.region}"
            )
            yield ctx.finding("PF5005", span, message, resource=resource.logical_id, severity="error")
        return


CHECKS = (
    Check(check_singletons, ("PF5001", "PF5002")),
    Check(check_hardcoded, ("PF5003", "PF5004")),
    Check(check_region_bound, ("PF5005",)),
)
