"""Edit builders (fix/edits.py): the edited text re-loads to the intended tree, and every byte outside the edit
stays as it was (comments, quoting, key order, line ends, flow or block style, JSON indentation)."""

from __future__ import annotations

import json

import pytest

from preflight.findings import Edit
from preflight.fix.edits import (
    CannotEdit,
    add_key,
    add_resource,
    append_item,
    apply,
    replace_scalar,
    scalar_to_list,
    wrap_in_list,
    yaml_scalar,
)
from preflight.source.document import load_text

STATEMENT = {"Sid": "New", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"},
             "Action": ["kms:Encrypt*", "kms:Decrypt*"], "Resource": "*",
             "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {"Fn::Sub": "arn:${AWS::Partition}:x"}}}}

BLOCK = """\
# a comment on top
Resources:
  Key:
    Type: AWS::KMS::Key   # trailing comment
    Properties:
      KeyPolicy:
        Statement:
          - Sid: 'Root'     # quoted on purpose
            Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: "kms:*"
            Resource: '*'

          # a comment after the list
  Trail:
    Type: AWS::CloudTrail::Trail
    DependsOn: Key
    Properties:
      IsLogging: true
"""

INDENTLESS = """\
Resources:
    Key:
        Type: AWS::KMS::Key
        Properties:
            KeyPolicy:
                Statement:
                - Effect: Allow
                  Action: kms:*
"""

FLOW = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {Statement: [{Effect: Allow, Action: 'kms:*'}]}
"""

JSON = """{
    "Resources": {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "KeyPolicy": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "kms:*"
                        }
                    ]
                }
            }
        },
        "Trail": {"Type": "AWS::CloudTrail::Trail", "DependsOn": ["Key"], "Properties": {}}
    }
}
"""


def plain(value):
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def edited(text, make):
    document = load_text(text)
    edit = make(document)
    assert isinstance(edit, Edit)
    new = apply(text, [edit])
    # outside the edit, byte-identical
    assert new[: edit.start] == text[: edit.start]
    assert new[edit.start + len(edit.text):] == text[edit.end:]
    return document, new, plain(load_text(new).root)


def statements(root):
    return root["Resources"]["Key"]["Properties"]["KeyPolicy"]["Statement"]


@pytest.mark.parametrize("text", [BLOCK, INDENTLESS, FLOW, JSON, BLOCK.replace("\n", "\r\n")],
                         ids=["block", "indentless", "flow", "json", "crlf"])
def test_append_statement_reloads_to_the_intended_tree(text):
    document, _new, root = edited(text, lambda d: append_item(d, statements(d.root), STATEMENT))
    before = plain(statements(document.root))
    assert statements(root) == before + [STATEMENT]
    # the rest of the tree is unchanged
    root["Resources"]["Key"]["Properties"]["KeyPolicy"]["Statement"] = before
    assert root == plain(document.root)


def test_block_append_matches_sibling_style_and_keeps_comments():
    _, new, _ = edited(BLOCK, lambda d: append_item(d, statements(d.root), STATEMENT))
    assert "# a comment after the list" in new and "# quoted on purpose" in new
    assert (
        "            Resource: '*'\n"
        "          - Sid: New\n"
        "            Effect: Allow\n"
        "            Principal:\n"
        "              Service: logs.amazonaws.com\n"
        "            Action:\n"
        "              - kms:Encrypt*\n"
        "              - kms:Decrypt*\n"
        "            Resource: '*'\n"
        "            Condition:\n"
        "              ArnLike:\n"
        "                kms:EncryptionContext:aws:logs:arn: !Sub 'arn:${AWS::Partition}:x'\n"
        "\n"
        "          # a comment after the list\n"
    ) in new


def test_indentless_sequences_and_four_space_indent_are_kept():
    _, new, _ = edited(INDENTLESS, lambda d: append_item(d, statements(d.root), {"Effect": "Deny", "Action": ["a"]}))
    assert new.endswith("                - Effect: Deny\n                  Action:\n                  - a\n")


def test_long_forms_when_the_file_has_no_short_form():
    text = INDENTLESS
    _, new, _ = edited(text, lambda d: append_item(d, statements(d.root), {"R": {"Fn::GetAtt": ["Key", "Arn"]},
                                                                             "S": {"Ref": "AWS::Region"}}))
    assert "- R:\n                      Fn::GetAtt: [Key, Arn]\n" in new and "!" not in new
    assert "  S:\n                      Ref: AWS::Region\n" in new


def test_flow_append_is_inline():
    _, new, _ = edited(FLOW, lambda d: append_item(d, statements(d.root), {"Effect": "Deny", "Action": "x"}))
    assert "KeyPolicy: {Statement: [{Effect: Allow, Action: 'kms:*'}, {Effect: Deny, Action: x}]}" in new


def test_json_append_matches_indentation():
    _, new, _ = edited(JSON, lambda d: append_item(d, statements(d.root), {"Effect": "Deny", "Action": "x"}))
    assert (
        '                            "Action": "kms:*"\n'
        "                        },\n"
        "                        {\n"
        '                            "Effect": "Deny",\n'
        '                            "Action": "x"\n'
        "                        }\n"
        "                    ]\n"
    ) in new
    json.loads(new)


def test_crlf_line_ends_are_used_for_inserted_lines():
    text = BLOCK.replace("\n", "\r\n")
    _, new, _ = edited(text, lambda d: append_item(d, statements(d.root), STATEMENT))
    assert "\n" not in new.replace("\r\n", "")


def test_add_key_after_a_key_keeps_key_order():
    _, new, root = edited(BLOCK, lambda d: add_key(d, d.root["Resources"]["Key"], "DeletionPolicy", "Retain",
                                                      after="Type"))
    assert "    Type: AWS::KMS::Key   # trailing comment\n    DeletionPolicy: Retain\n    Properties:\n" in new
    assert list(root["Resources"]["Key"]) == ["Type", "DeletionPolicy", "Properties"]


def test_add_key_to_json_object_inline_and_multiline():
    _, new, root = edited(JSON, lambda d: add_key(d, d.root["Resources"]["Trail"], "Condition", "IsProd"))
    assert '"Properties": {}, "Condition": "IsProd"}' in new
    _, new, root = edited(JSON, lambda d: add_key(d, d.root["Resources"]["Key"], "DeletionPolicy", "Retain"))
    assert '            },\n            "DeletionPolicy": "Retain"\n        },' in new
    assert root["Resources"]["Key"]["DeletionPolicy"] == "Retain"


def test_scalar_to_list_keeps_the_original_text():
    _, new, root = edited(BLOCK, lambda d: scalar_to_list(d, d.root["Resources"]["Trail"], "DependsOn", ["B"]))
    assert "    DependsOn: [Key, B]\n" in new
    assert root["Resources"]["Trail"]["DependsOn"] == ["Key", "B"]


def test_append_to_json_flow_list_on_one_line():
    _, new, _root = edited(JSON, lambda d: append_item(d, d.root["Resources"]["Trail"]["DependsOn"], "B"))
    assert '"DependsOn": ["Key", "B"]' in new


def test_replace_scalar_quotes_what_needs_quoting():
    _, new, root = edited(BLOCK, lambda d: replace_scalar(d, d.root["Resources"]["Trail"]["Properties"],
                                                            "IsLogging", "yes"))
    assert "IsLogging: 'yes'" in new and root["Resources"]["Trail"]["Properties"]["IsLogging"] == "yes"


def test_wrap_in_list():
    _, _new, root = edited(BLOCK, lambda d: wrap_in_list(d, d.root["Resources"]["Trail"], "DependsOn"))
    assert root["Resources"]["Trail"]["DependsOn"] == ["Key"]


def test_add_resource_block_and_json():
    body = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}}
    _, new, root = edited(BLOCK, lambda d: add_resource(d, "Topic", body))
    assert root["Resources"]["Topic"] == body and new.endswith("      IsLogging: true\n  Topic:\n"
                                                              "    Type: AWS::SNS::Topic\n    Properties:\n"
                                                              "      TopicName: t\n")
    _, new, root = edited(JSON, lambda d: add_resource(d, "Topic", body))
    assert root["Resources"]["Topic"] == body
    json.loads(new)


def test_no_edit_at_a_parent_span():
    document = load_text("Resources:\n  A:\n    Type: X\n    Properties:\n      L: !GetAtt B.Arn\n")
    args = document.root["Resources"]["A"]["Properties"]["L"]["Fn::GetAtt"]
    with pytest.raises(CannotEdit):
        append_item(document, args, "x")  # a short-form tag's argument: no span of its own
    with pytest.raises(CannotEdit):
        replace_scalar(document, args, 0, "C")
    with pytest.raises(CannotEdit):
        add_key(document, document.root["Resources"]["A"], "Type", "Y")  # already there


@pytest.mark.parametrize("value", ["yes", "No", "null", "~", "1.5", "012", "*", "&a", "a: b", "a #b", "x:", "",
                                   "'q'", '"q"', "- a", "@x", "%x", "line\nbreak", "2012-10-17", "true", "kms:*",
                                   "arn:aws:s3:::b/*", "${AWS::Region}", "{a}", "[a]", "a, b"],
                         ids=lambda v: repr(v))
def test_scalars_read_back_as_the_same_string(value):
    for flow in (False, True):
        text = yaml_scalar(value, flow)
        loaded = load_text(f"K: [{text}]\n" if flow else f"K: {text}\n").root["K"]
        assert (loaded[0] if flow else loaded) == value


def test_the_files_quote_is_used_for_strings_that_need_one():
    text = 'Resources:\n  A:\n    Type: "AWS::SNS::Topic"\n    Properties:\n      TopicName: !Sub "t-${AWS::Region}"\n'
    _, new, root = edited(text, lambda d: add_key(d, d.root["Resources"]["A"]["Properties"], "DisplayName",
                                                    {"Fn::Sub": "x-${AWS::AccountId}"}))
    assert new.endswith('      DisplayName: !Sub "x-${AWS::AccountId}"\n')
    assert root["Resources"]["A"]["Properties"]["DisplayName"] == {"Fn::Sub": "x-${AWS::AccountId}"}


def test_remove_item_and_key_delete_whole_lines():
    from preflight.fix.edits import remove_item, remove_key

    text = "Resources:\n  A:\n    Type: X\n    Properties:\n      L:\n        - a: 1\n          b: 2  # c\n" \
           "        - z\n      K: v\n"
    document = load_text(text)
    props = document.root["Resources"]["A"]["Properties"]
    assert apply(text, [remove_item(document, props["L"], 0)]).endswith("      L:\n        - z\n      K: v\n")
    assert apply(text, [remove_key(document, props, "L")]).endswith("    Properties:\n      K: v\n")
    with pytest.raises(CannotEdit):
        remove_item(document, load_text("A: [1, 2]\n").root["A"], 0)  # flow: not removed as text
