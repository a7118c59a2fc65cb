"""Generate stack-event streams in every paste format from one scenario (tests only).

A scenario is what happened: a stack operation, resources in progress, the root failure with its reason, the
cascade of cancellations, the rollback (optionally with a rollback blocker). ``render(fmt, scenario, newest)``
writes it the way each tool prints it, so the same failure can be diagnosed from every format.
"""

from __future__ import annotations

import json
from typing import NamedTuple

FORMATS = (
    "json",
    "cli-text",
    "cli-table",
    "console-tabs",
    "console-wrapped",
    "markdown",
    "cdk",
    "sam",
    "serverless",
)
STACK = "demo-stack"
STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/demo-stack/0f1e2d3c-aaaa-bbbb-cccc-123456789012"
)


class Ev(NamedTuple):
    logical: str
    type: str
    status: str
    reason: str
    second: int  # seconds after 12:00:00


class Scenario(NamedTuple):
    events: tuple[Ev, ...]  # oldest first
    root: str | None  # the logical id whose failure is the root (None: not in the stream)


def scenario(
    root: str,
    root_type: str,
    reason: str,
    others: list[tuple[str, str]],
    *,
    blocker: bool = False,
    show_root: bool = True,
) -> Scenario:
    """A failed create: `others` start with the root; one completes, the rest are cancelled; then the rollback."""
    ev = [Ev(STACK, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated", 0)]
    done = others[:1]
    cancelled = others[1:]
    for i, (lid, typ) in enumerate(others + [(root, root_type)]):
        ev.append(Ev(lid, typ, "CREATE_IN_PROGRESS", "", 1 + i))
        ev.append(Ev(lid, typ, "CREATE_IN_PROGRESS", "Resource creation Initiated", 1 + i))
    for lid, typ in done:
        ev.append(Ev(lid, typ, "CREATE_COMPLETE", "", 10))
    failed_at = len(ev)
    ev.append(Ev(root, root_type, "CREATE_FAILED", reason, 20))
    for lid, typ in cancelled:
        ev.append(Ev(lid, typ, "CREATE_FAILED", "Resource creation cancelled", 20))
    names = ", ".join([root] + [lid for lid, _ in cancelled])
    ev.append(
        Ev(
            STACK,
            "AWS::CloudFormation::Stack",
            "ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to create: [{names}]. Rollback requested by user.",
            21,
        )
    )
    for lid, typ in done:
        ev.append(Ev(lid, typ, "DELETE_IN_PROGRESS", "", 22))
        if blocker:
            ev.append(
                Ev(
                    lid,
                    typ,
                    "DELETE_FAILED",
                    "The bucket you tried to delete is not empty (Service: S3, Status Code: 409)",
                    23,
                )
            )
        else:
            ev.append(Ev(lid, typ, "DELETE_COMPLETE", "", 23))
    ev.append(
        Ev(
            STACK,
            "AWS::CloudFormation::Stack",
            "ROLLBACK_FAILED" if blocker else "ROLLBACK_COMPLETE",
            f"The following resource(s) failed to delete: [{done[0][0]}]." if blocker and done else "",
            24,
        )
    )
    if not show_root:
        ev = [e for i, e in enumerate(ev) if i > failed_at]
    return Scenario(tuple(ev), root if show_root else None)


def _iso(e: Ev) -> str:
    return f"2024-03-12T12:00:{e.second:02d}.{100 + len(e.status):03d}Z"


def _console_time(e: Ev) -> str:
    return f"2024-03-12 08:00:{e.second:02d} UTC-0400"


def _physical(e: Ev) -> str:
    return STACK_ID if e.logical == STACK else f"{STACK}-{e.logical}-1A2B3C4D"


def render(fmt: str, sc: Scenario, newest_first: bool) -> str:
    events = list(reversed(sc.events)) if newest_first else list(sc.events)
    return _RENDER[fmt](events)


def _as_api(e: Ev) -> dict[str, str]:
    item = {
        "StackId": STACK_ID,
        "EventId": f"{e.logical}-{e.status}-{_iso(e)}"
        if e.logical != STACK
        else "5b1f6f70-e0c5-11ee-9c4f-0a1b2c3d4e5f",
        "StackName": STACK,
        "LogicalResourceId": e.logical,
        "PhysicalResourceId": _physical(e),
        "ResourceType": e.type,
        "Timestamp": _iso(e),
        "ResourceStatus": e.status,
    }
    if e.reason:
        item["ResourceStatusReason"] = e.reason
    return item


def _json(events: list[Ev]) -> str:
    return json.dumps({"StackEvents": [_as_api(e) for e in events]}, indent=4)


_CLI_KEYS = (
    "EventId",
    "LogicalResourceId",
    "PhysicalResourceId",
    "ResourceStatus",
    "ResourceStatusReason",
    "ResourceType",
    "StackId",
    "StackName",
    "Timestamp",
)


def _cli_text(events: list[Ev]) -> str:
    rows = []
    for e in events:
        item = _as_api(e)
        rows.append("\t".join(["STACKEVENTS"] + [item.get(k, "None") for k in _CLI_KEYS]))
    return "\n".join(rows) + "\n"


def _cli_table(events: list[Ev]) -> str:
    width = 100
    out = ["-" * width, "|" + "DescribeStackEvents".center(width - 2) + "|", "+" + "-" * (width - 2) + "+"]
    for e in events:
        item = _as_api(e)
        out.append("||" + "StackEvents".center(width - 4) + "||")
        out.append("|+" + "-" * 22 + "+" + "-" * (width - 27) + "+|")
        for key in _CLI_KEYS:
            if key in item:
                out.append(f"||  {key:<20}|  {item[key]:<{width - 30}}||")
        out.append("|+" + "-" * 22 + "+" + "-" * (width - 27) + "+|")
    return "\n".join(out) + "\n"


def _console_tabs(events: list[Ev]) -> str:
    return "\n".join(f"{_console_time(e)}\t{e.logical}\t{e.status}\t{e.reason or '-'}" for e in events) + "\n"


def _console_wrapped(events: list[Ev]) -> str:
    return "".join(
        f"{_console_time(e)}\t{e.logical}\t\n{e.status}\n\t-\t{e.reason}\n"
        if e.reason
        else f"{_console_time(e)}\t{e.logical}\t\n{e.status}\n\t-\n"
        for e in events
    )


def _markdown(events: list[Ev]) -> str:
    rows = [f"{_console_time(e)} | {e.logical} | {e.status} | {e.reason or '-'}" for e in events]
    return "\n".join(rows[:1] + ["-- | -- | -- | --"] + rows[1:]) + "\n"


def _cdk(events: list[Ev]) -> str:
    out = [f"{STACK}: deploying... [1/1]", f"{STACK}: creating CloudFormation changeset...", ""]
    n = len(events)
    for i, e in enumerate(events, 1):
        hour = f"12:00:{e.second:02d} PM"
        ident = f"{STACK}/{e.logical}/Resource ({e.logical})" if e.logical != STACK else STACK
        reason = f" {e.reason}" if e.reason else ""
        out.append(f"{STACK} | {i:>2}/{n} | {hour} | {e.status:<20} | {e.type} | {ident}{reason}")
    failed = [e for e in events if e.status == "CREATE_FAILED" and "cancelled" not in e.reason]
    if failed:
        out += ["", "Failed resources:"]
        out += [
            f"{STACK} | 12:00:{e.second:02d} PM | {e.status:<20} | {e.type} | {STACK}/{e.logical}/Resource "
            f"({e.logical}) {e.reason}"
            for e in failed
        ]
        out += [
            "",
            (
                f" ❌  {STACK} failed: Error: The stack named {STACK} failed creation, it may need to be manually "
                f"deleted from the AWS console: ROLLBACK_COMPLETE: {failed[0].reason}"
            ),
        ]
    return "\n".join(out) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if len(line) + len(word) + (1 if line else 0) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def _sam(events: list[Ev]) -> str:
    w = 33
    sep = "-" * (w * 4 + 8)
    out = [
        "CloudFormation events from stack operations (refresh every 0.5 seconds)",
        sep,
        f"{'ResourceStatus':<{w + 2}}{'ResourceType':<{w + 2}}{'LogicalResourceId':<{w + 2}}ResourceStatusReason",
        sep,
    ]
    for e in events:
        cols = [_wrap(e.status, w), _wrap(e.type, w), _wrap(e.logical, w), _wrap(e.reason or "-", w)]
        for row in range(max(len(c) for c in cols)):
            cells = [c[row] if row < len(c) else "" for c in cols]
            out.append("".join(f"{c:<{w + 2}}" for c in cells[:3]) + cells[3])
    out += [
        sep,
        "",
        (
            f"Error: Failed to create/update the stack: {STACK}, Waiter StackCreateComplete failed: Waiter "
            'encountered a terminal failure state: For expression "Stacks[].StackStatus" we matched expected '
            'path: "ROLLBACK_COMPLETE" at least once'
        ),
    ]
    return "\n".join(out) + "\n"


def _serverless(events: list[Ev]) -> str:
    out = [
        "Serverless: Deploying...",
        "CloudFormation - CREATE_IN_PROGRESS - AWS::CloudFormation::Stack - " + STACK,
    ]
    out += [f"CloudFormation - {e.status} - {e.type} - {e.logical}" for e in events if e.logical != STACK]
    failed = [e for e in events if e.status == "CREATE_FAILED" and "cancelled" not in e.reason]
    out += [
        "",
        "✖ Stack demo-stack failed to deploy (12s)",
        "Environment: linux, node 18.0.0, framework 3.38.0",
        "Error:",
    ]
    out += [f"CREATE_FAILED: {e.logical} ({e.type})\n{e.reason}" for e in failed]
    return "\n".join(out) + "\n"


_RENDER = {
    "json": _json,
    "cli-text": _cli_text,
    "cli-table": _cli_table,
    "console-tabs": _console_tabs,
    "console-wrapped": _console_wrapped,
    "markdown": _markdown,
    "cdk": _cdk,
    "sam": _sam,
    "serverless": _serverless,
}
