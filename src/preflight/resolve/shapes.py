"""Argument shapes of the intrinsic functions, checked before any evaluation.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
Each entry returns None when the argument has the documented shape, else a message. The evaluators refuse to
run on a malformed argument (they return Unknown), and the template-structure check reports the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from preflight.numbers import as_int, is_digits

Shape = Callable[[Any], "str | None"]


def _is_list(value: Any, length: int | None = None) -> bool:
    return isinstance(value, list) and (length is None or len(value) == length)


def _is_fn(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1


def _ref(arg: Any) -> str | None:
    return None if isinstance(arg, str) and arg else "Ref takes the logical id of a parameter or resource"


def _getatt(arg: Any) -> str | None:
    if _is_list(arg, 2) and isinstance(arg[0], str) and (isinstance(arg[1], str) or _is_fn(arg[1])):
        return None
    if isinstance(arg, str) and "." in arg:
        return None
    return "Fn::GetAtt takes [logicalId, attributeName] or 'logicalId.attributeName'"


def _sub(arg: Any) -> str | None:
    if isinstance(arg, str):
        return None
    if _is_list(arg, 2) and isinstance(arg[0], str) and isinstance(arg[1], dict):
        return None
    return "Fn::Sub takes a string or [string, {variables}]"


def _join(arg: Any) -> str | None:
    if _is_list(arg, 2) and isinstance(arg[0], str) and (isinstance(arg[1], list) or _is_fn(arg[1])):
        return None
    return "Fn::Join takes [delimiter, [values]]"


def _select(arg: Any) -> str | None:
    if _is_list(arg, 2) and (isinstance(arg[1], list) or _is_fn(arg[1])):
        index = arg[0]
        if isinstance(index, int) or _is_fn(index) or (isinstance(index, str) and is_digits(index)):
            return None
    return "Fn::Select takes [index, [values]]"


def _split(arg: Any) -> str | None:
    if _is_list(arg, 2) and isinstance(arg[0], str) and (isinstance(arg[1], str) or _is_fn(arg[1])):
        return None
    return "Fn::Split takes [delimiter, string]"


def _if(arg: Any) -> str | None:
    if _is_list(arg, 3) and isinstance(arg[0], str):
        return None
    return "Fn::If takes [conditionName, valueIfTrue, valueIfFalse]"


def _equals(arg: Any) -> str | None:
    return None if _is_list(arg, 2) else "Fn::Equals takes [value1, value2]"


def _and_or(name: str) -> Shape:
    def shape(arg: Any) -> str | None:
        return None if _is_list(arg) and 2 <= len(arg) <= 10 else f"{name} takes a list of 2 to 10 conditions"

    return shape


def _not(arg: Any) -> str | None:
    return None if _is_list(arg, 1) else "Fn::Not takes a list of one condition"


def _find_in_map(arg: Any) -> str | None:
    if _is_list(arg) and len(arg) in (3, 4):
        return None
    return "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]"


def _getazs(arg: Any) -> str | None:
    return None if isinstance(arg, str) or _is_fn(arg) else "Fn::GetAZs takes a region name or ''"


def _cidr(arg: Any) -> str | None:
    """[ipBlock, count, cidrBits]; a literal count must be 1..256 and literal cidrBits 0..128.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html
    """
    if not _is_list(arg, 3):
        return "Fn::Cidr takes [ipBlock, count, cidrBits]"
    count, bits = arg[1], arg[2]
    if not _is_fn(count) and not 1 <= (as_int(count) or 0) <= 256:
        return f"Fn::Cidr count must be an integer from 1 to 256, not {str(count)[:40]}"
    width = as_int(bits)
    if not _is_fn(bits) and (width is None or not 0 <= width <= 128):
        return f"Fn::Cidr cidrBits must be an integer from 0 to 128, not {str(bits)[:40]}"
    return None


def _any(arg: Any) -> str | None:
    return None


def _length(arg: Any) -> str | None:
    return None if isinstance(arg, list) or _is_fn(arg) else "Fn::Length takes a list"


def _condition(arg: Any) -> str | None:
    return None if isinstance(arg, str) else "Condition takes a condition name"


SHAPES: dict[str, Shape] = {
    "Ref": _ref,
    "Fn::GetAtt": _getatt,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": _and_or("Fn::And"),
    "Fn::Or": _and_or("Fn::Or"),
    "Fn::Not": _not,
    "Fn::FindInMap": _find_in_map,
    "Fn::GetAZs": _getazs,
    "Fn::Base64": _any,
    "Fn::Cidr": _cidr,
    "Fn::ImportValue": _any,
    "Fn::Length": _length,
    "Fn::ToJsonString": _any,
    "Fn::Transform": _any,
    "Fn::ForEach": _any,
    "Fn::GetParam": _any,
    "Condition": _condition,
}

# Functions a resource property may not start with: Fn::ForEach is a template-level LanguageExtensions macro.
INTRINSICS = frozenset(SHAPES) - {"Condition"}


def intrinsic_name(node: Any) -> str | None:
    """The function name when `node` is an intrinsic call ({"Fn::X": arg} with one key), else None."""
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        if key in INTRINSICS:
            return key  # type: ignore[no-any-return]
    return None
