"""Edge cases of the invalid-value checks (checks/values.py): code, location, severity and message."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import run


def _findings(code: str, body: str, **kwargs: object) -> list[tuple[int, str, str]]:
    text = textwrap.dedent(body)
    return [(f.span.line, f.severity, f.message) for f in run(text, **kwargs) if f.code == code]


def _db(engine: str, version: str, extra: str = "") -> str:
    return f"""
    Resources:
      Db:
        Type: AWS::RDS::DBInstance{extra}
        Properties:
          Engine: {engine}
          EngineVersion: {version}
          DBInstanceClass: db.t3.medium
    """


# ----------------------------------------------------------------------------------------------- PF4001


@pytest.mark.parametrize(
    ("engine", "version"),
    [
        ("mysql", "'8.0'"),
        ("mysql", "8.0"),
        ("postgres", "'15'"),
        ("mysql", "'8.0.43'"),
        ("postgres", "'17.9'"),  # 17.6 is listed by cfn-lint but retired by AWS's notice from 2026-10-01
        ("oracle-ee", "'19.0.0.0.ru-2024-01.rur-2024-01.r1'"),
    ],
    ids=[
        "mysql-major",
        "mysql-major-unquoted",
        "postgres-major",
        "mysql-current",
        "postgres-current",
        "engine-without-list",
    ],
)
def test_engine_version_accepted(engine, version):
    assert _findings("PF4001", _db(engine, version)) == []


@pytest.mark.parametrize(
    ("engine", "version", "severity", "fragment"),
    [
        (
            "postgres",
            "'15.4'",
            "error",
            ("Cannot find version 15.4 for postgres: AWS stopped creating postgres 15.4 on 2024-12-09"),
        ),
        ("postgres", "'13.7'", "error", "AWS stopped creating postgres 13.7 no later than 2024-12-09"),
        (
            "postgres",
            "'15.7'",
            "warning",
            ("retired in AWS's version list of 2026-11-22 (not creatable since 2025-10-01)"),
        ),
        ("mysql", "'8.0.37'", "warning", "a new stack fails with 'Cannot find version 8.0.37 for mysql'"),
        ("mysql", "'8.0.38'", "error", "AWS never offered it"),
        ("postgres", "'15.99'", "warning", "unless it was released after that date"),
    ],
    ids=["long-retired", "inferred-date", "recently-retired", "undated", "never-offered", "newer-than-data"],
)
def test_engine_version_findings(engine, version, severity, fragment):
    found = _findings("PF4001", _db(engine, version))
    assert [(line, sev) for line, sev, _ in found] == [(7, severity)]
    assert fragment in found[0][2]


def test_engine_version_on_conditional_resource_is_a_warning():
    body = """
    Parameters:
      Env:
        Type: String
        Default: dev
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
    Resources:
      Db:
        Type: AWS::RDS::DBInstance
        Condition: IsProd
        Properties:
          Engine: mysql
          EngineVersion: '8.0.35'
    """
    findings = [f for f in run(textwrap.dedent(body)) if f.code == "PF4001"]
    assert [(f.severity, f.notes) for f in findings] == [
        ("warning", ("Db exists only when condition IsProd is true",))
    ]


def test_engine_version_from_parameter_without_default_is_not_guessed():
    body = """
    Parameters:
      Version:
        Type: String
    Resources:
      Db:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: mysql
          EngineVersion: !Ref Version
    """
    assert _findings("PF4001", body) == []


@pytest.mark.parametrize(
    ("rtype", "version", "expected"),
    [
        ("AWS::ElastiCache::ReplicationGroup", "'7.0'", []),
        ("AWS::DocDB::DBCluster", "'5.0.0'", []),
        ("AWS::DocDB::DBCluster", "'2.0.0'", ["warning"]),
    ],
    ids=["redis-default-engine", "docdb-known", "docdb-unknown"],
)
def test_engine_version_other_services(rtype, version, expected):
    body = f"""
    Resources:
      Store:
        Type: {rtype}
        Properties:
          EngineVersion: {version}
    """
    assert [sev for _, sev, _ in _findings("PF4001", body)] == expected


# ----------------------------------------------------------------------------------------------- PF4002


def _function(runtime: str, extra: str = "") -> str:
    return f"""
    Resources:
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: {runtime}
          Handler: index.handler
          Role: arn:aws:iam::123456789012:role/x
          Code:
            ZipFile: x{extra}
    """


@pytest.mark.parametrize(
    ("runtime", "expected", "fragment"),
    [
        ("python3.13", [], ""),
        (
            "dotnet8",
            ["info"],
            (
                "Runtime dotnet8 is deprecated since 2026-11-10: Lambda stops creating functions "
                "with it on 2027-02-01"
            ),
        ),
        (
            "python3.9",
            ["info"],
            "Runtime python3.9 is deprecated since 2025-12-15: Lambda stops creating functions with it on 2027-02-01",
        ),
        (
            "nodejs14.x",
            ["error"],
            (
                "The runtime parameter of nodejs14.x is no longer supported for creating or "
                "updating AWS Lambda functions (creation blocked since 2024-01-09); use nodejs24.x"
            ),
        ),
    ],
    ids=["supported", "deprecated-creatable", "deprecated-extended", "long-blocked"],
)
def test_lambda_runtime(runtime, expected, fragment):
    found = _findings("PF4002", _function(runtime))
    assert [sev for _, sev, _ in found] == expected
    assert all(fragment in message for _, _, message in found)
    assert all(line == 6 for line, _, _ in found)


def test_sam_globals_runtime():
    body = """
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: go1.x
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Handler: main
          CodeUri: s3://bucket/key
    """
    found = _findings("PF4002", body)
    assert [(line, sev) for line, sev, _ in found] == [(5, "error")]


# ----------------------------------------------------------------------------------------------- PF4003-4005


def test_subnet_in_secondary_block_is_inside_the_vpc():
    body = """
    Resources:
      Vpc:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      Extra:
        Type: AWS::EC2::VPCCidrBlock
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: 10.1.0.0/16
      Subnet:
        Type: AWS::EC2::Subnet
        DependsOn: Extra
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: 10.1.2.0/24
    """
    assert _findings("PF4004", body) == []


def test_vpc_with_ipam_block_is_not_judged():
    body = """
    Resources:
      Vpc:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      Extra:
        Type: AWS::EC2::VPCCidrBlock
        Properties:
          VpcId: !Ref Vpc
          Ipv4IpamPoolId: ipam-pool-0123456789abcdef0
          Ipv4NetmaskLength: 20
      Subnet:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: 10.9.0.0/24
    """
    assert _findings("PF4004", body) == []


def test_subnets_of_different_vpcs_may_overlap():
    body = """
    Resources:
      VpcA:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      VpcB:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      SubnetA:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref VpcA
          CidrBlock: 10.0.0.0/24
      SubnetB:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref VpcB
          CidrBlock: 10.0.0.0/24
    """
    assert _findings("PF4005", body) == []


def test_subnet_of_an_imported_vpc_is_only_syntax_checked():
    body = """
    Resources:
      Subnet:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !ImportValue shared-vpc
          CidrBlock: 10.0.0.0/33
    """
    assert [(line, sev) for line, sev, _ in _findings("PF4003", body)] == [(7, "error")]
    assert _findings("PF4004", body) == []


# ----------------------------------------------------------------------------------------------- PF4006


@pytest.mark.parametrize(
    ("engine", "cls", "enabled", "expected"),
    [
        ("postgres", "db.t3.micro", "true", []),
        ("mysql", "db.t3.micro", "'true'", [(9, "error")]),
        ("mysql", "db.t3.micro", "false", []),
        ("aurora-mysql", "db.t3.medium", "true", [(9, "error")]),
    ],
    ids=["postgres-supported", "mysql-string-true", "disabled", "aurora-mysql-t3"],
)
def test_performance_insights(engine, cls, enabled, expected):
    body = f"""
    Resources:
      Db:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: {engine}
          DBInstanceClass: {cls}
          AllocatedStorage: '20'
          EnablePerformanceInsights: {enabled}
    """
    assert [(line, sev) for line, sev, _ in _findings("PF4006", body)] == expected


# ----------------------------------------------------------------------------------------------- PF4007


@pytest.mark.parametrize(
    ("param_type", "default", "expected"),
    [
        ("AWS::EC2::Image::Id", "ami-0123456789abcdef0", [(10, "warning")]),
        ("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "/aws/service/ami-amazon-linux-latest/x", []),
    ],
    ids=["image-id-default", "ssm-parameter"],
)
def test_ami_from_parameter(param_type, default, expected):
    body = f"""
    Parameters:
      Image:
        Type: {param_type}
        Default: {default}
    Resources:
      Box:
        Type: AWS::EC2::Instance
        Properties:
          ImageId: !Ref Image
    """
    assert [(line, sev) for line, sev, _ in _findings("PF4007", body)] == expected


def test_mapping_without_ami_ids_is_not_flagged():
    body = """
    Mappings:
      Images:
        us-east-1:
          Image: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/x}}'
    Resources:
      Box:
        Type: AWS::EC2::Instance
        Properties:
          ImageId: !FindInMap [Images, !Ref 'AWS::Region', Image]
    """
    assert _findings("PF4007", body) == []


# ----------------------------------------------------------------------------------------------- PF4008-4009


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            "LogDestinationType: kinesis-data-firehose\n      LogDestination: arn:aws:firehose:us-east-1:1:deliverystream/x",
            [],
        ),
        ("LogDestinationType: !Ref Kind\n      LogDestination: arn:aws:s3:::b", []),
        (
            "LogDestinationType: s3\n      LogDestination: arn:aws:s3:::b\n      LogGroupName: x",
            [(11, "error")],
        ),
    ],
    ids=["firehose", "destination-chosen-at-deploy", "s3-with-log-group"],
)
def test_flow_log(props, expected):
    body = f"""
