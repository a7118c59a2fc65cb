"""PF5001-PF5005: account singletons, account settings, hard-coded account ids and Regions, Region-bound resources."""

from __future__ import annotations

import textwrap

import pytest

from preflight.resolve.pins import Pins
from tests.conftest import run


def findings(text: str, code: str, **kwargs: object) -> list[tuple[int, str, str | None, str]]:
    found = run(textwrap.dedent(text), "t.yaml", **kwargs)
    return [(f.span.line, f.severity, f.resource, f.message) for f in found if f.code == code]


CONFIG = """\
Resources:
  Recorder:
    Type: AWS::Config::ConfigurationRecorder
    Properties:
      RoleARN: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/config
  Channel:
    Type: AWS::Config::DeliveryChannel
    Properties:
      S3BucketName: config-bucket
"""


def test_config_recorder_and_channel_are_one_warning_naming_both_errors():
    ((line, severity, resource, message),) = findings(CONFIG, "PF5001")
    assert (line, severity, resource) == (2, "warning", "Recorder")
    assert "MaxNumberOfConfigurationRecordersExceededException" in message
    assert "MaxNumberOfDeliveryChannelsExceededException" in message
    assert "Add a Condition on a parameter (e.g. CreateConfigRecorder)" in message
    (finding,) = [f for f in run(CONFIG) if f.code == "PF5001"]
    assert finding.related == ("Channel",)


def test_guarded_singletons_are_not_reported():
    guarded = CONFIG.replace(
        "    Type: AWS::Config::ConfigurationRecorder\n",
        "    Type: AWS::Config::ConfigurationRecorder\n    Condition: Make\n",
    ).replace(
        "    Type: AWS::Config::DeliveryChannel\n",
        "    Type: AWS::Config::DeliveryChannel\n    Condition: Make\n",
    )
    text = (
        "Parameters:\n  Create: {Type: String}\nConditions:\n  Make: !Equals [!Ref Create, 'true']\n"
        + guarded
    )
    assert findings(text, "PF5001") == []


def test_two_detectors_fail_in_any_account():
    text = """\
    Resources:
      One: {Type: 'AWS::GuardDuty::Detector', Properties: {Enable: true}}
      Two: {Type: 'AWS::GuardDuty::Detector', Properties: {Enable: true}}
    """
    errors = [f for f in findings(text, "PF5001") if f[1] == "error"]
    assert [(line, resource) for line, _, resource, _ in errors] == [(3, "Two")]
    assert "a detector already exists for the current account" in errors[0][3]


def test_api_gateway_account_is_an_overwrite_not_a_failure():
    text = "Resources:\n  Settings:\n    Type: AWS::ApiGateway::Account\n    Properties:\n      CloudWatchRoleArn: x\n"
    ((_, severity, _, message),) = findings(text, "PF5002")
    assert severity == "info" and "last writer wins" in message
    assert findings(text, "PF5001") == []


# --------------------------------------------------------------------------- PF5003 / PF5004

POLICY = """\
Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: {resource}
"""


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("arn:aws:sqs:us-west-2:210987654321:jobs", {"PF5003": ["210987654321"], "PF5004": ["us-west-2"]}),
        (
            "!Sub arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:jobs",
            {"PF5003": [], "PF5004": []},
        ),
        (
            "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38",
            {"PF5003": [], "PF5004": ["us-east-1"]},
        ),
        ("arn:aws:s3:::my-bucket/*", {"PF5003": [], "PF5004": []}),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", {"PF5003": [], "PF5004": []}),
    ],
    ids=["literal-arn", "pseudo-parameters", "published-layer", "s3-has-no-region", "aws-managed-policy"],
)
def test_hardcoded_ids_in_arns(resource, expected):
    text = POLICY.format(resource=resource)
    for code, values in expected.items():
        messages = [m for _, _, _, m in findings(text, code)]
        assert [v for v in values if any(v in m for m in messages)] == values and len(messages) == len(values)


def test_pinned_account_and_region_are_not_reported():
    text = POLICY.format(resource="arn:aws:sqs:us-west-2:210987654321:jobs")
    pins = Pins(region="us-west-2", account_id="210987654321")
    assert findings(text, "PF5003", pins=pins) == [] and findings(text, "PF5004", pins=pins) == []


def test_elb_log_delivery_account_is_not_reported():
    text = """\
    Resources:
      Policy:
        Type: AWS::S3::BucketPolicy
        Properties:
          Bucket: logs
          PolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {AWS: 'arn:aws:iam::797873946194:root'}
                Action: s3:PutObject
                Resource: arn:aws:s3:::logs/*
    """
    assert findings(text, "PF5003") == []


