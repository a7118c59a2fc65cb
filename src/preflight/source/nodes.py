"""Template nodes: plain dicts and lists that also remember where every key and value came from.

Spans of scalars are kept by their container (``key_spans`` / ``value_spans`` / ``item_spans``), so every scalar,
bools and numbers included, has a location without wrapping each one in an object.
"""

from __future__ import annotations

from typing import Any

from preflight.source.span import NO_SPAN, Span


class MapNode(dict):  # type: ignore[type-arg]
    """A mapping with the span of the whole mapping and of each key and value."""

    __slots__ = ("key_spans", "span", "value_spans")

    def __init__(self, span: Span = NO_SPAN) -> None:
        super().__init__()
        self.span = span
        self.key_spans: dict[Any, Span] = {}
        self.value_spans: dict[Any, Span] = {}

    def key_span(self, key: Any) -> Span:
        return self.key_spans.get(key, self.span)

    def value_span(self, key: Any) -> Span:
        return self.value_spans.get(key, self.span)


class SeqNode(list):  # type: ignore[type-arg]
    """A sequence with the span of the whole sequence and of each item."""

    __slots__ = ("item_spans", "span")

    def __init__(self, span: Span = NO_SPAN) -> None:
        super().__init__()
        self.span = span
        self.item_spans: list[Span] = []

    def item_span(self, index: int) -> Span:
        if 0 <= index < len(self.item_spans):
            return self.item_spans[index]
        return self.span


def span_of(node: Any, default: Span = NO_SPAN) -> Span:
    """The span of a container node, or `default` for a plain scalar."""
    return getattr(node, "span", None) or default


def child_span(node: Any, key: Any, default: Span = NO_SPAN) -> Span:
    """Span of node[key] (a mapping key's value or a sequence index), falling back to the node's span."""
    if isinstance(node, MapNode):
        return node.value_spans.get(key, node.span)
    if isinstance(node, SeqNode) and isinstance(key, int):
        return node.item_span(key)
    return span_of(node, default)


def plain_values(node: Any) -> Any:
    """A node tree as plain values (dicts, lists, scalars): what CloudFormation reads, without spans."""
    if isinstance(node, dict):
        return {k: plain_values(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain_values(v) for v in node]
    return node
