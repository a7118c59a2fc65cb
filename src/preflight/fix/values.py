"""Resolved values written back as the template's own references, for fix edits.

A resolved value is plain data, ``Symbolic`` (literals and symbols) or ``Unknown``. In a fix each symbol becomes
the reference that means exactly that value: ``${AWS::Region}`` a pseudo parameter, ``${Env}`` a parameter (Ref),
``${Trail}`` a resource's Ref, ``${Trail.Arn}`` a GetAtt; a string with symbols becomes one ``Fn::Sub``, a lone
symbol a ``Ref`` / ``Fn::GetAtt``. Values the user pinned (--region, --account-id) and the partition preflight
assumes go back to their pseudo parameters: a fix never writes one account's or one region's literal.
"""

from __future__ import annotations

import re
from typing import Any

from preflight.fix.edits import CannotEdit
from preflight.resolve.pins import ACCOUNT, REGION, Pins
from preflight.resolve.values import Symbol, Symbolic, Unknown

PARTITION = Symbol("AWS::Partition", "pseudo", "the partition")
_ARN_AWS = re.compile(r"\barn:aws:")


def resource_ref(logical_id: str) -> Symbol:
    """The symbol of ``Ref logical_id``."""
    return Symbol(f"ref:{logical_id}", "resource", f"the physical id of {logical_id}", min_len=1)


def resource_attr(logical_id: str, attribute: str) -> Symbol:
    return Symbol(f"attr:{logical_id}.{attribute}", "attribute", f"{logical_id}.{attribute}")


def arn_reference(template: Any, logical_id: str) -> Symbol | None:
    """The reference whose value is the resource's ARN as policies name it (Ref or GetAtt Arn), else None."""
    from preflight.data.resources import resource_type

    resource = template.resources.get(logical_id)
    info = resource_type(resource.type) if resource is not None else None
    if info is None:
        return None
    if info.ref_is_arn:
        return resource_ref(logical_id)
    if "Arn" in info.attributes and not info.getatt_arn_suffix:
        return resource_attr(logical_id, "Arn")
    return None


def name_reference(template: Any, logical_id: str) -> Symbol | None:
    """The reference whose value is the resource's physical name (Ref, or the GetAtt naming it), else None."""
    from preflight.data.resources import resource_type

    resource = template.resources.get(logical_id)
    info = resource_type(resource.type) if resource is not None else None
    if info is None or not info.name_property:
        return None
    if info.ref_property == info.name_property and not info.ref_is_arn:
        return resource_ref(logical_id)
    if info.name_attribute:
        return resource_attr(logical_id, info.name_attribute)
    return None


def sub_name(symbol: Symbol, template: Any) -> str:
    """The name a ``${...}`` of Fn::Sub gives ``symbol`` (raises CannotEdit when no reference means it)."""
    from preflight.data.resources import resource_type

    kind, _, name = symbol.key.partition(":")
    if symbol.kind == "pseudo" and symbol.key.startswith("AWS::"):
        return symbol.key
    if kind == "param" and name in template.parameters:
        return name
    if kind == "attr" and name.partition(".")[0] in template.resources:
        return name
    if kind == "ref" and name in template.resources:
        if symbol.description.startswith("the physical id"):
            return name
        info = resource_type(template.resources[name].type)
        if info is not None and info.ref_property == info.name_property and not info.ref_is_arn:
            return name  # the generated name, which Ref returns
    raise CannotEdit(f"{symbol.description} cannot be written as a reference of the template")


def _unpin(text: str, pins: Pins) -> list[Any]:
    """A literal with the values preflight assumed or the user pinned turned back into pseudo parameters."""
    parts: list[Any] = [text]
    if not pins.partition and not pins.region:
        parts = _split(parts, _ARN_AWS, ["arn:", PARTITION, ":"])
    if pins.account_id:
        parts = _split(parts, re.compile(re.escape(pins.account_id)), [ACCOUNT])
    if pins.region:
        parts = _split(parts, re.compile(r"(?<![a-z0-9-])" + re.escape(pins.region) + r"(?![a-z0-9-])"), [REGION])
    return parts


def _split(parts: list[Any], pattern: re.Pattern[str], replacement: list[Any]) -> list[Any]:
    out: list[Any] = []
    for part in parts:
        if not isinstance(part, str):
            out.append(part)
            continue
        position = 0
        for match in pattern.finditer(part):
            out.append(part[position:match.start()])
            out.extend(replacement)
            position = match.end()
        out.append(part[position:])
    return out


def template_value(value: Any, template: Any, pins: Pins) -> Any:
    """``value`` (resolved) as template data: Symbolic strings as Fn::Sub / Ref / Fn::GetAtt. Raises CannotEdit
    for a value the template cannot express (an Unknown, an Availability Zone, an imported value)."""
    if isinstance(value, Unknown):
        raise CannotEdit(f"a value preflight cannot know ({value.reason})")
    if isinstance(value, Symbol):
        value = Symbolic((value,))
    if isinstance(value, str):
        parts = _unpin(value, pins)
        if len(parts) == 1:
            return value
        value = Symbolic(tuple(p for p in parts if p != ""))
    if isinstance(value, Symbolic):
        return _symbolic(value, template, pins)
    if isinstance(value, dict):
        return {k: template_value(v, template, pins) for k, v in value.items()}
    if isinstance(value, list):
        return [template_value(v, template, pins) for v in value]
    return value


def _symbolic(value: Symbolic, template: Any, pins: Pins) -> Any:
    parts: list[Any] = []
    for part in value.parts:
        parts.extend(_unpin(part, pins) if isinstance(part, str) else [part])
    parts = [p for p in parts if p != ""]
    if len(parts) == 1 and isinstance(parts[0], Symbol):
        name = sub_name(parts[0], template)
        if "." in name and not name.startswith("AWS::"):
            logical_id, _, attribute = name.partition(".")
            return {"Fn::GetAtt": [logical_id, attribute]}
        return {"Ref": name}
    text = "".join(p.replace("${", "${!") if isinstance(p, str) else "${" + sub_name(p, template) + "}"
                   for p in parts)
    return {"Fn::Sub": text}