def test_availability_zone_in_another_pinned_region_is_an_error():
    text = """\
    Resources:
      Subnet:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: vpc-1
          CidrBlock: 10.0.0.0/24
          AvailabilityZone: us-east-1a
    """
    ((line, severity, _, _message),) = findings(text, "PF5004")
    assert (line, severity) == (7, "warning")
    ((_, pinned, _, pinned_message),) = findings(text, "PF5004", pins=Pins(region="eu-west-1"))
    assert pinned == "error" and "when you deploy to eu-west-1" in pinned_message


def test_cdk_synthesized_templates_are_environment_bound_by_design():
    text = """\
    Resources:
      ReaderPolicyA1B2C3D4:
        Type: AWS::IAM::ManagedPolicy
        Properties:
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: dynamodb:GetItem
                Resource: arn:aws:dynamodb:us-east-1:210987654321:table/t
        Metadata:
          aws:cdk:path: App/Stack/ReaderPolicy/Resource
    """
    assert findings(text, "PF5003") == [] and findings(text, "PF5004") == []


# --------------------------------------------------------------------------- PF5005

WAF = """\
Resources:
  Acl:
    Type: AWS::WAFv2::WebACL
    Properties:
      Scope: CLOUDFRONT
      DefaultAction: {Allow: {}}
      VisibilityConfig: {SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: acl}
"""


@pytest.mark.parametrize(
    ("region", "expected"),
    [(None, ["warning"]), ("us-east-1", []), ("eu-central-1", ["error"])],
    ids=["unpinned", "pinned-us-east-1", "pinned-elsewhere"],
)
def test_cloudfront_scope_depends_on_the_region(region, expected):
    found = findings(WAF, "PF5005", pins=Pins(region=region))
    assert [sev for _, sev, _, _ in found] == expected
    if found:
        assert "The scope is not valid., field: SCOPE_VALUE, parameter: CLOUDFRONT" in found[0][3]


def test_cloudfront_scope_behind_a_region_condition_is_not_reported():
    text = "Conditions:\n  East: !Equals [!Ref 'AWS::Region', us-east-1]\n" + WAF.replace(
        "    Type: AWS::WAFv2::WebACL\n", "    Type: AWS::WAFv2::WebACL\n    Condition: East\n"
    )
    assert findings(text, "PF5005") == []


def test_lambda_edge_version_of_this_stack_and_literal_certificate_elsewhere():
    text = """\
    Resources:
      EdgeFn:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: nodejs20.x
          Handler: index.handler
          Role: arn:aws:iam::111122223333:role/edge
          Code: {ZipFile: 'exports.handler = async (e) => e.Records[0].cf.request;'}
      EdgeVersion:
        Type: AWS::Lambda::Version
        Properties: {FunctionName: !Ref EdgeFn}
      Dist:
        Type: AWS::CloudFront::Distribution
        Properties:
          DistributionConfig:
            Enabled: true
            DefaultCacheBehavior:
              TargetOriginId: o
              ViewerProtocolPolicy: allow-all
              LambdaFunctionAssociations:
                - EventType: viewer-request
                  LambdaFunctionARN: !Ref EdgeVersion
            ViewerCertificate:
              AcmCertificateArn: arn:aws:acm:eu-west-1:111122223333:certificate/abc
              SslSupportMethod: sni-only
    """
    found = findings(text, "PF5005")
    assert [(line, sev) for line, sev, _, _ in found] == [(22, "warning"), (24, "error")]
    assert "The function must be in region 'us-east-1'" in found[0][3]
    assert "is an ACM certificate in eu-west-1, but it must be in us-east-1" in found[1][3]


def test_regional_api_gateway_domain_takes_its_own_region_certificate():
    text = """\
    Resources:
      Cert: {Type: 'AWS::CertificateManager::Certificate', Properties: {DomainName: api.example.org}}
      Domain:
        Type: AWS::ApiGateway::DomainName
        Properties:
          DomainName: api.example.org
          CertificateArn: !Ref Cert
          EndpointConfiguration: {Types: [REGIONAL]}
    """
    assert findings(text, "PF5005") == []
    edge = text.replace("          EndpointConfiguration: {Types: [REGIONAL]}\n", "")
    assert [sev for _, sev, _, _ in findings(edge, "PF5005")] == ["warning"]
