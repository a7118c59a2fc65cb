"""The policy fix of the permission findings: append the documented minimal statement to the resource policy.

The statement comes from the knowledge base (services/integrations.yaml), bound with the template's own
references rather than resolved values: ``${Target.Arn}`` is ``!GetAtt Key.Arn``, ``${Region}`` is
``${AWS::Region}`` in an Fn::Sub. Safe when the statement names a principal other than ``*`` and the policy is a
Statement list of the file; display-only (with the reason) when the policy is one Fn::Sub or JSON string, its
Statement sits inside Fn::If, it is not in the template, or a Deny decides the request.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

from preflight.findings import Edit, Fix
from preflight.fix.edits import CannotEdit, append_item
from preflight.fix.values import PARTITION, arn_reference, name_reference, template_value
from preflight.resolve.pins import ACCOUNT, REGION
from preflight.resolve.values import Symbolic
from preflight.source.nodes import MapNode, SeqNode

_SUB_NAME = re.compile(r"\$\{(?!!)([^}]+)\}")


def editable(ctx: Any) -> None:
    """Raise CannotEdit when the checked document is not the file's own text (a transform expanded it)."""
    expansion = getattr(ctx.template, "expansion", None)
    if expansion is not None and expansion.expanded:
        raise CannotEdit(f"the template is expanded by {', '.join(expansion.expanded)}: edit the source resource")


def fix_bindings(ws: Any, integration: Any, source: Any, target: Any, extra: Mapping[str, Any] | None,
                 resolved: Mapping[str, Any]) -> dict[str, Any]:
    """The integration's placeholders bound to the template's references where one means the value."""
    from preflight.services.replay import bind

    template = ws.template
    values = dict(resolved)
    values.update({"Partition": Symbolic((PARTITION,)), "Region": Symbolic((REGION,)),
                   "Account": Symbolic((ACCOUNT,))})
    # Only the target by reference: the source (a trail, a log group) is ordered after the policy (PF2001's
    # DependsOn), so a reference to it from the policy would close a cycle; its resolved name is written instead.
    for role, resource in (("Target", target),):
        arn = arn_reference(template, resource.logical_id)
        name = name_reference(template, resource.logical_id)
        if arn is not None:
            values[f"{role}.Arn"] = Symbolic((arn,))
        if name is not None:
            values[f"{role}.Name"] = Symbolic((name,))
    values.update(extra or {})
    for placeholder, text in integration.bindings.items():
        values[placeholder] = bind(text, values)
    return values


def _failing_actions(verdict: Any) -> list[str]:
    runs = [verdict.culprit, *verdict.others]
    return [r.spec.action for r in runs if r is not None and r.failed]


def _covers(statement: Any, actions: list[str]) -> bool:
    listed = statement.get("Action") if isinstance(statement, dict) else None
    names = listed if isinstance(listed, list) else [listed]
    return any(isinstance(n, str) and fnmatch.fnmatchcase(a.lower(), n.lower()) for n in names for a in actions)


def _unique_sids(statements: list[Any], policy_statements: SeqNode) -> list[Any]:
    taken = {s.get("Sid") for s in policy_statements if isinstance(s, dict)}
    out = []
    for statement in statements:
        sid = statement.get("Sid")
        if isinstance(sid, str) and sid in taken:
            number = 2
            while f"{sid}{number}" in taken:
                number += 1
            statement = {**statement, "Sid": f"{sid}{number}"}
        taken.add(statement.get("Sid"))
        out.append(statement)
    return out


def _statement_list(ctx: Any, owner: Any, prop: str | None = None) -> SeqNode:
    """The Statement list of the policy a resource holds, or CannotEdit with the reason."""
    from preflight.data.policy_locations import policy_locations

    prop = prop or next((loc.property for loc in policy_locations() if loc.resource_type == owner.type), None)
    document = owner.properties.get(prop) if prop else None
    if isinstance(document, str) or (isinstance(document, dict) and set(document) & {"Fn::Sub", "Fn::Join"}):
        raise CannotEdit(f"the policy of {owner.logical_id} is built by one string: edit it by hand")
    if isinstance(document, dict) and "Fn::If" in document:
        raise CannotEdit(f"the policy of {owner.logical_id} is chosen by Fn::If: add the statement to each branch")
    if not isinstance(document, MapNode):
        raise CannotEdit(f"the policy of {owner.logical_id} is not a mapping of the file")
    statements = document.get("Statement")
    if isinstance(statements, dict) and "Fn::If" in statements:
        raise CannotEdit(f"the Statement list of {owner.logical_id} sits inside Fn::If with other branches")
    if not isinstance(statements, SeqNode):
        raise CannotEdit(f"the Statement of {owner.logical_id} is not a list of the file")
    return statements


