"""`Transform: AWS::Serverless-2016-10-31`, expanded offline by aws-sam-translator (the library SAM itself uses).

Offline means: no AWS call and no AWS configuration read. The translator gets a stand-in session carrying the
region (pinned, else us-east-1: the partition is what matters, and it is `aws` unless pinned otherwise, as
everywhere in preflight), the managed policy names from our snapshot (data/managed_policies.json) so that
`Policies: [AWSLambdaBasicExecutionRole]` resolves without IAM, and a Serverless Application Repository stand-in
that answers every application with a placeholder template URL. Local code paths (`CodeUri: src/`), which
`sam package` / `sam deploy` upload before CloudFormation sees the template, become placeholder S3 locations.

aws-sam-translator pulls boto3, pydantic and jsonschema: it is imported here only, when a template declares the
transform (tests/core/test_startup.py keeps it off the path of other templates).
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification.html
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from preflight.numbers import as_int
from preflight.source.nodes import MapNode, SeqNode
from preflight.source.span import Span
from preflight.transform import SAM, Origin, Problem, Step
from preflight.transform.adopt import adopt

if TYPE_CHECKING:  # pragma: no cover
    from preflight.resolve.pins import Pins
    from preflight.source.document import Document

_PLACEHOLDER = "s3://preflight-placeholder/{}"
# Properties that name a local file or folder, which `sam package` uploads to S3 and replaces by its location
# (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-package.html).
_LOCAL_PATHS = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::Application": ("Location",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri",),
}
# Globals sections and the resource type whose properties they supply.
# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html
_GLOBALS = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::StateMachine": "StateMachine",
    "AWS::Serverless::LayerVersion": "LayerVersion",
}
# Resources SAM adds for events that name no API of the template (the implicit APIs) and for CodeDeploy.
_IMPLICIT = (("ServerlessRestApi", "Api", "RestApiId"), ("ServerlessHttpApi", "HttpApi", "ApiId"))
_CODEDEPLOY = ("ServerlessDeploymentApplication", "CodeDeployServiceRole")
_POLICY_INDEX = re.compile(r"Policy(\d+)$")
_EVENT_ID = re.compile(r"Event with id \[([^\]]+)\]")
_SUB_NAME = re.compile(r"\$\{([^}!.]+)\}")


def expand(document: Document, root: MapNode, pins: Pins) -> Step:
    transform_span = root.value_span("Transform")
    try:
        translator = _translator_module()
    except ImportError as exc:
        message = (f"the template declares Transform: {SAM}, which preflight expands with aws-sam-translator, "
                   f"but it cannot be imported ({exc}): install it (pip install aws-sam-translator); the template "
                   f"was checked as written")
        return Step(root, {}, [Problem("PF0030", message, transform_span, "warning")], [])
    values = _parameters(root, pins)
    try:
        try:
            return _adopted(root, _translate(translator, root, values, pins))
        except translator.TranslationError:
            unknown = _unknown_parameters(root, values)
            if not unknown:
                raise
        # SAM resolves some properties (AutoPublishAlias, a SemanticVersion, a DefinitionUri...) from parameter
        # values, which CloudFormation knows at deploy time and preflight does not: translate again with the
        # parameters' names as stand-in values, and say so.
        step = _adopted(root, _translate(translator, root, {**values, **unknown}, pins))
        names = ", ".join(sorted(unknown))
        message = (f"Transform {SAM} needs the value of parameter(s) {names} (no default, not pinned): the template "
                   f"was expanded with the parameter names as stand-in values, so generated names that embed them "
                   f"are not final; pin them to check the real expansion: --parameters {min(unknown)}=...")
        step.problems.append(Problem("PF0030", message, transform_span, "info"))
        return step
    except translator.TranslationError as exc:
        return Step(root, {}, [_failure(root, exc.causes, transform_span)], [])
    except RecursionError:
        message = (f"the template nests too deeply for preflight to run Transform: {SAM} (Python's recursion "
                   f"limit): it was checked as written")
        return Step(root, {}, [Problem("PF0030", message, transform_span, "warning")], [])


@cache
def _translator_module() -> Any:
    from preflight.transform import _samlib

    logging.getLogger("samtranslator").setLevel(logging.CRITICAL)
    # Spans are immutable tuples of ints: deep copies (ours and the translator's) may share them, which makes
    # copying a template several times faster.
    dispatch: dict[type, Any] = vars(copy)["_deepcopy_dispatch"]
    dispatch[Span] = vars(copy)["_deepcopy_atomic"]
    return _samlib


def _translate(translator: Any, root: MapNode, values: dict[str, Any], pins: Pins) -> dict[str, Any]:
    source = copy.deepcopy(root)  # the translator edits its input; deep copies keep the nodes and their spans
    _local_paths(source)
    result: dict[str, Any] = translator.translate(source, values, pins)
    return result


def _unknown_parameters(root: MapNode, values: dict[str, Any]) -> dict[str, Any]:
    """Parameters without a value here, each with its name as a stand-in (a list parameter: a list of it)."""
    params = root.get("Parameters")
    used = _referenced(root)
    unknown: dict[str, Any] = {}
    for name, spec in params.items() if isinstance(params, MapNode) else ():
        if name not in values and name in used and isinstance(spec, dict):
            kind = str(spec.get("Type", "String"))
            unknown[name] = [name] if kind.startswith("List<") or kind == "CommaDelimitedList" else str(name)
    return unknown


def _referenced(root: MapNode) -> set[str]:
    """Names the SAM resources and Globals refer to (Ref, and ${Name} in Fn::Sub)."""
    resources = root.get("Resources")
    stack: list[Any] = [root.get("Globals")]
    if isinstance(resources, MapNode):
        stack += [r for r in resources.values()
                  if isinstance(r, MapNode) and str(r.get("Type", "")).startswith("AWS::Serverless::")]
    names: set[str] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref, sub = node.get("Ref"), node.get("Fn::Sub")
            if isinstance(ref, str):
                names.add(ref)
            text = sub[0] if isinstance(sub, list) and sub else sub
            if isinstance(text, str):
                names.update(_SUB_NAME.findall(text))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


def _parameters(root: MapNode, pins: Pins) -> dict[str, Any]:
    values: dict[str, Any] = {}
    params = root.get("Parameters")
    if isinstance(params, MapNode):
        for name, spec in params.items():
            if name in pins.parameters:
                values[name] = pins.parameters[name]
            elif isinstance(spec, dict) and "Default" in spec and not str(spec.get("Type", "")).startswith(
                    "AWS::SSM::Parameter::Value<"):
                values[name] = spec["Default"]
    for pseudo, value in (("AWS::AccountId", pins.account_id), ("AWS::StackName", pins.stack_name)):
        if value:
            values[pseudo] = value
    return values


def _local_paths(root: MapNode) -> None:
    """What `sam package` does before CloudFormation: local paths become S3 locations."""
    resources = root.get("Resources")
    sections: list[tuple[Any, Any]] = []
    if isinstance(resources, dict):
        sections += [(r.get("Type"), r.get("Properties")) for r in resources.values() if isinstance(r, dict)]
    globals_ = root.get("Globals")
    if isinstance(globals_, dict):
        sections += [(rtype, globals_.get(name)) for rtype, name in _GLOBALS.items()]
    for rtype, props in sections:
        if not isinstance(props, dict):
            continue
        for name in _LOCAL_PATHS.get(rtype if isinstance(rtype, str) else "", ()):
            value = props.get(name)
            if isinstance(value, str) and not value.startswith(("s3://", "https://", "http://")):
                props[name] = _PLACEHOLDER.format(value.strip("./") or "code")
            elif isinstance(value, dict) and not ({"Bucket", "ApplicationId"} & set(value)):
                # An intrinsic (!Sub src/${Name}, a parameter): its value is known at packaging or deploy time
                props[name] = _PLACEHOLDER.format(name.lower())
        if rtype == "AWS::Serverless::Function" and props.get("PackageType") == "Image" and "ImageUri" not in props:
            props["ImageUri"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/preflight-placeholder:latest"


def _failure(root: MapNode, causes: list[tuple[str | None, str]], fallback: Span) -> Problem:
    resources = root.get("Resources")
    span, resource = fallback, None
    for logical_id, text in causes:
        if logical_id and isinstance(resources, MapNode) and logical_id in resources:
            span, resource = resources.key_span(logical_id), logical_id
            span = _event_span(resources[logical_id], text) or span
            break
    text = " ".join(message for _, message in causes[:5])
    more = f" ({len(causes) - 5} more errors)" if len(causes) > 5 else ""
    message = (f"Transform {SAM} failed with: Invalid Serverless Application Specification document. Number of "
               f"errors found: {len(causes)}. {text}{more}")
    return Problem("PF0030", message, span, None, resource)


def _event_span(node: Any, text: str) -> Span | None:
    """The event the translator names ("Event with id [Upload] is invalid"), where it is written."""
    match = _EVENT_ID.search(text)
    props = node.get("Properties") if isinstance(node, MapNode) else None
    events = props.get("Events") if isinstance(props, MapNode) else None
    if match is None or not isinstance(events, MapNode) or match.group(1) not in events:
        return None
    return events.key_span(match.group(1))


# ------------------------------------------------------------------------------------------- spans and origins


def _adopted(root: MapNode, output: dict[str, Any]) -> Step:
    sources = _Sources(root)
    out_root = MapNode(root.span)
    if "Transform" in root and "Transform" not in output:
        # kept for the checks that ask which transforms the template declares (schema: SAM types are known)
        output = {"Transform": root["Transform"], **output}
    for key, value in output.items():
        out_root[key] = value
        out_root.key_spans[key] = root.key_span(key) if key in root else root.span
        out_root.value_spans[key] = root.value_span(key) if key in root else root.span
    origins: dict[str, Origin] = {}
    resources = output.get("Resources")
    adopted = MapNode(root.value_span("Resources"))
    if isinstance(resources, dict):
        for logical_id, resource in resources.items():
            origin = sources.origin(logical_id, resource)
            span = origin.span if origin is not None else sources.resources.key_span(logical_id)
            if origin is not None:
                kind = resource.get("Type") if isinstance(resource, dict) else None
                origins[logical_id] = origin._replace(kind=kind) if isinstance(kind, str) else origin
            adopted[logical_id] = adopt(resource, span, sources.parallel(logical_id, resource, origin))
            adopted.key_spans[logical_id] = span
            adopted.value_spans[logical_id] = span if origin is not None else sources.resources.value_span(logical_id)
    out_root["Resources"] = adopted
    for key in out_root:
        if key != "Resources":
            out_root[key] = adopt(out_root[key], out_root.value_spans[key], (root.get(key),))
    return Step(out_root, origins, [], [])


class _Sources:
    """The SAM resources of the source template and the spans findings on their products point at."""

    def __init__(self, root: MapNode) -> None:
        resources = root.get("Resources")
        self.resources: MapNode = resources if isinstance(resources, MapNode) else MapNode(root.span)
        globals_ = root.get("Globals")
        self.globals: MapNode = globals_ if isinstance(globals_, MapNode) else MapNode()
        self.transform_span = root.value_span("Transform")
        self.sam = {k: v for k, v in self.resources.items()
                    if isinstance(v, MapNode) and str(v.get("Type", "")).startswith("AWS::Serverless::")}
        self.by_length = sorted(self.sam, key=len, reverse=True)
        self.modified = dict(self._modified())

    def origin(self, logical_id: str, resource: Any) -> Origin | None:
        rtype = resource.get("Type") if isinstance(resource, dict) else None
        given = self.resources.get(logical_id)
        if isinstance(given, MapNode) and given.get("Type") == rtype:
            return None  # the author's own resource (SAM may have added to it: see parallel()), or one it left
        if logical_id in self.sam:
            return Origin(logical_id, logical_id, self.resources.key_span(logical_id), SAM)
        for sam_id in self.by_length:
            if logical_id.startswith(sam_id):
                return self._within(sam_id, logical_id[len(sam_id):], resource)
        for prefix, event_type, key in _IMPLICIT:
            if logical_id.startswith(prefix):
                return self._implicit(event_type, key, prefix)
        if logical_id in _CODEDEPLOY:
            for sam_id, node in self.sam.items():
                props = node.get("Properties")
                if isinstance(props, MapNode) and "DeploymentPreference" in props:
                    return Origin(sam_id, f"{sam_id}.DeploymentPreference", props.key_span("DeploymentPreference"), SAM)
        return Origin(None, f"Transform: {SAM}", self.transform_span, SAM)

    def _within(self, sam_id: str, rest: str, resource: Any) -> Origin:
        node = self.sam[sam_id]
        props = node.get("Properties")
        props = props if isinstance(props, MapNode) else MapNode()
        events = props.get("Events")
        if isinstance(events, MapNode):
            for name in sorted(events, key=len, reverse=True):
                if rest.startswith(str(name)):
                    return Origin(sam_id, f"{sam_id}.Events.{name}", events.key_span(name), SAM)
        if rest == "Role" and "Policies" in props:
            return Origin(sam_id, f"{sam_id}.Policies", props.key_span("Policies"), SAM)
        return Origin(sam_id, sam_id, self.resources.key_span(sam_id), SAM)

    def _implicit(self, event_type: str, key: str, prefix: str) -> Origin:
        for sam_id, name, event in self._events():
            props = event.get("Properties")
            if event.get("Type") == event_type and not (isinstance(props, dict) and key in props):
                events = self.sam[sam_id]["Properties"]["Events"]
                return Origin(sam_id, f"{sam_id}.Events.{name} (the implicit API {prefix})", events.key_span(name),
                              SAM)
        section = "Api" if event_type == "Api" else "HttpApi"
        if section in self.globals:
            return Origin(None, f"Globals.{section}", self.globals.key_span(section), SAM)
        return Origin(None, f"Transform: {SAM}", self.transform_span, SAM)

    def _events(self) -> Iterator[tuple[str, str, MapNode]]:
        for sam_id, node in self.sam.items():
            props = node.get("Properties")
            events = props.get("Events") if isinstance(props, MapNode) else None
            if isinstance(events, MapNode):
                for name, event in events.items():
                    if isinstance(event, MapNode):
                        yield sam_id, str(name), event

    def _modified(self) -> Iterator[tuple[str, Span]]:
        """The author's resources an event writes into (an S3 event adds the bucket's NotificationConfiguration)."""
        for _, name, event in self._events():
            props = event.get("Properties")
            bucket = props.get("Bucket") if isinstance(props, MapNode) else None
            if isinstance(bucket, dict) and isinstance(bucket.get("Ref"), str):
                yield bucket["Ref"], props.span if isinstance(props, MapNode) else event.span

    def parallel(self, logical_id: str, resource: Any, origin: Origin | None) -> tuple[Any, ...]:
        """The source nodes at the same paths as the generated resource's: for the resource that keeps the SAM
        resource's logical id, its own properties then the Globals entry; for an event's resource, the event."""
        given = self.resources.get(logical_id)
        if origin is None:
            if logical_id in self.modified and isinstance(given, MapNode):
                return (_with_span(given, self.modified[logical_id]),)
            return (given,) if given is not None else ()
        if origin.source is None:
            return ()
        node = self.sam[origin.source]
        props = node.get("Properties")
        if logical_id == origin.source:
            section = self.globals.get(_GLOBALS.get(str(node.get("Type")), ""))
            renamed = _renamed(node, props)
            return (node, *(_wrap("Properties", p) for p in (section, renamed) if isinstance(p, MapNode)))
        if ".Events." in origin.where and isinstance(props, MapNode):
            name = origin.where.split(".Events.", 1)[1].split(" ", 1)[0]
            events = props.get("Events")
            event = events.get(name) if isinstance(events, MapNode) else None
            if isinstance(event, MapNode) and isinstance(event.get("Properties"), MapNode):
                return (_wrap("Properties", event["Properties"]),)
        if origin.where.endswith(".Policies") and isinstance(props, MapNode):
            return (_wrap("Properties", _role_parallel(resource, props)),)
        return ()


# Properties of the generated resource that come from differently named SAM properties (the first one present).
_RENAMED: dict[str, dict[str, tuple[str, ...]]] = {
    "AWS::Serverless::Function": {"Role": ("Role", "Policies"), "Code": ("CodeUri", "InlineCode", "ImageUri")},
    "AWS::Serverless::Api": {"Body": ("DefinitionBody",), "BodyS3Location": ("DefinitionUri",)},
    "AWS::Serverless::HttpApi": {"Body": ("DefinitionBody",), "BodyS3Location": ("DefinitionUri",)},
    "AWS::Serverless::StateMachine": {"RoleArn": ("Role", "Policies"), "Definition": ("Definition",),
                                      "DefinitionS3Location": ("DefinitionUri",)},
    "AWS::Serverless::LayerVersion": {"Content": ("ContentUri",)},
    "AWS::Serverless::SimpleTable": {"KeySchema": ("PrimaryKey",), "AttributeDefinitions": ("PrimaryKey",)},
}


def _renamed(node: MapNode, props: Any) -> MapNode | None:
    table = _RENAMED.get(str(node.get("Type")))
    if not table or not isinstance(props, MapNode):
        return None
    out = MapNode(props.span)
    for generated, names in table.items():
        name = next((n for n in names if n in props), None)
        if name is not None:
            out[generated] = None
            out.key_spans[generated] = props.key_span(name)
            out.value_spans[generated] = props.value_span(name)
    return out


def _wrap(key: str, value: MapNode) -> MapNode:
    """A parallel node holding `value` at `key`."""
    node = MapNode(value.span)
    node[key] = value
    node.key_spans[key] = node.value_spans[key] = value.span
    return node


def _with_span(given: MapNode, span: Span) -> MapNode:
    """The author's resource as a parallel node, whose keys SAM adds are located at the event that added them."""
    node = MapNode(given.span)
    node.update(given)
    node.key_spans.update(given.key_spans)
    node.value_spans.update(given.value_spans)
    props = given.get("Properties")
    if isinstance(props, MapNode):
        inner = MapNode(span)
        inner.update(props)
        inner.key_spans.update(props.key_spans)
        inner.value_spans.update(props.value_spans)
        node["Properties"] = inner
    else:
        node["Properties"] = MapNode(span)
        node.key_spans["Properties"] = node.value_spans["Properties"] = span
    if "DependsOn" not in node:
        node["DependsOn"] = None
        node.key_spans["DependsOn"] = node.value_spans["DependsOn"] = span
    return node


