"""Loader: spans for every node kind in both formats, short-form tags, duplicates, limits and hostile input."""

from __future__ import annotations

import time

import pytest

from preflight.source import load_text
from preflight.source.document import MAX_DEPTH, LoadError
from preflight.source.nodes import MapNode, SeqNode

YAML = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-logs"
      Enabled: true
      Count: 3
      Ratio: 1.5
      Nothing: null
      Account: 012345678901
      Tags:
        - Key: a
          Value: b
      Arn: !GetAtt Role.Arn
      Nested: !GetAtt Role.Outputs.Name
"""

JSON = """{
  "Resources": {
    "Bucket": {
      "Type": "AWS::S3::Bucket",
      "Properties": {"Enabled": true, "Count": 3, "Ratio": 1.5e2, "Nothing": null, "Tags": [{"Key": "a"}]}
    }
  }
}"""


def test_yaml_spans_for_keys_values_and_items():
    doc = load_text(YAML, "t.yaml")
    props = doc.root["Resources"]["Bucket"]["Properties"]
    assert isinstance(props, MapNode)
    assert props.key_span("Enabled")[:2] == (6, 7)
    assert props.value_span("Enabled")[:2] == (6, 16)
    assert props.value_span("Count")[:4] == (7, 14, 7, 15)
    tags = props["Tags"]
    assert isinstance(tags, SeqNode)
    assert tags.item_span(0)[:2] == (12, 11)
    assert doc.text[props.value_span("Ratio").start:props.value_span("Ratio").end] == "1.5"


def test_yaml_scalars_are_typed_as_cloudformation_reads_them():
    props = load_text(YAML).root["Resources"]["Bucket"]["Properties"]
    assert props["Enabled"] is True and props["Count"] == 3 and props["Ratio"] == 1.5 and props["Nothing"] is None
    assert props["Account"] == "012345678901", "a leading zero is an id, not an octal number"


@pytest.mark.parametrize("tag,expected", [
    ("!Ref X", {"Ref": "X"}),
    ("!GetAtt Role.Arn", {"Fn::GetAtt": ["Role", "Arn"]}),
    ("!GetAtt Stack.Outputs.Name", {"Fn::GetAtt": ["Stack", "Outputs.Name"]}),
    ("!Sub 'a-${X}'", {"Fn::Sub": "a-${X}"}),
    ("!Join [',', [a, b]]", {"Fn::Join": [",", ["a", "b"]]}),
    ("!If [C, a, b]", {"Fn::If": ["C", "a", "b"]}),
    ("!Condition C", {"Condition": "C"}),
    ("!GetAZs ''", {"Fn::GetAZs": ""}),
    ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
], ids=["ref", "getatt", "getatt-dotted", "sub", "join", "if", "condition", "getazs", "nested"])
def test_short_form_tags_become_long_form(tag, expected):
    assert load_text(f"v: {tag}\n").root["v"] == expected


def test_tagged_node_has_the_span_of_the_tag():
    doc = load_text("a:\n  v: !Ref Thing\n")
    node = doc.root["a"]["v"]
    assert node.span[:2] == (2, 6)


def test_json_spans_and_values():
    doc = load_text(JSON, "t.json")
    assert doc.format == "json"
    props = doc.root["Resources"]["Bucket"]["Properties"]
    assert props == {"Enabled": True, "Count": 3, "Ratio": 150.0, "Nothing": None, "Tags": [{"Key": "a"}]}
    key, value, item = props.key_span("Count"), props.value_span("Count"), props["Tags"].item_span(0)
    assert key[:2] == (5, 39) and doc.text[key.start:key.end] == '"Count"'
    assert value[:2] == (5, 48) and doc.text[value.start:value.end] == "3"
    assert item[:2] == (5, 93) and doc.text[item.start:item.end] == '{"Key": "a"}'


def test_json_fallback_parser_gives_a_json_message_and_location():
    with pytest.raises(LoadError) as info:
        load_text('{\n  "Resources": {\n    "A": [1, 2,, 3]\n  }\n}')
    assert "invalid JSON" in info.value.message
    assert info.value.span[:2] == (3, 16)


def test_yaml_error_has_a_location():
    with pytest.raises(LoadError) as info:
        load_text("Resources:\n  A: [1, 2\n  B: 3\n")
    assert info.value.message.startswith("invalid YAML")
    assert info.value.span.line == 3


@pytest.mark.parametrize("text,fmt", [
    ("Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n", "yaml"),
    ('{"Resources": {"A": {"Type": "X"}, "A": {"Type": "Y"}}}', "json"),
], ids=["yaml", "json"])
def test_duplicate_keys_are_recorded_and_the_last_one_kept(text, fmt):
    doc = load_text(text)
    assert doc.format == fmt
    assert doc.root["Resources"]["A"]["Type"] == "Y"
    (dup,) = doc.duplicates
    assert dup.path == ("Resources",) and dup.key == "A" and dup.first.line < dup.second.line or fmt == "json"


def test_billion_laughs_is_rejected_quickly():
    text = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 10) + "]\n" for i in range(9))
    start = time.perf_counter()
    with pytest.raises(LoadError, match="aliases expand"):
        load_text(text)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("text", [
    "a: " + "[" * 100_000 + "]" * 100_000,
    "a: " + "{b: " * 50_000 + "1" + "}" * 50_000,
    "[" * 100_000 + "]" * 100_000,
], ids=["yaml-flow-seq", "yaml-flow-map", "json"])
def test_deep_nesting_is_rejected_without_crashing(text):
    with pytest.raises(LoadError, match=f"deeper than {MAX_DEPTH}"):
        load_text(text)


def test_brackets_inside_strings_do_not_count_as_nesting():
    doc = load_text("a: '" + "[" * 1000 + "'\n")
    assert doc.root["a"] == "[" * 1000


def test_nul_byte_is_rejected_with_its_location():
    with pytest.raises(LoadError) as info:
        load_text("a: 1\nb: \x00\n")
    assert info.value.span[:2] == (2, 4)


def test_second_yaml_document_is_reported_and_the_first_checked():
    doc = load_text("Resources:\n  A:\n    Type: X\n---\nOther: 1\n")
    assert doc.root["Resources"]["A"]["Type"] == "X"
    (problem,) = doc.problems
    assert problem[0] == "PF0001" and problem[2].line == 5 and problem[3] is None  # where the 2nd document starts


def test_unknown_tag_is_a_problem_and_the_value_kept():
    doc = load_text("a: !Reff X\n")
    assert doc.root["a"] == "X"
    assert doc.problems[0][0] == "PF0006"


def test_json_trailing_comma_is_accepted_and_noted():
    doc = load_text('{"a": [1, 2,], "b": "x,]"}')
    assert doc.root == {"a": [1, 2], "b": "x,]"}
    assert [p[0] for p in doc.problems] == ["PF0007"]


def test_mapping_keys_are_names_as_written():
    doc = load_text("Conditions:\n  On: !Equals [a, a]\n  Off: !Equals [a, b]\n  1: x\n")
    assert list(doc.root["Conditions"]) == ["On", "Off", "1"]


def test_a_tag_or_collection_as_key_is_rejected_with_its_location():
    with pytest.raises(LoadError) as info:
        load_text("a:\n  [x]: 1\n")
    assert info.value.span.line == 2


@pytest.mark.parametrize("text", ["a: é€😀\nbé: [x, 'ü', y]\n", "a: 1\r\nbé: [x, 'ü', y]\r\n"], ids=["unicode", "crlf"])
def test_span_offsets_are_character_offsets(text):
    doc = load_text(text)
    for key in doc.root:
        for span in (doc.root.key_span(key), doc.root.value_span(key)):
            line_start = doc.lines.starts[span.line - 1]
            assert span.start == line_start + span.column - 1
    value = doc.root.value_span("bé")
    assert doc.text[value.start:value.end] == "[x, 'ü', y]"
