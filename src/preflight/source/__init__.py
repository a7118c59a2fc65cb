"""Loaders: text -> Document of nodes that carry their source spans."""

from preflight.source.document import Document, load_text
from preflight.source.nodes import MapNode, SeqNode
from preflight.source.span import NO_SPAN, Span

__all__ = ["NO_SPAN", "Document", "MapNode", "SeqNode", "Span", "load_text"]