Parameters:
  Kind:
    Type: String
Resources:
  Log:
    Type: AWS::EC2::FlowLog
    Properties:
      {props}
      ResourceId: vpc-1
      ResourceType: VPC
      TrafficType: ALL
"""
    assert [(line, sev) for line, sev, _ in _findings("PF4008", body)] == expected


def test_string_ssm_parameter_is_fine():
    body = """
    Resources:
      P:
        Type: AWS::SSM::Parameter
        Properties:
          Type: StringList
          Value: a,b
    """
    assert _findings("PF4009", body) == []


# ----------------------------------------------------------------------------------------------- PF4010


@pytest.mark.parametrize(
    ("engine", "name", "expected"),
    [
        (
            "mysql",
            "!Sub 'app-${AWS::StackName}'",
            ["'app-${AWS::StackName}' contains '-' in every deployment"],
        ),
        ("mysql", "!Ref Name", []),
        ("postgres", "a" * 64, ["is 64 characters long"]),
        ("sqlserver-ex", "my-db", []),
        ("mariadb", "app_db_1", []),
    ],
    ids=["literal-hyphen-in-sub", "parameter-without-default", "too-long", "sqlserver-not-modelled", "valid"],
)
def test_database_name(engine, name, expected):
    body = f"""
    Parameters:
      Name:
        Type: String
    Resources:
      Db:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: {engine}
          DBName: {name}
    """
    found = _findings("PF4010", body)
    assert len(found) == len(expected)
    for (line, severity, message), fragment in zip(found, expected):
        assert (line, severity) == (10, "error")
        assert message.startswith("DBName must begin with a letter") and fragment in message


# ----------------------------------------------------------------------------------------------- PF4011


@pytest.mark.parametrize(
    ("family", "params", "expected"),
    [
        ("mysql5.7", {"character_set_server": "latin1", "collation_server": "latin1_swedish_ci"}, []),
        ("mysql8.0", {"character_set_server": "utf8mb3", "collation_server": "utf8_general_ci"}, []),
        ("mariadb10.11", {"collation_server": "utf8mb4_unicode_ci"}, []),
        (
            "mysql8.0",
            {"character_set_server": "utf8mb4", "collation_server": "latin1_bin"},
            ["collation_server 'latin1_bin' is not valid for character_set 'utf8mb4'"],
        ),
    ],
    ids=["matching", "utf8-alias", "family-not-modelled", "explicit-mismatch"],
)
def test_collation(family, params, expected):
    lines = "\n".join(f"            {k}: {v}" for k, v in params.items())
    body = f"""
    Resources:
      Params:
        Type: AWS::RDS::DBParameterGroup
        Properties:
          Description: x
          Family: {family}
          Parameters:
{lines}
    """
    found = _findings("PF4011", textwrap.dedent(body))
    assert [m.split(":")[0] for _, _, m in found] == expected


# ----------------------------------------------------------------------------------------------- PF4012


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("!Sub 'arn:aws:s3:::${Bucket}/*'", []),
        ("!Sub 'arn:${AWS::Partition}:s3:::logs-*/${AWS::AccountId}'", [(12, "error")]),
        ("'arn:aws:s3:::'", []),
    ],
    ids=["prefix-wildcard-is-a-prefix", "bucket-wildcard-in-sub", "all-buckets"],
)
def test_cloudtrail_object_values(value, expected):
    body = f"""
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
      Trail:
        Type: AWS::CloudTrail::Trail
        Properties:
          EventSelectors:
            - DataResources:
                - Type: AWS::S3::Object
                  Values:
                    - {value}
    """
    assert [(line, sev) for line, sev, _ in _findings("PF4012", body)] == expected


# ----------------------------------------------------------------------------------------------- PF4013


def _reserving(amounts: list[str], condition: str = "") -> str:
    functions = "".join(
        f"""
      Fn{i}:
        Type: AWS::Lambda::Function{condition if i == 0 else ""}
        Properties:
          Runtime: python3.13
          Handler: index.handler
          Role: arn:aws:iam::123456789012:role/x
          ReservedConcurrentExecutions: {amount}
          Code:
            ZipFile: x
