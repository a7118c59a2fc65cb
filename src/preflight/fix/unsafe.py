"""Unsafe fixes: they change what gets deployed (a newer engine version or runtime, another physical name, a
resource kept on delete), so `preflight fix` applies them only with --unsafe-fixes (DESIGN.md "Fixes")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from preflight.findings import Edit, Fix
from preflight.fix.edits import CannotEdit, add_key, replace_scalar, replace_within
from preflight.fix.policy import editable
from preflight.source.nodes import MapNode


def _literal(resource: Any, prop: str) -> None:
    value = resource.properties.get(prop)
    if isinstance(value, dict):
        raise CannotEdit(f"{prop} of {resource.logical_id} comes from an intrinsic function: change its source")


def replace_values_fix(ctx: Any, title: str, resources: Sequence[Any], prop: str, value: str) -> Fix:
    """Replace the literal ``prop`` of each resource with ``value`` (an engine version, a runtime)."""
    try:
        editable(ctx, *resources)
        edits = []
        for resource in resources:
            _literal(resource, prop)
            edits.append(replace_scalar(ctx.document, resource.properties, prop, value))
        return Fix(title, "unsafe", tuple(edits))
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)


_SUB_REFERENCE = re.compile(r"\$\{[^}]*\}")


def lowercase_fix(ctx: Any, resource: Any, prop: str) -> Fix:
    """The name's literal letters lower-cased (the ${...} of an Fn::Sub kept): another physical name, so a
    replacement of the resource on update."""
    title = f"lower-case the literal letters of {prop} of {resource.logical_id}"
    try:
        editable(ctx, resource)
        value = resource.properties.get(prop)
        if isinstance(value, MapNode) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"]
        elif isinstance(value, str):
            text = value
        else:
            raise CannotEdit(f"{prop} of {resource.logical_id} is built from values preflight cannot change")
        pieces = _SUB_REFERENCE.split(text)
        if not any(p != p.lower() for p in pieces):
            raise CannotEdit("the upper-case letters come from a parameter or pseudo parameter: change its value")
        references = _SUB_REFERENCE.findall(text)
        lowered = "".join(p.lower() + (references[i] if i < len(references) else "") for i, p in enumerate(pieces))
        span = resource.properties.value_spans.get(prop)
        if span is None:
            raise CannotEdit(f"{prop} has no exact location in the file")
        return Fix(title, "unsafe", (replace_within(ctx.document, span, text, lowered),))
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)


def retain_fix(ctx: Any, resource: Any) -> Fix:
    """DeletionPolicy: Retain: a failed rollback no longer stops on the resource, which stays in the account
    when the stack is deleted (and a fixed name would then collide: PF7003, so not with one)."""
    from preflight.data.resources import resource_type

    title = f"set DeletionPolicy: Retain on {resource.logical_id}"
    try:
        editable(ctx, resource)
        info = resource_type(resource.type)
        name_property = info.name_property if info else None
        if name_property and name_property in resource.properties:
            raise CannotEdit(f"{resource.logical_id} has a fixed {name_property}: retained, it would make the next "
                             f"deployment collide (PF7003)")
        node = resource.node
        edit: Edit
        if "DeletionPolicy" in node:
            edit = replace_scalar(ctx.document, node, "DeletionPolicy", "Retain")
        else:
            edit = add_key(ctx.document, node, "DeletionPolicy", "Retain", after="Type")
        return Fix(title, "unsafe", (edit,))
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)
