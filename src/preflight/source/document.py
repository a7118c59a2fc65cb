"""Load YAML or JSON text into a Document whose nodes carry key and value spans.

YAML goes through PyYAML's C composer (libyaml) and the node graph is converted here, so we control what the
conversion costs: alias expansion, nesting depth and total node count are bounded, and a billion-laughs file is
rejected in milliseconds. Short-form tags (!Ref, !GetAtt a.b, !Sub ...) become their long form. JSON goes
through a small parser of our own because the standard library's keeps no positions; strings are still decoded
by the C `scanstring`.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from preflight.numbers import json_number
from preflight.source.nodes import MapNode, SeqNode
from preflight.source.span import LineIndex, Span

MAX_BYTES = 20 * 1024 * 1024  # CloudFormation itself accepts at most 1 MB (S3) / 51,200 bytes (inline).
MAX_DEPTH = 200
MAX_NODES = 5_000_000
MAX_ALIAS_NODES = 20_000  # nodes produced by expanding aliases; a billion-laughs file blows past this at once

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
_SHORT_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
}
for _name in (
    "And", "Base64", "Cidr", "Equals", "FindInMap", "ForEach", "GetAZs", "If", "ImportValue", "Join", "Length",
    "Not", "Or", "Select", "Split", "Sub", "ToJsonString", "Transform", "GetParam",
):
    _SHORT_TAGS["!" + _name] = "Fn::" + _name


class LoadError(Exception):
    """The text is not a loadable template. Carries the location of the problem."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


class Duplicate(NamedTuple):
    """A key that appears twice in one mapping; CloudFormation keeps the last, the first is silently lost."""

    path: tuple[Any, ...]
    key: str
    first: Span
    second: Span


class Document:
    __slots__ = ("_style", "duplicates", "format", "lines", "path", "problems", "root", "text")

    def __init__(
        self,
        path: str,
        text: str,
        format: str,  # "yaml" | "json"
        root: Any,
        lines: LineIndex,
        duplicates: list[Duplicate] | None = None,
        problems: list[tuple[str, str, Span, str | None]] | None = None,
    ) -> None:
        self.path = path
        self.text = text
        self.format = format
        self.root = root
        self.lines = lines
        self.duplicates: list[Duplicate] = [] if duplicates is None else duplicates
        # Non-fatal problems found while loading: (code, message, span, severity or None for the catalog's).
        self.problems: list[tuple[str, str, Span, str | None]] = [] if problems is None else problems
        self._style: Any = None

    @property
    def style(self) -> Any:
        """The file's indentation, line ends and intrinsic forms (source/style.py), detected on first use: only a
        run that builds a fix edit pays for it."""
        if self._style is None:
            from preflight.source.style import detect_style

            self._style = detect_style(self.text, self.format, self.root)
        return self._style

    def line_text(self, line: int) -> str:
        starts = self.lines.starts
        if not 1 <= line <= len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end].rstrip("\r")


def load_text(text: str, path: str = "<string>") -> Document:
    """Parse YAML or JSON. Raises LoadError (with a location) when the text cannot be a template."""
    lines = LineIndex(text)
    if len(text) > MAX_BYTES:
        raise LoadError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB", lines.span(0, 0))
    if "\x00" in text:
        pos = text.index("\x00")
        raise LoadError("file contains a NUL byte: not a text template", lines.span(pos, pos + 1))
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate (text decoded with errors='surrogateescape')
            raise LoadError(f"the text holds an unpaired surrogate U+{ord(text[exc.start]):04X}: not UTF-8 text "
                            "(an undecodable byte?)", lines.span(exc.start, exc.start + 1)) from None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _load_json(text, lines, path)
    doc = Document(path, text, "yaml", None, lines)
    doc.root = _load_yaml(text, lines, doc)
    return doc


_RECENT: dict[tuple[str, str], Document | LoadError] = {}
_RECENT_KEPT = 4


def load_recent(text: str, path: str = "<string>") -> Document:
    """load_text, remembering the last few texts: `preflight fix` asks for the same versions of one template
    several times (the re-check, the value-tree comparison, the no-new-access verifier's two sides). Documents are
    never modified after loading (DESIGN.md "Data flow"), so they can be shared."""
    key = (text, path)
    found = _RECENT.pop(key, None)
    if found is None:
        try:
            found = load_text(text, path)
        except LoadError as exc:
            found = exc
    _RECENT[key] = found  # most recent last
    while len(_RECENT) > _RECENT_KEPT:
        del _RECENT[next(iter(_RECENT))]
    if isinstance(found, LoadError):
        raise found
    return found


# --------------------------------------------------------------------------------------------------- JSON

