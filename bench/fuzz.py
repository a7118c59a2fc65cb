"""Fuzz preflight: the loader, the resolver, the policy evaluator and the checks, with mutated corpus templates.

Run:  python bench/fuzz.py --seconds 600 --target all [--seed N] [--corpus DIR ...] [--log-dir bench/results]
      python bench/fuzz.py --replay FILE --target checks      (re-run one saved input, with its traceback)

Seeds: the templates of ../shared/corpus (deployed/ and failing/) when present, plus the project's examples/
and tests/golden/. Each input is a seed mutated structurally (keys deleted, duplicated, swapped, moved; values
replaced by hostile scalars such as 1e999, '²', 5,000-digit numbers, huge strings, lone surrogates; deep
nesting; intrinsics with the wrong arity or types; made-up intrinsic names; values spliced from other seeds)
and/or byte by byte (characters flipped, inserted, deleted, slices duplicated, lines swapped or repeated),
written back as JSON or as YAML with short-form tags.

A failure is an exception that escapes the API other than preflight's own errors (the loader's LoadError for
the loader alone), a crashed check (checks run strict, so a crash raises instead of becoming PF0000), or one
input taking more than --timeout seconds (10). Memory is capped (--memory-mb, 2048) so that a blow-up becomes a
MemoryError failure instead of taking the machine down. Distinct failures are keyed by target, exception type
and the innermost preflight frame; the first input of each (and the slowest inputs) are saved under INPUTS_DIR,
outside the project by default (the corpus is data to read, never to copy into the project): the log names
the file and the seed template it was mutated from, and --seed replays the whole run.

The run is recorded in LOG_DIR/fuzz-<UTC time>.json (rewritten every 30 s, so a killed run still says what it
tried) and appended to LOG_DIR/fuzz.md: inputs per target, seconds, slow inputs, distinct failures.

The same generators back tests/core/test_fuzz.py (hypothesis drives the random choices there).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED_CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
TARGETS = ("loader", "resolver", "policy", "checks")
SUFFIXES = (".yaml", ".yml", ".json", ".template")


# --------------------------------------------------------------------------------------------- seeds
class Raw(str):
    """A scalar written verbatim (not quoted): 1e999, a 5,000-digit integer, .inf."""


class Tagged:
    """A YAML short-form intrinsic (!Sub x) kept as such so the YAML writer can emit the tag."""


def _yaml_loader() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    def tag(loader: Any, suffix: str, node: Any) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {name: value}

    Loader.add_multi_constructor("!", tag)
    return Loader


def _plain(value: Any) -> Any:
    """YAML timestamps, dates and binary as strings: everything JSON can hold."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def seed_files(dirs: list[str] | None = None, max_bytes: int = 400_000) -> list[str]:
    if dirs is None:
        dirs = [os.path.join(SHARED_CORPUS, "deployed"), os.path.join(SHARED_CORPUS, "failing"),
                os.path.join(ROOT, "examples"), os.path.join(ROOT, "tests", "golden")]
    found = []
    for folder in dirs:
        for root, _, files in os.walk(folder):
            for name in sorted(files):
                path = os.path.join(root, name)
                if name.endswith(SUFFIXES) and os.path.getsize(path) <= max_bytes:
                    found.append(path)
    return sorted(found)


class Seed:
    __slots__ = ("data", "names", "path", "text")

    def __init__(self, path: str, text: str, data: Any) -> None:
        self.path, self.text, self.data = path, text, data
        self.names = _names(data)


def _names(data: Any) -> list[str]:
    """Logical ids, parameter, condition and mapping names: arguments that reach deep into the resolver."""
    names: list[str] = []
    if isinstance(data, dict):
        for section in ("Resources", "Parameters", "Conditions", "Mappings", "Outputs"):
            block = data.get(section)
            if isinstance(block, dict):
                names.extend(str(k) for k in block)
    return names or ["X"]


def load_seeds(paths: list[str]) -> list[Seed]:
    loader = _yaml_loader()
    import yaml

    seeds = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            data = _plain(yaml.load(text, Loader=loader))  # a SafeLoader subclass
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
            continue
        if isinstance(data, dict) and isinstance(data.get("Resources"), dict):
            seeds.append(Seed(path, text, data))
    return seeds


def policy_seeds(seeds: list[Seed]) -> list[Any]:
    out: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Statement" in node:
                out.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for seed in seeds:
        walk(seed.data.get("Resources"))
    return out


# --------------------------------------------------------------------------------------------- mutation
INTRINSICS = ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::If", "Fn::Equals",
              "Fn::And", "Fn::Or", "Fn::Not", "Fn::FindInMap", "Fn::Base64", "Fn::Cidr", "Fn::GetAZs",
              "Fn::ImportValue", "Fn::Length", "Fn::ToJsonString", "Fn::Transform", "Condition",
              "Fn::ForEach::Loop", "Fn::Contains", "Fn::EachMemberEquals", "Fn::ValueOf", "Fn::Nope", "Fn::",
              "Fn::Sub ", "ref", "Fn::GetAtt.Arn")
