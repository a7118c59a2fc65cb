"""The ordering fix: add resources to a resource's DependsOn (a scalar becomes a list; no duplicate; never a cycle)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from preflight.findings import Edit, Fix
from preflight.fix.edits import CannotEdit, add_key, append_item, scalar_to_list
from preflight.fix.policy import editable
from preflight.source.nodes import MapNode, SeqNode


def depends_on_edits(ctx: Any, resource: Any, targets: Sequence[str]) -> tuple[Edit, ...]:
    """Edits making ``resource`` depend on ``targets``; CannotEdit when that would close a cycle or cannot be
    written in the file."""
    editable(ctx, resource, *targets)
    current = set(resource.depends_on)
    wanted = [t for t in dict.fromkeys(targets) if t not in current and t != resource.logical_id]
    if not wanted:
        raise CannotEdit(f"{resource.logical_id} already depends on {', '.join(targets)}")
    for target in wanted:
        _created_with(ctx, resource, target)
        if ctx.graph.depends(target, resource.logical_id):
            raise CannotEdit(f"{target} already depends on {resource.logical_id}: DependsOn would close a cycle "
                             f"(remove that reference first)")
    node = resource.node
    document = ctx.document
    if not isinstance(node, MapNode):
        raise CannotEdit(f"{resource.logical_id} is not a mapping of the file")
    existing = node.get("DependsOn")
    if existing is None and "DependsOn" not in node:
        value: Any = wanted[0] if len(wanted) == 1 else wanted
        return (add_key(document, node, "DependsOn", value, after="Type" if "Type" in node else None),)
    if isinstance(existing, str):
        return (scalar_to_list(document, node, "DependsOn", wanted),)
    if isinstance(existing, SeqNode):
        edits = [append_item(document, existing, target) for target in wanted]
        merged = Edit(edits[0].start, edits[0].end, "".join(e.text for e in edits))
        if any(e.start != merged.start or e.end != merged.start for e in edits):
            raise CannotEdit("the DependsOn list cannot be extended in one place")
        return (merged,)
    raise CannotEdit(f"the DependsOn of {resource.logical_id} is not a name or a list of names")


def _created_with(ctx: Any, resource: Any, target: str) -> None:
    """DependsOn takes names only (no Fn::If): it may name a conditional resource only if that resource exists in
    every scenario that creates `resource`; otherwise CloudFormation rejects the template (PF1006)."""
    other = ctx.template.resources.get(target)
    if other is None:
        return
    from preflight.checks.base import describe_scenarios

    everywhere = ctx.resolver.scenarios.scenarios
    missing = [s for s in ctx.created(resource) if not ctx.resolver.active(other, s)]
    if missing:
        raise CannotEdit(f"{target} is not created in every case that creates {resource.logical_id} "
                         f"({describe_scenarios(missing, everywhere)[0]}), and DependsOn cannot be conditional: give "
                         f"{resource.logical_id} a Condition that implies {target}'s, or order them by a "
                         f"reference inside Fn::If")


def depends_on_fix(ctx: Any, resource: Any, targets: Sequence[str]) -> Fix:
    title = f"add DependsOn: {', '.join(targets)} to {resource.logical_id}"
    try:
        edits = depends_on_edits(ctx, resource, targets)
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)
    return Fix(title, "safe", edits, cdk=_cdk(ctx, resource, targets))


def _cdk(ctx: Any, resource: Any, targets: Sequence[str]) -> str | None:
    """``node.add_dependency`` for a CDK stack: the construct paths of both ends."""
    if not resource.construct_path:
        return None
    from preflight.fix.cdk import variable as _var

    lines = []
    for target in targets:
        other = ctx.template.resources.get(target)
        path = other.construct_path if other is not None else None
        lines.append(f"{_var(resource.construct_path)}.node.add_dependency({_var(path or target)})"
                     f"  # {resource.construct_path} after {path or target}")
    return "\n".join(lines)