_TRAILING_COMMA = re.compile(r",\s*[}\]]")


def _load_json(text: str, lines: LineIndex, path: str) -> Document:
    """JSON through libyaml first (a C parser: JSON is YAML flow syntax), our own parser when libyaml refuses.

    libyaml reads every JSON template of the corpus exactly as json.loads does, except numbers with an exponent,
    which the converter turns back into numbers. Where libyaml fails, our parser decides and gives a
    JSON-specific message. Trailing commas, which YAML flow syntax allows, are reported by a cheap scan.
    """
    doc = Document(path, text, "json", None, lines)
    try:
        doc.root = _load_yaml(text, lines, doc, json_mode=True)
    except LoadError:
        doc = Document(path, text, "json", None, lines)
        doc.root = _JsonParser(text, lines, doc).parse()
        return doc
    for match in _TRAILING_COMMA.finditer(text):
        if _outside_string(text, match.start()):
            _trailing_comma(doc, lines, match.start())
    return doc


def _outside_string(text: str, pos: int) -> bool:
    """Whether a position lies outside a JSON string: an even number of unescaped quotes before it on its line."""
    line_start = text.rfind("\n", 0, pos) + 1
    segment = text[line_start:pos].replace("\\\\", "").replace('\\"', "")
    return segment.count('"') % 2 == 0


def _trailing_comma(doc: Document, lines: LineIndex, pos: int) -> None:
    # CloudFormation's JSON reader accepts a trailing comma (a corpus template with one got past parsing to fail on
    # a circular dependency), but strict JSON tools (jq, json.load) do not.
    message = "trailing comma: not valid JSON (CloudFormation accepts it, most JSON tools do not)"
    doc.problems.append(("PF0007", message, lines.span(pos, pos + 1), None))


# --------------------------------------------------------------------------------------------------- YAML


def _load_yaml(text: str, lines: LineIndex, doc: Document, json_mode: bool = False) -> Any:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    _guard_flow_depth(text, lines, loader_cls)
    loader = loader_cls(text)
    try:
        node = loader.get_node() if loader.check_node() else None
        if loader.check_node():
            extra: Any = loader.get_node()
            empty = extra is None or (extra.id == "scalar" and extra.value == "")
            span = _mark_span(lines, extra.start_mark if extra is not None else None)
            message = ("the file holds more than one YAML document (a '---' separator); CloudFormation reads a "
                       "template as one document: only the first one was checked")
            doc.problems.append((
                "PF0001",
                message,
                span,
                "warning" if empty else None,
            ))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = _mark_span(lines, mark)
        raise LoadError(f"invalid YAML: {exc.problem or exc.context}", span) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid YAML: {exc}", lines.span(0, 0)) from None
    except RecursionError:
        raise LoadError(f"YAML nesting is deeper than {MAX_DEPTH} levels", lines.span(0, 0)) from None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _YamlConverter(lines, doc, json_mode).convert(node)


_BRACKETS = re.compile(r"[\[\]{}]")


def _guard_flow_depth(text: str, lines: LineIndex, loader_cls: Any) -> None:
    """Reject deep flow nesting before libyaml's recursive composer sees it (it overflows the C stack).

    Bracket depth over-estimates flow depth (brackets inside strings count too), so only when it exceeds the
    limit do we measure the real depth from the parser's events, which libyaml produces without recursion.
    Block nesting needs indentation, so a file within MAX_BYTES cannot nest blocks deep enough to matter.
    """
    depth = 0
    exceeded_at = -1
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            exceeded_at = match.start()
            break
    if exceeded_at < 0:
        return
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader_cls):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise LoadError(f"nesting is deeper than {MAX_DEPTH} levels", _mark_span(lines, event.start_mark))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        # libyaml scans a flow collection ahead before it emits its events, and since PyYAML 6.0.4 (libyaml 0.2.6)
        # it stops at its own flow-depth limit (1000) with "exceeded maximum nesting depth" before we see event
        # 201. An error past the point where the brackets already nest deeper than our limit is that limit's
        # business: report ours, so the finding is the same whatever the library version.
        mark = getattr(exc, "problem_mark", None)
        if mark is not None and mark.index >= exceeded_at:
            raise LoadError(f"nesting is deeper than {MAX_DEPTH} levels", lines.span(exceeded_at, exceeded_at + 1)) from None
        return  # the composer will report the syntax error with its location


def _mark_span(lines: LineIndex, mark: Any) -> Span:
    if mark is None:
        return lines.span(0, 0)
    start = lines.offset(mark.line + 1, mark.column + 1)
    return lines.span(start, start)


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?[eE][-+]?\d+")
_new_span = tuple.__new__
_BOOL_VALUES = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