"""
        for i, amount in enumerate(amounts)
    )
    return f"""
    Conditions:
      Never: !Equals [a, b]
    Resources:{functions}"""


def test_reserved_concurrency_sums_the_template():
    found = [f for f in run(textwrap.dedent(_reserving(["500", "450"]))) if f.code == "PF4013"]
    assert [(f.span.line, f.severity, f.resource, f.related) for f in found] == [
        (11, "warning", "Fn0", ("Fn1",))
    ]
    assert "reserves 950 concurrent executions (Fn0 500, Fn1 450)" in found[0].message
    assert "950 is more than the 900 an account with the default quota can reserve" in found[0].message


@pytest.mark.parametrize(
    ("amounts", "condition"),
    [(["0"], ""), (["100"], "\n        Condition: Never")],
    ids=["zero-is-a-throttle", "function-not-created"],
)
def test_reserved_concurrency_nothing_reserved(amounts, condition):
    assert _findings("PF4013", _reserving(amounts, condition)) == []


# ----------------------------------------------------------------------------------------------- PF4014


@pytest.mark.parametrize(
    ("api_props", "method_api", "expected"),
    [
        ("Body: {openapi: '3.0.1', paths: {}}", None, []),
        ("Name: x", "!ImportValue other-api", []),
        ("Name: x", "!Ref Api", []),
    ],
    ids=["openapi-body", "method-of-unknown-api", "has-method"],
)
def test_rest_api_methods(api_props, method_api, expected):
    method = (
        f"""
      M:
        Type: AWS::ApiGateway::Method
        Properties:
          RestApiId: {method_api}
          ResourceId: r
          HttpMethod: GET
          AuthorizationType: NONE
