"""PF3001-PF3005: physical names checked after substitution, with dependencies named, never guessed."""

from __future__ import annotations

import textwrap

import pytest

from preflight import data
from preflight.checks.names import allowed_chars, name_problems
from preflight.resolve.pins import REGION, STACK_NAME, Pins
from preflight.resolve.values import Symbol, Symbolic
from tests.conftest import run


def findings(text: str, code: str, **kwargs: object) -> list[tuple[int, int, str, str]]:
    found = run(textwrap.dedent(text), "t.yaml", **kwargs)
    return [(f.span.line, f.span.column, f.severity, f.message) for f in found if f.code == code]


def bucket(name_yaml: str, extra: str = "") -> str:
    return f"{extra}Resources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {name_yaml}\n"


S3 = data.resource_type("AWS::S3::Bucket")
assert S3 is not None and S3.name_limits is not None
S3_LIMITS = S3.name_limits


# --------------------------------------------------------------------------- pattern analysis


@pytest.mark.parametrize(
    ("pattern", "inside", "outside"),
    [
        ("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", "a.-9", "A_ "),
        (r"^[\w+=,.@-]+$", "aZ_+=,.@-", "/: "),
        ("^(?!^[0-9]+$)([a-zA-Z0-9_-]+)$", "a9_-", "."),
        (r"^[^\s<>{}]+$", "a/:", " <{"),
        ("^alias/[a-zA-Z0-9/_-]+$", "alias/", "."),
    ],
    ids=["s3", "iam-word-class", "lookahead-ignored", "negated-class", "literal-prefix"],
)
def test_allowed_chars_is_the_union_of_the_pattern_classes(pattern, inside, outside):
    chars = allowed_chars(pattern)
    assert chars is not None
    assert set(inside) <= chars and not set(outside) & chars


def test_unanchored_patterns_are_not_analysed():
    assert allowed_chars("[a-z]+") is None


# --------------------------------------------------------------------------- known and symbolic names


def test_known_uppercase_bucket_name_gives_the_s3_message_once():
    problems = name_problems("AWS::S3::Bucket", "BucketName", S3_LIMITS, "Reports-Data")
    assert [(p.code, p.severity, p.message) for p in problems] == [
        ("PF3002", "error", "BucketName 'Reports-Data': Bucket name should not contain uppercase characters")
    ]


def test_symbolic_name_with_a_literal_underscore_is_a_definite_error():
    value = Symbolic(("logs_", Symbol("AWS::AccountId", "pseudo", "the account id", 12, 12)))
    problems = name_problems("AWS::S3::Bucket", "BucketName", S3_LIMITS, value)
    assert [(p.code, p.severity) for p in problems] == [("PF3002", "error")]
    assert "contains '_'" in problems[0].message


def test_stack_name_in_a_bucket_name_may_bring_upper_case_letters():
    problems = name_problems("AWS::S3::Bucket", "BucketName", S3_LIMITS, Symbolic((STACK_NAME, "-data")))
    assert ("PF3002", "warning") in [(p.code, p.severity) for p in problems]
    assert ("PF3001", "info") in [(p.code, p.severity) for p in problems]


def test_region_dependent_length_names_the_regions_that_do_not_fit():
    value = Symbolic(("x" * 50, "-", REGION))
    (problem,) = name_problems("AWS::S3::Bucket", "BucketName", S3_LIMITS, value)
    assert problem.severity == "warning"
    assert "fails in Regions whose name is longer than 12 characters (ap-northeast-1" in problem.message


def test_unbounded_parameter_is_not_guessed():
    value = Symbolic(("reports-", Symbol("param:Env", "parameter", "parameter Env")))
    assert name_problems("AWS::S3::Bucket", "BucketName", S3_LIMITS, value) == []


# --------------------------------------------------------------------------- through the engine


def test_uppercase_from_a_parameter_default_says_so():
    text = bucket("!Sub ${Project}-data", "Parameters:\n  Project:\n    Type: String\n    Default: Shop\n")
    assert findings(text, "PF3002") == [
        (
            9,
            19,
            "error",
            (
                "BucketName 'Shop-data': Bucket name should not contain uppercase characters (with the "
                "default value of parameter Project)"
            ),
        )
    ]


def test_pinned_parameter_value_decides():
    text = bucket("!Sub ${Project}-data", "Parameters:\n  Project:\n    Type: String\n    Default: Shop\n")
    assert findings(text, "PF3002", pins=Pins(parameters={"Project": "shop"})) == []


def test_stack_name_length_is_info_until_pinned():
    text = """\
    Resources:
      Targets:
        Type: AWS::ElasticLoadBalancingV2::TargetGroup
        Properties:
          Name: !Sub ${AWS::StackName}-targets
          Port: 80
          Protocol: HTTP
          VpcId: vpc-1
    """
    assert findings(text, "PF3001") == [
        (
            5,
            13,
            "info",
            (
                "Name '${AWS::StackName}-targets' fails when the stack name is longer than 24 characters: "
                "Name must be at most 32 characters. Keep the stack name within 24 characters, or pin "
                "--stack-name to decide"
            ),
        )
    ]
    pinned = findings(text, "PF3001", pins=Pins(stack_name="payments-production-blue"))
    assert pinned == []
    too_long = findings(text, "PF3001", pins=Pins(stack_name="payments-production-blue-green"))
    assert [(sev, msg.split(":")[0]) for _, _, sev, msg in too_long] == [
        ("error", "Name 'payments-production-blue-green-targets' (38 characters)")
    ]


