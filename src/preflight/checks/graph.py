"""Dependency-graph checks: circular dependencies and references to names that do not exist.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-dependency-error
https://aws.amazon.com/blogs/infrastructure-and-automation/handling-circular-dependency-errors-in-aws-cloudformation/
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.graph import Edge
from preflight.resolve.scenarios import DEFAULT, Scenario

RULES = (
    Rule("PF1001", "circular-dependency", "Resources depend on each other in a cycle", "circular-dependency", "error",
         "safe"),
    Rule("PF1002", "unresolved-reference", "A reference to a resource or parameter that does not exist",
         "template-structure", "error"),
    Rule("PF1003", "undefined-condition", "A condition that is used but not defined", "template-structure", "error"),
    Rule("PF1004", "unknown-attribute", "Fn::GetAtt of an attribute the resource type does not have",
         "template-structure", "error"),
    Rule("PF1005", "circular-condition", "Conditions refer to each other in a cycle, or one to itself",
         "template-structure", "error"),
    Rule("PF1006", "reference-to-uncreated-resource",
         "A reference to a resource that its Condition leaves out while the referrer stays", "template-structure",
         "error"),
)

_SG_RULE_PROPS = ("SecurityGroupIngress", "SecurityGroupEgress")


def check_cycles(ctx: Context) -> Iterator[Finding]:
    graph = ctx.graph
    resources = ctx.template.resources
    for members in graph.strongly_connected():
        edges = graph.edges_within(members)
        always: list[Scenario] = []
        sometimes: list[Scenario] = []
        conditional = any(e.when for e in edges) or any(resources[m].condition for m in members)
        # Enumerating scenarios costs a little; only a cycle that involves conditions needs it.
        scenarios = ctx.resolver.scenarios.scenarios if conditional else (DEFAULT,)
        for scenario in scenarios:
            live = [e for e in edges if e.active(scenario) and ctx.resolver.active(resources[e.source], scenario)
                    and ctx.resolver.active(resources[e.target], scenario)]
            (always if _has_cycle(live) else sometimes).append(scenario)
        if not always:
            continue
        cycle = graph.cycle_path(members, edges)
        first = resources[members[0]]
        message = f"Circular dependency between resources: [{', '.join(members)}]. {_hint(ctx, members, edges)}"
        notes = [f"{e.source} -> {e.target}: {e.kind} at {_where(e)} (line {e.span.line})" for e in cycle or edges]
        severity = None
        if sometimes:
            severity = "warning"
            notes.append("the cycle exists only when: " + "; ".join(s.describe() for s in always))
        from preflight.fix.cycles import cycle_fix

        yield ctx.finding("PF1001", first.key_span, message, resource=members[0], related=members[1:],
                          notes=notes, severity=severity, fix=cycle_fix(ctx, members, edges, _has_cycle))


def _has_cycle(edges: list[Edge]) -> bool:
    """Kahn's algorithm on the component's live edges: anything left unsorted lies on a cycle."""
    indegree: dict[str, int] = {}
    out: dict[str, list[str]] = {}
    for edge in edges:
        out.setdefault(edge.source, []).append(edge.target)
        indegree[edge.target] = indegree.get(edge.target, 0) + 1
        indegree.setdefault(edge.source, 0)
    ready = [n for n, d in indegree.items() if d == 0]
    removed = 0
    while ready:
        node = ready.pop()
        removed += 1
        for target in out.get(node, ()):
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return removed < len(indegree)


def _where(edge: Edge) -> str:
    return ".".join(str(p) for p in edge.path) or "DependsOn"


def _hint(ctx: Context, members: list[str], edges: list[Edge]) -> str:
    """The edit that breaks the cycle, for the shapes real templates show; a generic one otherwise."""
    for rule in _HINTS:
        hint = rule(ctx, members, edges)
        if hint:
            return hint
    deps = [e for e in edges if e.kind == "DependsOn"]
    if deps:
        e = deps[0]
        return (f"Break it by removing DependsOn {e.target} from {e.source} if the order is not needed, or by "
                f"replacing a Ref/GetAtt in the cycle with a value built from a known name.")
    e = edges[0]
    return (f"Break it by replacing one reference, e.g. the {e.kind} from {e.source} to {e.target} at {_where(e)}, "
            f"with a value built from a known name, or by moving that property into a separate resource.")


def _sg_hint(ctx: Context, members: list[str], edges: list[Edge]) -> str | None:
    types = {m: ctx.template.resources[m].type for m in members}
    inline = [e for e in edges if types[e.source] == "AWS::EC2::SecurityGroup"
              and len(e.path) > 1 and e.path[1] in _SG_RULE_PROPS]
    if not inline:
        return None
    e = inline[0]
    kind = "Ingress" if e.path[1] == "SecurityGroupIngress" else "Egress"
    return (f"Security groups reference each other in inline rules: move the rule of {e.source} that names "
            f"{e.target} out of {e.path[1]} into a separate AWS::EC2::SecurityGroup{kind} resource.")


def _bucket_notification_hint(ctx: Context, members: list[str], edges: list[Edge]) -> str | None:
    # The bucket usually reaches the cycle through DependsOn on the permission (which the ordering needs), so
    # look at the bucket's own NotificationConfiguration rather than at the edges.
    resources = ctx.template.resources
    buckets = [m for m in members if resources[m].type == "AWS::S3::Bucket"
               and "NotificationConfiguration" in resources[m].properties]
    back = [e for e in edges if e.target in buckets and e.source not in buckets]
    if not buckets or not back:
        return None
    b = back[0]
    return (f"{b.target}'s NotificationConfiguration must be created after {b.source}, which refers back to the "
            f"bucket ({b.kind} at {_where(b)}): give the bucket a fixed BucketName and build its ARN in {b.source} "
            f"as arn:${{AWS::Partition}}:s3:::<name> instead of a Ref/GetAtt of the bucket.")


def _key_policy_hint(ctx: Context, members: list[str], edges: list[Edge]) -> str | None:
    types = {m: ctx.template.resources[m].type for m in members}
    policy = [e for e in edges if types[e.source] == "AWS::KMS::Key" and "KeyPolicy" in e.path]
    if not policy:
        return None
    e = policy[0]
    return (f"The key policy of {e.source} names {e.target}, which itself refers to the key: in the key policy "
            f"write the principal as a built ARN (arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/<name>) or "
            f"rely on the account-root statement and grant the key in {e.target}'s IAM policy instead.")


def _replication_hint(ctx: Context, members: list[str], edges: list[Edge]) -> str | None:
    types = {m: ctx.template.resources[m].type for m in members}
    repl = [e for e in edges if types[e.source] == "AWS::S3::Bucket" and "ReplicationConfiguration" in e.path]
    back = [e for e in edges if types[e.target] == "AWS::S3::Bucket" and types[e.source] in
            ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")]
    if not repl or not back:
        return None
    b = back[0]
    return (f"The bucket's ReplicationConfiguration uses {repl[0].target}, whose policy refers back to the "
            f"bucket ({b.kind} at {_where(b)}): give the bucket a fixed BucketName and write its ARN in the role's "
            f"policy as arn:${{AWS::Partition}}:s3:::<name> instead of a Ref/GetAtt of the bucket.")


_HINTS = (_sg_hint, _bucket_notification_hint, _replication_hint, _key_policy_hint)


def check_unresolved(ctx: Context) -> Iterator[Finding]:
    for ref in ctx.graph.dangling:
        if ref.kind == "GetAtt" and ref.target in ctx.template.parameters:
            message = f"Template error: instance of Fn::GetAtt references undefined resource {ref.target}"
        else:
            from preflight.data.errors import format_error

            message = format_error("template-unresolved", Name=ref.target, Section=ref.section)
        resource = ref.source if ref.section == "Resources" else None
        yield ctx.finding("PF1002", ref.span, message, resource=resource)


def check_conditional_references(ctx: Context) -> Iterator[Finding]:
    """A Ref, Fn::GetAtt, ${X} or DependsOn to a resource whose Condition is false while the referrer (a resource
    or an output) exists and the reference is not in an Fn::If branch that the same scenario leaves out.
    CloudFormation removes the resource before it resolves references and rejects the template; this depends on
    the parameters, so the scenarios in which it happens are named (Context.finding ``when``)."""
    resources = ctx.template.resources
    conditional = {rid for rid, r in resources.items()
                   if isinstance(r.condition, str) and r.condition in ctx.template.conditions}
    if not conditional:
        return
    scenarios = ctx.resolver.scenarios.scenarios
    seen: set[tuple[str, str]] = set()
    for edge in (*ctx.graph.edges, *ctx.graph.output_edges):
        if edge.target not in conditional or (edge.source, edge.target) in seen:
            continue
        target = resources[edge.target]
        failing = [s for s in scenarios if edge.active(s) and _exists(ctx, edge.source, s)
                   and not ctx.resolver.active(target, s)]
        if not failing:
            continue
        seen.add((edge.source, edge.target))
        yield _uncreated_reference(ctx, edge, str(target.condition), failing)


def _exists(ctx: Context, name: str, scenario: Scenario) -> bool:
    """Whether the resource or output `name` exists in the scenario (its own Condition)."""
    resource = ctx.template.resources.get(name)
    if resource is not None:
        return ctx.resolver.active(resource, scenario)
    output = ctx.template.outputs.get(name)
    condition = output.node.get("Condition") if output is not None and isinstance(output.node, dict) else None
    return not isinstance(condition, str) or ctx.resolver.condition(condition, scenario) is not False


def _uncreated_reference(ctx: Context, edge: Edge, condition: str, failing: list[Scenario]) -> Finding:
    from preflight.data.errors import format_error

    section = "Resources" if edge.source in ctx.template.resources else "Outputs"
    quoted = format_error("template-unresolved", Name=edge.target, Section=section)
    what = "DependsOn" if edge.kind == "DependsOn" else f"{edge.kind} at {_where(edge)}"
    own = ctx.template.resources.get(edge.source)
    guard = f" (its own Condition is {own.condition})" if own is not None and own.condition else ""
    # DependsOn takes no intrinsic function: only a Condition on the referrer (or dropping the entry) helps.
    instead = (f"remove {edge.target} from its DependsOn" if edge.kind == "DependsOn" else
               f"write the reference as !If [{condition}, <reference>, !Ref AWS::NoValue]")
    message = (f"{quoted}: {edge.target} is created only when condition {condition} is true, and {edge.source}"
               f"{guard} refers to it ({what}) where it is not. Give {edge.source} a Condition that implies "
               f"{condition}, or {instead}")
    resource = edge.source if section == "Resources" else None
    return ctx.finding("PF1006", edge.span, message, resource=resource, related=[edge.target], when=failing)


def check_resource_conditions(ctx: Context) -> Iterator[Finding]:
    """A resource's Condition attribute names a condition that is not defined (Fn::If: structure.check_intrinsics)."""
    defined = ctx.template.conditions
    for resource in ctx.template.resources.values():
        if resource.condition is not None and resource.condition not in defined:
            yield ctx.finding(
                "PF1003", resource.node.value_span("Condition"),
                f"Template format error: Unresolved condition dependencies [{resource.condition}] in the Resources "
                f"block of the template", resource=resource.logical_id)


