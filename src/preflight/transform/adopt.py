"""Give every node of an expanded template a span in the original file.

A transform returns plain dicts and lists mixed with copies of the source nodes (deep copies keep MapNode and
SeqNode with their spans). `adopt` turns the plain containers into nodes: a container takes the span of the source
node at the same path (the "parallel" nodes: the SAM resource's Properties, then the Globals entry) when there is
one, else the span of its parent, down from the span of the source that generated the resource. So a finding on a
generated value points at the nearest thing the author wrote.
"""

from __future__ import annotations

from typing import Any

from preflight.source.nodes import MapNode, SeqNode
from preflight.source.span import Span

Parallel = tuple[Any, ...]


def adopt(value: Any, span: Span, parallel: Parallel = (), depth: int = 0) -> Any:
    if depth > 400:  # the loader bounds depth at 200; a transform doubles it at most
        return value
    if isinstance(value, dict):
        return _mapping(value, span, parallel, depth)
    if isinstance(value, list):
        return _sequence(value, span, parallel, depth)
    return value


def _mapping(value: dict[Any, Any], span: Span, parallel: Parallel, depth: int) -> MapNode:
    source = next((p for p in parallel if isinstance(p, MapNode)), None)
    if isinstance(value, MapNode):
        node = value
    else:
        node = MapNode(source.span if source is not None else span)
        node.update(value)
    for key in list(node):
        holder = next((p for p in parallel if isinstance(p, MapNode) and key in p), None)
        if key not in node.key_spans:
            fallback = source.span if source is not None else node.span
            node.key_spans[key] = holder.key_span(key) if holder is not None else fallback
        if key not in node.value_spans:
            node.value_spans[key] = holder.value_span(key) if holder is not None else node.key_spans[key]
        child = node[key]
        if isinstance(child, (dict, list)):
            below = tuple(p[key] for p in parallel if isinstance(p, MapNode) and key in p)
            node[key] = adopt(child, node.value_spans[key], below, depth + 1)
    return node


def _sequence(value: list[Any], span: Span, parallel: Parallel, depth: int) -> SeqNode:
    source = next((p for p in parallel if isinstance(p, SeqNode)), None)
    if isinstance(value, SeqNode) and len(value.item_spans) == len(value):
        node = value
    else:
        node = SeqNode(value.span if isinstance(value, SeqNode) else source.span if source is not None else span)
        node.extend(value)
        for index in range(len(node)):
            same = source is not None and index < len(source) and source[index] == node[index]
            node.item_spans.append(source.item_span(index) if same and source is not None else node.span)
    for index, child in enumerate(node):
        if isinstance(child, (dict, list)):
            below = tuple(p[index] for p in parallel if isinstance(p, SeqNode) and index < len(p))
            node[index] = adopt(child, node.item_spans[index], below, depth + 1)
    return node
