"""Schema shape fixes (PF8005): Tags given as a mapping become a list of Key/Value pairs; a single value where the
schema wants a list becomes a one-item list (its text kept)."""

from __future__ import annotations

from typing import Any

from preflight.findings import Edit, Fix
from preflight.fix.edits import CannotEdit, _content_end, _exact, json_text, render_inline, yaml_block
from preflight.fix.policy import editable
from preflight.source.nodes import MapNode, SeqNode, plain_values

_SINGLE_VALUED = ("Ref ", "Fn::Sub", "Fn::GetAtt", "Fn::ImportValue", "Fn::Join", "Fn::Select", "Fn::Base64")


def _parent(resource: Any, path: tuple[str, ...]) -> tuple[Any, Any]:
    node: Any = resource.properties
    for step in path[:-1]:
        if isinstance(node, SeqNode) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        elif isinstance(node, MapNode) and step in node:
            node = node[step]
        else:
            raise CannotEdit("the value is not where the schema path says")
    if not isinstance(node, MapNode) or path[-1] not in node:
        raise CannotEdit("the value is not where the schema path says")
    return node, path[-1]



def _tags_edit(ctx: Any, parent: MapNode, key: str) -> Edit:
    node = parent[key]
    if not isinstance(node, MapNode) or not node or any(k.startswith("Fn::") or k == "Ref" for k in node):
        raise CannotEdit("the tags are not a plain mapping of names to values")
    document, text = ctx.document, ctx.document.text
    span = _exact(text, parent.value_spans.get(key), "the tags")
    pairs = [{"Key": name, "Value": plain_values(value)} for name, value in node.items()]
    column = span.start - (text.rfind("\n", 0, span.start) + 1)
    if document.style.format == "json" and text[span.start] == "{":
        return Edit(span.start, span.end, json_text(pairs, column, document.style))
    if text[span.start] == "{":
        return Edit(span.start, span.end, render_inline(document, pairs))
    if document.style.format == "json":
        raise CannotEdit("the tags are not where the file's text puts them")
    if text[span.start - 1] not in " \t" or text[text.rfind("\n", 0, span.start) + 1:span.start].strip():
        raise CannotEdit("the tags mapping does not start its own line")
    lines = yaml_block(pairs, column, document.style)
    end = _content_end(text, node, span)
    return Edit(span.start, end, document.style.newline.join([lines[0][column:], *lines[1:]]))


def _wrap_edit(ctx: Any, parent: MapNode, key: str) -> Edit:
    text = ctx.document.text
    span = _exact(text, parent.value_spans.get(key), "the value")
    node = parent[key]
    raw = text[span.start:span.end]
    if isinstance(node, (dict, list)):
        short_form = isinstance(node, MapNode) and raw.startswith("!") and "\n" not in raw
        if not (short_form or raw.startswith("{")):
            raise CannotEdit("the value is a block mapping: write the list by hand")
    elif not raw or "\n" in raw or raw.startswith(("|", ">")):
        raise CannotEdit("the value spans several lines: write the list by hand")
    return Edit(span.start, span.end, f"[{raw}]")


def shape_fix(ctx: Any, resource: Any, issue: Any) -> Fix | None:
    """The fix of a shape finding, or None when no fix is known for that shape."""
    if "a" not in issue.expected or not issue.path:
        return None
    tags = issue.found == "o" and not issue.via and {"Key", "Value"} <= set(issue.item_keys) \
        and not set(issue.given_keys) <= set(issue.item_keys)
    single = issue.found == "s" and (not issue.via or issue.via.startswith(_SINGLE_VALUED))
    if not tags and not single:
        return None
    name = issue.path[-1]
    title = f"write {name} as a list of Key/Value pairs" if tags else f"make {name} a list of one item"
    try:
        editable(ctx, resource)
        parent, key = _parent(resource, issue.path)
        edit = _tags_edit(ctx, parent, key) if tags else _wrap_edit(ctx, parent, key)
    except CannotEdit as exc:
        return Fix(title, "display", reason=exc.reason)
    return Fix(title, "safe", (edit,))