def check_getatt_attributes(ctx: Context) -> Iterator[Finding]:
    """GetAtt attributes against the resource provider schemas (preflight.data.resource_type().attributes)."""
    from preflight.data import resource_type

    resources = ctx.template.resources
    seen: set[tuple[Any, ...]] = set()
    for edge in (*ctx.graph.edges, *ctx.graph.output_edges):
        if edge.kind not in ("GetAtt", "Sub"):
            continue
        target = resources[edge.target]
        info = resource_type(target.type)
        if info is None or not info.attributes:
            continue
        for attribute in _getatt_attributes(ctx, edge):
            key = (edge.source, edge.path, edge.target, attribute)
            if _open_attributes(target.type, attribute) or attribute in info.attributes or key in seen:
                continue
            seen.add(key)
            known = ", ".join(sorted(info.attributes)[:12])
            yield ctx.finding(
                "PF1004", edge.span,
                f"Template error: resource {edge.target} does not support attribute type {attribute} in "
                f"Fn::GetAtt ({target.type} has: {known})",
                resource=edge.source if edge.source in resources else edge.target, related=[edge.target])


def _getatt_attributes(ctx: Context, edge: Edge) -> list[str]:
    """The literal attributes named at an edge's location: Fn::GetAtt's, or each ${Target.Attr} of an Fn::Sub."""
    owner = ctx.template.resources.get(edge.source) or ctx.template.outputs.get(edge.source)
    node: Any = owner.node if owner is not None else None
    for key in edge.path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return []
    if not isinstance(node, dict) or len(node) != 1:
        return []
    if edge.kind == "Sub":
        arg = node.get("Fn::Sub")
        text = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg and isinstance(arg[0], str) else ""
        prefix = "${" + edge.target + "."
        return [m.split("}", 1)[0] for m in text.split(prefix)[1:] if "}" in m]
    arg = node.get("Fn::GetAtt")
    if isinstance(arg, list) and len(arg) == 2 and arg[0] == edge.target and isinstance(arg[1], str):
        return [arg[1]]
    if isinstance(arg, str) and arg.startswith(edge.target + "."):
        return [arg[len(edge.target) + 1:]]
    return []