def test_names_that_embed_the_stack_name_are_one_info_at_the_tightest():
    text = """\
    Resources:
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          FunctionName: !Sub ${AWS::StackName}-export-worker
          Runtime: python3.12
          Handler: index.handler
          Role: arn:aws:iam::111122223333:role/r
          Code: {ZipFile: 'pass'}
      Balancer:
        Type: AWS::ElasticLoadBalancingV2::LoadBalancer
        Properties:
          Name: !Sub ${AWS::StackName}-lb
          Subnets: [subnet-1, subnet-2]
    """
    (finding,) = [f for f in run(textwrap.dedent(text)) if f.code == "PF3001"]
    assert (finding.span.line, finding.severity, finding.resource, finding.related) == (
        13,
        "info",
        "Balancer",
        ("Fn",),
    )
    assert finding.message.endswith(
        "; 1 more names embed the stack name: Fn (50). Keep the stack name within 29 "
        "characters, or pin --stack-name to decide"
    )


def test_violation_in_one_scenario_only_is_a_warning_naming_the_parameter_value():
    text = """\
    Parameters:
      Env:
        Type: String
        AllowedValues: [prod, staging-eu-central]
        Default: prod
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
    Resources:
      Balancer:
        Type: AWS::ElasticLoadBalancingV2::LoadBalancer
        Properties:
          Name: !Sub checkout-frontend-${Env}
          Subnets: [subnet-1, subnet-2]
    """
    assert findings(text, "PF3001") == [
        (
            12,
            13,
            "warning",
            (
                "Name 'checkout-frontend-staging-eu-central' (36 characters): Name must be at most 32 "
                "characters (when Env=staging-eu-central, i.e. IsProd=false)"
            ),
        )
    ]


def test_rds_identifier_over_the_limit_by_hyphens_is_a_warning():
    name = "a" * 61 + "-b-c"
    text = f"Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      DBInstanceIdentifier: {name}\n"
    ((_, _, severity, message),) = findings(text, "PF3001")
    assert severity == "warning" and "does not count hyphens" in message


def test_sns_fifo_topic_needs_the_suffix():
    text = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: orders\n      FifoTopic: true\n"
    ((line, _, severity, message),) = findings(text, "PF3002")
    assert (line, severity) == (5, "error") and message.startswith(
        "TopicName 'orders' with FifoTopic: true: Fifo"
    )


# --------------------------------------------------------------------------- PF3003 / PF3004 / PF3005


def test_duplicate_only_when_a_condition_holds_is_a_warning():
    text = """\
    Parameters:
      Mode:
        Type: String
        AllowedValues: [single, pair]
    Conditions:
      Pair: !Equals [!Ref Mode, pair]
    Resources:
      A:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: jobs
      B:
        Type: AWS::SQS::Queue
        Condition: Pair
        Properties:
          QueueName: jobs
    """
    ((line, _, severity, message),) = findings(text, "PF3003")
    assert (line, severity) == (16, "warning")
    assert message.startswith("QueueName 'jobs' is also the name of A (line 8)") and message.endswith(
        "(when Mode=pair, i.e. Pair=true)"
    )


def test_same_security_group_name_in_an_unknown_vpc_and_a_known_one_is_not_compared():
    text = """\
    Parameters:
      VpcA: {Type: 'AWS::EC2::VPC::Id'}
      VpcB: {Type: 'AWS::EC2::VPC::Id'}
    Resources:
      A:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupName: web, GroupDescription: a, VpcId: !Ref VpcA}
      B:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupName: web, GroupDescription: b, VpcId: !Ref VpcB}
    """
    assert findings(text, "PF3003") == []


def test_stage_conflict_with_apigateway_v2_is_not_reported():
    text = """\
    Resources:
      Api: {Type: 'AWS::ApiGatewayV2::Api', Properties: {Name: a, ProtocolType: HTTP}}
      Deployment: {Type: 'AWS::ApiGatewayV2::Deployment', Properties: {ApiId: !Ref Api, StageName: prod}}
      Stage: {Type: 'AWS::ApiGatewayV2::Stage', Properties: {ApiId: !Ref Api, StageName: prod}}
    """
    assert findings(text, "PF3004") == []


def test_stage_conflict_names_the_api_and_the_stage():
    text = """\
    Resources:
      Api: {Type: 'AWS::ApiGateway::RestApi', Properties: {Name: a}}
      Deployment: {Type: 'AWS::ApiGateway::Deployment', Properties: {RestApiId: !Ref Api, StageName: prod}}
      Stage: {Type: 'AWS::ApiGateway::Stage', Properties: {RestApiId: !Ref Api, DeploymentId: !Ref Deployment,
                                                           StageName: prod}}
    """
    ((line, _, severity, message),) = findings(text, "PF3004")
    assert (line, severity) == (5, "error")
    assert message.startswith(
        "Resource of type 'AWS::ApiGateway::Stage' with identifier 'RestApiId: ${Api} "
        "StageName: prod' already exists: Deployment already creates stage 'prod'"
    )


def test_bucket_name_from_a_parameter_is_not_a_fixed_global_name():
    text = bucket("!Ref Name", "Parameters:\n  Name:\n    Type: String\n")
    assert findings(text, "PF3005") == []
    assert [f[2] for f in findings(bucket("assets-bucket"), "PF3005")] == ["info"]