def statement_edits(ctx: Any, integration: Any, verdict: Any, source: Any, target: Any,
                    extra: Mapping[str, Any] | None, resolved: Mapping[str, Any]) -> tuple[Edit, ...]:
    """The edit appending the documented statement(s) the failing requests need; CannotEdit says why not."""
    from preflight.services.replay import bind_deep, workspace

    editable(ctx)
    run = verdict.culprit
    if run.policy.policy is None or not run.policy.owners:
        raise CannotEdit(f"the template has no policy on {target.logical_id} to add the statement to")
    if len(run.policy.owners) > 1:
        raise CannotEdit(f"several policies ({', '.join(run.policy.owners)}) apply: choose the one to edit")
    failing = [r for r in (verdict.culprit, *verdict.others) if r is not None and r.failed]
    if any(r.decision.outcome == "ExplicitDeny" for r in failing):
        raise CannotEdit("a Deny statement decides the request: an added Allow would not change it")
    if not failing:
        raise CannotEdit("whether the policy allows the request depends on values known only at deploy time")
    owner = ctx.template.resources[run.policy.owners[0]]
    statements = _statement_list(ctx, owner)
    ws = workspace(ctx)
    values = fix_bindings(ws, integration, source, target, extra, resolved)
    documented = integration.statement if isinstance(integration.statement, list) else [integration.statement]
    actions = _failing_actions(verdict)
    needed = [s for s in documented if _covers(s, actions)] or list(documented)
    bound = [template_value(bind_deep(s, values), ctx.template, ctx.pins) for s in needed]
    for name in sorted(references(bound, ctx.template)):
        if name == owner.logical_id or name == source.logical_id or ctx.graph.depends(name, owner.logical_id):
            raise CannotEdit(f"the statement would refer to {name} from {owner.logical_id}, which closes a "
                             f"dependency cycle (give {name} a fixed name)")
    for statement in bound:
        principal = statement.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and "*" in principal.values()):
            raise CannotEdit("the documented statement names every principal")
    edits = []
    for statement in _unique_sids(bound, statements):
        edits.append(append_item(ctx.document, statements, statement))
    return tuple(_merge(edits))


def _merge(edits: list[Edit]) -> list[Edit]:
    """Insertions at one place become one edit (in order)."""
    out: list[Edit] = []
    for edit in edits:
        if out and out[-1].start == edit.start == out[-1].end == edit.end:
            out[-1] = Edit(edit.start, edit.end, out[-1].text + edit.text)
        else:
            out.append(edit)
    return out


def policy_fix(ctx: Any, title: str, integration: Any, verdict: Any, source: Any, target: Any,
               extra: Mapping[str, Any] | None, resolved: Mapping[str, Any]) -> Fix:
    try:
        edits = statement_edits(ctx, integration, verdict, source, target, extra, resolved)
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)
    return Fix(title, "safe", edits)


def references(value: Any, template: Any) -> set[str]:
    """The resources a template value refers to (Ref, Fn::GetAtt, ${X} / ${X.A} of Fn::Sub)."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, arg in item.items():
                if key == "Ref" and isinstance(arg, str):
                    found.add(arg)
                elif key == "Fn::GetAtt" and isinstance(arg, list) and arg and isinstance(arg[0], str):
                    found.add(arg[0])
                elif key == "Fn::Sub" and isinstance(arg, str):
                    found.update(m.split(".")[0] for m in _SUB_NAME.findall(arg))
                else:
                    stack.append(arg)
        elif isinstance(item, list):
            stack.extend(item)
    return {name for name in found if name in template.resources}


def trust_fix(ctx: Any, title: str, role: Any, run: Any) -> Fix:
    """PF6301: let the service assume the role, appending ``{Effect: Allow, Principal: {Service: <service>},
    Action: sts:AssumeRole}`` to the role's trust policy. Safe: it grants only that service principal."""
    try:
        editable(ctx)
        if run.decision.outcome != "ImplicitDeny":
            raise CannotEdit("a Deny statement, or a value known only at deploy time, decides the request")
        statements = _statement_list(ctx, role, "AssumeRolePolicyDocument")
        service = template_value(run.request.principal.value, ctx.template, ctx.pins)
        if not isinstance(service, (str, dict)) or service == "*":
            raise CannotEdit("the service principal cannot be written in the template")
        statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        return Fix(title, "safe", (append_item(ctx.document, statements, statement),))
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)
