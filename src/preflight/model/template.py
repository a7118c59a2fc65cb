"""The typed Template: parameters, mappings, conditions, resources, outputs, read leniently.

Structural problems (a resource without Type, DependsOn that is not a list of names...) do not stop the model:
they are recorded in `problems` and reported by the template-structure checks, so that one bad resource does not
hide every other finding in the file.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from preflight.numbers import as_int
from preflight.source.document import Document
from preflight.source.nodes import MapNode, SeqNode
from preflight.source.span import Span

_EMPTY = MapNode()


class Problem(NamedTuple):
    kind: str  # a short key the structure check maps to a code
    message: str
    span: Span
    resource: str | None = None


class Parameter(NamedTuple):
    name: str
    type: str
    node: MapNode
    key_span: Span
    has_default: bool
    default: Any
    allowed_values: tuple[Any, ...] | None
    min_length: int | None
    max_length: int | None
    allowed_pattern: str | None

    @property
    def is_list(self) -> bool:
        return self.type.startswith("List<") or self.type == "CommaDelimitedList"

    @property
    def is_ssm(self) -> bool:
        # The default of an SSM parameter type is the *name* of the SSM parameter, not its value.
        return self.type.startswith("AWS::SSM::Parameter::Value<")


class Resource(NamedTuple):
    logical_id: str
    type: str
    node: MapNode
    key_span: Span
    properties: MapNode
    depends_on: tuple[str, ...]
    condition: str | None
    deletion_policy: Any
    update_replace_policy: Any
    metadata: Any

    @property
    def construct_path(self) -> str | None:
        meta = self.metadata
        if isinstance(meta, dict):
            path = meta.get("aws:cdk:path")
            if isinstance(path, str):
                return path
        return None

    def prop_span(self, name: str) -> Span:
        """Where a property's value is, else where Properties is, else where the resource is named."""
        if name in self.properties:
            return self.properties.value_spans.get(name, self.properties.span)
        return self.key_span


class Output(NamedTuple):
    name: str
    node: Any
    key_span: Span


class Template:
    __slots__ = ("conditions", "document", "expansion", "mappings", "outputs", "parameters", "problems", "resources",
                 "transforms")

    def __init__(
        self,
        document: Document,
        parameters: dict[str, Parameter] | None = None,
        mappings: MapNode | None = None,
        conditions: MapNode | None = None,
        resources: dict[str, Resource] | None = None,
        outputs: dict[str, Output] | None = None,
        transforms: tuple[str, ...] = (),
        problems: list[Problem] | None = None,
    ) -> None:
        self.document = document
        self.parameters: dict[str, Parameter] = {} if parameters is None else parameters
        self.mappings: MapNode = MapNode() if mappings is None else mappings
        self.conditions: MapNode = MapNode() if conditions is None else conditions
        self.resources: dict[str, Resource] = {} if resources is None else resources
        self.outputs: dict[str, Output] = {} if outputs is None else outputs
        self.transforms = transforms
        self.problems: list[Problem] = [] if problems is None else problems
        self.expansion: Any = None  # the transform stage's Expansion (transform/__init__.py), when it ran

    @property
    def root(self) -> Any:
        return self.document.root

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type in types]


def _as_int(value: Any) -> int | None:
    return as_int(value)  # 1e999, '²' or 5,000 digits: not a length (preflight.numbers)


def build_template(doc: Document) -> Template:
    root = doc.root
    template = Template(document=doc)
    if not isinstance(root, MapNode):
        span = root.span if isinstance(root, (MapNode, SeqNode)) else doc.lines.span(0, 0)
        template.problems.append(Problem("not-a-mapping", "the template is not a mapping of sections", span))
        return template
    section = _section(template, root, "Resources")
    if "Resources" not in root:
        template.problems.append(Problem("no-resources", "the template has no Resources section", root.span))
    for logical_id, node in section.items():
        _add_resource(template, section, str(logical_id), node)
    for name, node in _section(template, root, "Parameters").items():
        _add_parameter(template, _section(template, root, "Parameters"), str(name), node)
    template.mappings = _section(template, root, "Mappings")
    template.conditions = _section(template, root, "Conditions")
    outputs = _section(template, root, "Outputs")
    template.outputs = {str(k): Output(str(k), v, outputs.key_span(k)) for k, v in outputs.items()}
    transform = root.get("Transform")
    if isinstance(transform, str):
        template.transforms = (transform,)
    elif isinstance(transform, list):
        template.transforms = tuple(t for t in transform if isinstance(t, str))
    return template


def _section(template: Template, root: MapNode, name: str) -> MapNode:
    value = root.get(name)
    if value is None:
        return _EMPTY
    if not isinstance(value, MapNode):
        template.problems.append(Problem("section-shape", f"the {name} section must be a mapping", root.value_span(name)))
        return _EMPTY
    return value


def _add_parameter(template: Template, section: MapNode, name: str, node: Any) -> None:
    key_span = section.key_span(name)
    if not isinstance(node, MapNode):
        template.problems.append(Problem("parameter-shape", f"parameter {name} must be a mapping", key_span))
        return
    allowed = node.get("AllowedValues")
    for key in ("MinLength", "MaxLength"):
        if key in node and _as_int(node[key]) is None:
            template.problems.append(Problem(
                "parameter-shape", f"parameter {name}: {key} must be an integer, not {str(node[key])[:40]}",
                node.value_span(key)))
    template.parameters[name] = Parameter(
        name=name,
        type=str(node.get("Type", "String")),
        node=node,
        key_span=key_span,
        has_default="Default" in node,
        default=node.get("Default"),
        allowed_values=tuple(allowed) if isinstance(allowed, list) else None,
        min_length=_as_int(node.get("MinLength")),
        max_length=_as_int(node.get("MaxLength")),
        allowed_pattern=node.get("AllowedPattern") if isinstance(node.get("AllowedPattern"), str) else None,
    )


def _add_resource(template: Template, section: MapNode, logical_id: str, node: Any) -> None:
    key_span = section.key_span(logical_id)
    if not isinstance(node, MapNode):
        template.problems.append(
            Problem("resource-shape", f"resource {logical_id} must be a mapping", key_span, logical_id)
        )
        return
    rtype = node.get("Type")
    if not isinstance(rtype, str):
        template.problems.append(Problem("resource-type", f"resource {logical_id} has no Type", key_span, logical_id))
        return
    props = node.get("Properties", _EMPTY)
    if not isinstance(props, MapNode):
        template.problems.append(
            Problem("properties-shape", f"Properties of {logical_id} must be a mapping", node.value_span("Properties"), logical_id)
        )
        props = _EMPTY
    depends = node.get("DependsOn")
    if depends is None:
        depends = ()
    elif isinstance(depends, str):
        depends = (depends,)
    elif isinstance(depends, list) and all(isinstance(d, str) for d in depends):
        depends = tuple(depends)
    else:
        template.problems.append(
            Problem("dependson-shape", "DependsOn must be a logical id or a list of them", node.value_span("DependsOn"), logical_id)
        )
        depends = ()
    condition = node.get("Condition")
    template.resources[logical_id] = Resource(
        logical_id=logical_id,
        type=rtype,
        node=node,
        key_span=key_span,
        properties=props,
        depends_on=depends,
        condition=condition if isinstance(condition, str) else None,
        deletion_policy=node.get("DeletionPolicy"),
        update_replace_policy=node.get("UpdateReplacePolicy"),
        metadata=node.get("Metadata"),
    )
