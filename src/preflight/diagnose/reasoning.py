"""From events to a diagnosis: operations, the root failure, the cascade and the rollback blockers.

The rules (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html):
- A stack operation starts with a stack-level ``*_IN_PROGRESS`` event ("User Initiated"); only the last one
  counts.
- The root failure is the earliest failed resource event of that operation that is not a cascade: not
  "Resource creation cancelled" (CloudFormation stops siblings once one fails), not the stack's own
  "The following resource(s) failed to ..." summary, and not a rollback-phase failure.
- "Embedded stack ... was not successfully created" is a nested stack's wrapper: the cause is inside the nested
  stack; its events are followed when given, else the nested stack and the resources it names are reported.
- Failures while rolling back or deleting (``DELETE_FAILED``, ``ROLLBACK_FAILED``, ``UPDATE_ROLLBACK_FAILED``, an
  ``UPDATE_FAILED`` during an update rollback) are rollback blockers: reported apart, never as the root.
- When no event qualifies, the root is not shown; nothing else is promoted to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from preflight.diagnose.events import TIMESTAMP_RE, Event, Parsed

CASCADE = re.compile(
    r"Resource (?:creation|update|deletion|import) cancell?ed|The following resource\(s\) failed to \w+"
    r"|Stack operation cancell?ed|cancell?ed by user|Resource creation cancell?ed",
    re.IGNORECASE,
)
NESTED = re.compile(
    r"Embedded stack (\S+) was not successfully (?:created|updated|deleted)(?::\s*(.*))?",
    re.IGNORECASE | re.DOTALL,
)
_DELETE_LIST = re.compile(
    r"failed to delete", re.IGNORECASE
)  # what the rollback could not remove: not causes
LISTED = re.compile(r"failed to \w+: \[([^\]]*)\]", re.IGNORECASE)
STACK_ONLY = frozenset(
    {
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_COMPLETE",
        "ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
        "UPDATE_ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "REVIEW_IN_PROGRESS",
        "IMPORT_ROLLBACK_IN_PROGRESS",
        "IMPORT_ROLLBACK_COMPLETE",
        "IMPORT_ROLLBACK_FAILED",
    }
)
_STACK_REASON = re.compile(
    r"User Initiated|Rollback requested by user|The following resource\(s\) failed", re.IGNORECASE
)
_ROLLBACK_START = frozenset(
    {"ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_IN_PROGRESS"}
)
_BLOCKER_STATUS = frozenset({"ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "IMPORT_ROLLBACK_FAILED"})


class Outcome(NamedTuple):
    """What the events say, before classification and the template."""

    stack: str | None
    operation: str | None  # CREATE | UPDATE | DELETE | IMPORT | VALIDATION | None
    root: Event | None
    nested: dict[str, object] | None  # {"resource", "stack", "failed_resources", "events_shown"}
    cascade: tuple[Event, ...]
    blockers: tuple[Event, ...]
    listed_failed: tuple[str, ...]  # what the stack's summary said failed (when the root is not shown)
    events: int
    others: tuple[
        Event, ...
    ] = ()  # later failures with reasons of their own: not the root, not a cancellation


def analyse(inputs: Sequence[Parsed]) -> Outcome:
    """The diagnosis of the first input's stack; the other inputs may hold nested stacks' events."""
    main = inputs[0]
    if main.validation and not main.events:
        return Outcome(main.stack, "VALIDATION", None, None, (), (), (), 0)
    events = chronological(main)
    stacks = stack_names(events, main.stack)
    op_events, operation = last_operation(events, stacks)
    root, cascade, blockers, stack_failures, others = _split(op_events, stacks, operation)
    listed = tuple(
        dict.fromkeys(
            name
            for e in stack_failures
            if not _DELETE_LIST.search(e.reason)
            for name in (_listed(e.reason) if e.reason else [e.logical_id or "?"])
        )
    )
    nested = None
    if root is not None:
        match = NESTED.search(root.reason)
        if match:
            root, nested, inner_cascade = _follow_nested(
                root, match, inputs[1:] if len(inputs) > 1 else inputs
            )
            cascade += inner_cascade
    stack = main.stack or next(iter(stacks), None)
    return Outcome(
        stack, operation, root, nested, tuple(cascade), tuple(blockers), listed, len(events), tuple(others)
    )


# ------------------------------------------------------------------------------------------------ order


def chronological(parsed: Parsed) -> list[Event]:
    """Oldest first: by timestamp when every event has one, else by the input's direction."""
    events = list(parsed.events)
    newest_first = parsed.newest_first
    keys = [timestamp_key(e.timestamp) for e in events]
    if events and all(k is not None for k in keys):
        distinct = [k for k in keys if k is not None]
        if distinct[0] != distinct[-1]:
            newest_first = distinct[0] > distinct[-1]
    if not (events and all(k is not None for k in keys)):
        voted = _direction_from_statuses(events)  # the events say more than the format's habit
        newest_first = voted if voted is not None else bool(newest_first)
    ordered = list(reversed(events)) if newest_first else events
    if events and all(k is not None for k in keys):
        ordered.sort(key=lambda e: timestamp_key(e.timestamp) or 0.0)  # stable: ties keep the input's order
    return _merge(ordered)