def _role_parallel(role: Any, props: MapNode) -> MapNode:
    """The generated role's Policies[i] comes from the SAM resource's Policies[index] (PolicyName ends with the
    index: role_constructor.py); ManagedPolicyArns items from the SAM policy names they resolve."""
    policies = props.get("Policies")
    out = MapNode(props.value_span("Policies"))
    if not isinstance(policies, SeqNode):
        return out
    role_props = role.get("Properties") if isinstance(role, dict) else None
    generated = role_props.get("Policies") if isinstance(role_props, dict) else None
    inline = SeqNode(policies.span)
    for entry in generated if isinstance(generated, list) else ():
        name = entry.get("PolicyName") if isinstance(entry, dict) else None
        match = _POLICY_INDEX.search(name) if isinstance(name, str) else None
        position = as_int(match.group(1)) if match else None  # \d also matches other scripts' digits
        index = -1 if position is None else position
        span = policies.item_span(index) if 0 <= index < len(policies) else policies.span
        inline.append(_spanned(span))
        inline.item_spans.append(span)
    out["Policies"] = inline
    out.key_spans["Policies"] = out.value_spans["Policies"] = props.key_span("Policies")
    arns = role_props.get("ManagedPolicyArns") if isinstance(role_props, dict) else None
    managed = SeqNode(policies.span)
    for arn in arns if isinstance(arns, list) else ():
        spans = [policies.item_span(i) for i, p in enumerate(policies)
                 if isinstance(p, str) and isinstance(arn, str) and (arn == p or arn.endswith("/" + p))]
        managed.append(arn)
        managed.item_spans.append(spans[0] if spans else props.key_span("Policies"))
    out["ManagedPolicyArns"] = managed
    out.key_spans["ManagedPolicyArns"] = out.value_spans["ManagedPolicyArns"] = props.key_span("Policies")
    return out


def _spanned(span: Span) -> MapNode:
    node = MapNode(span)
    node["PolicyName"] = node["PolicyDocument"] = None
    node.key_spans["PolicyName"] = node.key_spans["PolicyDocument"] = span
    node.value_spans["PolicyName"] = node.value_spans["PolicyDocument"] = span
    return node
