"""Hostile input (issue 12): every reproducer of ../shared/hostile/ that reaches the loader, model, resolver,
scenarios, policy evaluator or a check is handled with no traceback, no crashed check, in bounded time and memory,
and with a finding that names the cause. Equivalent inputs are generated here where the file is not needed.

Checks run in strict mode (tests/conftest.py), so a crashing check fails the test instead of becoming PF0000.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from preflight.model.template import build_template
from preflight.numbers import as_int, is_digits, json_number
from preflight.policy.model import Statement, parse_policy
from preflight.resolve.resolver import Resolver
from preflight.resolve.values import Symbolic, Unknown
from preflight.source.document import load_text
from tests.conftest import ROOT, STRICT, lines, run

HOSTILE = Path(ROOT).parent / "shared" / "hostile"
SECONDS = 10.0
MEBIBYTES = 1024


def _hostile(name: str) -> Path:
    path = HOSTILE / name
    if not path.is_file():
        pytest.skip(f"{path} is not here (the shared hostile corpus is absent)")
    return path


def _codes(findings: list) -> set[str]:
    return {f.code for f in findings}


def _check_file(path: Path, *, surrogates: bool = False) -> tuple[list, float]:
    errors = "surrogateescape" if surrogates else "strict"
    text = path.read_text(encoding="utf-8", errors=errors)
    start = time.perf_counter()
    findings = run(text, path.name)
    return findings, time.perf_counter() - start


# file, expected code, fragment of its message (None: the file must give no finding at all)
CASES = [
    ("crash-01.yaml", "PF0004", "MaxLength must be an integer, not 1e999"),
    ("crash-02.yaml", "PF3001", "BucketName '1000000000"),
    ("crash-04.yaml", "PF0011", "Fn::Split with an empty delimiter"),
    ("crash-05.yaml", "PF0005", "Fn::Cidr count must be an integer from 1 to 256"),
    ("crash-06.yaml", "PF4001", "8.0.²"),
    ("crash-07.yaml", "PF4013", "ReservedConcurrentExecutions '²' is not an integer"),
    ("crash-08.yaml", "PF0011", "nested more than 100 levels deep"),
    ("crash-09.yaml", "PF6208", "both set the policy of the bucket"),
    ("crash-10.yaml", "PF8005", "LaunchTemplate/Version"),
    ("crash-11.yaml", "PF3002", 'Name \'{"Region":"${AWS::Region}"}\' contains'),
    ("crash-12.yaml", "PF0011", "an Fn::Base64 result longer than 1,000,000 characters"),
    ("crash-13.yaml", "PF0011", "an Fn::ToJsonString result longer than 1,000,000 characters"),
    ("crash-14.yaml", "PF0011", "an Fn::Sub result longer than 1,000,000 characters"),
    ("crash-15.yaml", "PF0005", "Fn::Cidr count must be an integer from 1 to 256, not 1000000000"),
    ("crash-16.yaml", "PF0012", "Parameter count 2000 is greater than max allowed 200"),
    ("crash-17.yaml", "PF0011", "an Fn::Sub result of more than 20000 parts"),
    ("crash-18.yaml", "PF0011", "parts built across resources and scenarios"),
]


@pytest.mark.parametrize(("name", "code", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_reproducer_gives_a_finding_naming_the_cause(
    name: str, code: str | None, fragment: str | None
) -> None:
    findings, seconds = _check_file(_hostile(name))
    assert seconds < SECONDS, f"{name} took {seconds:.1f} s"
    assert "PF0000" not in _codes(findings)
    if code is None:
        assert not [f for f in findings if f.severity == "error"], lines(findings)
        return
    messages = [f.message for f in findings if f.code == code]
    assert any(fragment in m for m in messages), (code, fragment, lines(findings)[:5])


def test_lone_surrogate_in_text_is_a_load_finding() -> None:
    """crash-03: check_text given a str with a lone surrogate (read with errors='surrogateescape')."""
    findings, _ = _check_file(_hostile("crash-03.yaml"), surrogates=True)
    assert [(f.code, "unpaired surrogate U+DCFF" in f.message) for f in findings] == [("PF0001", True)]
    assert lines(
        run('Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: "a\udcffb"}\n'),
        "PF0001",
    )[0].startswith("4:")


# Cases where the memory bound matters: each runs in its own interpreter, whose peak RSS is measured.
MEMORY_CASES = [
    "crash-12.yaml",
    "crash-13.yaml",
    "crash-14.yaml",
    "crash-15.yaml",
    "crash-17.yaml",
    "crash-18.yaml",
]

_MEASURE = """
import json, resource, sys, time
from preflight.api import check_text
from preflight.checks.base import Options
text = open(sys.argv[1], encoding="utf-8").read()
start = time.perf_counter()
findings = check_text(text, sys.argv[1], options=Options(strict=True))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "mib": peak, "codes": sorted({f.code for f in findings})}))
"""


def _measure(path: Path) -> dict[str, object]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "src"), os.environ.get("PYTHONPATH", "")])
    )
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", MEMORY_CASES, ids=MEMORY_CASES)
def test_reproducer_stays_within_time_and_memory(name: str) -> None:
    result = _measure(_hostile(name))
    assert result["seconds"] < SECONDS, result  # type: ignore[operator]
    assert result["mib"] < MEBIBYTES, result  # type: ignore[operator]
    assert "PF0000" not in result["codes"], result  # type: ignore[operator]


def test_oversized_template_is_reported_at_once(tmp_path: Path) -> None:
    """crash-19 (a 4 MB JSON array) and crash-27 (19 MB of buckets): over CloudFormation's 1,000,000-byte quota,
    one error located where the limit is crossed, before the expensive load."""
    array = tmp_path / "crash-19.json"
    array.write_text("[" + ",".join(["0"] * 2_000_000) + "]\n")
    out, size = ["Resources:\n"], 11
    while size < 19 * 2**20:
        part = f"  Bucket{len(out)}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: name-{len(out)}\n"
        out.append(part)
        size += len(part)
    buckets = tmp_path / "big19.yaml"
    buckets.write_text("".join(out))
    for path in (array, buckets):
        result = _measure(path)
        assert result["codes"] == ["PF0012"], result
        assert result["seconds"] < 2.0 and result["mib"] < 300, result  # type: ignore[operator]
    findings = run(buckets.read_text())
    assert findings[0].message.startswith("Template may not exceed 1000000 bytes in size: this one is 19,")
    assert findings[0].span.start == 1_000_000  # ASCII: the offset where the quota is crossed


def test_non_ascii_text_over_the_quota_is_located_by_bytes() -> None:
    text = "Resources: {}\n# " + "é" * 600_000 + "\n"  # 1.2 MB in UTF-8, 0.6 M characters
    (finding,) = run(text)
    assert finding.code == "PF0012" and finding.span.start == (1_000_000 - 16) // 2 + 16


# ---------------------------------------------------------------------------------------------- quotas


def _buckets(count: int) -> str:
    return "Resources:\n" + "".join(f"  B{n}:\n    Type: AWS::S3::Bucket\n" for n in range(count))


def test_resource_quota() -> None:
    assert lines(run(_buckets(500)), "PF0012") == []
    assert lines(run(_buckets(501)), "PF0012") == [
        (
            "1002:3 PF0012 Template format error: Number of resources, 501, is greater than maximum allowed, 500 (the "
            "first one over the quota is B500); split the template into nested stacks"
        )
    ]


@pytest.mark.parametrize(
    "section,expected",
    [
        ("Parameters", "Template format error: Parameter count 201 is greater than max allowed 200"),
        ("Outputs", "Template format error: Outputs count 201 is greater than max allowed 200"),
        ("Mappings", "the template has 201 mappings, more than the 200 CloudFormation allows"),
    ],
    ids=["parameters", "outputs", "mappings"],
)
def test_section_quotas(section: str, expected: str) -> None:
    body = {"Parameters": "{Type: String, Default: x}", "Outputs": "{Value: x}", "Mappings": "{K: {V: x}}"}[
        section
    ]
    text = _buckets(1) + f"{section}:\n" + "".join(f"  N{n}: {body}\n" for n in range(201))
    (message,) = [f.message for f in run(text) if f.code == "PF0012"]
    assert message.startswith(expected)


def test_mapping_attribute_quota_and_inline_body_size() -> None:
    mapping = "Mappings:\n  M:\n" + "".join(f"    K{n}: {{V: x}}\n" for n in range(201))
    found = [f for f in run(_buckets(1) + mapping) if f.code == "PF0012"]
    assert [f.message.split(";")[0] for f in found] == [
        "Template format error: mapping M has 201 keys, more than the 200 attributes a mapping may have"
    ]
    text = _buckets(1) + "Description: x\n" + "# padding\n" * 5200
    (inline,) = [f for f in run(text) if f.code == "PF0012"]
    assert inline.severity == "info" and "51,200 bytes" in inline.message and inline.span.start == 51_200


# ---------------------------------------------------------------------------------------------- resolver bounds


def _bucket_named(expression: str) -> str:
    return f"Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {expression}\n"


def test_exponential_base64_is_cut_quickly() -> None:
    value: object = "seed"
    for _ in range(70):
        value = {"Fn::Base64": value}
    text = json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": value}}}})
    start = time.perf_counter()
    findings = run(text, "t.json")
    assert time.perf_counter() - start < 2.0
    assert [f.code for f in findings if f.code == "PF0011"] == ["PF0011"]


def test_doubling_sub_is_cut() -> None:
    value: object = "ab"
    for _ in range(30):
        value = {"Fn::Sub": ["${a}${a}", {"a": value}]}
    text = json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": value}}}})
    (cut,) = [f for f in run(text, "t.json") if f.code == "PF0011"]
    assert "an Fn::Sub result longer than 1,000,000 characters" in cut.message


@pytest.mark.parametrize(
    ("block", "count", "bits"),
    [
        ("::/0", 1000000000, 1),
        ("10.0.0.0/8", 100000000, 0),
        ("10.0.0.0/8", "1e999", 8),
        ("10.0.0.0/8", 4, "²"),
    ],
    ids=["ipv6-huge", "ipv4-huge", "overflow", "superscript"],
)
def test_cidr_bounds(block: str, count: object, bits: object) -> None:
    text = json.dumps(
        {
            "Resources": {
                "S": {
                    "Type": "AWS::EC2::Subnet",
                    "Properties": {
                        "VpcId": "vpc-1",
                        "CidrBlock": {"Fn::Select": [0, {"Fn::Cidr": [block, count, bits]}]},
                    },
                }
            }
        }
    )
    start = time.perf_counter()
    messages = [f.message for f in run(text, "t.json") if f.code == "PF0005"]
    assert time.perf_counter() - start < 2.0
    assert messages and "Fn::Cidr" in messages[0]


def test_cidr_count_from_a_parameter_is_bounded_at_evaluation() -> None:
    text = (
        "Parameters:\n  N: {Type: Number, Default: 100000000}\nResources:\n  S:\n    Type: AWS::EC2::Subnet\n"
        "    Properties:\n      VpcId: vpc-1\n      CidrBlock: !Select [0, !Cidr ['10.0.0.0/8', !Ref N, 0]]\n"
    )
    start = time.perf_counter()
    (cut,) = [f for f in run(text) if f.code == "PF0011"]
    assert time.perf_counter() - start < 2.0 and "Fn::Cidr with a count outside 1..256" in cut.message


def test_to_json_string_keeps_symbols() -> None:
    text = _bucket_named("!ToJsonString {Region: !Ref AWS::Region, Arn: !Sub 'arn:${AWS::Partition}:s3:::x'}")
    assert "PF0000" not in _codes(run("Transform: AWS::LanguageExtensions\n" + text))
    template = build_template(load_text(text))
    value = Resolver(template).resolve(template.resources["B"].properties["BucketName"])
    assert isinstance(value, Symbolic)
    assert str(value) == '{"Region":"${AWS::Region}","Arn":"arn:aws:s3:::x"}'
    unknown = _bucket_named("!ToJsonString {Zones: !GetAZs '', Name: !ImportValue x}")
    template = build_template(load_text(unknown))
    assert isinstance(Resolver(template).resolve(template.resources["B"].properties["BucketName"]), Unknown)


def test_long_reference_chain_and_deep_nesting_do_not_exhaust_the_stack() -> None:
    chain = (
        "Resources:\n"
        + "".join(
            f"  B{n}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${{B{n + 1}}}-x'\n"
            for n in range(300)
        )
        + "  B300:\n    Type: AWS::S3::Bucket\n"
    )
    assert "PF0011" in _codes(run(chain))
    value: object = "x"
    for _ in range(95):  # within the loader's depth limit: 2 levels each
        value = {"Fn::Join": ["", [value]]}
    text = json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": value}}}})
    assert "PF0000" not in _codes(run(text, "t.json"))


def test_chained_conditions_do_not_exhaust_the_stack() -> None:
    conditions = "".join(f"  C{n}: !Not [!Condition C{n + 1}]\n" for n in range(3000))
    text = (
        "Parameters:\n  P: {Type: String}\nConditions:\n" + conditions + "  C3000: !Equals [!Ref P, x]\n"
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: C0\n"
    )
    start = time.perf_counter()
    findings = run(text)
    assert time.perf_counter() - start < SECONDS
    assert "PF0000" not in _codes(findings)


def test_many_conditions_over_many_parameters_enumerate_quickly() -> None:
    params = "".join(f"  P{n}: {{Type: String, AllowedValues: [a, b]}}\n" for n in range(150))
    conditions = "".join(f"  C{n}: !Equals [!Ref P{n % 150}, a]\n" for n in range(2000))
    text = (
        f"Parameters:\n{params}Conditions:\n{conditions}Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
        "    Condition: C0\n    Properties: {QueueName: !If [C1, x, y]}\n"
    )
    start = time.perf_counter()
    findings = run(text)
    assert time.perf_counter() - start < 5.0
    assert "PF0010" in _codes(findings)


# ---------------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("12", 12),
        (" -3 ", -3),
        (4.0, 4),
        ("²", None),
        ("٣", None),
        ("1.5", None),
        (1.5, None),
        (float("inf"), None),
        (float("nan"), None),
        ("1e999", None),
        ("9" * 5000, None),
        (True, None),
        (None, None),
        (10**30, None),
        ("+7", 7),
        ("", None),
    ],
    ids=lambda v: repr(v)[:20],
)
def test_as_int(value: object, expected: int | None) -> None:
    assert as_int(value) == expected


def test_is_digits_and_json_number() -> None:
    assert is_digits("0123") and not is_digits("²") and not is_digits("") and not is_digits("1" * 20)
    assert json_number("1e999", True) == "1e999"
    assert json_number("9" * 5000, False) == "9" * 5000
    assert json_number("12", False) == 12 and json_number("1.5e3", True) == 1500.0


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1" + "0" * 5000], ids=["inf", "-inf", "5000-digits"])
def test_json_numbers_python_cannot_hold_are_kept_as_text(number: str) -> None:
    # A key longer than 1024 characters makes libyaml refuse the JSON, so preflight's own parser reads it.
    text = (
        '{"Metadata": {"'
        + "k" * 1100
        + '": 1}, "Parameters": {"P": {"Type": "String", "MinLength": '
        + number
        + '}}, "Resources": {"B": {"Type": "AWS::S3::Bucket"}}}'
    )
    findings = run(text, "t.json")
    assert any("MinLength must be an integer" in f.message for f in findings if f.code == "PF0004")


def test_yaml_float_overflow_is_kept_as_text() -> None:
    text = (
        "Parameters:\n  P: {Type: String, MaxLength: 1.0e+999}\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"
    )
    assert lines(run(text), "PF0004") == [
        ("2:32 PF0004 Template format error: parameter P: MaxLength must be an integer, not 1.0e+999")
    ]


def test_select_index_in_other_scripts_is_not_an_integer() -> None:
    findings = run(_bucket_named("!Select ['²', [abc, def]]"))
    assert "PF0000" not in _codes(findings)
    assert any(f.code == "PF0005" and "Fn::Select" in f.message for f in findings)


# ---------------------------------------------------------------------------------------------- policies


def test_with_index_keeps_every_field() -> None:
    """Statement.with_index used to pass __slots__ (alphabetical) positionally to __init__: fields scrambled."""
    doc = load_text(
        '{"Statement": [{"Sid": "Write", "Effect": "Deny", "Principal": {"Service": "x.amazonaws.com"},'
        '"NotAction": "s3:PutObject", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport":'
        ' "false"}}}]}'
    )
    (statement,) = parse_policy(doc.root, kind="s3-bucket", name="P").statements
    moved = statement.with_index(7)
    assert moved.index == 7
    for name in Statement.__slots__:
        if name != "index":
            assert getattr(moved, name) == getattr(statement, name), name
    assert moved.sid == "Write" and moved.effect == "Deny" and moved.unknown is None


def test_second_queue_and_topic_policies() -> None:
    text = """Resources:
  Q:
    Type: AWS::SQS::Queue
  T:
    Type: AWS::SNS::Topic
  QP1:
    Type: AWS::SQS::QueuePolicy
    Properties: {Queues: [!Ref Q], PolicyDocument: {Statement: []}}
  QP2:
    Type: AWS::SQS::QueuePolicy
    Properties: {Queues: [!Ref Q], PolicyDocument: {Statement: []}}
  TP1:
    Type: AWS::SNS::TopicPolicy
    Properties: {Topics: [!Ref T], PolicyDocument: {Statement: []}}
  TP2:
    Type: AWS::SNS::TopicPolicy
    Properties: {Topics: [!Ref T], PolicyDocument: {Statement: []}}