def _merge(events: list[Event]) -> list[Event]:
    """One event per (resource, status, reason); a reason shown elsewhere for the same resource and status (the
    Serverless progress line has none, its error block has it) fills an empty one."""
    reasons: dict[tuple[str | None, str | None], str] = {}
    for event in events:
        if event.reason:
            reasons.setdefault((event.logical_id, event.status), event.reason)
    seen: set[tuple[str | None, str | None, str]] = set()
    out = []
    for event in events:
        if not event.reason and (event.logical_id, event.status) in reasons:
            event = event._replace(reason=reasons[(event.logical_id, event.status)])
        key = (event.logical_id, event.status, event.reason)
        if key in seen and _is_failed(event):
            continue
        seen.add(key)
        out.append(event)
    return out


def _direction_from_statuses(events: list[Event]) -> bool | None:
    """Without timestamps, each resource votes: its ``X_IN_PROGRESS`` shown after its ``X_COMPLETE``/``X_FAILED``
    (same verb) means newest first; the stack's rollback shown before a failure counts too. Ties: oldest first."""
    newest = oldest = 0
    seen_end: dict[tuple[str | None, str], int] = {}
    seen_start: dict[tuple[str | None, str], int] = {}
    for i, event in enumerate(events):
        verb, _, state = (event.status or "").partition("_")
        key = (event.logical_id, verb)
        if state == "IN_PROGRESS":
            if key in seen_end:
                newest += 1
            seen_start.setdefault(key, i)
        elif state in ("COMPLETE", "FAILED"):
            if key in seen_start:
                oldest += 1
            seen_end.setdefault(key, i)
    if newest == oldest:
        first_root = next(
            (i for i, e in enumerate(events) if _is_failed(e) and not CASCADE.search(e.reason)), None
        )
        first_late = next(
            (
                i
                for i, e in enumerate(events)
                if e.status in _ROLLBACK_START
                or e.status in ("ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")
            ),
            None,
        )
        if first_root is None or first_late is None:
            return None
        return first_late < first_root
    return newest > oldest


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def timestamp_key(stamp: str | None) -> float | None:
    """Seconds (UTC when a zone is given) for ordering; None when the text is not a timestamp we can read."""
    if not stamp or not TIMESTAMP_RE.fullmatch(stamp.strip()):
        return None
    text = stamp.strip()
    days = 0.0
    date = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    if date:
        days = _days(int(date.group(1)), int(date.group(2)), int(date.group(3)))
    else:
        named = re.search(r"([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})", text)
        slashed = re.search(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", text)
        if named and named.group(1).lower() in _MONTHS:
            days = _days(int(named.group(3)), _MONTHS[named.group(1).lower()], int(named.group(2)))
        elif slashed:
            year = int(slashed.group(3))
            days = _days(year + 2000 if year < 100 else year, int(slashed.group(1)), int(slashed.group(2)))
    rest = text[date.end() :] if date else text
    time = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s*([AaPp])\.?[Mm])?", rest)
    if not time:
        return days * 86400.0
    hour = int(time.group(1)) % 24
    if time.group(5):
        hour = hour % 12 + (12 if time.group(5).lower() == "p" else 0)
    seconds = hour * 3600 + int(time.group(2)) * 60 + int(time.group(3) or 0)
    fraction = float("0." + time.group(4)) if time.group(4) else 0.0
    zone = re.search(r"([+-])(\d{1,2}):?(\d{2})?\)?\s*$", rest[time.end() :])
    offset = 0
    if zone:
        offset = (int(zone.group(2)) * 3600 + int(zone.group(3) or 0) * 60) * (
            1 if zone.group(1) == "+" else -1
        )
    return days * 86400.0 + seconds + fraction - offset


def _days(year: int, month: int, day: int) -> float:
    import datetime as dt

    try:
        return float(dt.date(year, month, day).toordinal())
    except ValueError:
        return 0.0


# ------------------------------------------------------------------------------------------------ operations


def stack_names(events: Sequence[Event], known: str | None) -> set[str]:
    names = {e.stack for e in events if e.stack}
    if known:
        names.add(known)
    for event in events:
        stack_like = event.status in STACK_ONLY or _STACK_REASON.search(event.reason or "")
        if event.logical_id and stack_like and not NESTED.search(event.reason):
            names.add(event.logical_id)
    return names


