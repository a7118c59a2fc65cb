"""Data about a changing AWS (checks/lifecycle.py, data/lifecycle.json): code, location, severity and message, with
the day judged pinned (Pins.date, the CLI's --date) wherever the date decides."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from preflight.data import lifecycle as lc
from preflight.data import values_data as vd
from preflight.resolve.pins import Pins
from tests.conftest import run


def _findings(code: str, body: str, day: str | None = None) -> list[tuple[int, str, str]]:
    text = textwrap.dedent(body)
    return [(f.span.line, f.severity, f.message) for f in run(text, pins=Pins(date=day)) if f.code == code]


_MESH = """
Resources:
  Mesh:
    Type: AWS::AppMesh::Mesh
  Node:
    Type: AWS::AppMesh::VirtualNode
    Properties:
      MeshName: !GetAtt Mesh.MeshName
      Spec: {}
"""


# ----------------------------------------------------------------------------------------------- PF4030 / PF5010


@pytest.mark.parametrize(
    ("day", "code", "severity", "fragment"),
    [
        (
            "2026-01-15",
            "PF4030",
            "info",
            "AWS shuts AWS App Mesh down on 2026-09-30: from that day creating Mesh",
        ),
        (
            "2026-12-04",
            "PF4030",
            "warning",
            "was shut down: AWS creates none of its resources since 2026-09-30",
        ),
        (
            "2028-06-01",
            "PF4030",
            "error",
            "so creating Mesh (AWS::AppMesh::Mesh) fails (also Node) (the date",
        ),
    ],
    ids=["before-shutdown", "recently-shut", "long-shut"],
)
def test_service_shutdown_date_decides(day, code, severity, fragment):
    found = _findings(code, _MESH, day)
    assert [(line, sev) for line, sev, _ in found] == [(3, severity)]
    assert fragment in found[0][2]
    assert f"the date decides: judged for {day}" in found[0][2]


def test_closed_service_is_an_account_warning_until_its_shutdown():
    body = """
    Resources:
      Ledger:
        Type: AWS::QLDB::Ledger
        Properties:
          PermissionsMode: STANDARD
    """
    assert _findings("PF4030", body, "2025-03-01") == []
    closed = _findings("PF5010", body, "2025-03-01")
    assert closed == [
        (
            3,
            "warning",
            (
                "Amazon QLDB is closed to new customers since 2024-07-18: creating Ledger (AWS::QLDB::Ledger) fails in an "
                "account that did not use it before; AWS shuts it down on 2025-07-31, after which every create fails (it "
                "depends on the account; the date decides: judged for 2025-03-01); use Amazon Aurora PostgreSQL (AWS's "
                "migration guide)"
            ),
        )
    ]
    [finding] = [f for f in run(textwrap.dedent(body), pins=Pins(date="2025-03-01")) if f.code == "PF5010"]
    assert finding.phase == "account"
    assert _findings("PF5010", body, "2024-07-01") == []


def test_aurora_serverless_v1_is_the_engine_mode_only():
    body = """
    Resources:
      V1:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          EngineMode: !Ref Mode
      V2:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          EngineMode: provisioned
    Parameters:
      Mode:
        Type: String
        Default: serverless
    """
    found = _findings("PF4030", body, "2026-12-04")
    assert [(line, sev) for line, sev, _ in found] == [(7, "error")]
    assert found[0][2].startswith(
        "Aurora Serverless v1 (EngineMode serverless) was shut down: AWS creates none"
    )


def test_unpinned_message_says_today_and_how_to_pin():
    found = _findings("PF4030", _MESH)
    assert "(the date decides: judged for today (pin another day with --date))" in found[0][2]


def test_shutdown_on_a_conditional_resource_is_a_warning():
    body = """
    Conditions:
      Legacy: !Equals [!Ref Kind, legacy]
    Parameters:
      Kind:
        Type: String
        Default: modern
    Resources:
      Stack:
        Type: AWS::OpsWorks::Stack
        Condition: Legacy
        Properties:
          Name: app
          ServiceRoleArn: arn:aws:iam::123456789012:role/r
          DefaultInstanceProfileArn: arn:aws:iam::123456789012:instance-profile/p
    """
    assert [sev for _, sev, _ in _findings("PF4030", body, "2026-12-04")] == ["warning"]


# ----------------------------------------------------------------------------------------------- PF4031


@pytest.mark.parametrize(
    ("runtime", "day", "severity"),
    [
        ("syn-nodejs-puppeteer-6.1", "2026-12-04", "error"),
        ("syn-nodejs-puppeteer-7.0", "2026-12-04", "warning"),
        ("syn-nodejs-puppeteer-7.0", "2025-12-01", "info"),
    ],
    ids=["long-deprecated", "recently-deprecated", "deprecation-ahead"],
)
def test_canary_runtime(runtime, day, severity):
    body = f"""
    Resources:
      Canary:
        Type: AWS::Synthetics::Canary
        Properties:
          RuntimeVersion: {runtime}
    """
    found = _findings("PF4031", body, day)
    assert [(line, sev) for line, sev, _ in found] == [(6, severity)]
    assert runtime in found[0][2] and f"judged for {day}" in found[0][2]


@pytest.mark.parametrize(
    "runtime",
    ["syn-nodejs-puppeteer-9.0", "syn-python-selenium-7.0", "syn-nodejs-2.0"],
    ids=["current-node", "current-python", "not-recorded"],
)
def test_canary_runtime_not_reported(runtime):
    body = f"""
    Resources:
      Canary:
        Type: AWS::Synthetics::Canary
        Properties:
          RuntimeVersion: {runtime}
    """
    assert _findings("PF4031", body, "2026-12-04") == []


# ----------------------------------------------------------------------------------------------- PF4032

_SECRET = """
Resources:
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: app/db
      GenerateSecretString:
        SecretStringTemplate: '{"username": "app", "host": "db"}'
        GenerateStringKey: password
  Consumer:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: app
          Image: nginx
          Environment:
            - Name: X
              Value: %s