class _YamlConverter:
    def __init__(self, lines: LineIndex, doc: Document, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        self.lines = lines
        self.doc = doc
        self.seen: set[int] = set()
        self.count = 0
        self.alias_count = 0
        self.starts = lines.starts

    def span(self, node: Any) -> Span:
        # libyaml's mark.index is a character offset into the text (checked with non-ASCII text and CRLF line
        # ends in tests/core/test_loader.py), so no line-table lookup is needed: this runs for every key and value.
        s, e = node.start_mark, node.end_mark
        return _new_span(Span, (s.line + 1, s.column + 1, e.line + 1, e.column + 1, s.index, e.index))

    def convert(self, node: Any, depth: int = 0, path: tuple[Any, ...] = ()) -> Any:
        self.count += 1
        key = id(node)
        aliased = key in self.seen
        if aliased:
            self.alias_count += 1
            if self.alias_count > MAX_ALIAS_NODES:
                raise LoadError(
                    f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (a 'billion laughs' file?)",
                    self.span(node),
                )
        else:
            self.seen.add(key)
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting is deeper than {MAX_DEPTH} levels", self.span(node))
        if self.count > MAX_NODES:
            raise LoadError(f"template has more than {MAX_NODES} nodes", self.span(node))
        tag = node.tag
        if tag in _SHORT_TAGS:
            return self._short_form(node, _SHORT_TAGS[tag], depth, path)
        if tag.startswith("!"):
            message = f"Template format error: unknown YAML tag {tag} (not a CloudFormation intrinsic function)"
            self.doc.problems.append(("PF0006", message, self.span(node), None))
        kind = node.id
        if kind == "scalar":
            return self._scalar(node)
        if kind == "mapping":
            return self._mapping(node, depth, path)
        return self._sequence(node, depth, path)

    def _scalar(self, node: Any) -> Any:
        tag, value = node.tag, node.value
        if node.style:
            return value
        if tag == _STR_TAG:
            if self.json_mode and _JSON_NUMBER.fullmatch(value):
                return json_number(value, True)  # JSON 1e5 is a number; YAML 1.1 reads it as a string
            return value
        if tag == _INT_TAG:
            # A leading zero is an account id or a code, not an octal number: keep the text.
            digits = value.lstrip("+-")
            if digits.startswith("0") and len(digits) > 1 or "_" in value or ":" in value:
                return value
            try:
                return int(value, 0) if digits.startswith("0x") else int(value)
            except ValueError:
                return value
        if tag == _BOOL_TAG:
            return _BOOL_VALUES.get(value.lower(), value)
        if tag == _NULL_TAG:
            return None
        if tag == _FLOAT_TAG:
            return json_number(value, True)  # 1.0e+999 stays text, not inf
        return value  # timestamps, binary, unknown tags: the text, as CloudFormation reads it

    def _mapping(self, node: Any, depth: int, path: tuple[Any, ...]) -> MapNode:
        result = MapNode(self.span(node))
        key_spans, value_spans = result.key_spans, result.value_spans
        for key_node, value_node in node.value:
            if key_node.id != "scalar" or key_node.tag in _SHORT_TAGS:
                raise LoadError("a mapping key must be a plain name", self.span(key_node))
            # Keys are names as written: YAML 1.1 would read a condition named On as the boolean true.
            key = key_node.value
            key_span = self.span(key_node)
            if key in result:
                self.doc.duplicates.append(Duplicate(path, key, key_spans[key], key_span))
            result[key] = self.convert(value_node, depth + 1, path + (key,))
            key_spans[key] = key_span
            value_spans[key] = self.span(value_node)
        return result

    def _sequence(self, node: Any, depth: int, path: tuple[Any, ...]) -> SeqNode:
        result = SeqNode(self.span(node))
        for index, item in enumerate(node.value):
            result.append(self.convert(item, depth + 1, path + (index,)))
            result.item_spans.append(self.span(item))
        return result

    def _short_form(self, node: Any, name: str, depth: int, path: tuple[Any, ...]) -> MapNode:
        span = self.span(node)
        if node.id == "scalar":
            value: Any = node.value
            if name == "Fn::GetAtt":
                value = _split_getatt(value, span)
            elif name == "Fn::GetAZs" and value == "":
                value = ""
        elif node.id == "mapping":
            value = self._mapping(node, depth + 1, path + (name,))
        else:
            value = self._sequence(node, depth + 1, path + (name,))
        result = MapNode(span)
        result[name] = value
        result.key_spans[name] = span
        result.value_spans[name] = span
        return result


def _split_getatt(text: str, span: Span) -> Any:
    # !GetAtt Resource.Attribute.With.Dots -> ["Resource", "Attribute.With.Dots"]
    resource, dot, attribute = text.partition(".")
    seq = SeqNode(span)
    seq.extend([resource, attribute] if dot else [text])
    seq.item_spans.extend([span] * len(seq))
    return seq


# --------------------------------------------------------------------------------------------------- JSON

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class _JsonParser:
    def __init__(self, text: str, lines: LineIndex, doc: Document) -> None:
        from json.decoder import scanstring  # type: ignore[attr-defined]  # the C scanner, untyped in typeshed

        self.text = text
        self.lines = lines
        self.doc = doc
        self.scanstring = scanstring
        self.count = 0

    def error(self, message: str, pos: int) -> LoadError:
        pos = min(pos, len(self.text))
        return LoadError(f"invalid JSON: {message}", self.lines.span(pos, pos))

    def trailing_comma(self, pos: int) -> None:
        _trailing_comma(self.doc, self.lines, pos)

    def parse(self) -> Any:
        pos = _WS.match(self.text, 0).end()  # type: ignore[union-attr]
        value, end = self.value(pos, 0, ())
        end = _WS.match(self.text, end).end()  # type: ignore[union-attr]
        if end != len(self.text):
            raise self.error("extra data after the document", end)
        return value

    def value(self, pos: int, depth: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        text = self.text
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(f"template has more than {MAX_NODES} nodes", pos)
        if depth > MAX_DEPTH:
            raise self.error(f"nesting is deeper than {MAX_DEPTH} levels", pos)
        if pos >= len(text):
            raise self.error("unexpected end of input", pos)
        char = text[pos]
        if char == '"':
            try:
                return self.scanstring(text, pos + 1, True)  # type: ignore[no-any-return]
            except ValueError as exc:
                raise self.error(str(exc).split(":")[0], pos) from None
        if char == "{":
            return self.obj(pos, depth, path)
        if char == "[":
            return self.array(pos, depth, path)
        for word, literal in _LITERALS.items():
            if text.startswith(word, pos):
                return literal, pos + len(word)
        match = _NUMBER.match(text, pos)
        if match and match.end() > pos:
            # 1e999 and integers of thousands of digits stay text (int() refuses more than 4,300 digits)
            return json_number(match.group(0), bool(match.group(1) or match.group(2))), match.end()
        raise self.error(f"unexpected character {char!r}", pos)

    def obj(self, pos: int, depth: int, path: tuple[Any, ...]) -> tuple[MapNode, int]:
        text, ws = self.text, _WS.match
        node = MapNode()
        start = pos
        pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
        if text.startswith("}", pos):
            node.span = self.lines.span(start, pos + 1)
            return node, pos + 1
        while True:
            if not text.startswith('"', pos):
                raise self.error("expected a property name in double quotes", pos)
            key_start = pos
            key, pos = self.value(pos, depth + 1, path)
            key_span = self.lines.span(key_start, pos)
            pos = ws(text, pos).end()  # type: ignore[union-attr]
            if not text.startswith(":", pos):
                raise self.error("expected ':' after a property name", pos)
            pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
            value_start = pos
            value, pos = self.value(pos, depth + 1, path + (key,))
            if key in node:
                self.doc.duplicates.append(Duplicate(path, key, node.key_spans[key], key_span))
            node[key] = value
            node.key_spans[key] = key_span
            node.value_spans[key] = self.lines.span(value_start, pos)
            pos = ws(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                comma = pos
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
                if text.startswith("}", pos):
                    self.trailing_comma(comma)
                    node.span = self.lines.span(start, pos + 1)
                    return node, pos + 1
                continue
            if text.startswith("}", pos):
                node.span = self.lines.span(start, pos + 1)
                return node, pos + 1
            raise self.error("expected ',' or '}' in an object", pos)

    def array(self, pos: int, depth: int, path: tuple[Any, ...]) -> tuple[SeqNode, int]:
        text, ws = self.text, _WS.match
        node = SeqNode()
        start = pos
        pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
        if text.startswith("]", pos):
            node.span = self.lines.span(start, pos + 1)
            return node, pos + 1
        while True:
            value_start = pos
            value, pos = self.value(pos, depth + 1, path + (len(node),))
            node.append(value)
            node.item_spans.append(self.lines.span(value_start, pos))
            pos = ws(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                comma = pos
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
                if text.startswith("]", pos):
                    self.trailing_comma(comma)
                    node.span = self.lines.span(start, pos + 1)
                    return node, pos + 1
                continue
            if text.startswith("]", pos):
                node.span = self.lines.span(start, pos + 1)
                return node, pos + 1
            raise self.error("expected ',' or ']' in an array", pos)