"""
    found = [(f.resource, f.severity) for f in run(text) if f.code == "PF6208"]
    assert found == [("QP2", "warning"), ("TP2", "warning")]


@pytest.mark.parametrize("count", [900, 4500], ids=["evaluated", "too-many"])
def test_key_policy_with_thousands_of_statements_stays_bounded(count: int) -> None:
    """Within the 1 MB quota, a key policy of 4,500 statements used by 300 resources took 28 s (every request
    against every statement, then again for near misses): beyond 1,000 statements a policy stays unknown."""
    statements = [
        {
            "Sid": f"S{n}",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{111111111111 + n}:root"},
            "Action": ["kms:Encrypt*", "kms:Decrypt"],
            "Resource": "*",
        }
        for n in range(count)
    ]
    resources: dict[str, object] = {
        "K": {
            "Type": "AWS::KMS::Key",
            "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": statements}},
        }
    }
    for n in range(100 if count > 1000 else 30):
        resources[f"L{n}"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"KmsKeyId": {"Fn::GetAtt": ["K", "Arn"]}},
        }
    text = json.dumps({"Resources": resources}, separators=(",", ":"))
    assert len(text) < 1_000_000
    start = time.perf_counter()
    findings = run(text, "t.json")
    assert time.perf_counter() - start < SECONDS
    assert "PF0000" not in _codes(findings)
    cut = [f.message for f in findings if f.code == "PF0011"]
    if count > 1000:
        assert cut == [
            (
                f"not evaluated: a policy of {count} statements (more than 1000 are not evaluated) in KeyPolicy of K; "
                "permission checks that need it skipped it (a policy this large does not fit AWS's policy size quotas)"
            )
        ]
        assert all(f.severity != "error" for f in findings if f.code == "PF6101")
    else:
        assert cut == []


def test_strict_options_are_what_run_uses() -> None:
    assert STRICT.strict


def test_thousands_of_parameters_with_allowed_values_stay_fast() -> None:
    """The issue's '10,000 parameters with AllowedValues': within 1 MB, 6,000 parameters and conditions and 300
    conditional resources (a per-resource pass over every scenario's inputs made it 13 s at 9,000)."""
    count = 6000
    params = "".join(f"  P{n}: {{Type: String, AllowedValues: [a, b]}}\n" for n in range(count))
    conditions = "".join(f"  C{n}: !Equals [!Ref P{n}, a]\n" for n in range(count))
    resources = "".join(
        f"  Q{n}:\n    Type: AWS::SQS::Queue\n    Condition: C{n}\n    Properties: {{QueueName: !If [C{n + 1}, x, y]}}\n"
        for n in range(300)
    )
    start = time.perf_counter()
    findings = run(f"Parameters:\n{params}Conditions:\n{conditions}Resources:\n{resources}")
    assert time.perf_counter() - start < SECONDS
    assert {"PF0012", "PF0010"} <= _codes(findings) and "PF0000" not in _codes(findings)


def test_statement_with_thousands_of_values_stays_bounded() -> None:
    actions = [f"s3:Get{n}*" for n in range(3000)]
    principals = [f"arn:aws:iam::{100000000000 + n}:root" for n in range(3000)]
    statements = [
        {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": actions, "Resource": "*"},
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": {"Fn::GetAtt": ["B", "Arn"]},
        },
    ]
    resources: dict[str, object] = {
        "B": {"Type": "AWS::S3::Bucket"},
        "P": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "B"}, "PolicyDocument": {"Statement": statements}},
        },
    }
    for n in range(40):
        resources[f"T{n}"] = {
            "Type": "AWS::CloudTrail::Trail",
            "DependsOn": "P",
            "Properties": {"IsLogging": True, "S3BucketName": {"Ref": "B"}},
        }
    start = time.perf_counter()
    findings = run(json.dumps({"Resources": resources}), "t.json")
    assert time.perf_counter() - start < 3.0
    (cut,) = [f for f in findings if f.code == "PF0011"]
    assert (
        "a policy statement of 6001 actions, resources and principals" in cut.message and cut.span.line == 1
    )
    assert all(f.severity != "error" for f in findings if f.code == "PF6201")


def test_parameter_value_and_dynamic_reference_quotas() -> None:
    references = "-".join(f"{{{{resolve:ssm:/p{n}}}}}" for n in range(61))
    text = (
        f"Parameters:\n  Big:\n    Type: String\n    Default: {'x' * 5000}\n  Small:\n    Type: String\n"
        f"    Default: {'x' * 4096}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        f'      QueueName: "{references}"\n'
    )
    found = [f.message for f in run(text) if f.code == "PF0012"]
    assert found == [
        "the Default of parameter Big is 5,000 bytes, more than the 4,096 bytes a parameter value may have",
        (
            "the template holds 61 dynamic references ({{resolve:...}}), more than the 60 CloudFormation allows in one "
            "template; this is the first one over the quota"
        ),
    ]
