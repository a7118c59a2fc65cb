"""Source locations. Lines and columns are 1-based; start/end are character offsets into the text."""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple


class Span(NamedTuple):
    """Immutable and cheap to build (a tuple): the loader makes one for every key and value."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


NO_SPAN = Span(1, 1, 1, 1, 0, 0)


class LineIndex:
    """Maps character offsets to (line, column) and back, for one text."""

    __slots__ = ("length", "starts")

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.starts = starts
        self.length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        """Offset of a 1-based line/column (clamped to the text)."""
        if line - 1 >= len(self.starts):
            return self.length
        return min(self.starts[line - 1] + column - 1, self.length)

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(line, col, end_line, end_col, start, end)
