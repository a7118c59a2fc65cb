"""The resource dependency graph: edges from Ref, Fn::GetAtt, Fn::Sub and DependsOn, each with its location.

CloudFormation derives a resource's dependencies from every reference in its definition
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html). An edge found inside
a branch of Fn::If only exists in the scenarios that take that branch: each edge records the (condition, branch)
pairs on its path.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from preflight.model.template import Template
from preflight.resolve.pins import is_pseudo
from preflight.resolve.scenarios import Scenario
from preflight.source.nodes import MapNode, SeqNode, child_span, span_of
from preflight.source.span import Span

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
_REFERENCE_KEYS = frozenset(("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If"))


class Edge(NamedTuple):
    source: str
    target: str
    kind: str  # "Ref" | "GetAtt" | "Sub" | "DependsOn"
    span: Span
    path: tuple[Any, ...]
    when: tuple[tuple[str, bool], ...] = ()

    def active(self, scenario: Scenario) -> bool:
        return all(scenario.condition(name) in (None, branch) for name, branch in self.when)

    def describe(self) -> str:
        where = ".".join(str(p) for p in self.path) or "DependsOn"
        return f"{self.source} -> {self.target} ({self.kind} at {where}, line {self.span.line})"


class Dangling(NamedTuple):
    """A reference to a name that is neither a resource, a parameter nor a pseudo parameter."""

    section: str  # "Resources" | "Outputs"
    source: str
    target: str
    kind: str
    span: Span


class Graph:
    def __init__(self, template: Template) -> None:
        self.template = template
        self.edges: list[Edge] = []
        self.dangling: list[Dangling] = []
        self.output_edges: list[Edge] = []  # references from Outputs: not dependencies, but checked like them
        self.out: dict[str, list[Edge]] = {rid: [] for rid in template.resources}
        for resource in template.resources.values():
            self._walk_resource(resource.logical_id, resource.node)
        for output in template.outputs.values():
            self._walk("Outputs", output.name, output.node, (), (), output.key_span)
        for edge in self.edges:
            self.out[edge.source].append(edge)

    # ------------------------------------------------------------------ building

    def _walk_resource(self, logical_id: str, node: MapNode) -> None:
        resource = self.template.resources[logical_id]
        for index, target in enumerate(resource.depends_on):
            span = _depends_span(node, index)
            self._add("Resources", logical_id, target, "DependsOn", span, ("DependsOn",), ())
        for key, value in node.items():
            if key in ("DependsOn", "Condition", "Type"):
                continue
            self._walk("Resources", logical_id, value, (key,), (), node.value_span(key))

    def _walk(self, section: str, source: str, node: Any, path: tuple[Any, ...],
              when: tuple[tuple[str, bool], ...], span: Span) -> None:
        # Spans are computed only where an edge is found: most nodes hold no reference.
        stack: list[tuple[Any, tuple[Any, ...], tuple[tuple[str, bool], ...], Any, Any, Span]] = [
            (node, path, when, None, None, span)]
        while stack:
            item, path, when, parent, key, fallback = stack.pop()
            if isinstance(item, dict):
                if len(item) == 1:
                    name = next(iter(item))
                    if name in _REFERENCE_KEYS:
                        here = span_of(item, child_span(parent, key, fallback) if parent is not None else fallback)
                        self._reference(section, source, name, item[name], path, when, here, stack)
                        continue
                for child_key, value in item.items():
                    if isinstance(value, (dict, list)):
                        stack.append((value, path + (child_key,), when, item, child_key, fallback))
            elif isinstance(item, list):
                for index, value in enumerate(item):
                    if isinstance(value, (dict, list)):
                        stack.append((value, path + (index,), when, item, index, fallback))

    def _reference(self, section: str, source: str, name: str, arg: Any, path: tuple[Any, ...],
                   when: tuple[tuple[str, bool], ...], here: Span, stack: list[Any]) -> None:
        if name == "Ref":
            if isinstance(arg, str):
                self._add(section, source, arg, "Ref", here, path, when)
            return
        if name == "Fn::GetAtt":
            target = _getatt_target(arg)
            if target:
                self._add(section, source, target, "GetAtt", here, path, when)
            if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
                stack.append((arg[1], path + (name,), when, None, None, here))
            return
        if name == "Fn::Sub":
            self._sub(section, source, arg, path, when, here, stack)
            return
        # Fn::If: each branch exists only in the scenarios that take it.
        if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
            for branch, index in ((True, 1), (False, 2)):
                stack.append((arg[index], path, when + ((arg[0], branch),), arg, index, here))
        elif isinstance(arg, (dict, list)):
            stack.append((arg, path + (name,), when, None, None, here))

    def _sub(self, section: str, source: str, arg: Any, path: tuple[Any, ...],
             when: tuple[tuple[str, bool], ...], span: Span, stack: list[Any]) -> None:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text, variables = arg[0], arg[1]
            for name, value in variables.items():
                stack.append((value, path + ("Fn::Sub", name), when, variables, name, span))
        else:
            return
        for match in _SUB_VAR.finditer(text):
            expression = match.group(1).strip()
            if expression in variables:
                continue
            target = expression.split(".", 1)[0] if "." in expression and not expression.startswith("AWS::") else expression
            self._add(section, source, target, "Sub", span, path, when)

    def _add(self, section: str, source: str, target: str, kind: str, span: Span, path: tuple[Any, ...],
             when: tuple[tuple[str, bool], ...]) -> None:
        template = self.template
        if target in template.resources:
            edge = Edge(source, target, kind, span, path, when)
            # Nothing depends on an output, so output references are kept apart from the dependency edges.
            (self.edges if section == "Resources" else self.output_edges).append(edge)
            return
        if kind in ("Ref", "Sub") and (target in template.parameters or is_pseudo(target)):
            return
        self.dangling.append(Dangling(section, source, target, kind, span))

    # ------------------------------------------------------------------ queries

    def strongly_connected(self) -> list[list[str]]:
        """Components with a cycle (several resources, or one that depends on itself), in template order."""
        order = {rid: i for i, rid in enumerate(self.template.resources)}
        index_of: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        components: list[list[str]] = []
        counter = 0
        for root in self.template.resources:
            if root in index_of:
                continue
            work: list[tuple[str, int]] = [(root, 0)]
            while work:
                node, child = work.pop()
                if child == 0:
                    index_of[node] = low[node] = counter
                    counter += 1
                    stack.append(node)
                    on_stack.add(node)
                edges = self.out[node]
                if child < len(edges):
                    work.append((node, child + 1))
                    target = edges[child].target
                    if target not in index_of:
                        work.append((target, 0))
                    elif target in on_stack:
                        low[node] = min(low[node], index_of[target])
                    continue
                if low[node] == index_of[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    self_loop = any(e.target == node for e in edges)
                    if len(component) > 1 or self_loop:
                        components.append(sorted(component, key=order.__getitem__))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
        return sorted(components, key=lambda c: order[c[0]])

    def edges_within(self, members: list[str]) -> list[Edge]:
        inside = set(members)
        return [e for m in members for e in self.out[m] if e.target in inside]

    def cycle_path(self, members: list[str], edges: list[Edge] | None = None) -> list[Edge]:
        """One simple cycle through the component, as the edges that form it (shortest from the first member)."""
        edges = edges if edges is not None else self.edges_within(members)
        by_source: dict[str, list[Edge]] = {}
        for edge in edges:
            by_source.setdefault(edge.source, []).append(edge)
        start = members[0]
        queue: list[tuple[str, list[Edge]]] = [(start, [])]
        visited = {start}
        while queue:
            node, path = queue.pop(0)
            for edge in by_source.get(node, []):
                if edge.target == start:
                    return path + [edge]
                if edge.target not in visited:
                    visited.add(edge.target)
                    queue.append((edge.target, path + [edge]))
        return []

    def depends(self, source: str, target: str) -> bool:
        """Whether `source` depends on `target`, directly or transitively (any scenario)."""
        seen = {source}
        stack = [source]
        while stack:
            node = stack.pop()
            for edge in self.out.get(node, ()):
                if edge.target == target:
                    return True
                if edge.target not in seen:
                    seen.add(edge.target)
                    stack.append(edge.target)
        return False


def _getatt_target(arg: Any) -> str | None:
    if isinstance(arg, list) and arg and isinstance(arg[0], str):
        return arg[0]
    if isinstance(arg, str) and "." in arg:
        return arg.split(".", 1)[0]
    return None


def _depends_span(node: MapNode, index: int) -> Span:
    value = node.get("DependsOn")
    if isinstance(value, SeqNode):
        return value.item_span(index)
    return node.value_span("DependsOn")
