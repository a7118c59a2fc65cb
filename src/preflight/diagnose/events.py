"""Stack events as people paste them, in every format, turned into one list of ``Event`` records.

Recognised (automatically, in this order): the JSON of ``aws cloudformation describe-stack-events`` (an object
with ``StackEvents``, a bare list, one event; truncated JSON is salvaged key by key), the CLI's ``--output text``
(``STACKEVENTS`` rows) and ``--output table`` / ``--output yaml`` (key and value pairs), ``sam deploy`` tables
(fixed-width columns that wrap), and line formats: the console's Events tab copied as text (tab-separated,
wrapped over several lines), markdown tables, ``cdk deploy`` output (``time | STATUS | Type | Id`` with the
reason on the same or the next line, and the final ``❌ ... failed:`` summary), Serverless Framework output
(``An error occurred: Id - reason``, ``CREATE_FAILED: Id (Type)``, ``CloudFormation - STATUS - Type - Id``) and
tool-rendered lists (``- AWS::EC2::EIP Id reason``). Input with no events at all may be a change-set or
validation error (``Template format error: ...``, ``Circular dependency between resources: [...]``) or a bare
status reason. Anything else is an ``InputError`` that names what was expected.

Parsing never raises anything but ``InputError``: a paste is hostile input.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from preflight.errors import InputError

MAX_INPUT_CHARS = 20 * 1024 * 1024

STATUS = (
    r"(?:UPDATE_ROLLBACK|IMPORT_ROLLBACK|ROLLBACK|UPDATE|CREATE|DELETE|IMPORT|REVIEW)_"
    r"(?:COMPLETE_CLEANUP_IN_PROGRESS|IN_PROGRESS|FAILED|COMPLETE|SKIPPED)"
)
STATUS_RE = re.compile(rf"\b{STATUS}\b")
_STATUS_FULL = re.compile(rf"{STATUS}|FAILED")
TYPE_RE = re.compile(r"\b(?:(?:AWS|Alexa)::[A-Za-z0-9]+::[A-Za-z0-9]+(?:::[A-Za-z0-9]+)?|Custom::[\w.-]+)")
_TYPE_FULL = re.compile(r"(?:(?:AWS|Alexa)::[A-Za-z0-9]+::[A-Za-z0-9]+(?:::[A-Za-z0-9]+)?|Custom::[\w.-]+)")
_TZ = r"(?:\s*\(?(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?\)?|\s*Z|\s+(?:UTC|GMT))?"
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?"
TIMESTAMP_RE = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}(?:[T ]" + _TIME + ")?"  # 2024-03-12 13:42:52 / 2024-03-12T13:42:52.1Z
    r"|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4},? "
    + _TIME  # Mar 12, 2024, 1:42:52 PM (console)
    + r"|\d{1,2}/\d{1,2}/\d{2,4},? "
    + _TIME  # 3/12/2024, 1:42:52 PM
    + r"|"
    + _TIME
    + r")"
    + _TZ  # 12:58:26 PM / 12:19:03 UTC-0700
)
_IDENT = re.compile(r"[A-Za-z0-9<][\w.\-:/<>]*")
_CDK_ID = re.compile(r"(\S+) \(([A-Za-z0-9]+)\)(?:\s+(.*))?$", re.DOTALL)
_SEPARATOR = re.compile(r"^[\s|:+\-=_*`~]*$")
EVENT_KEYS = (
    "StackName",
    "StackId",
    "EventId",
    "LogicalResourceId",
    "PhysicalResourceId",
    "ResourceType",
    "Timestamp",
    "ResourceStatus",
    "ResourceStatusReason",
)
EXPECTED = (
    "expected stack events: the JSON of `aws cloudformation describe-stack-events`, its --output text or "
    "table, the console's Events tab copied as text, a markdown table of events, `cdk deploy`, `sam deploy` "
    "or Serverless output, or a change-set/validation error such as 'Template format error: ...'"
)


class Event(NamedTuple):
    """One stack event as far as the input shows it (anything may be missing)."""

    logical_id: str | None
    status: str | None
    reason: str
    resource_type: str | None = None
    timestamp: str | None = None
    stack: str | None = None
    physical_id: str | None = None
    seq: int = 0  # position in the input, for ordering
    line: int = 0  # 1-based line in the input where the event starts (0: unknown)


class Parsed(NamedTuple):
    """What one input holds."""

    name: str  # the file name, or "<stdin>"
    fmt: str  # the format recognised
    events: tuple[Event, ...]
    newest_first: bool | None  # None: unknown (decided later from timestamps or statuses)
    stack: str | None = None
    validation: str | None = None  # a change-set / validation error with no events
    summary: str | None = None  # the tool's final error line (cdk, sam) when it carries a reason
    bare_reason: bool = False  # the input is one status reason, nothing else


# ------------------------------------------------------------------------------------------------ entry


def parse_events(text: str, name: str = "<stdin>") -> Parsed:
    """Recognise the format of ``text`` and read its events; InputError when nothing fits."""
    if len(text) > MAX_INPUT_CHARS:
        raise InputError(name, f"input is {len(text)} characters, larger than the {MAX_INPUT_CHARS} limit")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(name, f"empty input; {EXPECTED}")
    for parser in (_parse_json, _parse_cli_text, _parse_sam_table, _parse_key_values, _parse_lines):
        parsed = parser(text, name)
        if parsed is not None and (parsed.events or parsed.validation):
            return _with_summary(parsed, text)
    validation = _validation_error(text)
    if validation:
        return Parsed(name, "validation-error", (), None, validation=validation)
    summary = _summary(text)
    if summary:
        return Parsed(name, "tool-summary", (), None, stack=summary[0], summary=summary[1])
    if _looks_like_reason(text):
        return Parsed(
            name, "status-reason", (), None, validation=None, summary=_squash(text), bare_reason=True
        )
    raise InputError(name, f"no stack events recognised; {EXPECTED}")


def _with_summary(parsed: Parsed, text: str) -> Parsed:
    summary = _summary(text)
    if summary is None:
        return parsed
    return parsed._replace(stack=parsed.stack or summary[0], summary=summary[1])


# ------------------------------------------------------------------------------------------------ JSON


def _parse_json(text: str, name: str) -> Parsed | None:
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None  # truncated or not JSON: the key/value salvage reads what is there
    items: Any = value
    if isinstance(value, dict):
        items = value.get("StackEvents", [value] if "ResourceStatus" in value else None)
    if not isinstance(items, list):
        return None
    found = [_event_from_mapping(item, i) for i, item in enumerate(items) if isinstance(item, dict)]
    events = tuple(e for e in found if e is not None)
    return Parsed(name, "describe-stack-events-json", events, True)


def _event_from_mapping(item: dict[str, Any], index: int, line: int = 0) -> Event | None:
    def text(key: str) -> str | None:
        value = item.get(key)
        if value is None or isinstance(value, (dict, list)):
            return None
        value = str(value).strip()
        return value if value and value != "None" else None

    status = text("ResourceStatus")
    logical = text("LogicalResourceId")
    if status is None and logical is None:
        return None
    return Event(
        logical,
        status,
        text("ResourceStatusReason") or "",
        text("ResourceType"),
        text("Timestamp"),
        text("StackName"),
        text("PhysicalResourceId"),
        index,
        line,
    )


# ------------------------------------------------------------------------------------------------ CLI text


_EVENT_ID = re.compile(rf"^(.+?)-{STATUS}-\d{{4}}-\d\d-\d\dT")


def _parse_cli_text(text: str, name: str) -> Parsed | None:
    rows = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.startswith("STACKEVENTS\t")]
    if not rows:
        return None
    events = []
    for index, (number, line) in enumerate(rows):
        cells = [c.strip() for c in line.split("\t")[1:]]
        at = next((i for i, c in enumerate(cells) if _STATUS_FULL.fullmatch(c)), None)
        if at is None:
            continue
        logical = None
        for cell in cells[:at]:
            match = _EVENT_ID.match(cell)
            if match:
                logical = match.group(1)
                break
        if logical is None:
            back = 3 if at >= 3 and (cells[at - 1].startswith("{") or cells[at - 1] == "None") else 2
            logical = cells[at - back] if at >= back else None
        after = cells[at + 1] if at + 1 < len(cells) else ""
        reason = "" if after == "None" or _TYPE_FULL.fullmatch(after) else after
        rtype = next((c for c in cells if _TYPE_FULL.fullmatch(c)), None)
        stamp = cells[-1] if cells and TIMESTAMP_RE.fullmatch(cells[-1]) else None
        stack = cells[-2] if stamp and len(cells) >= 2 else None
        events.append(Event(logical, cells[at], reason, rtype, stamp, stack, None, index, number))
    return Parsed(name, "cli-text", tuple(events), True)


# ------------------------------------------------------------------------------------------------ key/value


_KV_LINE = re.compile(r"^[\s|\-]*\"?(" + "|".join(EVENT_KEYS) + r")\"?\s*(?:\||:)\s*(.*?)\s*[|,]*\s*$")
_KV_JSON = re.compile(r"\"(" + "|".join(EVENT_KEYS) + r")\"\s*:\s*\"((?:[^\"\\]|\\.)*)\"?")


def _parse_key_values(text: str, name: str) -> Parsed | None:
    """CLI --output table / yaml, and JSON that does not parse (truncated, pasted with noise): read the
    known keys in order; a key that repeats starts the next event."""
    pairs: list[tuple[int, str, str]] = []
    if '"LogicalResourceId"' in text or '"ResourceStatus"' in text:
        number, seen = 1, 0
        for match in _KV_JSON.finditer(text):
            number += text.count("\n", seen, match.start())  # counted incrementally: linear in the input
            seen = match.start()
            pairs.append((number, match.group(1), _unescape(match.group(2))))
        fmt = "describe-stack-events-json"
    else:
        for number, line in enumerate(text.split("\n"), 1):
            kv = _KV_LINE.match(line)
            if kv:
                pairs.append((number, kv.group(1), kv.group(2).strip().strip("'\"")))
        fmt = "cli-table" if "|" in text else "cli-yaml"
    if not pairs:
        return None
    events: list[Event] = []
    current: dict[str, str] = {}
    start = 0
    for number, key, value in pairs:
        if key in current:
            event = _event_from_mapping(current, len(events), start)
            if event:
                events.append(event)
            current = {}
        if not current:
            start = number
        current[key] = value
    event = _event_from_mapping(current, len(events), start)
    if event:
        events.append(event)
    return Parsed(name, fmt, tuple(events), True)


def _unescape(value: str) -> str:
    try:
        return str(json.loads(f'"{value}"'))
    except ValueError:
        return value.replace('\\"', '"')


# ------------------------------------------------------------------------------------------------ sam table


_SAM_HEADERS = ("ResourceStatus", "ResourceType", "LogicalResourceId", "ResourceStatusReason")


def _parse_sam_table(text: str, name: str) -> Parsed | None:
    """sam prints fixed-width columns and wraps long values onto the next lines (textwrap: at spaces, and inside
    a word longer than the column, which then fills the column to its last character)."""
    rows: list[tuple[int, dict[str, list[str]]]] = []
    columns: list[tuple[str, int]] | None = None
    widths: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if all(h in line for h in _SAM_HEADERS) and "|" not in line:
            starts = sorted((_header_at(line, h), h) for h in _SAM_HEADERS)
            columns = [(h, at) for at, h in starts]
            continue
        if columns is None or _SEPARATOR.match(line):
            continue
        cells = {
            h: line[at : (columns[i + 1][1] if i + 1 < len(columns) else None)].strip()
            for i, (h, at) in enumerate(columns)
        }
        if _STATUS_FULL.fullmatch(cells.get("ResourceStatus", "")):
            rows.append((number, {k: [v] if v else [] for k, v in cells.items()}))
        elif rows and not line[: columns[0][1] + 1].strip() and not cells[columns[0][0]]:
            for key, value in cells.items():
                if value:
                    rows[-1][1][key].append(value)
        else:
            if line.strip():
                columns = None  # the table ended (sam prints "Error: ..." after it)
            continue
        for key, value in cells.items():
            widths[key] = max(widths.get(key, 0), len(value))
    events = []
    for index, (number, pieces) in enumerate(rows):
        joined = {k: _unwrap(v, widths.get(k, 0), k != "ResourceStatusReason") for k, v in pieces.items()}
        reason = joined.get("ResourceStatusReason", "")
        events.append(
            Event(
                joined.get("LogicalResourceId") or None,
                joined["ResourceStatus"],
                "" if reason == "-" else reason,
                joined.get("ResourceType") or None,
                None,
                None,
                None,
                index,
                number,
            )
        )
    if not events:
        return None
    return Parsed(name, "sam-deploy", tuple(events), False)


def _header_at(line: str, header: str) -> int:
    match = re.search(rf"\b{header}\b", line)
    return match.start() if match else line.index(header)


def _unwrap(pieces: list[str], width: int, glued: bool) -> str:
    out = ""
    for i, piece in enumerate(pieces):
        if i and not glued and (len(pieces[i - 1]) < width or " " in pieces[i - 1]):
            out += " "  # a piece that fills the column and has no space is part of a word cut in two
        out += piece
    return out


# ------------------------------------------------------------------------------------------------ lines


_NOISE = re.compile(
    r"\s*(?:❌|✨|✅|Error:|Failed resources:|Stack \S+ failed|Cluster creation failed|Could not )"
)
_SLS_V1 = re.compile(r"An error occurred: ([A-Za-z0-9][\w-]*) - (.+)$")
_SLS_V3 = re.compile(rf"^\s*({STATUS}): ([A-Za-z0-9][\w-]*) \(({_TYPE_FULL.pattern})\)\s*$")
_LIST_ITEM = re.compile(rf"^\s*[-*•]\s+({_TYPE_FULL.pattern})\s+([A-Za-z0-9][\w-]*)\s+(.+)$")


class _Record:
    __slots__ = ("cells", "line", "status")

    def __init__(self, line: int) -> None:
        self.cells: list[str] = []
        self.line = line
        self.status = False


def _parse_lines(text: str, name: str) -> Parsed | None:
    records: list[_Record] = []
    fixed: list[tuple[int, Event]] = []  # events read by a whole-line pattern (serverless, lists)
    current: _Record | None = None
    fmt = "console-text"
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip()
        special = _special_line(line, number)
        if special is not None:
            event, fmt_name, opens = special
            fmt = fmt_name
            if opens:
                current = _Record(number)
                current.cells = [c for c in (event.status, event.resource_type, event.logical_id) if c]
                current.status = True
                records.append(current)
            else:
                fixed.append((len(records) + len(fixed), event))
                current = None
            continue
        if not line.strip():
            current = None
            continue
        if _SEPARATOR.match(line) or re.fullmatch(r"[\s|:\-]+", line):
            continue
        cells, kind = _cells(line)
        if kind == "pipe":
            fmt = "markdown-table" if fmt == "console-text" else fmt
        has_status = any(_STATUS_FULL.fullmatch(c) for c in cells)
        starts = bool(cells) and TIMESTAMP_RE.fullmatch(cells[0]) is not None
        if starts or (has_status and (current is None or current.status)):
            current = _Record(number)
            records.append(current)
        elif current is None or _NOISE.match(line):
            current = None
            continue
        current.cells.extend(cells)
        current.status = current.status or has_status
    if any(_looks_cdk(r.cells, fmt) for r in records):
        fmt = "cdk-deploy"
    events = [e for e in (_record_event(r, i) for i, r in enumerate(records)) if e is not None]
    merged = sorted([(e.seq, e) for e in events] + fixed, key=lambda pair: pair[0])
    ordered = tuple(e._replace(seq=i) for i, (_, e) in enumerate(merged))
    if not ordered:
        return None
    newest = None if fmt in ("console-text", "markdown-table") else False
    return Parsed(name, fmt, ordered, newest)


def _special_line(line: str, number: int) -> tuple[Event, str, bool] | None:
    match = _SLS_V1.search(line)
    if match:
        return Event(match.group(1), "FAILED", match.group(2).strip(), line=number), "serverless", False
    match = _SLS_V3.match(line)
    if match:
        return Event(match.group(2), match.group(1), "", match.group(3), line=number), "serverless", True
    match = _LIST_ITEM.match(line)
    if match:
        return (
            Event(match.group(2), "FAILED", match.group(3).strip(), match.group(1), line=number),
            "event-list",
            False,
        )
    return None


def _cells(line: str) -> tuple[list[str], str]:
    if "\t" in line:
        parts, kind = line.split("\t"), "tab"
    elif (
        " | " in line or line.lstrip().startswith("|") or re.search(r"\S\|\S", line) and line.count("|") >= 2
    ):
        parts, kind = line.strip().strip("|").split("|"), "pipe"
    elif line.lstrip().startswith("CloudFormation - "):
        parts, kind = line.split(" - ")[1:], "serverless"
    elif STATUS_RE.search(line) and re.search(r"\S\s{2,}\S", line.strip()):
        parts, kind = re.split(r"\s{2,}", line.strip()), "columns"
    else:
        return _plain_cells(line), "plain"
    return [c.strip() for c in parts if c.strip()], kind


def _plain_cells(line: str) -> list[str]:
    """A line without column separators: split out the status and the type, the rest stays one text."""
    text = line.strip()
    match = STATUS_RE.search(text)
    if not match:
        return [text]
    before, status, after = text[: match.start()].strip(), match.group(0), text[match.end() :].strip()
    cells = [c for c in (before, status) if c]
    typed = TYPE_RE.match(after)
    if typed:
        cells.append(typed.group(0))
        after = after[typed.end() :].strip()
    if after:
        cells.append(after)
    return cells


def _looks_cdk(cells: list[str], fmt: str) -> bool:
    """cdk prints `Stack | 3/5 | 12:58:26 PM | STATUS | Type | Path (Id) reason`: a progress counter, a construct
    path with the id in brackets, or a bare time of day next to a resource type (the console prints dates)."""
    if any(re.fullmatch(r"\d+/\d+", c) for c in cells) or any(_CDK_ID.match(c) for c in cells):
        return True
    timed = any(re.fullmatch(_TIME, c) for c in cells) and any(_TYPE_FULL.fullmatch(c) for c in cells)
    return fmt == "markdown-table" and timed


def _record_event(record: _Record, index: int) -> Event | None:
    cells = [c for c in record.cells if c]
    if not cells:
        return None
    stamp = next((c for c in cells if TIMESTAMP_RE.fullmatch(c)), None)
    status_at = next((i for i, c in enumerate(cells) if _STATUS_FULL.fullmatch(c)), None)
    if status_at is None:
        return None
    type_at = next((i for i, c in enumerate(cells) if _TYPE_FULL.fullmatch(c)), None)
    skip = {status_at} | ({type_at} if type_at is not None else set())
    rest = [
        (i, c)
        for i, c in enumerate(cells)
        if i not in skip and c != stamp and c != "-" and not re.fullmatch(r"\d+/\d+", c)
    ]
    logical, logical_at, reason_head = _logical(rest, type_at, status_at)
    anchor = max(i for i in (status_at, type_at, logical_at) if i is not None)
    reason_parts = ([reason_head] if reason_head else []) + [c for i, c in rest if i > anchor]
    reason = _squash(" ".join(reason_parts))
    return Event(
        logical,
        cells[status_at],
        "" if reason == "-" else reason,
        cells[type_at] if type_at is not None else None,
        stamp,
        None,
        None,
        index,
        record.line,
    )


def _logical(
    rest: list[tuple[int, str]], type_at: int | None, status_at: int
) -> tuple[str | None, int | None, str]:
    """The logical id among the cells: the first identifier after the type (cdk, the old console), else the first
    one; a cdk cell "Path/To/Res (LogicalId) reason" gives the id in brackets and the reason after it."""
    after_type = [(i, c) for i, c in rest if type_at is not None and i > type_at]
    for i, cell in after_type + rest:
        match = _CDK_ID.match(cell)
        if match and "/" in match.group(1) or match and type_at is not None and i > type_at:
            return match.group(2), i, (match.group(3) or "").strip()
    for i, cell in after_type + [(i, c) for i, c in rest if i < status_at] + rest:
        if _IDENT.fullmatch(cell) and not _STATUS_FULL.fullmatch(cell):
            return cell, i, ""
    for i, cell in after_type:
        head, _, tail = cell.partition(" ")
        if _IDENT.fullmatch(head):
            return head, i, tail
    return None, None, ""


# ------------------------------------------------------------------------------------------------ no events


_VALIDATION = (
    re.compile(r"Circular dependency between resources:\s*\[[^\]]*\]?", re.DOTALL),
    re.compile(r"An error occurred \(ValidationError\) when calling the \w+ operation: ([^\n]+)"),
    re.compile(r"(?:Template format error|Template error|Template Validation Error)[^\n]*(?:\n\[[^\]]*\])?"),
    re.compile(r"ValidationError:?\s+([^\n]+)"),
    re.compile(r"Unresolved resource dependencies[^\n]*"),
)


def _validation_error(text: str) -> str | None:
    for pattern in _VALIDATION:
        match = pattern.search(text)
        if match:
            found = match.group(1) if pattern.groups else match.group(0)
            inner = _validation_error(found) if found != match.group(0) and found != text else None
            return _squash(inner or found)
    return None


_SUMMARY_STACK = re.compile(r"(?:The stack named |❌\s*(?:Deployment failed: )?(?:Error: )?)([\w-]+)")
_FOLLOWING = re.compile(r"^\s*\(The following resource\(s\) failed[^)]{0,2000}\)")


def _summary(text: str) -> tuple[str | None, str] | None:
    """The final error line of cdk / sam (``❌  Stack failed: Error: ...: ROLLBACK_COMPLETE: reason``): the text
    after the last stack status, or after the first ': ' that follows 'failed'. Plain string work, linear in the
    line (a paste is hostile input)."""
    for line in text.split("\n"):
        stripped = line.strip()[:20000]
        if not stripped.startswith(("❌", "Error:")) or "Waiter" in stripped:
            continue  # sam's "Waiter encountered a terminal failure state" names a status, not a reason
        at = stripped.find("failed")
        if at < 0:
            continue
        rest = stripped[at + len("failed") :]
        statuses = list(STATUS_RE.finditer(rest))
        if statuses:
            rest = _FOLLOWING.sub("", rest[statuses[-1].end() :]).lstrip(": ")
        else:
            rest = rest.partition(": ")[2]
        rest = rest.removeprefix("Error: ").strip()
        if len(rest) > 8 and not STATUS_RE.fullmatch(rest):
            stack = _SUMMARY_STACK.search(
                stripped[: at + 1] if "The stack named" not in stripped else stripped
            )
            return (stack.group(1) if stack else None), _squash(rest)
    return None


def _looks_like_reason(text: str) -> bool:
    from preflight.data.errors import match_error

    return len(text) < 20000 and match_error(text[:4000]) is not None


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
