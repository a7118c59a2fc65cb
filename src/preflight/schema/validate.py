"""Shape validation of resource Properties against a resource type's provider schema.

What CloudFormation checks before a resource handler runs (the resource type schema's JSON-schema validation,
https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html), restricted to shapes:
the kind of each value (object, array or scalar), required properties, and unknown keys of objects that the schema
closes with ``additionalProperties: false``. Enums, patterns and lengths are not read here.

Only the properties present are walked. Intrinsic functions stand for values computed at deploy time and match
any shape (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html),
except that both branches of ``Fn::If`` are checked as values and ``Ref: AWS::NoValue`` removes what it stands for
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html#cfn-pseudo-param-novalue).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from preflight.schema.store import Node, TypeSchema
from preflight.source.nodes import MapNode, SeqNode, child_span, span_of
from preflight.source.span import NO_SPAN, Span

# The JSON type names CloudFormation's schema validator prints ("expected type: JSONArray, found: JSONObject").
KIND_NAMES = {"o": "JSONObject", "a": "JSONArray", "s": "String"}


class Issue(NamedTuple):
    """One shape problem. `path` is the JSON-pointer-like location under Properties ("#/Tags/0")."""

    kind: str  # "unsupported" | "required" | "shape"
    path: tuple[str, ...]
    span: Span
    name: str = ""  # the unsupported or missing key
    choices: tuple[str, ...] = ()  # unsupported: the keys the object accepts
    expected: str = ""  # shape: accepted kinds ("o", "a", "s" or a mix)
    found: str = ""  # shape: the kind given
    item_keys: tuple[str, ...] = ()  # shape, array expected: the keys of its items (Tags: Key, Value)
    given_keys: tuple[str, ...] = ()  # shape, object given: its keys
    via: str = ""  # shape: the intrinsic function whose result has the wrong kind ("Ref SubnetA", "Fn::Sub")


def pointer(path: tuple[str, ...]) -> str:
    return "#/" + "/".join(path) if path else "#"


def kind_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return "o"
    if isinstance(value, list):
        return "a"
    if isinstance(value, (str, int, float, bool)):
        return "s"
    return None  # YAML null: not a shape question (CloudFormation rejects nulls itself)


def is_no_value(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and value.get("Ref") == "AWS::NoValue"


# What an intrinsic function returns, where the function reference documents one kind for every argument:
# Fn::Sub, Fn::Join, Fn::Base64 and Fn::ToJsonString return a string, Fn::Length an integer, Fn::GetAZs,
# Fn::Split and Fn::Cidr a list of strings. Ref depends on what it names (RefKind); any other function (GetAtt,
# FindInMap, Select, ImportValue, Transform ...) may return any shape.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
FUNCTION_KINDS = {
    "Fn::Sub": "s",
    "Fn::Join": "s",
    "Fn::Base64": "s",
    "Fn::ToJsonString": "s",
    "Fn::Length": "s",
    "Fn::GetAZs": "a",
    "Fn::Split": "a",
    "Fn::Cidr": "a",
}

# name -> kind of the value `Ref: name` returns ("s" or "a"), or None when not known.
RefKind = Callable[[str], "str | None"]


def _no_ref_kind(name: str) -> str | None:
    return None


class Validator:
    """Walks one resource's Properties against one type's shapes; returns Issues, never raises on bad input.

    Fast path: a value is reached through (parent container, key) and spans are only looked up for an Issue.
    """

    def __init__(self, schema: TypeSchema, ref_kind: RefKind = _no_ref_kind) -> None:
        self.schema = schema
        self.ref_kind = ref_kind
        self.issues: list[Issue] = []

    def properties(self, props: MapNode, key_span: Span) -> list[Issue]:
        self.issues = []
        self._object(props, self.schema.root, (), None, key_span)
        return self.issues

    def _value(self, value: Any, node: Node, path: tuple[str, ...], parent: Any, key: Any) -> None:
        if isinstance(value, dict) and len(value) == 1:
            first = next(iter(value))
            if first == "Fn::If":
                self._if(value[first], node, path, parent, key)
                return
            if first == "Ref" or (isinstance(first, str) and first.startswith("Fn::")):
                self._function(first, value[first], node, path, parent, key)
                return
        if isinstance(node, str):
            if node[:1] == "#":
                node = self.schema.deref(node)
            if isinstance(node, str) and (not node or (kind_of(value) or "") in node):
                return  # a leaf the value fits (or a null, which is not a shape question)
        kinds = node if isinstance(node, str) else node.get("k", "")
        found = kind_of(value)
        if found is None:
            return
        if kinds and found not in kinds:
            self._shape(value, node, kinds, found, path, parent, key)
        elif found == "o" and isinstance(node, dict):
            self._object(value, node, path, parent, key)
        elif found == "a" and isinstance(node, dict) and "i" in node:
            self._items(value, node["i"], path)

    def _function(
        self, name: str, arg: Any, node: Node, path: tuple[str, ...], parent: Any, key: Any
    ) -> None:
        """A value computed at deploy time fits any shape, unless the function always returns one kind."""
        found = self.ref_kind(arg) if name == "Ref" and isinstance(arg, str) else FUNCTION_KINDS.get(name)
        if found is None:
            return
        node = self.schema.deref(node)
        kinds = node if isinstance(node, str) else node.get("k", "")
        if kinds and found not in kinds:
            via = f"Ref {arg}" if name == "Ref" else name
            self._shape({}, node, kinds, found, path, parent, key, via)

    def _if(self, args: Any, node: Node, path: tuple[str, ...], parent: Any, key: Any) -> None:
        """Both branches of Fn::If are values of this property; AWS::NoValue removes it."""
        if isinstance(args, list) and len(args) == 3:
            for index in (1, 2):
                if not is_no_value(args[index]):
                    self._value(args[index], node, path, args, index)

    def _object(
        self, value: dict[str, Any], node: Node, path: tuple[str, ...], parent: Any, key: Any
    ) -> None:
        """`parent[key]` is `value`; for Properties itself, parent is None and key the span of "Properties"."""
        props: dict[str, Node] = node.get("p", {}) if isinstance(node, dict) else {}
        closed = isinstance(node, dict) and node.get("c") == 1
        computed = False
        for child, item in value.items():
            name = str(child)
            if name in props:
                self._value(item, props[name], path + (name,), value, child)
            elif name.startswith("Fn::"):
                # Fn::ForEach::Name (AWS::LanguageExtensions) or Fn::Transform expand into properties at deploy
                # time: which keys end up here is unknown, so required keys are not checked.
                computed = True
            elif closed:
                self.issues.append(
                    Issue("unsupported", path, _key_span(value, child), name=name, choices=tuple(props))
                )
        if not computed and isinstance(node, dict):
            for name in node.get("r", ()):
                if name not in value:
                    where = key if parent is None else _key_span(parent, key)
                    self.issues.append(Issue("required", path, where, name=name))

    def _items(self, value: list[Any], node: Node, path: tuple[str, ...]) -> None:
        for index, item in enumerate(value):
            if not is_no_value(item):
                self._value(item, node, path + (str(index),), value, index)

    def _shape(
        self,
        value: Any,
        node: Node,
        kinds: str,
        found: str,
        path: tuple[str, ...],
        parent: Any,
        key: Any,
        via: str = "",
    ) -> None:
        item_keys: tuple[str, ...] = ()
        if "a" in kinds and isinstance(node, dict):
            item = self.schema.deref(node.get("i", ""))
            if isinstance(item, dict):
                item_keys = tuple(item.get("p", {}))
        given = tuple(str(k) for k in value) if isinstance(value, dict) else ()
        span = child_span(parent, key, _key_span(parent, key))
        self.issues.append(
            Issue(
                "shape",
                path,
                span,
                expected=kinds,
                found=found,
                item_keys=item_keys,
                given_keys=given,
                via=via,
            )
        )


def _key_span(parent: Any, key: Any) -> Span:
    """Where the value parent[key] is named: the mapping key, or the list item itself."""
    if isinstance(parent, MapNode):
        return parent.key_spans.get(key, parent.span)
    if isinstance(parent, SeqNode) and isinstance(key, int):
        return parent.item_span(key)
    return span_of(parent, NO_SPAN)
