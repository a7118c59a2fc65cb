"""`Transform: AWS::LanguageExtensions`, expanded as the AWS documentation describes it.

- `Fn::ForEach::LoopName: [Identifier, Collection, {OutputKey: OutputValue}]` in Resources, Conditions, Outputs and
  resource properties (at any depth, nested loops included): one copy of the fragment per item of the collection,
  where `${Identifier}` and `&{Identifier}` (the item without its non-alphanumeric characters) in keys and strings,
  and `Ref: Identifier`, become the item. The collection is a list, or a Ref to a CommaDelimitedList / List<...>
  parameter (its pinned value, else its default). A collection known only at deploy time (a parameter without
  default, an attribute) is not guessed: the loop is left out and one finding says what it depends on.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html
- `Fn::Length` of a literal list (or of a list parameter with a known value) becomes the number.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-length.html
- `Fn::ToJsonString` is evaluated by the resolver (resolve/resolver.py), like the other intrinsic functions.
- DeletionPolicy and UpdateReplacePolicy may be intrinsic: a Ref to a parameter with a known value becomes the
  value; an Fn::If stays and is decided per condition scenario.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-aws-languageextensions.html

Every generated node keeps the span of the fragment node it copies, and every generated resource records the loop
(and the item) that produced it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from preflight.source.nodes import MapNode, SeqNode
from preflight.source.span import Span
from preflight.transform import LANGUAGE_EXTENSIONS, Origin, Problem, Step

if TYPE_CHECKING:  # pragma: no cover
    from preflight.resolve.pins import Pins
    from preflight.source.document import Document

PREFIX = "Fn::ForEach::"
_SECTIONS = ("Conditions", "Resources", "Outputs")
_PLACEHOLDER = re.compile(r"[$&]\{[^}]*\}")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")
# Bounds on what loops generate (hostile input): CloudFormation allows 500 resources, 200 outputs and 200
# conditions in the expanded template (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html),
# so past twice that much the template cannot deploy anyway.
MAX_GENERATED = 50_000  # nodes
MAX_KEYS = 1_000  # generated entries (resources, outputs, conditions, properties)


class _Unknown(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Expander:
    def __init__(self, root: MapNode, pins: Pins) -> None:
        params = root.get("Parameters")
        self.params: MapNode = params if isinstance(params, MapNode) else MapNode()
        mappings = root.get("Mappings")
        self.mappings: MapNode = mappings if isinstance(mappings, MapNode) else MapNode()
        self.pins = pins
        self.origins: dict[str, Origin] = {}
        self.problems: list[Problem] = []
        self.unexpanded: list[re.Pattern[str]] = []
        self.budget = MAX_GENERATED
        self.keys = 0

    # ------------------------------------------------------------------ walking

    def value(self, node: Any, env: dict[str, str], where: str, depth: int = 0) -> Any:
        if depth > 400:
            return node
        if isinstance(node, MapNode):
            return self.mapping(node, env, where, None, depth)
        if isinstance(node, SeqNode):
            out = SeqNode(node.span)
            out.extend(self.value(item, env, where, depth + 1) for item in node)
            out.item_spans.extend(node.item_spans)
            return out
        if isinstance(node, str) and env:
            return _substitute(node, env)
        return node

    def mapping(self, node: MapNode, env: dict[str, str], where: str, section: str | None,
                depth: int = 0) -> Any:
        if len(node) == 1:
            special = self._function(node, env)
            if special is not node:
                return special
        out = MapNode(node.span)
        for key, child in node.items():
            if isinstance(key, str) and key.startswith(PREFIX):
                self.loop(out, node, key, env, where, section, depth)
                continue
            new_key = _substitute(key, env) if isinstance(key, str) and env else key
            out[new_key] = self.value(child, env, where, depth + 1)
            out.key_spans[new_key] = node.key_span(key)
            out.value_spans[new_key] = node.value_span(key)
        return out

    def _function(self, node: MapNode, env: dict[str, str]) -> Any:
        """Ref to a loop identifier, and Fn::Length of a known list."""
        name, arg = next(iter(node.items()))
        if name == "Ref" and isinstance(arg, str) and arg in env:
            return env[arg]
        if name == "Fn::Length":
            try:
                items = self.collection(self.value(arg, env, ""), need_list=True)
            except _Unknown:
                return node
            return len(items)
        return node

    # ------------------------------------------------------------------ Fn::ForEach

    def loop(self, out: MapNode, parent: MapNode, key: str, env: dict[str, str], where: str, section: str | None,
             depth: int) -> None:
        if self.budget < 0:
            return
        span = parent.key_span(key)
        args = parent[key]
        name = key[len(PREFIX):]
        if not (isinstance(args, SeqNode) and len(args) == 3 and isinstance(args[0], str)
                and isinstance(args[2], MapNode)):
            self.problems.append(Problem("PF0032", f"Template format error: {key} takes a list of three: an "
                                         f"identifier, a collection and a mapping of OutputKey to OutputValue",
                                         parent.value_span(key)))
            return
        identifier, collection, fragment = args[0], args[1], args[2]
        try:
            items = self.collection(self.value(collection, env, where))
        except _Unknown as exc:
            self._unknown(key, name, exc.reason, fragment, span, section)
            return
        size = _size(fragment)
        for item in items:
            if self.budget < 0:
                return
            inner = {**env, identifier: item}
            label = f"{where}{key} ({identifier} = {item})"
            for out_key, child in fragment.items():
                if isinstance(out_key, str) and out_key.startswith(PREFIX):
                    self.loop(out, fragment, out_key, inner, label + ", ", section, depth + 1)
                    continue
                self.budget -= size
                self.keys += 1
                if self.budget < 0 or self.keys > MAX_KEYS:
                    self.budget = -1
                    return
                new_key = _substitute(out_key, inner) if isinstance(out_key, str) else out_key
                if new_key in out:
                    self.problems.append(Problem(
                        "PF0032", f"Template format error: {key} generates {new_key} twice (or a key that is "
                        f"already there): each OutputKey must contain ${{{identifier}}} or &{{{identifier}}} and "
                        f"the items must differ", fragment.key_span(out_key)))
                out[new_key] = self.value(child, inner, label, depth + 1)
                out.key_spans[new_key] = fragment.key_span(out_key)
                out.value_spans[new_key] = fragment.value_span(out_key)
                if section == "Resources" and isinstance(new_key, str):
                    kind = child.get("Type") if isinstance(child, dict) else None
                    self.origins[new_key] = Origin(None, label, fragment.key_span(out_key), LANGUAGE_EXTENSIONS,
                                                   kind if isinstance(kind, str) else "")

    def collection(self, value: Any, need_list: bool = False) -> list[str]:
        if isinstance(value, list):
            if any(isinstance(item, (dict, list)) for item in value):
                raise _Unknown("a list whose items are computed at deploy time")
            return [_text(item) for item in value]
        if isinstance(value, dict) and len(value) == 1:
            name, arg = next(iter(value.items()))
            if name == "Ref" and isinstance(arg, str):
                return self._parameter(arg)
            if name == "Fn::FindInMap":
                return self._find_in_map(arg)
            if name == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
                source = arg[1]
                if isinstance(source, dict) and list(source) == ["Ref"] and isinstance(source["Ref"], str):
                    source = ",".join(self._parameter(source["Ref"]))
                if isinstance(arg[0], str) and isinstance(source, str):
                    return source.split(arg[0])
            raise _Unknown(f"computed by {name} at deploy time")
        raise _Unknown("not a list")

    def _parameter(self, name: str) -> list[str]:
        spec = self.params.get(name)
        if not isinstance(spec, MapNode):
            raise _Unknown(f"Ref {name}, which is not a parameter of the template")
        if name in self.pins.parameters:
            value = self.pins.parameters[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise _Unknown(f"the value of parameter {name}, which has no default")
        if isinstance(value, list):
            return [_text(v) for v in value]
        return [part.strip() for part in _text(value).split(",")]

    def _find_in_map(self, arg: Any) -> list[str]:
        if isinstance(arg, list) and len(arg) >= 3 and all(isinstance(a, str) for a in arg[:3]):
            top = self.mappings.get(arg[0])
            second = top.get(arg[1]) if isinstance(top, dict) else None
            value = second.get(arg[2]) if isinstance(second, dict) else None
            if isinstance(value, list):
                return [_text(v) for v in value]
        raise _Unknown("an Fn::FindInMap whose keys are known only at deploy time")

    def _unknown(self, key: str, name: str, reason: str, fragment: MapNode, span: Span, section: str | None) -> None:
        pin = ""
        match = re.search(r"parameter (\w+)", reason)
        if match:
            pin = f"; pin it to check them: --parameters {match.group(1)}=a,b"
        where = f"the {section} it generates" if section else "what it generates"
        self.problems.append(Problem(
            "PF0032", f"{key}: the collection is {reason}, so {where} cannot be known before deployment and were "
            f"not checked{pin}", span, "info"))
        self._patterns(fragment, 0)

    def _patterns(self, fragment: MapNode, depth: int) -> None:
        """The names a loop that was not expanded may generate (nested loops' too), as patterns."""
        for out_key, child in fragment.items():
            if not isinstance(out_key, str) or depth > 20:
                continue
            if out_key.startswith(PREFIX):
                if isinstance(child, SeqNode) and len(child) == 3 and isinstance(child[2], MapNode):
                    self._patterns(child[2], depth + 1)
                continue
            pattern = "".join(re.escape(part) if i % 2 == 0 else "[A-Za-z0-9]*"
                              for i, part in enumerate(_split_placeholders(out_key)))
            self.unexpanded.append(re.compile(pattern))


def _size(node: Any, cap: int = MAX_GENERATED + 1) -> int:
    """Nodes in a fragment (up to `cap`): what one copy of it costs."""
    count, stack = 0, [node]
    while stack and count < cap:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _split_placeholders(text: str) -> list[str]:
    """'Topic${Name}Queue' -> ['Topic', '${Name}', 'Queue'] (literal parts at even indexes)."""
    parts: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        parts += [text[last:match.start()], match.group()]
        last = match.end()
    return parts + [text[last:]]


def _substitute(text: str, env: dict[str, str]) -> str:
    if "{" not in text:
        return text
    for identifier, value in env.items():
        text = text.replace("${" + identifier + "}", value).replace("&{" + identifier + "}",
                                                                    _NON_ALNUM.sub("", value))
    return text


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expand(document: Document, root: MapNode, pins: Pins) -> Step:
    expander = _Expander(root, pins)
    out = MapNode(root.span)
    out.key_spans.update(root.key_spans)
    out.value_spans.update(root.value_spans)
    for key, value in root.items():
        if key in _SECTIONS and isinstance(value, MapNode):
            out[key] = expander.mapping(value, {}, "", key)
        else:
            out[key] = value
    resources = out.get("Resources")
    if isinstance(resources, MapNode):
        for resource in resources.values():
            if isinstance(resource, MapNode):
                _policies(resource, expander)
    if expander.budget < 0:
        expander.problems.append(Problem(
            "PF0032", f"Fn::ForEach loops generate more than {MAX_KEYS:,} entries or {MAX_GENERATED:,} nodes, far "
            f"beyond CloudFormation's quotas (500 resources): expansion stopped there, and what the rest would "
            f"generate was not checked",
            root.span, "warning"))
    return Step(out, expander.origins, expander.problems, expander.unexpanded)


def _policies(resource: MapNode, expander: _Expander) -> None:
    """DeletionPolicy / UpdateReplacePolicy given as a Ref to a parameter whose value is known."""
    for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
        value = resource.get(attribute)
        if isinstance(value, dict) and list(value) == ["Ref"] and isinstance(value["Ref"], str):
            try:
                items = expander._parameter(value["Ref"])
            except _Unknown:
                continue
            if len(items) == 1:
                resource[attribute] = items[0]
