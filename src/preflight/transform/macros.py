"""What has to run before CloudFormation sees the template and that preflight cannot run: a custom macro named in
Transform, Fn::Transform (AWS::Include, which fetches a snippet from S3, or a macro), and a packaging tool's YAML
tags (`!Rain::Embed`: rain replaces them by `rain pkg` / `rain deploy`). One finding per file names them all and
where the first is; the template is checked as written (a macro may rewrite what the checks saw).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-macros.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-include.html
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from preflight.source.nodes import MapNode, SeqNode
from preflight.source.span import Span
from preflight.transform import SAM, Problem

if TYPE_CHECKING:  # pragma: no cover
    from preflight.source.document import Document

FN = "Fn::Transform"
INCLUDE = "AWS::Include"  # run by CloudFormation, but what it includes lives in S3: not checked here
_SECTIONS = ("Resources", "Outputs", "Conditions", "Mappings", "Parameters")
_TAG = re.compile(r"unknown YAML tag (!(\w+)::\S*)")
# What runs a packaging tool's tags (the tag's prefix): https://github.com/aws-cloudformation/rain
_TOOLS = {"Rain": "rain (`rain pkg` or `rain deploy`)"}
_RAIN = "Rain"


class Outside:
    __slots__ = ("problem", "problems", "root")

    def __init__(self, root: Any, problem: Problem, problems: list[tuple[str, str, Span, str | None]]) -> None:
        self.root = root
        self.problem = problem
        self.problems = problems


def outside(document: Document, names: list[str]) -> Outside | None:
    from preflight.transform import TRANSFORMS

    root = document.root
    parts: list[str] = []
    spans: list[Span] = []
    macros = [n for n in names if n not in TRANSFORMS]
    if macros:
        spans.append(root.value_span("Transform"))
        parts.append(", ".join(f"the macro {m}" if not m.startswith("AWS::") else m for m in macros)
                     + " (Transform)")
    # AWS's own transforms (AWS::SecretsManager-2024-09-16, AWS::CodeDeployBlueGreen...) are run by CloudFormation
    # itself: nothing for the author to run first, so only advice that their output was not checked.
    hosted = bool(macros) and all(m.startswith("AWS::") and m != INCLUDE for m in macros)
    found = _fn_transforms(root) if FN in document.text else []  # a walk only when the text has one
    if found:
        spans.append(found[0][1])
        names_used = sorted({name for name, _ in found})
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        parts.append(f"{FN} of {', '.join(names_used)} (line {found[0][1].line}{more})")
    kept, tags = _tags(document)
    if _RAIN in document.text:  # a walk only when the text has one
        tags += _rain_keys(root)
    local = _local_artifacts(root, names)
    if local:
        spans.append(local[0][1])
        more = f" and {len(local) - 1} more" if len(local) > 1 else ""
        runner = "`sam package` or `sam deploy`" if SAM in names else "`aws cloudformation package`"
        parts.append(f"{runner}, which uploads local files and folders to S3, for {local[0][0]} "
                     f"(line {local[0][1].line}{more})")
    if tags:
        spans.append(tags[0][1])
        for tool in sorted({t for _, _, t in tags}):
            those = [(tag, span) for tag, span, t in tags if t == tool]
            runner = _TOOLS.get(tool, f"the tool that defines !{tool}:: tags")
            more = f" and {len(those) - 1} more" if len(those) > 1 else ""
            parts.append(f"{runner}, for {those[0][0]} (line {those[0][1].line}{more})")
    if not parts:
        return None
    first = min(spans, key=lambda s: s.start)
    if hosted and len(parts) == 1:
        message = (f"CloudFormation runs {parts[0]} when it deploys this template; preflight cannot run it offline "
                   f"and checked the template as written, so what the transform adds or changes was not checked")
        return Outside(root, Problem("PF0031", message, first, "info"), kept)
    message = (f"this template must be processed before CloudFormation checks it, by {'; '.join(parts)}: preflight "
               f"cannot run that offline and checked the template as written, so what it adds or changes was not "
               f"checked. Run it first (for a macro: deploy, or check its output) and check the processed template")
    opaque = {span for _, span, _ in tags} | {span for _, span in local}
    root = _opaque(_without_section_transforms(root), opaque)
    return Outside(root, Problem("PF0031", message, first), kept)


def _rain_keys(root: MapNode) -> list[tuple[str, Span, str]]:
    """rain's directives written as keys (`{"Rain::Embed": "file"}`, JSON's form of `!Rain::Embed file`): the
    mapping that holds one is what rain replaces. rain's top-level `Rain` section (constants) is dropped by
    _without_section_transforms."""
    found: list[tuple[str, Span, str]] = []
    if isinstance(root.get(_RAIN), MapNode):
        found.append((_RAIN, root.key_span(_RAIN), _RAIN))
    stack: list[Any] = [root]
    while stack and len(found) < 1000:
        node = stack.pop()
        items = list(node.items()) if isinstance(node, MapNode) else list(enumerate(node))
        for key, value in items:
            if isinstance(value, MapNode) and any(isinstance(k, str) and k.startswith(_RAIN + "::") for k in value):
                directive = next(k for k in value if isinstance(k, str) and k.startswith(_RAIN + "::"))
                span = node.value_span(key) if isinstance(node, MapNode) else node.item_span(key)
                found.append((directive, span, _RAIN))
            elif isinstance(value, (MapNode, SeqNode)):
                stack.append(value)
    return sorted(found, key=lambda f: f[1].start)


def _local_artifacts(root: MapNode, names: list[str]) -> list[tuple[str, Span]]:
    """Local paths that `aws cloudformation package` uploads and replaces by their S3 location (data:
    package_artifacts.json). The SAM transform reads a SAM resource's local CodeUri as `sam package` would, so
    those are left to it."""
    from preflight.data._snapshot import data

    table = data("package_artifacts")
    remote = tuple(table["remote_prefixes"])
    resources = root.get("Resources")
    found: list[tuple[str, Span]] = []
    if not isinstance(resources, MapNode):
        return found
    for logical_id, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource, MapNode) else None
        props = resource.get("Properties") if isinstance(resource, MapNode) else None
        if not isinstance(kind, str) or (SAM in names and kind.startswith("AWS::Serverless::")):
            continue  # the SAM transform reads a SAM resource's local path as `sam package` would
        paths = table["properties"].get(kind)
        if not paths or not isinstance(props, MapNode):
            continue
        for path in paths:
            *parents, prop = path.split(".")
            holder: Any = props
            for part in parents:
                holder = holder.get(part) if isinstance(holder, MapNode) else None
            value = holder.get(prop) if isinstance(holder, MapNode) else None
            if isinstance(value, str) and value and not value.lower().startswith(remote):
                found.append((f"the local path {value} of {logical_id}.{path}", holder.value_span(prop)))
    return sorted(found, key=lambda f: f[1].start)


def _opaque(node: Any, spans: set[Span]) -> Any:
    """A tool's tagged value is replaced by what the tool computes: unknown here, as an Fn::Transform is (the
    loader kept the tagged text, which would be checked as if it were the value). Copies what it changes."""
    if not spans or not isinstance(node, (MapNode, SeqNode)):
        return node
    if isinstance(node, MapNode):
        out = MapNode(node.span)
        out.key_spans.update(node.key_spans)
        out.value_spans.update(node.value_spans)
        for key, value in node.items():
            out[key] = _unknown(node.value_span(key)) if node.value_span(key) in spans else _opaque(value, spans)
        return out
    seq = SeqNode(node.span)
    seq.item_spans.extend(node.item_spans)
    seq.extend(_unknown(node.item_span(i)) if node.item_span(i) in spans else _opaque(v, spans)
               for i, v in enumerate(node))
    return seq


def _unknown(span: Span) -> MapNode:
    node = MapNode(span)
    node[FN] = MapNode(span)
    node.key_spans[FN] = node.value_spans[FN] = span
    return node


def _fn_transforms(root: Any) -> list[tuple[str, Span]]:
    found: list[tuple[str, Span]] = []
    stack: list[Any] = [root]
    while stack and len(found) < 1000:
        node = stack.pop()
        if isinstance(node, MapNode):
            if FN in node:
                arg = node[FN]
                name = arg.get("Name") if isinstance(arg, dict) else None
                found.append((name if isinstance(name, str) else "a macro", node.key_span(FN)))
            stack.extend(v for v in node.values() if isinstance(v, (MapNode, SeqNode)))
        elif isinstance(node, SeqNode):
            stack.extend(v for v in node if isinstance(v, (MapNode, SeqNode)))
    return sorted(found, key=lambda f: f[1].start)


def _tags(document: Document) -> tuple[list[tuple[str, str, Span, str | None]], list[tuple[str, Span, str]]]:
    """Unknown tags with a tool prefix (!Rain::Embed) leave the loader's problems and become one finding."""
    kept: list[tuple[str, str, Span, str | None]] = []
    tags: list[tuple[str, Span, str]] = []
    for problem in document.problems:
        match = _TAG.search(problem[1]) if problem[0] == "PF0006" else None
        if match is None or match.group(2) in ("Fn", "AWS"):
            kept.append(problem)
        else:
            tags.append((match.group(1), problem[2], match.group(2)))
    return kept, tags


def _without_section_transforms(root: MapNode) -> MapNode:
    """`Fn::Transform` written as a key of a section (AWS::Include of resources) is not a resource or an output."""
    if not any(isinstance(root.get(s), MapNode) and FN in root[s] for s in _SECTIONS) and _RAIN not in root:
        return root
    out = MapNode(root.span)
    out.update((k, v) for k, v in root.items() if k != _RAIN)
    out.key_spans.update(root.key_spans)
    out.value_spans.update(root.value_spans)
    for section in _SECTIONS:
        node = root.get(section)
        if isinstance(node, MapNode) and FN in node:
            copy = MapNode(node.span)
            copy.update((k, v) for k, v in node.items() if k != FN)
            copy.key_spans.update(node.key_spans)
            copy.value_spans.update(node.value_spans)
            out[section] = copy
    return out