"""


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("!Sub '{{resolve:secretsmanager:${Secret}:SecretString:pass}}'", "pass"),
        ("!Join ['', ['{{resolve:secretsmanager:', !Ref Secret, ':SecretString:user::}}']]", "user"),
        ("'{{resolve:secretsmanager:app/db:SecretString:port}}'", "port"),
    ],
    ids=["sub", "join-with-version-fields", "by-name"],
)
def test_secret_key_missing(reference, key):
    found = _findings("PF4032", _SECRET % reference)
    assert found == [
        (
            18,
            "error",
            (
                f"Could not find a value associated with JSONKey in SecretString: Consumer.ContainerDefinitions reads JSON "
                f"key '{key}' of Secret, whose generated value has only host, password, username (its SecretStringTemplate "
                f"keys and GenerateStringKey); use one of those keys or add '{key}' to the template"
            ),
        )
    ]


@pytest.mark.parametrize(
    "reference",
    [
        "!Sub '{{resolve:secretsmanager:${Secret}:SecretString:password}}'",
        "!Sub '{{resolve:secretsmanager:${Secret}:SecretString:username:AWSCURRENT}}'",
        "!Sub '{{resolve:secretsmanager:${Secret}}}'",
        "'{{resolve:secretsmanager:other/secret:SecretString:anything}}'",
        "!Sub '{{resolve:secretsmanager:${Other}:SecretString:anything}}'",
    ],
    ids=["generated-key", "template-key", "whole-string", "other-secret-by-name", "unknown-ref"],
)
def test_secret_key_present_or_not_judged(reference):
    body = _SECRET % reference + "\nParameters:\n  Other:\n    Type: String\n"
    assert _findings("PF4032", body) == []


# ----------------------------------------------------------------------------------------------- PF4033


def _target(namespace: str, dimension: str, resource_id: str) -> str:
    return f"""
    Resources:
      Table:
        Type: AWS::DynamoDB::Table
      Target:
        Type: AWS::ApplicationAutoScaling::ScalableTarget
        Properties:
          ServiceNamespace: {namespace}
          ScalableDimension: {dimension}
          ResourceId: {resource_id}
          MinCapacity: 1
          MaxCapacity: 2
    Parameters:
      Id:
        Type: String
    """


@pytest.mark.parametrize(
    ("namespace", "dimension", "resource_id"),
    [
        ("dynamodb", "dynamodb:table:ReadCapacityUnits", "!Sub table/${Table}"),
        ("dynamodb", "dynamodb:index:ReadCapacityUnits", "!Sub table/${Table}/index/byDate"),
        ("ecs", "ecs:service:DesiredCount", "service/cluster/web"),
        ("rds", "rds:cluster:ReadReplicaCount", "cluster:aurora-1"),
        ("lambda", "lambda:function:ProvisionedConcurrency", "function:handler:live"),
        ("ecs", "ecs:service:DesiredCount", "!Ref Id"),
        ("custom-resource", "custom-resource:ResourceType:Property", "https://example.com/scalable"),
    ],
    ids=["table", "index", "service", "aurora", "lambda-alias", "parameter", "custom-resource"],
)
def test_scalable_target_accepted(namespace, dimension, resource_id):
    assert _findings("PF4033", _target(namespace, dimension, resource_id)) == []


@pytest.mark.parametrize(
    ("namespace", "dimension", "resource_id", "line", "fragment"),
    [
        ("dynamodb", "dynamodb:table:ReadCapacityUnits", "!GetAtt Table.Arn", 10, "the form table/<table>"),
        (
            "dynamodb",
            "dynamodb:table:ReadCapacityUnits",
            "my-table",
            10,
            "ResourceId 'my-table' does not have",
        ),
        ("rds", "rds:cluster:ReadReplicaCount", "cluster/aurora-1", 10, "the form cluster:<cluster>"),
        ("ecs", "ecs:service:DesiredCount", "service/web", 10, "the form service/<cluster>/<service>"),
        (
            "dynamodb",
            "ecs:service:DesiredCount",
            "service/c/s",
            9,
            "belongs to namespace ecs, not ServiceNamespace",
        ),
    ],
    ids=["arn-for-table", "bare-name", "aurora-slash", "service-without-cluster", "namespace-mismatch"],
)
def test_scalable_target_rejected(namespace, dimension, resource_id, line, fragment):
    found = _findings("PF4033", _target(namespace, dimension, resource_id))
    assert [(ln, sev) for ln, sev, _ in found] == [(line, "error")]
    assert found[0][2].startswith("Unsupported service namespace, resource type or scalable dimension: ")
    assert fragment in found[0][2]


# ----------------------------------------------------------------------------------------------- PF4034


@pytest.mark.parametrize(
    ("kind", "version", "day", "severity", "fragment"),
    [
        (
            "AWS::DMS::ReplicationInstance",
            "3.4.5",
            "2026-12-04",
            "error",
            "stopped creating it no later than 2024-09-30",
        ),
        (
            "AWS::DMS::ReplicationInstance",
            "3.5.3",
            "2026-12-04",
            "warning",
            "stopped creating it on 2026-02-28",
        ),
        (
            "AWS::DMS::ReplicationInstance",
            "3.5.4",
            "2026-12-04",
            "info",
            "stops creating EngineVersion 3.5.4 on 2027-01-31",
        ),
        ("AWS::Neptune::DBCluster", "1.2.1.0", "2026-12-04", "warning", "no later than 2026-03-06"),
        ("AWS::Neptune::DBCluster", "1.0.1.0", "2026-12-04", "error", "no later than 2021-04-27"),
    ],
    ids=["dms-older-than-listed", "dms-recent", "dms-ahead", "neptune-1.2", "neptune-1.0"],
)
def test_dated_engine_version(kind, version, day, severity, fragment):
    body = f"""
    Resources:
      Engine:
        Type: {kind}
        Properties:
          EngineVersion: '{version}'
    """
    found = _findings("PF4034", body, day)
    assert [(line, sev) for line, sev, _ in found] == [(6, severity)]
    assert fragment in found[0][2]


@pytest.mark.parametrize(
    ("kind", "version"),
    [("AWS::DMS::ReplicationInstance", "3.6.1"), ("AWS::Neptune::DBCluster", "1.4.6.0")],
    ids=["dms", "neptune"],
)
def test_undated_engine_version_not_reported(kind, version):
    body = f"""
    Resources:
      Engine:
        Type: {kind}
        Properties:
          EngineVersion: '{version}'
    """
    assert _findings("PF4034", body, "2026-12-04") == []


# ----------------------------------------------------------------------------------------------- data


def test_postgres_withdrawn_out_of_order_dates_no_older_minor():
    """15.10, 14.15 and 16.6 were created by the deployed corpus (July-December 2025): the 2025-07-18 batch withdrew
    newer minors out of order and must not date them; AWS's notice dates them 2026-05-01."""
    for version in ("14.15", "15.10", "16.6"):
        retired = vd.engine_retirement("postgres", version)
        assert retired is not None and retired.exact
        assert retired.not_creatable_from == dt.date(2026, 5, 1)
    assert vd.engine_retirement("postgres", "15.9") == vd.Retirement(
        dt.date(2025, 7, 18),
        True,
        vd.engine_retirement("postgres", "15.9").source,  # type: ignore[union-attr]
    )
    assert vd.engine_retirement("postgres", "13.7") is not None