def _open_attributes(type_name: str, attribute: str) -> bool:
    # Custom resources return whatever their provider sends; nested stacks expose Outputs.<Name>.
    return (type_name.startswith("Custom::") or type_name == "AWS::CloudFormation::CustomResource"
            or attribute.startswith("Outputs.") or type_name.endswith("::MODULE"))


def check_condition_cycles(ctx: Context) -> Iterator[Finding]:
    """A condition that refers to itself through {"Condition": name}, directly or through others: CloudFormation
    cannot order their evaluation and rejects the template. Iterative depth-first search (thousands of chained
    conditions must not exhaust Python's stack); each cycle is reported once, at its first member."""
    conditions = ctx.template.conditions
    refs = {str(name): [t for t in _condition_refs(node) if t in conditions] for name, node in conditions.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    reported: set[frozenset[str]] = set()
    for root in refs:
        if root in state:
            continue
        path: list[str] = []
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            name, child = work.pop()
            if child == 0:
                state[name] = 1
                path.append(name)
            targets = refs[name]
            if child < len(targets):
                work.append((name, child + 1))
                target = targets[child]
                if target not in state:
                    work.append((target, 0))
                elif state[target] == 1:
                    cycle = path[path.index(target):]
                    if frozenset(cycle) not in reported and len(reported) < 20:
                        reported.add(frozenset(cycle))
                        yield _condition_cycle(ctx, cycle)
                continue
            state[name] = 2
            path.pop()


def _condition_refs(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if len(item) == 1 and isinstance(item.get("Condition"), str):
                found.append(item["Condition"])
                continue
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _condition_cycle(ctx: Context, cycle: list[str]) -> Finding:
    conditions = ctx.template.conditions
    if len(cycle) == 1:
        message = (f"Template format error: condition {cycle[0]} refers to itself ({{\"Condition\": \"{cycle[0]}\"}} "
                   f"in its own definition): CloudFormation cannot evaluate it and rejects the template")
    else:
        shown = cycle if len(cycle) <= 10 else [*cycle[:10], "..."]
        message = (f"Template format error: circular dependency between conditions: [{', '.join(shown)}] "
                   f"({' -> '.join([*shown, cycle[0]] if len(cycle) <= 10 else shown)}): CloudFormation cannot "
                   f"evaluate them and rejects the template")
    return ctx.finding("PF1005", conditions.key_span(cycle[0]), message)


CHECKS = (
    Check(check_cycles, ("PF1001",)),
    Check(check_condition_cycles, ("PF1005",)),
    Check(check_unresolved, ("PF1002",)),
    Check(check_resource_conditions, ("PF1003",)),
    Check(check_conditional_references, ("PF1006",)),
    Check(check_getatt_attributes, ("PF1004",)),
)
