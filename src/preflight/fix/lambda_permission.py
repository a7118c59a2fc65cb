"""The fix of a missing Lambda permission (PF6402, PF6403, PF6405): add an ``AWS::Lambda::Permission`` for the
invoking service, scoped by SourceArn and SourceAccount, and order the invoker after it (DependsOn)."""

from __future__ import annotations

from typing import Any

from preflight.findings import Fix
from preflight.fix.dependson import depends_on_edits
from preflight.fix.edits import CannotEdit, add_resource
from preflight.fix.policy import editable, references
from preflight.fix.values import template_value
from preflight.services.replay import as_text, workspace


def _name(ctx: Any, function: str, invoker: str) -> str:
    base = f"{function}{invoker}InvokePermission"
    name, number = base, 2
    while name in ctx.template.resources:
        name, number = f"{base}{number}", number + 1
    return name


def permission_fix(ctx: Any, title: str, invoker: Any, function: Any, principal: str, source_arn: Any) -> Fix:
    try:
        editable(ctx, invoker, function, adds=True)
        if source_arn is None:
            raise CannotEdit("the ARN the service invokes from is not known")
        ws = workspace(ctx)
        own = source_arn in (ws.arn(invoker.logical_id), as_text(ws.ref(invoker.logical_id)))
        cycle = CannotEdit(f"the permission's SourceArn, the ARN of {invoker.logical_id}, has no fixed name to "
                           f"write it with, and a reference would close a dependency cycle ({invoker.logical_id} "
                           f"is created after the permission): give {invoker.logical_id} a fixed name")
        try:
            arn = _as_reference(ctx, invoker, source_arn) or template_value(source_arn, ctx.template, ctx.pins)
        except CannotEdit:
            if own:
                raise cycle from None
            raise
        for name in sorted(references(arn, ctx.template)):
            if name == invoker.logical_id or ctx.graph.depends(name, invoker.logical_id):
                raise cycle
        logical_id = _name(ctx, function.logical_id, invoker.logical_id)
        properties: dict[str, Any] = {
            "FunctionName": {"Fn::GetAtt": [function.logical_id, "Arn"]},
            "Action": "lambda:InvokeFunction",
            "Principal": principal,
            "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": arn,
        }
        body = {"Type": "AWS::Lambda::Permission", "Properties": properties}
        edits = (add_resource(ctx.document, logical_id, body, after=function.logical_id),
                 *depends_on_edits(ctx, invoker, [logical_id]))
        if len({(e.start, e.end) for e in edits}) != len(edits):
            raise CannotEdit("the resource and the DependsOn would be inserted at the same place")
        cdk = None
        if function.construct_path:
            from preflight.fix.cdk import add_permission

            cdk = add_permission(function.construct_path, logical_id, properties)
        return Fix(title, "safe", tuple(sorted(edits)), cdk=cdk)
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)


def _as_reference(ctx: Any, invoker: Any, source_arn: Any) -> Any:
    """``{"Ref": X}`` / ``{"Fn::GetAtt": [X, "Arn"]}`` when the SourceArn is the ARN of a resource the invoker
    refers to (a rotation schedule's secret): the template's own reference, exact where the resolved ARN is
    not (a secret's ARN ends with a random suffix)."""
    from preflight.fix.values import arn_reference

    ws = workspace(ctx)
    for edge in ctx.graph.out.get(invoker.logical_id, ()):
        target = edge.target
        if target == invoker.logical_id or edge.kind == "DependsOn":
            continue
        if as_text(ws.ref(target)) == source_arn or ws.arn(target) == source_arn:
            symbol = arn_reference(ctx.template, target)
            if symbol is not None:
                return template_value(symbol, ctx.template, ctx.pins)
    return None
