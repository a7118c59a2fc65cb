"""Loaders: text -> Document of nodes that carry their source spans."""

from preflight.source.document import Document, MapNode, SeqNode, load_text
from preflight.source.span import NO_SPAN, Span

__all__ = ["Document", "MapNode", "SeqNode", "Span", "NO_SPAN", "load_text"]