def test_every_service_end_cites_an_aws_page_and_a_checked_date():
    for end in lc.service_ends():
        assert "https://docs.aws.amazon.com/" in end.source and "checked 20" in end.source, end.name
        assert end.closed is not None or end.no_create_from is not None, end.name


def test_resource_id_formats_cover_the_schema_dimensions_they_name():
    for dimension in lc.scalable_dimensions():
        form = lc.resource_id_format(dimension)
        if form is not None:
            assert form.pattern.pattern.startswith("^" + form.prefix)


@pytest.mark.parametrize(
    ("day", "severity"),
    [("2026-09-30", None), ("2026-12-04", "warning"), ("2028-06-01", "error")],
    ids=["before-notice-date", "recently", "long-after"],
)
def test_engine_version_listed_but_retired_by_notice(day, severity):
    body = """
    Resources:
      Db:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          EngineVersion: '15.14'
          DBInstanceClass: db.t3.medium
    """
    found = _findings("PF4001", body, day)
    if severity is None:
        assert found == []
        return
    assert [(line, sev) for line, sev, _ in found] == [(7, severity)]
    assert found[0][2].startswith(
        "Cannot find version 15.14 for postgres: AWS stopped creating postgres 15.14 on 2026-10-01 (AWS's notice; "
        "the version list of 2026-11-22 still offers it)"
    )
    assert f"(the date decides: judged for {day})" in found[0][2]


