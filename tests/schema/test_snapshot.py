"""The schema snapshot: its line layout, its integrity, and how scripts/refresh_schemas.py compiles a schema."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest

from preflight.schema import store
from preflight.schema.suggest import closest, closest_type
from tests.conftest import ROOT

SNAPSHOT = os.path.join(ROOT, "src", "preflight", "data", "schemas_cfn.json")


def _refresh_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "refresh_schemas", os.path.join(ROOT, "scripts", "refresh_schemas.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_line_index_agrees_with_a_full_parse() -> None:
    full = json.loads(Path(SNAPSHOT).read_text(encoding="utf-8"))
    assert {"source", "retrieved", "notes", "data"} <= full.keys()
    data = full["data"]
    assert store.known_types() == frozenset(data["types"])
    for name in ("AWS::S3::Bucket", "AWS::IAM::Role", "AWS::QuickSight::Dashboard"):
        schema = store.type_schema(name)
        assert schema is not None
        assert schema.root == data["types"][name]["s"]
        assert schema.definitions == data["types"][name].get("d", {})
    assert store.sam_types() == frozenset(data["sam_types"])
    assert store.type_schema("AWS::EC2::NATGateway") is None


def _refs(node: Any) -> set[str]:
    if isinstance(node, str):
        return {node[1:]} if node.startswith("#") else set()
    found: set[str] = set()
    for key in ("p",):
        for child in node.get(key, {}).values():
            found |= _refs(child)
    if "i" in node:
        found |= _refs(node["i"])
    return found


def test_every_reference_resolves_and_every_node_is_well_formed() -> None:
    for name in sorted(store.known_types()):
        schema = store.type_schema(name)
        assert schema is not None
        nodes = [schema.root, *schema.definitions.values()]
        wanted = set().union(*(_refs(n) for n in nodes))
        assert wanted <= set(schema.definitions), name
        for node in nodes:
            if isinstance(node, dict):
                assert set(node) <= {"k", "p", "r", "c", "i"}, name
                assert set(node.get("k", "")) <= set("oas"), name


def test_types_and_namespaces() -> None:
    known = store.known_types()
    assert "AWS::EC2::NatGateway" in known and "AWS::CloudFormation::CustomResource" in known
    assert not any(t.startswith("AWS::Serverless::") for t in known)
    assert {"AWS::Serverless::Function", "AWS::Serverless::Api"} <= store.sam_types()
    assert store.reserved_namespace("AWS::Foo::Bar") and store.reserved_namespace("Custom::X")
    assert not store.reserved_namespace("MongoDB::Atlas::Cluster")


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("AWS::EC2::NATGateway", "AWS::EC2::NatGateway"),
        ("AWS::EC2::RouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation"),
        ("AWS::SecurityHub::StandardsSubscription", "AWS::SecurityHub::Standard"),
        ("AWS::Config::ConfigurationRecorderStatus", "AWS::Config::ConfigurationRecorder"),
        ("AWS::Lambda::Functions", "AWS::Lambda::Function"),
        ("AWS::Ec2::Instance", "AWS::EC2::Instance"),
        ("AWS::ManagedBlockchain::Network", None),
    ],
    ids=["case", "words-missing", "words-added", "status-suffix", "plural", "service-case", "none-close"],
)
def test_type_suggestions(given: str, meant: str | None) -> None:
    assert closest_type(given, store.known_types()) == meant


@pytest.mark.parametrize(
    ("given", "choices", "meant"),
    [
        ("RoleArn", ("RoleARN", "Name"), "RoleARN"),
        ("ResourceIds", ("ResourceId", "ResourceType"), "ResourceId"),
        ("KubernetesConfiguration", ("Kubernetes", "S3Logs"), "Kubernetes"),
        ("CachingEnabled", ("TracingEnabled", "StageName"), None),
        ("Colour", ("QueueName", "DelaySeconds"), None),
    ],
    ids=["case", "plural", "prefix", "other-first-letter", "nothing-close"],
)
def test_property_suggestions(given: str, choices: tuple[str, ...], meant: str | None) -> None:
    assert closest(given, choices, 0.8) == meant


# --------------------------------------------------------------------------- the compiler


@pytest.mark.parametrize(
    ("schema", "root", "defs"),
    [
        (
            {
                "properties": {"A": {"type": "string"}, "B": {"$ref": "#/definitions/B"}},
                "required": ["A"],
                "additionalProperties": False,
                "definitions": {
                    "B": {
                        "type": "object",
                        "properties": {"C": {"type": "array", "items": {"type": "integer"}}},
                        "additionalProperties": False,
                    }
                },
            },
            {"k": "o", "p": {"A": "s", "B": "#B"}, "r": ["A"], "c": 1},
            {"B": {"k": "o", "p": {"C": {"k": "a", "i": "s"}}, "c": 1}},
        ),
        (
            {
                "properties": {
                    "M": {
                        "type": "object",
                        "patternProperties": {".*": {"type": "string"}},
                        "additionalProperties": False,
                    }
                },
                "additionalProperties": False,
                "patternProperties": {"^x": {}},
            },
            {"k": "o", "p": {"M": "o"}},
            {},
        ),
        (
            {
                "properties": {
                    "U": {
                        "oneOf": [
                            {"type": "string"},
                            {
                                "type": "object",
                                "properties": {"P": {"type": "string"}},
                                "additionalProperties": False,
                                "required": ["P"],
                            },
                        ]
                    }
                },
                "additionalProperties": False,
            },
            {"k": "o", "p": {"U": {"k": "os", "p": {"P": "s"}, "c": 1}}, "c": 1},
            {},
        ),
        (
            {
                "properties": {
                    "R": {
                        "type": "object",
                        "properties": {"X": {}, "Y": {}},
                        "allOf": [{"required": ["X"]}],
                        "oneOf": [{"required": ["Y"]}, {"required": ["Z"]}],
                    }
                }
            },
            {"k": "o", "p": {"R": {"k": "o", "p": {"X": "", "Y": ""}, "r": ["X"]}}},
            {},
        ),
        (
            {
                "properties": {
                    "L": {
                        "type": "object",
                        "properties": {"Id": {}, "Name": {}, "Version": {}},
                        "oneOf": [{"required": ["Name", "Version"]}, {"required": ["Id", "Version"]}],
                    }
                }
            },
            {"k": "o", "p": {"L": {"k": "o", "p": {"Id": "", "Name": "", "Version": ""}, "r": ["Version"]}}},
            {},
        ),
    ],
    ids=[
        "ref-and-required",
        "pattern-properties-open",
        "oneof-union",
        "allof-required-oneof-ignored",
        "required-by-every-alternative",
    ],
)
def test_compiler(schema: dict[str, Any], root: Any, defs: dict[str, Any]) -> None:
    compiled = _refresh_module().Compiler(schema).compile()
    assert compiled["s"] == root
    assert compiled.get("d", {}) == defs


def test_snapshot_names_its_source_and_date() -> None:
    from preflight.data import snapshot_info

    info = snapshot_info("schemas_cfn")
    assert any(s.startswith("cfn-lint@") for s in info.source)
    assert any(s.startswith("https://docs.aws.amazon.com/") for s in info.source)
    assert len(info.notes) > 40