PSEUDO = ("AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix",
          "AWS::NoValue", "AWS::NotificationARNs", "AWS::Nope")


def hostile_scalars(rng: random.Random) -> Any:
    choices: list[Callable[[], Any]] = [
        lambda: Raw("1e999"), lambda: Raw("-1e999"), lambda: Raw("1" * rng.choice((20, 400, 4400, 5000))),
        lambda: Raw("-0.0"), lambda: Raw("1e-999"), lambda: Raw(".inf") if rng.random() < 0.5 else Raw(".nan"),
        lambda: "²", lambda: "١٢٣", lambda: "1" * rng.choice((19, 4300, 5000)), lambda: "", lambda: " ",
        lambda: None, lambda: True, lambda: False, lambda: 0, lambda: -1, lambda: 2**64, lambda: 1.5,
        lambda: "x" * rng.choice((64, 256, 1025, 70_000)), lambda: "\x00", lambda: "\ud800", lambda: "\ufeff",
        lambda: "${AWS::Region}", lambda: "${", lambda: "${!Literal}", lambda: "${Missing}", lambda: "${a.b}",
        lambda: "${" + rng.choice(PSEUDO) + "}" * rng.randint(1, 3), lambda: "*", lambda: "arn:aws:s3:::*",
        lambda: "arn:", lambda: "arn:aws:iam::123456789012:role/" + "a" * 70, lambda: "10.0.0.0/8",
        lambda: "::/0", lambda: "999.1.1.1/40", lambda: "-", lambda: "Bad_Name", lambda: "2012-10-17",
        lambda: "AWS::S3::Bucket", lambda: "Custom::X", lambda: "AWS::Nope::Nope", lambda: "true",
        lambda: "${AWS::Region}" * rng.choice((2, 50)), lambda: "a" * 3 + "::" + "b", lambda: "%s%d{}",
        lambda: rng.choice(PSEUDO), lambda: "s3:*", lambda: "kms:Decrypt", lambda: "sts:AssumeRole",
        lambda: "*.amazonaws.com", lambda: "Allow", lambda: "Deny", dict, list,
    ]
    return rng.choice(choices)()


def _intrinsic(rng: random.Random, names: list[str], inner: Any) -> Any:
    name = rng.choice(INTRINSICS)
    arity = rng.choice((0, 1, 2, 3, 4, -1, -2))
    pool = [inner, rng.choice(names), hostile_scalars(rng), rng.choice(PSEUDO), f"{rng.choice(names)}.Arn"]
    if arity == -1:
        arg: Any = rng.choice(pool)
    elif arity == -2:
        arg = {rng.choice(names): rng.choice(pool)}
    else:
        arg = [rng.choice(pool) for _ in range(arity)]
    return {name: arg}


def _shaped(rng: random.Random, names: list[str], inner: Any) -> Any:
    """An intrinsic in its documented shape with one or two slots hostile: reaches the evaluator's arithmetic
    (counts, indexes, delimiters) that a shapeless argument stops short of."""
    def h() -> Any:
        return hostile_scalars(rng) if rng.random() < 0.6 else inner

    name = rng.choice(names)
    shapes: dict[str, Callable[[], Any]] = {
        "Fn::Split": lambda: [rng.choice(("", ",", h())), rng.choice(("a,b", inner, h(), {"Ref": name}))],
        "Fn::Cidr": lambda: [rng.choice(("10.0.0.0/16", "::/0", "10.0.0.0/8", h())),
                             rng.choice((3, 256, 257, Raw("1e999"), 10**9, "4", h())), rng.choice((8, 0, 128, h()))],
        "Fn::Select": lambda: [rng.choice((0, 5, -1, Raw("1e999"), "1", "²", h())),
                               rng.choice(([inner, "a"], {"Fn::GetAZs": ""}, {"Fn::Split": [",", "a,b"]}, h()))],
        "Fn::Join": lambda: [rng.choice(("", ",", h())), rng.choice(([inner, "a"], h(), {"Fn::GetAZs": ""}))],
        "Fn::Sub": lambda: rng.choice((f"${{AWS::Region}}-${{{name}}}", ["${a}-${" + name + ".Arn}", {"a": h()}],
                                       ["${a}", h()], h(), [h(), {}])),
        "Fn::GetAtt": lambda: rng.choice(([name, "Arn"], f"{name}.Arn", [name, h()], [h(), "Arn"], [name])),
        "Ref": lambda: rng.choice((name, rng.choice(PSEUDO), h())),
        "Fn::If": lambda: [rng.choice((name, h())), h(), rng.choice((h(), {"Ref": "AWS::NoValue"}))],
        "Fn::FindInMap": lambda: [name, h(), h()] + ([{"DefaultValue": h()}] if rng.random() < 0.3 else []),
        "Fn::Base64": h,
        "Fn::ToJsonString": lambda: rng.choice(({"a": h(), "b": {"Ref": "AWS::Region"}}, [h()], h())),
        "Fn::Length": lambda: rng.choice(([h(), h()], h(), {"Fn::Split": [",", h()]})),
        "Fn::GetAZs": lambda: rng.choice(("", {"Ref": "AWS::Region"}, h())),
        "Fn::Equals": lambda: [h(), h()],
        "Fn::Not": lambda: [h()],
        "Fn::And": lambda: [h(), {"Condition": name}],
        "Fn::Or": lambda: [{"Condition": name}, h()],
        "Condition": lambda: name,
        "Fn::ImportValue": h,
    }
    intrinsic = rng.choice(list(shapes))
    return {intrinsic: shapes[intrinsic]()}