def test_cli_date_pin_reaches_the_checks(tmp_path, capsys):
    import json

    from preflight.cli import main

    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(_MESH), encoding="utf-8")
    assert main(["check", str(path), "--format", "json", "--select", "PF4030", "--date", "2026-01-15"]) == 0
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert finding["severity"] == "info" and "judged for 2026-01-15" in finding["message"]
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(path), "--date", "15/01/2026"])
    assert exit_info.value.code == 2


_RUNBOOK = """
Resources:
  Runbook:
    Type: AWS::SSM::Document
    Properties:
      DocumentType: %s
      Content: %s
"""


@pytest.mark.parametrize(
    ("kind", "content", "day", "expected"),
    [
        (
            "Automation",
            '{"mainSteps": [{"name": "a", "action": "aws:executeScript", "inputs": {"Runtime": "python3.8"}}]}',
            "2026-12-04",
            [(7, "error")],
        ),
        (
            "Automation",
            '{"mainSteps": [{"name": "a", "action": "aws:executeScript", "inputs": {"Runtime": "python3.6"}}]}',
            "2025-03-01",
            [(7, "warning")],
        ),
        (
            "Automation",
            '{"mainSteps": [{"name": "a", "action": "aws:executeScript", "inputs": {"Runtime": "python3.8"}}]}',
            "2024-12-03",
            [],
        ),
        (
            "Automation",
            '{"mainSteps": [{"name": "a", "action": "aws:executeScript", "inputs": {"Runtime": "python3.11"}}]}',
            "2026-12-04",
            [],
        ),
        (
            "Automation",
            '{"mainSteps": [{"name": "a", "action": "aws:executeAwsApi", "inputs": {"Runtime": "python3.8"}}]}',
            "2026-12-04",
            [],
        ),
        (
            "Command",
            '{"mainSteps": [{"name": "a", "action": "aws:executeScript", "inputs": {"Runtime": "python3.8"}}]}',
            "2026-12-04",
            [],
        ),
        ("Automation", "'mainSteps: []'", "2026-12-04", []),
    ],
    ids=[
        "json-string-old",
        "recent",
        "before-date",
        "current",
        "other-action",
        "command-document",
        "yaml-string",
    ],
)
def test_automation_script_runtime(kind, content, day, expected):
    quoted = content if content.startswith("'") else "'" + content + "'"
    found = _findings("PF4031", _RUNBOOK % (kind, quoted), day)
    assert [(line, sev) for line, sev, _ in found] == expected
    if found:
        assert "use Runtime python3.11" in found[0][2] and f"judged for {day}" in found[0][2]


def test_closed_without_a_date_says_so():
    body = """
    Resources:
      Ide:
        Type: AWS::Cloud9::EnvironmentEC2
        Properties:
          InstanceType: t3.small
          ImageId: amazonlinux-2023-x86_64
    """
    [(line, severity, message)] = _findings("PF5010", body, "2026-12-04")
    assert (line, severity) == (3, "warning")
    assert message.startswith(
        "AWS Cloud9 is closed to new customers (AWS's page, read on 2026-12-04, gives no date): creating Ide "
    )


def test_an_automation_step_that_is_not_a_mapping_is_skipped():
    """Found by fuzzing (bench/fuzz.py, 2026-12-04): a mainSteps item that is an intrinsic, not a step."""
    from tests.conftest import run

    text = """\
Resources:
  Runbook:
    Type: AWS::SSM::Document
    Properties:
      DocumentType: Automation
      Content:
        schemaVersion: '0.3'
        mainSteps:
          - !Base64 ''
          - name: Tag
            action: aws:executeScript
            inputs: {Runtime: python3.8, Handler: handler, Script: 'def handler(e, c): return {}'}
"""
    [finding] = [f for f in run(text) if f.code == "PF4031"]
    assert finding.message.startswith("aws:executeScript step 'Tag' uses Runtime python3.8")