def is_stack_event(event: Event, stacks: set[str]) -> bool:
    if event.logical_id is None:
        return bool(event.status in STACK_ONLY or _STACK_REASON.search(event.reason))
    return event.logical_id in stacks


def last_operation(events: list[Event], stacks: set[str]) -> tuple[list[Event], str | None]:
    start = None
    for i, event in enumerate(events):
        if (
            is_stack_event(event, stacks)
            and event.status
            in ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS")
            and (not event.reason or "User Initiated" in event.reason)
        ):
            start = i
    if start is not None:
        status = events[start].status or ""
        return events[start:], status.split("_", 1)[0]
    return events, _infer_operation(events, stacks)


def _infer_operation(events: list[Event], stacks: set[str]) -> str | None:
    statuses = [e.status or "" for e in events]
    stack_statuses = [e.status or "" for e in events if is_stack_event(e, stacks)]
    if any(s.startswith("UPDATE_ROLLBACK") for s in statuses) or any(
        s.startswith("UPDATE_") for s in stack_statuses
    ):
        return "UPDATE"
    if any(s.startswith("ROLLBACK_") or s == "CREATE_FAILED" for s in statuses):
        return "CREATE"
    if stack_statuses and all(s.startswith("DELETE_") for s in stack_statuses):
        return "DELETE"
    if any(s.startswith("UPDATE_") for s in statuses):
        return "UPDATE"
    return None


def _is_failed(event: Event) -> bool:
    return bool(event.status and event.status.endswith("FAILED"))


def _split(
    events: list[Event], stacks: set[str], operation: str | None
) -> tuple[Event | None, list[Event], list[Event], list[Event], list[Event]]:
    root: Event | None = None
    cascade: list[Event] = []
    blockers: list[Event] = []
    stack_failures: list[Event] = []
    unexplained: list[Event] = []
    others: list[Event] = []
    rolling_back = False
    for event in events:
        status = event.status or ""
        if is_stack_event(event, stacks):
            rolling_back = (
                rolling_back
                or status in _ROLLBACK_START
                or (operation != "DELETE" and status == "DELETE_IN_PROGRESS")
            )
            if _is_failed(event) or LISTED.search(event.reason):
                stack_failures.append(event)
            continue
        if not _is_failed(event):
            continue
        if CASCADE.search(event.reason) and not NESTED.search(event.reason):
            cascade.append(event)
        elif (
            status in _BLOCKER_STATUS
            or (status == "DELETE_FAILED" and operation != "DELETE")
            or (rolling_back and status in ("UPDATE_FAILED", "DELETE_FAILED"))
        ):
            blockers.append(event)
        elif not event.reason.strip():
            unexplained.append(event)  # a failure whose reason is not shown: root or cancellation, unknown
        elif root is None:
            root = event
        else:
            others.append(event)  # a later failure with its own reason: shown apart, never the root
    cascade.extend(stack_failures)
    if root is None:
        stack_failures.extend(unexplained)
    else:
        cascade.extend(unexplained)
    return root, cascade, blockers, stack_failures, others


def _listed(reason: str) -> list[str]:
    match = LISTED.search(reason or "")
    if not match:
        return []
    return [name.strip() for name in match.group(1).split(",") if name.strip()]


# ------------------------------------------------------------------------------------------------ nested


def _follow_nested(
    wrapper: Event, match: re.Match[str], others: Sequence[Parsed]
) -> tuple[Event, dict[str, object], list[Event]]:
    arn = match.group(1).rstrip(".,")
    name = arn.split(":stack/")[-1].split("/")[0] if ":stack/" in arn else arn
    failed = _listed(match.group(2) or "")
    for parsed in others:
        if parsed.validation and not parsed.events:
            continue
        events = chronological(parsed)
        names = stack_names(events, parsed.stack)
        if (
            name not in names
            and arn not in {e.physical_id for e in events}
            and not (parsed.stack is None and set(failed) & {e.logical_id for e in events})
        ):
            continue
        op_events, operation = last_operation(events, names)
        root, cascade, _, _, _ = _split(op_events, names, operation)
        if root is not None and root is not wrapper:
            inner_match = NESTED.search(root.reason)
            if inner_match:
                root, deeper, more = _follow_nested(root, inner_match, [p for p in others if p is not parsed])
                cascade += more
                return (
                    root,
                    {
                        "resource": wrapper.logical_id,
                        "stack": name,
                        "inner": deeper,
                        "failed_resources": failed,
                        "events_shown": True,
                    },
                    cascade,
                )
            return (
                root,
                {
                    "resource": wrapper.logical_id,
                    "stack": name,
                    "failed_resources": failed,
                    "events_shown": True,
                },
                cascade,
            )
    return (
        wrapper,
        {"resource": wrapper.logical_id, "stack": name, "failed_resources": failed, "events_shown": False},
        [],
    )