def _deep(rng: random.Random, inner: Any, max_depth: int) -> Any:
    kind = rng.randrange(4)
    depth = min(max_depth, rng.choice((30, 60, 120, 600, 3000)))
    value = inner
    if kind == 0:
        for _ in range(depth):
            value = [value]
    elif kind == 1:
        for _ in range(depth):
            value = {"a": value}
    else:
        name = rng.choice(("Fn::Base64", "Fn::ToJsonString", "Fn::Join", "Fn::Select", "Fn::If", "Fn::Sub"))
        for _ in range(min(depth, rng.choice((8, 20, 40)))):
            value = {name: {"Fn::Join": ["", [value]], "Fn::Select": [0, [value]],
                            "Fn::If": ["C", value, "x"], "Fn::Sub": ["${a}${a}", {"a": value}]}.get(name, value)}
    return value


def _containers(root: Any, rng: random.Random) -> Any:
    """A random container of the tree: a random descent that stops with some probability at each level."""
    node = root
    for _ in range(40):
        children = [v for v in (node.values() if isinstance(node, dict) else node) if isinstance(v, (dict, list))]
        if not children or rng.random() < 0.25:
            return node
        node = rng.choice(children)
    return node


def mutate_data(data: Any, rng: random.Random, names: list[str], donors: list[Seed], max_depth: int = 3000) -> Any:
    data = copy.deepcopy(data)
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        node = _containers(data, rng)
        try:
            if isinstance(node, dict):
                _mutate_dict(node, rng, names, donors, data, max_depth)
            elif isinstance(node, list):
                _mutate_list(node, rng, names, donors, max_depth)
        except RecursionError:  # copying or printing a value nested thousands deep: skip this mutation
            continue
    return data


def _replacement(rng: random.Random, value: Any, names: list[str], donors: list[Seed], max_depth: int) -> Any:
    roll = rng.random()
    if roll < 0.4:
        return hostile_scalars(rng)
    if roll < 0.6:
        return _shaped(rng, names, value)
    if roll < 0.7:
        return _intrinsic(rng, names, value)
    if roll < 0.8:
        return _deep(rng, value, max_depth)
    if roll < 0.9 and donors:
        return copy.deepcopy(_containers(rng.choice(donors).data, rng))
    repeated = [value] * 2 if isinstance(value, (dict, list)) else [value] * rng.choice((2, 100))
    return rng.choice(([value], {"a": value}, str(value)[:100], repeated))


def _mutate_dict(node: dict[str, Any], rng: random.Random, names: list[str], donors: list[Seed], root: Any,
                 max_depth: int) -> None:
    if not node:
        node[rng.choice(names + ["Type", "Properties", "Statement"])] = hostile_scalars(rng)
        return
    key = rng.choice(list(node))
    op = rng.randrange(8)
    if op == 0:
        del node[key]
    elif op == 1:
        node[key + rng.choice(("", "2", "Copy", "\u00e9"))] = copy.deepcopy(node[key])
    elif op == 2 and len(node) > 1:
        other = rng.choice(list(node))
        node[key], node[other] = node[other], node[key]
    elif op == 3 and isinstance(root, dict):
        root[key] = copy.deepcopy(node[key])  # a key moved to the top level (a new or replaced section)
    elif op == 4:
        node[rng.choice(("Type", "Properties", "Condition", "DependsOn", "Ref", "Fn::If", "Statement"))] = (
            _replacement(rng, node[key], names, donors, max_depth))
    elif op == 5:
        node[rng.choice(names)] = copy.deepcopy(node[key])
    else:
        node[key] = _replacement(rng, node[key], names, donors, max_depth)


def _mutate_list(node: list[Any], rng: random.Random, names: list[str], donors: list[Seed], max_depth: int) -> None:
    if not node:
        node.append(hostile_scalars(rng))
        return
    index = rng.randrange(len(node))
    op = rng.randrange(5)
    if op == 0:
        del node[index]
    elif op == 1:
        node.insert(index, copy.deepcopy(node[index]))
    elif op == 2:
        node.reverse()
    else:
        node[index] = _replacement(rng, node[index], names, donors, max_depth)


_CHUNKS = ("{", "}", "[", "]", ":", ": ", ",", '"', "'", "\n", "\t", " ", "&a ", "*a", "!", "!Ref ", "!Sub ",
           "%TAG ! x\n", "#", "---\n", "...\n", "\x00", "\ufeff", "\\u", "- ", "? ", "|", ">", "${", "}", "\r",
           "\u2028", "\ud800", "1e999", "-", "<<: *a\n")


def mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.choice((1, 1, 2, 4, 8))):
        n = len(text)
        pos = rng.randrange(n + 1)
        op = rng.randrange(8)
        if op == 0:
            text = text[:pos] + rng.choice(_CHUNKS) + text[pos:]
        elif op == 1 and n:
            text = text[:pos] + text[pos + rng.randint(1, 64):]
        elif op == 2 and n:
            end = min(n, pos + rng.randint(1, 200))
            text = text[:end] + text[pos:end] * rng.choice((1, 2, 50)) + text[end:]
        elif op == 3:
            text = text[:pos]
        elif op == 4:
            lines = text.split("\n")
            if len(lines) > 2:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                if rng.random() < 0.5:
                    lines.insert(i, lines[j])  # a duplicated line: duplicate keys
            text = "\n".join(lines)
        elif op == 5 and n:
            text = text[:pos] + chr(rng.choice((0x20, 0x7F, 0xA0, 0xFFFE, 0x1F600, rng.randrange(0x20, 0x3000)))) \
                + text[pos + 1:]
        elif op == 6:
            text = text[:pos] + rng.choice(("[", "{", "- ", "a: ")) * rng.choice((100, 1000, 10_000)) + text[pos:]
        else:
            text = text[:pos] + rng.choice(_CHUNKS) * rng.randint(1, 30) + text[pos:]
    return text


# --------------------------------------------------------------------------------------------- writers
def to_json(value: Any, out: list[str] | None = None) -> str:
    """JSON with Raw scalars verbatim; strings ASCII-escaped, so a lone surrogate travels as \\ud800."""
    parts: list[str] = [] if out is None else out
    _json(value, parts)
    return "".join(parts) if out is None else ""


def _json(value: Any, parts: list[str]) -> None:
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Raw):
            parts.append(str(item))
        elif isinstance(item, _Lit):
            parts.append(item.text)
        elif isinstance(item, dict):
            tail: list[Any] = [_Lit("}")]
            for i, (k, v) in enumerate(reversed(list(item.items()))):
                tail.append(v)
                tail.append(_Lit(json.dumps(str(k)) + ":"))
                if i < len(item) - 1:
                    tail.append(_Lit(","))
            stack.extend(tail)
            stack.append(_Lit("{"))
        elif isinstance(item, list):
            tail = [_Lit("]")]
            for i, v in enumerate(reversed(item)):
                tail.append(v)
                if i < len(item) - 1:
                    tail.append(_Lit(","))
            stack.extend(tail)
            stack.append(_Lit("["))
        elif isinstance(item, float) and not math.isfinite(item):
            parts.append("1e999")
        else:
            parts.append(json.dumps(item, default=str))


class _Lit:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]*$")
_SHORT = {"Ref": "!Ref", "Condition": "!Condition"}


def to_yaml(value: Any) -> str:
    """Block YAML; intrinsics as short-form tags; deep values in JSON flow style (also YAML)."""
    lines: list[str] = []
    _yaml(value, 0, lines, 0)
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, (dict, list)):
        return to_json(value)
    return json.dumps(value)


def _tag(value: Any) -> tuple[str, Any] | None:
    if isinstance(value, dict) and len(value) == 1:
        (name, arg), = value.items()
        if name in _SHORT:
            return _SHORT[name], arg
        if name.startswith("Fn::") and name[4:].isalnum():
            if name == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(
                    isinstance(a, str) and _PLAIN_KEY.match(a) for a in arg):
                return "!GetAtt", Raw(f"{arg[0]}.{arg[1]}")
            return "!" + name[4:], arg
    return None


def _yaml(value: Any, indent: int, lines: list[str], depth: int) -> None:
    pad = " " * indent
    if depth > 40 or not isinstance(value, (dict, list)) or not value:
        lines.append(pad + _scalar(value))
        return
    if isinstance(value, dict):
        for key, item in value.items():
            label = key if _PLAIN_KEY.match(key) and key not in ("true", "false", "null", "y", "n") else json.dumps(key)
            _item(f"{pad}{label}:", item, indent, lines, depth)
    else:
        for item in value:
            _item(f"{pad}-", item, indent, lines, depth)


def _item(head: str, item: Any, indent: int, lines: list[str], depth: int) -> None:
    tagged = _tag(item)
    if tagged is not None:
        head, item = f"{head} {tagged[0]}", tagged[1]
    if isinstance(item, (dict, list)) and item and depth < 40:
        lines.append(head)
        _yaml(item, indent + 2, lines, depth + 1)
    else:
        lines.append(f"{head} {_scalar(item)}")


def write(data: Any, rng: random.Random) -> str:
    return to_json(data) if rng.random() < 0.5 else to_yaml(data)


def mutated_template(seeds: list[Seed], rng: random.Random, *, small: bool = False) -> tuple[str, str, str]:
    """(text, the path to check it under, the seed template it was mutated from)."""
    pool = [s for s in seeds if len(s.text) < 20_000] if small else seeds
    seed = rng.choice(pool or seeds)
    roll = rng.random()
    if roll < 0.2:
        text = mutate_text(seed.text, rng)
    else:
        text = write(mutate_data(seed.data, rng, seed.names, seeds), rng)
        if roll > 0.85:
            text = mutate_text(text, rng)
    path = "fuzz.json" if text.lstrip().startswith("{") else "fuzz.yaml"
    return text, path, os.path.relpath(seed.path, os.path.dirname(ROOT))


