"""Templates that a packaging step rewrites before CloudFormation sees them (`aws cloudformation package`, rain):
one PF0031 that names the step and where, and none of the findings the unpackaged values would cause."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import run

ROLE = textwrap.dedent("""\
      Role:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Principal: {Service: [lambda.amazonaws.com, glue.amazonaws.com]},
                         Action: sts:AssumeRole}]
    """)


def _template(body: str, transform: str = "") -> str:
    head = f"Transform: {transform}\n" if transform else ""
    return head + "Resources:\n" + textwrap.indent(ROLE + textwrap.dedent(body), "  ")


LOCAL = """\
    Fn:
      Type: AWS::Lambda::Function
      Properties:
        Runtime: python3.12
        Handler: app.handler
        Role: !GetAtt Role.Arn
        Code: ./src
    Api:
      Type: AWS::ApiGateway::RestApi
      Properties:
        BodyS3Location: api/openapi.yaml
    Job:
      Type: AWS::Glue::Job
      Properties:
        Role: !GetAtt Role.Arn
        Command: {Name: glueetl, ScriptLocation: scripts/job.py}
    Nested:
      Type: AWS::CloudFormation::Stack
      Properties:
        TemplateURL: https://s3.amazonaws.com/bucket/nested.yaml
"""


@pytest.mark.parametrize(("transform", "runner"), [
    ("", "`aws cloudformation package`"),
    ("AWS::Serverless-2016-10-31", "`sam package` or `sam deploy`"),
], ids=["plain", "sam"])
def test_local_artifacts_are_one_finding_naming_the_package_step(transform: str, runner: str) -> None:
    findings = run(_template(LOCAL, transform))
    assert [(f.code, f.severity, f.span.line, f.span.column) for f in findings] == [
        ("PF0031", "warning", 15 + bool(transform), 13)]
    assert (f"by {runner}, which uploads local files and folders to S3, for the local path ./src of Fn.Code "
            f"(line {15 + bool(transform)} and 2 more)") in findings[0].message


def test_packaged_template_is_clean() -> None:
    packaged = (LOCAL.replace("Code: ./src", "Code: {S3Bucket: artifacts, S3Key: fn.zip}")
                .replace("BodyS3Location: api/openapi.yaml", "BodyS3Location: {Bucket: artifacts, Key: api.yaml}")
                .replace("ScriptLocation: scripts/job.py", "ScriptLocation: s3://artifacts/job.py"))
    assert run(_template(packaged)) == []


def test_rain_directives_written_as_keys_are_rain_s_too() -> None:
    template = textwrap.dedent("""\
        Rain:
          Constants: {Prefix: app}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              DisplayName:
                Rain::Embed: display.txt
              Tags:
                - Key: owner
                  Value: {"Rain::Env": OWNER}
        """)
    findings = run(template)
    assert [(f.code, f.span.line) for f in findings] == [("PF0031", 1)]
    assert "rain (`rain pkg` or `rain deploy`), for Rain (line 1 and 2 more)" in findings[0].message
