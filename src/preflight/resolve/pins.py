"""Values the user pins on the command line (--region, --account-id, --parameters ...), and pseudo parameters.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from preflight.resolve.values import Symbol, Unknown

# Partition of a pinned region: the prefixes are those of the region names in each partition
# (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
_PARTITION_PREFIXES = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-iso-", "aws-iso"), ("us-isob-", "aws-iso-b"))
_URL_SUFFIX = {"aws-cn": "amazonaws.com.cn"}


class Pins(NamedTuple):
    region: str | None = None
    account_id: str | None = None
    # preflight assumes the commercial partition unless told otherwise (README, "Assumptions"): templates that
    # hard-code `arn:aws:` would otherwise all "depend on the partition".
    partition: str | None = None
    stack_name: str | None = None
    parameters: Mapping[str, Any] = MappingProxyType({})
    # The IAM role CloudFormation deploys with (`--role-arn`, the stack's service role), or the caller's own role:
    # the principal services act as when they use a key on its behalf (checks/permissions/deployer.py).
    role_arn: str | None = None
    # The day the deployment is judged for (--date YYYY-MM-DD): the checks whose answer a date decides (a service
    # shut down on D, a runtime deprecated on D) compare with it; unpinned, they use today's date (see `day`).
    date: str | None = None

    def day(self) -> dt.date:
        """The pinned --date, else today's date in UTC: the one clock read, so that a pin makes the answer fixed."""
        if self.date:
            return dt.date.fromisoformat(self.date)
        return dt.datetime.now(dt.timezone.utc).date()

    @property
    def effective_partition(self) -> str:
        if self.partition:
            return self.partition
        for prefix, partition in _PARTITION_PREFIXES:
            if self.region and self.region.startswith(prefix):
                return partition
        return "aws"


# charset names a shape of policy/facts.py SHAPES: what every value of the symbol looks like (with its source).
# Region names run from 9 (us-east-1) to 15 characters (us-isof-south-1): every Region of data/regions.json
# (tests/policy/test_match_symbolic.py keeps these bounds and the shape true to it).
REGION = Symbol("AWS::Region", "pseudo", "the region", min_len=9, max_len=15, charset="region")
ACCOUNT = Symbol("AWS::AccountId", "pseudo", "the account id", min_len=12, max_len=12, charset="account-id")
STACK_NAME = Symbol("AWS::StackName", "pseudo", "the stack name", min_len=1, max_len=128, charset="stack-name")
STACK_ID = Symbol("AWS::StackId", "pseudo", "the stack id", min_len=1, max_len=None)


class NoValue:
    """AWS::NoValue: removes the property or list item it stands for. Compared by identity with NO_VALUE."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = NoValue()


PSEUDO_NAMES = frozenset(("AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName",
                          "AWS::StackId", "AWS::NotificationARNs", "AWS::NoValue"))


def pseudo_value(name: str, pins: Pins) -> Any:
    """The value of a pseudo parameter, or None when `name` is not one."""
    if name not in PSEUDO_NAMES:
        return None
    table: dict[str, Any] = {
        "AWS::Region": pins.region or REGION,
        "AWS::AccountId": pins.account_id or ACCOUNT,
        "AWS::Partition": pins.effective_partition,
        "AWS::URLSuffix": _URL_SUFFIX.get(pins.effective_partition, "amazonaws.com"),
        "AWS::StackName": pins.stack_name or STACK_NAME,
        "AWS::StackId": STACK_ID,
        "AWS::NotificationARNs": Unknown("the stack's notification ARNs (AWS::NotificationARNs)"),
        "AWS::NoValue": NO_VALUE,
    }
    return table.get(name)


def is_pseudo(name: str) -> bool:
    return name in PSEUDO_NAMES