# --------------------------------------------------------------------------------------------- targets
class Timeout(BaseException):
    """One input ran over the budget (a BaseException: no `except Exception` in a check swallows it)."""


def target_loader(text: str, path: str) -> None:
    from preflight.source.document import LoadError, load_text

    try:
        load_text(text, path)
    except LoadError:
        pass


def target_resolver(text: str, path: str) -> None:
    from preflight.model.template import build_template
    from preflight.resolve.pins import Pins
    from preflight.resolve.resolver import Resolver
    from preflight.source.document import LoadError, load_text

    try:
        document = load_text(text, path)
    except LoadError:
        return
    if not isinstance(document.root, dict):
        return
    template = build_template(document)
    pins = Pins(region="us-east-1", account_id="111122223333") if len(text) % 3 == 0 else None
    resolver = Resolver(template, pins)
    scenarios = resolver.scenarios.scenarios
    for resource in list(template.resources.values())[:60]:
        for scenario in scenarios[:4]:
            resolver.resolve(resource.properties, scenario)
            resolver.active(resource, scenario)
        resolver.name_of(resource)
        resolver.arn_of(resource)
    for output in list(getattr(template, "outputs", {}).values())[:20]:
        resolver.resolve(getattr(output, "node", output))


def target_checks(text: str, path: str) -> None:
    from preflight.api import check_text
    from preflight.checks.base import Options

    check_text(text, path, options=Options(strict=True))


_KINDS = ("identity", "trust", "kms-key", "s3-bucket", "sns-topic", "sqs-queue", "lambda-permission",
          "logs-resource", "secrets-resource", "resource", "scp", "rcp", "boundary", "session", "vpce")
_OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
              "ArnLike", "ArnNotLike", "ArnEquals", "NumericLessThan", "NumericEquals", "NumericGreaterThanEquals",
              "DateLessThan", "DateGreaterThan", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "Null",
              "ForAnyValue:StringLike", "ForAllValues:StringEquals", "StringEqualsIfExists", "ArnLikeIfExists",
              "ForAnyValue:Nope", "Nope", "", "StringLike:Extra")
_KEYS = ("aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID", "kms:EncryptionContext:aws:logs:arn",
         "kms:CallerAccount", "kms:ViaService", "s3:x-amz-acl", "aws:SecureTransport", "aws:PrincipalOrgID",
         "aws:SourceIp", "aws:CurrentTime", "aws:PrincipalTag/${aws:username}", "aws:username", "x", "")
_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt", "s3:PutObject", "s3:GetBucketAcl", "sts:AssumeRole",
            "logs:CreateLogStream", "sqs:SendMessage", "sns:Publish", "lambda:InvokeFunction", "*", "s3:*",
            "kms:Gen*", "iam:PassRole", "", ":", "s3:Put?bject", "nope")


def _policy_value(rng: random.Random, pool: tuple[str, ...]) -> Any:
    from preflight.resolve.pins import ACCOUNT, REGION
    from preflight.resolve.values import Symbol, Symbolic, Unknown

    roll = rng.random()
    if roll < 0.45:
        return rng.choice(pool)
    if roll < 0.6:
        return Symbolic.of([rng.choice(pool)[:8], rng.choice((REGION, ACCOUNT, Symbol("ref:X", "resource", "X"))),
                            rng.choice(("", "*", ":x", "/*"))])
    if roll < 0.65:
        return Unknown("fuzz")
    if roll < 0.85:
        return [_policy_value(rng, pool) for _ in range(rng.choice((0, 1, 2, 5)))]
    return hostile_scalars(rng)