"""
        if method_api
        else ""
    )
    body = f"""
    Resources:
      Api:
        Type: AWS::ApiGateway::RestApi
        Properties:
          {api_props}{method}
      D:
        Type: AWS::ApiGateway::Deployment
        Properties:
          RestApiId: !Ref Api
    """
    assert _findings("PF4014", body) == expected


# ----------------------------------------------------------------------------------------------- PF4015


@pytest.mark.parametrize(
    ("domain", "sans", "expected"),
    [
        ("!Sub '${Zone}example.com'", "[]", []),
        ("myexample.com", "[]", []),
        ("shop.mycompany.io", "[www.shop.test]", [(9, "error")]),
    ],
    ids=["no-dot-before-reserved-suffix", "lookalike", "reserved-tld-in-san"],
)
def test_certificate_domains(domain, sans, expected):
    body = f"""
    Parameters:
      Zone:
        Type: String
    Resources:
      Cert:
        Type: AWS::CertificateManager::Certificate
        Properties:
          SubjectAlternativeNames: {sans}
          DomainName: {domain}
    """
    assert [(line, sev) for line, sev, _ in _findings("PF4015", body)] == expected


def test_lambda_runtime_blocked_recently_is_a_warning(monkeypatch):
    """A create-block date within 18 months of the data's date: a new stack fails, an existing one still updates.

    AWS extended every recent deadline (the snapshot has none in that window), so the case is built here."""
    import datetime

    from preflight.checks import values
    from preflight.data.runtimes import RuntimeInfo

    real = values.facts.lambda_runtime

    def fake(name):
        if name == "python3.9":
            return RuntimeInfo("python3.9", datetime.date(2025, 12, 15), datetime.date(2026, 6, 1),
                               datetime.date(2027, 3, 3), "python3.14", True)
        return real(name)

    monkeypatch.setattr(values.facts, "lambda_runtime", fake)
    found = _findings("PF4002", _function("python3.9"))
    assert [sev for _, sev, _ in found] == ["warning"]
    assert "Runtime python3.9 can no longer be used to create functions since 2026-06-01" in found[0][2]
