"""How a template is written: indentation, line ends, short or long intrinsic forms, block sequence style.

Fix edits render inserted values in the file's own style (DESIGN.md "Fixes"). Detected once per document, lazily
(``Document.style``): only a run that builds a fix pays for it.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

_SHORT_TAGS = ("!Ref ", "!Sub ", "!GetAtt ", "!If ", "!Join ", "!Select ", "!Split ", "!FindInMap ", "!Equals ",
               "!ImportValue ", "!Base64 ", "!GetAZs ", "!Not ", "!And ", "!Or ", "!Condition ", "!Cidr ")
_LONG_TAGS = ("Fn::", "Ref:", "Ref\":")
# A key alone on its line, then the first block sequence item under it: is the dash indented under the key?
_SEQ_UNDER_KEY = re.compile(r"^( *)[^\s#\-][^\n]*:[ \t]*\r?\n(?:[ \t]*(?:#[^\n]*)?\r?\n)*( *)- ", re.MULTILINE)


class Style(NamedTuple):
    format: str  # "yaml" | "json"
    indent: int  # columns per nesting level
    newline: str  # "\n" | "\r\n"
    short_forms: bool  # YAML: !Ref / !Sub / !GetAtt rather than Ref: / Fn::Sub: / Fn::GetAtt:
    seq_indented: bool  # YAML block sequences: the dash indented under its key (True) or at the key's column
    json_space: bool  # JSON: "key": value (True) or "key":value
    quote: str = "'"  # YAML: the quote a string that needs one gets (the file's more frequent one)


def detect_style(text: str, format: str, root: Any) -> Style:
    newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1] else "\n"
    indent = _indent_unit(root)
    if format == "json":
        compact = re.search(r"\"\s*:\s*", text)
        return Style("json", indent, newline, False, True, bool(compact and compact.group(0) != '":'))
    # str.count runs in C: a regex scan of a large template costs milliseconds, and this runs per fixed file.
    short = sum(text.count(tag) for tag in _SHORT_TAGS)
    long = sum(text.count(tag) for tag in _LONG_TAGS)
    match = _SEQ_UNDER_KEY.search(text, 0, 200_000)
    seq_indented = True if match is None else len(match.group(2)) > len(match.group(1))
    singles = text.count(": '") + text.count("!Sub '") + text.count("- '")
    doubles = text.count(': "') + text.count('!Sub "') + text.count('- "')
    quote = '"' if doubles > singles else "'"
    return Style("yaml", indent, newline, short > 0 and short >= long, seq_indented, True, quote)


def _indent_unit(root: Any) -> int:
    """The columns between a top-level key and the keys under it (Resources first), 2 when not measurable."""
    spans = getattr(root, "key_spans", None)
    if not isinstance(root, dict) or spans is None:
        return 2
    for section in ("Resources", *root):
        child = root.get(section)
        child_spans = getattr(child, "key_spans", None)
        if not isinstance(child, dict) or not child_spans or section not in spans:
            continue
        first = next(iter(child_spans.values()))
        unit = first.column - spans[section].column
        if first.line != spans[section].line and 0 < unit <= 8:
            return int(unit)
    return 2