def random_policy(rng: random.Random, seeds: list[Any]) -> Any:
    if seeds and rng.random() < 0.4:
        doc = copy.deepcopy(rng.choice(seeds))
        # resolved policy values come from templates, whose nesting the loader bounds (MAX_DEPTH 200)
        return mutate_data(doc, rng, ["Statement", "Effect", "Principal", "Action", "Resource", "Condition"], [],
                           max_depth=150)
    arns = ("*", "arn:aws:s3:::b/*", "arn:aws:kms:us-east-1:111122223333:key/k", "arn:${AWS::Partition}:s3:::x",
            "arn:aws:iam::111122223333:root", "111122223333", "arn:aws:logs:*:*:log-group:/a/*")
    statements = []
    for _ in range(rng.choice((0, 1, 2, 3, 6))):
        stmt: dict[str, Any] = {"Effect": rng.choice(("Allow", "Deny", "allow", "Maybe", None))}
        if rng.random() < 0.9:
            stmt[rng.choice(("Action", "NotAction"))] = _policy_value(rng, _ACTIONS)
        if rng.random() < 0.9:
            stmt[rng.choice(("Resource", "NotResource"))] = _policy_value(rng, arns)
        if rng.random() < 0.7:
            kind = rng.choice(("Service", "AWS", "Federated", "CanonicalUser", "Nope"))
            principals = ("logs.amazonaws.com", "cloudtrail.amazonaws.com", "logs.us-east-1.amazonaws.com", "*",
                          "arn:aws:iam::111122223333:role/r", "111122223333", "arn:aws:iam::*:root")
            stmt[rng.choice(("Principal", "NotPrincipal"))] = rng.choice(
                ("*", {kind: _policy_value(rng, principals)}, _policy_value(rng, principals)))
        if rng.random() < 0.6:
            stmt["Condition"] = {rng.choice(_OPERATORS): {rng.choice(_KEYS): _policy_value(
                rng, ("111122223333", "true", "false", "10.0.0.0/8", "2020-01-01T00:00:00Z", "5", "*", "x*"))}
                for _ in range(rng.randint(1, 3))}
        if rng.random() < 0.3:
            stmt["Sid"] = _policy_value(rng, ("S1", "", "a b"))
        statements.append(stmt)
    doc: dict[str, Any] = {"Version": rng.choice(("2012-10-17", "2008-10-17", None, 1))}
    doc["Statement"] = statements[0] if len(statements) == 1 and rng.random() < 0.3 else statements
    if rng.random() < 0.1:
        doc = rng.choice((statements, json.dumps(doc, default=str), to_json(doc), hostile_scalars(rng)))
    return doc


def random_request(rng: random.Random) -> Any:
    from preflight.policy import Principal, Request

    kind = rng.choice(("service", "aws", "federated", "canonical"))
    value = _policy_value(rng, ("logs.amazonaws.com", "cloudtrail.amazonaws.com", "arn:aws:iam::111122223333:root",
                                "arn:aws:iam::444455556666:role/x", "111122223333", "*", "", "logs"))
    if isinstance(value, list):
        value = value[0] if value else ""
    context = {rng.choice(_KEYS): _policy_value(rng, ("111122223333", "true", "arn:aws:logs:us-east-1:1:x", "5"))
               for _ in range(rng.choice((0, 1, 3)))}
    resource = _policy_value(rng, ("arn:aws:s3:::b/k", "arn:aws:kms:us-east-1:111122223333:key/k", "*", ""))
    if isinstance(resource, list):
        resource = resource[0] if resource else "*"
    return Request(Principal(kind, value), rng.choice(_ACTIONS), resource, context)


class PolicyCase:
    """One policy-evaluator input: a policy of some kind, maybe identity policies and a layer, some requests."""

    __slots__ = ("doc", "identity", "kind", "layer", "requests", "same_account", "service")

    def __init__(self, rng: random.Random, seeds: list[Any]) -> None:
        self.doc = random_policy(rng, seeds)
        self.kind = rng.choice(_KINDS)
        self.identity = [random_policy(rng, seeds)] if rng.random() < 0.3 else []
        self.layer = (rng.choice(("scp", "rcp", "vpce", "boundary", "session")), random_policy(rng, seeds)) \
            if rng.random() < 0.2 else None
        self.requests = [random_request(rng) for _ in range(rng.choice((1, 2, 4)))]
        self.same_account = rng.random() < 0.7
        self.service = rng.choice((None, "s3", "kms", "logs"))

    def __repr__(self) -> str:
        return repr({name: getattr(self, name) for name in self.__slots__})


def target_policy(case: PolicyCase) -> None:
    from preflight.policy import Layer, evaluate, explain, parse_policy, validate

    policy = parse_policy(case.doc, kind=case.kind, name="P")
    validate(policy)
    identity = [parse_policy(doc, kind="identity") for doc in case.identity]
    layers = (Layer(case.layer[0], (parse_policy(case.layer[1], kind=case.layer[0]),)),) if case.layer else ()
    for request in case.requests:
        decision = evaluate(request, policy, identity, same_account=case.same_account, service=case.service,
                            extra_layers=layers)
        explain(decision)


# --------------------------------------------------------------------------------------------- the run
class Failure:
    __slots__ = ("count", "first_input", "key", "location", "message", "seconds", "seed_file", "target", "type")

    def __init__(self, target: str, exc: BaseException, location: str, seconds: float) -> None:
        self.target, self.type, self.location = target, type(exc).__name__, location
        self.message = str(exc)[:300]
        self.key = f"{target} {self.type} {location}"
        self.count, self.first_input, self.seconds, self.seed_file = 0, "", seconds, ""

    def row(self) -> dict[str, Any]:
        return {"target": self.target, "type": self.type, "location": self.location, "message": self.message,
                "count": self.count, "input": self.first_input, "mutated_from": self.seed_file,
                "seconds": round(self.seconds, 2)}


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except RecursionError:
        return "<too deep to print>"


