"""Where a piece of a resolved value came from: the template's own text, a value the user pinned, a parameter's
default or a mapping. Messages that quote a value say which, so that they never misstate its origin.

``origins(template, pins, node, text)`` walks the *unresolved* node (the template as written) and returns every
place that contributes ``text`` to its value. It follows Ref, Fn::Sub (its literal text and its ``${Name}``
references), Fn::FindInMap and any nesting of other intrinsics; resources' attributes contribute nothing literal.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from preflight.model.template import Template
from preflight.resolve.pins import Pins

_SUB_REFERENCE = re.compile(r"\$\{([^}!][^}]*)\}")


class Origin(NamedTuple):
    """kind: "template" (written in the text) | "pin" (--account-id, --region, --parameters ...) | "default"
    (a parameter's Default) | "mapping"; name: the parameter, pin or mapping."""

    kind: str
    name: str = ""

    def describe(self) -> str:
        return {
            "template": "written in the template",
            "pin": f"the value you pinned with {self.name}",
            "default": f"the default of parameter {self.name}",
            "mapping": f"mapping {self.name}",
        }[self.kind]


_PSEUDO_PINS = {
    "AWS::AccountId": ("account_id", "--account-id"),
    "AWS::Region": ("region", "--region"),
    "AWS::StackName": ("stack_name", "--stack-name"),
    "AWS::Partition": ("partition", "--partition"),
}


def origins(template: Template, pins: Pins, node: Any, text: str) -> tuple[Origin, ...]:
    found: list[Origin] = []
    _walk(template, pins, node, text, found)
    return tuple(dict.fromkeys(found))


def _walk(template: Template, pins: Pins, node: Any, text: str, found: list[Origin]) -> None:
    if isinstance(node, str):
        if text in node:
            found.append(Origin("template"))
    elif isinstance(node, list):
        for item in node:
            _walk(template, pins, item, text, found)
    elif isinstance(node, dict):
        if len(node) == 1:
            key, arg = next(iter(node.items()))
            handler = _HANDLERS.get(str(key))
            if handler is not None:
                handler(template, pins, arg, text, found)
                return
        for value in node.values():
            _walk(template, pins, value, text, found)


def _ref(template: Template, pins: Pins, name: Any, text: str, found: list[Origin]) -> None:
    name = str(name)
    pin = _PSEUDO_PINS.get(name)
    if pin is not None:
        value = getattr(pins, pin[0])
        if value and text in str(value):
            found.append(Origin("pin", pin[1]))
        return
    parameter = template.parameters.get(name)
    if parameter is None:
        return
    if name in pins.parameters:
        if text in str(pins.parameters[name]):
            found.append(Origin("pin", f"--parameters {name}"))
    elif parameter.has_default and text in str(parameter.default):
        found.append(Origin("default", name))


def _sub(template: Template, pins: Pins, arg: Any, text: str, found: list[Origin]) -> None:
    body, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
    if not isinstance(body, str):
        _walk(template, pins, arg, text, found)
        return
    if text in _SUB_REFERENCE.sub("\0", body):
        found.append(Origin("template"))
    for match in _SUB_REFERENCE.finditer(body):
        name = match.group(1).strip()
        if isinstance(variables, dict) and name in variables:
            _walk(template, pins, variables[name], text, found)
        elif "." not in name:
            _ref(template, pins, name, text, found)


def _find_in_map(template: Template, pins: Pins, arg: Any, text: str, found: list[Origin]) -> None:
    if isinstance(arg, list) and arg and isinstance(arg[0], str):
        mapping = template.mappings.get(arg[0])
        if mapping is not None and _contains(mapping, text):
            found.append(Origin("mapping", arg[0]))
        for item in arg[1:]:
            _walk(template, pins, item, text, found)
    else:
        _walk(template, pins, arg, text, found)


def _contains(node: Any, text: str) -> bool:
    if isinstance(node, dict):
        return any(_contains(v, text) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v, text) for v in node)
    return text in str(node)


_HANDLERS = {"Ref": _ref, "Fn::Sub": _sub, "Fn::FindInMap": _find_in_map}
