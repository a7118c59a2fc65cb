"""Lambda runtimes and their lifecycle dates (``lambda_runtimes.json``, from cfn-lint)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, Literal, NamedTuple

from preflight.data._snapshot import data

_FILE = "lambda_runtimes"

RuntimeStatus = Literal["supported", "deprecated", "create-blocked", "update-blocked"]


class RuntimeInfo(NamedTuple):
    """Lifecycle of one Lambda runtime (dates are None for runtimes without an announced end)."""

    name: str
    deprecated: dt.date | None
    create_block: dt.date | None
    update_block: dt.date | None
    successor: str | None
    in_schema: bool  # still in the AWS::Lambda::Function Runtime enum

    def status(self, on: dt.date) -> RuntimeStatus:
        """The runtime's state on day ``on``: create-blocked means CreateFunction fails."""
        if self.update_block is not None and on >= self.update_block:
            return "update-blocked"
        if self.create_block is not None and on >= self.create_block:
            return "create-blocked"
        if self.deprecated is not None and on >= self.deprecated:
            return "deprecated"
        return "supported"


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


@cache
def lambda_runtime(name: str) -> RuntimeInfo | None:
    """Lifecycle of runtime ``name`` (e.g. "python3.12"), or None if Lambda never had it."""
    raw = data(_FILE).get(name)
    if raw is None:
        return None
    return RuntimeInfo(
        name=name,
        deprecated=_date(raw.get("deprecated")),
        create_block=_date(raw.get("create_block")),
        update_block=_date(raw.get("update_block")),
        successor=raw.get("successor"),
        in_schema=bool(raw.get("in_schema", False)),
    )


def lambda_runtime_names() -> frozenset[str]:
    """Every runtime name the data knows, current and retired."""
    return frozenset(data(_FILE))