def location_of(tb: Any) -> str:
    """The innermost frame inside preflight's source (else the innermost frame at all)."""
    frames = traceback.extract_tb(tb)
    inside = [f for f in frames if f"{os.sep}preflight{os.sep}" in f.filename and "bench" not in f.filename]
    frame = (inside or frames or [None])[-1]
    if frame is None:
        return "?"
    name = frame.filename.split(f"{os.sep}src{os.sep}")[-1]
    return f"{name}:{frame.lineno} {frame.name}"


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Timeout("input took longer than the timeout")


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.stats = {t: {"inputs": 0, "seconds": 0.0, "slow": 0} for t in TARGETS}
        self.failures: dict[str, Failure] = {}
        self.slow: dict[str, list[tuple[float, str]]] = {}
        self.last_seed = ""
        self.started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        os.makedirs(os.path.join(args.inputs_dir, "failures"), exist_ok=True)
        os.makedirs(args.log_dir, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.log_path = os.path.join(args.log_dir, f"fuzz-{stamp}.json")
        paths = seed_files(args.corpus or None)
        self.seeds = load_seeds(paths)
        self.policies = policy_seeds(self.seeds)
        self.revision = _revision()

    def warm_up(self) -> str | None:
        """Import every module and load the data tables now, from a tree that passes on its own examples: other
        people may be editing the working tree while a long run goes on."""
        for seed in self.seeds:
            if f"{os.sep}examples{os.sep}" in seed.path:
                try:
                    target_checks(seed.text, seed.path)
                except Exception as exc:  # noqa: BLE001 - reported to the user, the run does not start
                    return f"{seed.path}: {type(exc).__name__}: {exc}"
        return None

    def one(self, target: str) -> None:
        rng = self.rng
        text, path, case = "", "policy.txt", None
        if target == "policy":
            case = PolicyCase(rng, self.policies)
            self.last_seed = "generated (with the corpus's policies as seeds)"
        else:
            text, path, self.last_seed = mutated_template(self.seeds, rng, small=target == "loader")
        signal.setitimer(signal.ITIMER_REAL, self.args.timeout)
        start = time.perf_counter()
        try:
            if case is not None:
                target_policy(case)
            else:
                {"loader": target_loader, "resolver": target_resolver, "checks": target_checks}[target](text, path)
        except (Exception, Timeout, RecursionError, MemoryError) as exc:  # noqa: BLE001 - recording is the point
            signal.setitimer(signal.ITIMER_REAL, 0)
            if case is not None:
                text = _safe_repr(case)
            self.record(target, exc, text, path, time.perf_counter() - start)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - start
        stats = self.stats[target]
        stats["inputs"] += 1
        stats["seconds"] += elapsed
        if elapsed > 1.0:
            stats["slow"] += 1
            self.note_slow(target, elapsed, text if case is None else _safe_repr(case), path)

    def note_slow(self, target: str, seconds: float, text: str, path: str) -> None:
        """Keep the slowest inputs of each target (at most 5), saved for a look: under the timeout, but slow."""
        kept = self.slow.setdefault(target, [])
        if len(kept) >= 5 and seconds <= kept[-1][0]:
            return
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        ext = os.path.splitext(path)[1] or ".txt"
        name = os.path.join(self.args.inputs_dir, "slow", f"{target}-{digest}{ext}")
        try:
            os.makedirs(os.path.dirname(name), exist_ok=True)
            with open(name, "w", encoding="utf-8", errors="surrogatepass") as handle:
                handle.write(text[:200_000])
        except OSError:
            return
        kept.append((seconds, name))
        kept.sort(reverse=True)
        for _, dropped in kept[5:]:
            try:
                os.unlink(dropped)
            except OSError:
                pass
        del kept[5:]

    def record(self, target: str, exc: BaseException, text: str, path: str, seconds: float) -> None:
        from preflight.errors import PreflightError

        if isinstance(exc, PreflightError):
            return
        failure = Failure(target, exc, location_of(exc.__traceback__), seconds)
        failure = self.failures.setdefault(failure.key, failure)
        failure.count += 1
        if not failure.first_input:
            digest = hashlib.sha1(failure.key.encode()).hexdigest()[:10]
            ext = os.path.splitext(path)[1] or ".txt"
            name = os.path.join(self.args.inputs_dir, "failures", f"{target}-{failure.type}-{digest}{ext}")
            try:  # the run goes on whatever happens to the folder meanwhile
                os.makedirs(os.path.dirname(name), exist_ok=True)
                with open(name, "w", encoding="utf-8", errors="surrogatepass") as handle:
                    handle.write(text[:200_000])
            except OSError as error:
                name = f"(not saved: {error})"
            failure.first_input = name
            failure.seed_file = self.last_seed
            print(f"new failure: {failure.key}: {failure.message[:120]}", file=sys.stderr, flush=True)

    def loop(self) -> None:
        targets = TARGETS if self.args.target == "all" else (self.args.target,)
        deadline = time.monotonic() + self.args.seconds
        last_save = time.monotonic()
        while time.monotonic() < deadline:
            for target in targets:
                slice_end = min(deadline, time.monotonic() + self.args.slice)
                while time.monotonic() < slice_end:
                    self.one(target)
                if time.monotonic() - last_save > 30:
                    self.save()
                    last_save = time.monotonic()
                if time.monotonic() >= deadline:
                    break
        self.save(final=True)

    def summary(self) -> dict[str, Any]:
        return {"started": self.started, "revision": self.revision, "budget_seconds": self.args.seconds,
                "seed": self.args.seed,
                "timeout_seconds": self.args.timeout, "memory_mb": self.args.memory_mb,
                "seeds": len(self.seeds), "policy_seeds": len(self.policies),
                "targets": {t: {**s, "seconds": round(float(s["seconds"]), 1)} for t, s in self.stats.items()
                            if s["inputs"]},
                "inputs": sum(int(s["inputs"]) for s in self.stats.values()),
                "distinct_failures": len(self.failures),
                "failures": [f.row() for f in sorted(self.failures.values(), key=lambda f: f.key)],
                "slowest": {t: [{"seconds": round(sec, 2), "input": name} for sec, name in rows]
                            for t, rows in self.slow.items()}}

    def save(self, final: bool = False) -> None:
        summary = self.summary()
        tmp = self.log_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
        os.replace(tmp, self.log_path)
        if final:
            with open(os.path.join(self.args.log_dir, "fuzz.md"), "a", encoding="utf-8") as handle:
                handle.write(markdown(summary, os.path.relpath(self.log_path, ROOT)))


def markdown(summary: dict[str, Any], log: str) -> str:
    out = [f"\n## Run {summary['started']} on {summary['revision']} ({log})\n",
           (f"budget {summary['budget_seconds']} s, seed {summary['seed']}, {summary['seeds']} seed templates, "
            f"{summary['policy_seeds']} seed policies; timeout {summary['timeout_seconds']} s, memory cap "
            f"{summary['memory_mb']} MiB\n"),
           "| target | inputs | seconds | slow (>1 s) |", "|---|---:|---:|---:|"]
    for name, stats in summary["targets"].items():
        out.append(f"| {name} | {stats['inputs']:,} | {stats['seconds']} | {stats['slow']} |")
    out.append(f"| **all** | **{summary['inputs']:,}** | | |\n")
    slowest = [(row["seconds"], target) for target, rows in summary.get("slowest", {}).items() for row in rows[:1]]
    if slowest:
        out.append("slowest input per target: " + ", ".join(f"{t} {sec} s" for sec, t in sorted(slowest)) + "\n")
    out.append(f"distinct failures: {summary['distinct_failures']}\n")
    for failure in summary["failures"]:
        out.append(f"- {failure['target']} {failure['type']} at {failure['location']} x{failure['count']}: "
                   f"{failure['message'][:150]} ({failure['input']})")
    return "\n".join(out) + "\n"


def replay(args: argparse.Namespace) -> int:
    with open(args.replay, encoding="utf-8", errors="surrogatepass") as handle:
        text = handle.read()
    func = {"loader": target_loader, "resolver": target_resolver, "checks": target_checks}[args.target]
    start = time.perf_counter()
    func(text, args.replay)
    print(f"ok in {time.perf_counter() - start:.2f} s")
    return 0


def _revision() -> str:
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except OSError:
        return "?"
    return f"{head}{'+edits' if dirty else ''}"


def _limit_memory(megabytes: int) -> None:
    try:
        import resource

        limit = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on every platform
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="total budget (default 60)")
    parser.add_argument("--target", choices=(*TARGETS, "all"), default="all")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--corpus", action="append", default=[], metavar="DIR", help="seed folders (repeatable)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take (default 10)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space cap (default 2048)")
    parser.add_argument("--slice", type=float, default=5.0, help="seconds per target before switching")
    parser.add_argument("--log-dir", default=os.path.join(HERE, "results"), help="the run's JSON log and fuzz.md")
    parser.add_argument("--inputs-dir", default=os.path.join(tempfile.gettempdir(), "preflight-fuzz"),
                        help="where failing and slow inputs are saved (default: outside the project)")
    parser.add_argument("--replay", metavar="FILE", help="run one saved input through --target and raise")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    if args.replay:
        if args.target in ("all", "policy"):
            parser.error("--replay needs --target loader, resolver or checks")
        return replay(args)
    _limit_memory(args.memory_mb)
    signal.signal(signal.SIGALRM, _alarm)
    run = Run(args)
    if not run.seeds:
        parser.error("no seed templates found (--corpus DIR)")
    broken = run.warm_up()
    if broken:
        print(f"fuzz: the tree fails on its own examples, not starting: {broken}", file=sys.stderr)
        return 2
    print(f"fuzzing {args.target} for {args.seconds:.0f} s with {len(run.seeds)} seeds (seed {args.seed}); "
          f"log: {run.log_path}", file=sys.stderr, flush=True)
    try:
        run.loop()
    except KeyboardInterrupt:
        run.save(final=True)
    summary = run.summary()
    print(json.dumps({k: summary[k] for k in ("inputs", "targets", "distinct_failures")}, indent=2))
    return 0


def iter_inputs(seeds: list[Seed], rng: random.Random, n: int, small: bool = True) -> Iterator[tuple[str, str, str]]:
    for _ in range(n):
        yield mutated_template(seeds, rng, small=small)


if __name__ == "__main__":
    sys.exit(main())
