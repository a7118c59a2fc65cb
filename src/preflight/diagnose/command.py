"""`preflight diagnose`: read the events and the templates, diagnose, render. Exit codes are cli.py's."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

from preflight.diagnose.core import Diagnosis, Template, diagnose, load_template
from preflight.diagnose.events import Parsed, parse_events
from preflight.errors import InputError, UsageError


def read_inputs(paths: Sequence[str]) -> list[Parsed]:
    """Each EVENTS argument (``-`` or nothing: standard input) parsed; InputError names the file."""
    from preflight.api import read_template

    if not paths:
        paths = ["-"]
    parsed = []
    for path in paths:
        if path == "-":
            if sys.stdin is None or sys.stdin.isatty():
                raise UsageError(
                    "diagnose reads stack events from standard input or from EVENTS files; "
                    "none given (try: aws cloudformation describe-stack-events --stack-name S | "
                    "preflight diagnose)"
                )
            text = sys.stdin.read()
            name = "<stdin>"
        else:
            text = read_template(path)  # the same size limit and UTF-8 check as templates
            name = path
        parsed.append(parse_events(text, name))
    return parsed


def read_templates(template: str | None, cdk_out: str | None, pins: Any) -> list[Template]:
    from preflight.api import check_text, read_template
    from preflight.discover import discover

    paths: list[str] = []
    environments: dict[str, tuple[str | None, str | None]] = {}
    if template:
        paths.append(template)
    if cdk_out:
        found = discover([cdk_out])
        environments = found.environments
        if found.errors:
            raise found.errors[0]
        if not found.files:
            raise InputError(cdk_out, "no templates found (expected a cdk.out folder with a manifest.json)")
        paths.extend(found.files)
    templates = []
    for path in paths:
        text = read_template(path)
        account, region = environments.get(path, (None, None))  # the manifest's environment, unless pinned
        mine = pins._replace(account_id=pins.account_id or account, region=pins.region or region)
        templates.append(load_template(path, text, check_text(text, path, pins=mine), mine))
    return templates


_STACK_ARN = re.compile(r"^arn:(aws[\w-]*):cloudformation:([a-z0-9-]+):(\d{12}):stack/([\w-]+)/")


def pins_from_events(inputs: Sequence[Parsed], pins: Any) -> Any:
    """The deployment the events come from, as pins the user did not give: the stack's own ARN (the physical id
    of its stack-level events) says the partition, Region, account and stack name. Facts of the deployment that
    failed, not guesses; an explicit --region/--account-id/--partition/--stack-name wins."""
    for event in inputs[0].events if inputs else ():
        match = _STACK_ARN.match(event.physical_id or "")
        if match and match.group(4) in (event.logical_id, event.stack):
            partition, region, account, stack = match.groups()
            return pins._replace(
                partition=pins.partition or partition,
                region=pins.region or region,
                account_id=pins.account_id or account,
                stack_name=pins.stack_name or stack,
            )
    return pins


def run(events: Sequence[str], template: str | None, cdk_out: str | None, pins: Any) -> Diagnosis:
    inputs = read_inputs(events)
    effective = pins_from_events(inputs, pins)
    result = diagnose(inputs, read_templates(template, cdk_out, effective))
    if not (template or cdk_out):
        return result
    fields = ("partition", "region", "account_id", "stack_name")
    pinned = {f: getattr(effective, f) for f in fields if getattr(effective, f) != getattr(pins, f)}
    return result._replace(pinned=pinned or None)
