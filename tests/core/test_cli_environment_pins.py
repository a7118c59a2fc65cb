"""Pins that come from outside the template: a cdk.out manifest's environment, the deploying role (--role-arn),
service control policies (--scp) applied as AWS applies them."""

from __future__ import annotations

import json
import pathlib

import pytest

from preflight.cli import main

ACCOUNT = "123412341234"
KEY_AND_LOG_GROUP = {"Resources": {
    "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
         "Action": "kms:*", "Resource": "*"}]}}},
    "Logs": {"Type": "AWS::Logs::LogGroup",
             "Properties": {"LogGroupName": "app", "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}}}}


def _assembly(tmp_path: pathlib.Path, environment: str) -> pathlib.Path:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    (assembly / "Stack.template.json").write_text(json.dumps(KEY_AND_LOG_GROUP))
    (assembly / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"Stack": {
        "type": "aws:cloudformation:stack", "environment": environment,
        "properties": {"templateFile": "Stack.template.json"}}}}))
    return assembly


def _log_group_arn(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["check", "--format", "json", "--select", "PF6101", *argv]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    return str(finding["message"].split("Arn '")[1].split("'")[0])


@pytest.mark.parametrize(("environment", "argv", "arn"), [
    (f"aws://{ACCOUNT}/eu-west-1", (), f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:app"),
    (f"aws://{ACCOUNT}/eu-west-1", ("--region", "us-east-2"), f"arn:aws:logs:us-east-2:{ACCOUNT}:log-group:app"),
    (f"aws://{ACCOUNT}/eu-west-1", ("--account-id", "999988887777"), "arn:aws:logs:eu-west-1:999988887777:log-group:app"),
    ("aws://unknown-account/unknown-region", (), "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:app"),
    (f"aws://{ACCOUNT}/unknown-region", (), f"arn:aws:logs:${{AWS::Region}}:{ACCOUNT}:log-group:app"),
    ("aws://unknown-account/cn-north-1", (), "arn:aws-cn:logs:cn-north-1:${AWS::AccountId}:log-group:app"),
], ids=["manifest-pins-both", "command-line-region-wins", "command-line-account-wins", "environment-agnostic",
        "account-only", "china-region-sets-partition"])
def test_cdk_out_environment_pins_account_and_region(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str],
                                                     environment: str, argv: tuple[str, ...], arn: str) -> None:
    assembly = _assembly(tmp_path, environment)
    assert _log_group_arn(capsys, str(assembly), *argv) == arn


def test_cdk_out_environment_does_not_pin_a_template_checked_on_its_own(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    assembly = _assembly(tmp_path, f"aws://{ACCOUNT}/eu-west-1")
    arn = _log_group_arn(capsys, str(assembly / "Stack.template.json"))
    assert arn == "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:app"


def test_diagnose_reads_the_cdk_out_environment(tmp_path: pathlib.Path) -> None:
    from preflight.diagnose.command import read_templates
    from preflight.resolve.pins import Pins

    assembly = _assembly(tmp_path, f"aws://{ACCOUNT}/eu-west-1")
    (template,) = read_templates(None, str(assembly), Pins())
    finding = next(f for f in template.findings if f.code == "PF6101")
    assert f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:app" in finding.message


READ_ROLE = """
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  ReadPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: read
      Roles: [!Ref AppRole]
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
"""


@pytest.mark.parametrize(("statements", "principal", "action", "decision"), [
    ([{"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
     f"arn:aws:iam::{ACCOUNT}:role/app", "s3:GetObject", "Allow"),
    ([{"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
     f"arn:aws:iam::{ACCOUNT}:role/app", "s3:DeleteBucket", "ExplicitDeny"),
    ([{"Sid": "OnlyEc2", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
     f"arn:aws:iam::{ACCOUNT}:role/app", "s3:GetObject", "ImplicitDeny"),
    ([{"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
     f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway",
     "s3:GetObject", "Allow"),
], ids=["deny-list-on-full-aws-access", "deny-list-denies", "allow-list-replaces-full-aws-access",
        "service-linked-role-exempt"])
def test_scp_file_applied_as_aws_applies_it(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str],
                                            statements: list[dict[str, str]], principal: str, action: str,
                                            decision: str) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(READ_ROLE)
    scp = tmp_path / "guard.json"
    scp.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    main(["explain-policy", str(template), "--resource", "ReadPolicy", "--principal", principal, "--action", action,
          "--on", "arn:aws:s3:::data/x", "--scp", str(scp)])
    assert capsys.readouterr().out.split("\n")[0].split(" (")[0] == f"Decision: {decision}"


VOLUME = """
Resources:
  VolumeKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: DeployerUse
            Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Deployer"}
            Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
            Resource: "*"
            Condition: {StringEquals: {"kms:ViaService": !Sub "ec2.${AWS::Region}.amazonaws.com"}}
  Volume:
    Type: AWS::EC2::Volume
    Properties:
      AvailabilityZone: !Select [0, !GetAZs ""]
      Size: 10
      Encrypted: true
      KmsKeyId: !GetAtt VolumeKey.Arn
"""


@pytest.mark.parametrize(("argv", "expected"), [
    ((), [("warning", "deploy")]),
    (("--role-arn", f"arn:aws:iam::{ACCOUNT}:role/Other"), [("error", None)]),
    (("--role-arn", f"arn:aws:iam::{ACCOUNT}:role/Deployer", "--account-id", ACCOUNT), []),
    (("--role-arn", f"arn:aws:iam::{ACCOUNT}:role/Deployer"), []),  # the key policy's account is not known: unknown
], ids=["unpinned-depends", "other-role-denied", "named-role-allowed", "account-unknown-stays-silent"])
def test_role_arn_decides_the_deployers_key_use(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str],
                                                argv: tuple[str, ...], expected: list[tuple[str, str | None]]) -> None:
    template = tmp_path / "volume.yaml"
    template.write_text(VOLUME)
    code = main(["check", "--format", "json", "--select", "PF6520", "--fail-on", "warning", str(template), *argv])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["severity"], f.get("phase")) for f in findings] == expected
    assert code == (1 if expected else 0)
    if expected and expected[0][0] == "error":
        assert findings[0]["message"].startswith(
            f"Volume (an encrypted EBS volume under VolumeKey) fails to create: ec2 uses the key as the principal that "
            f"deploys the stack, and arn:aws:iam::{ACCOUNT}:role/Other -> kms:CreateGrant on ")
        assert (findings[0]["line"], findings[0]["column"], findings[0]["resource"]) == (21, 17, "Volume")


def test_role_arn_must_be_an_iam_arn(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "volume.yaml"
    template.write_text(VOLUME)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(template), "--role-arn", "Deployer"])
    assert exit_info.value.code == 2
    assert "expected an IAM role ARN" in capsys.readouterr().err


def test_scp_requiring_encryption_denies_a_cdk_bucket_deployment(tmp_path: pathlib.Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """https://github.com/aws-samples/sample-well-architected-acceleration-with-generative-ai/issues/13: the
    Custom::CDKBucketDeployment's `aws s3 sync` is refused "with an explicit deny in a service control policy" that
    requires server-side encryption; setting the deployment's ServerSideEncryption fixed it. The SCP is a deny-list
    file: it stands on FullAWSAccess, so only its Deny matters."""
    from tests.conftest import ROOT

    golden = pathlib.Path(ROOT, "tests", "golden", "PF6522_cdk-bucket-deployment-denied", "passing.yaml")
    without_policy = golden.read_text(encoding="utf-8").replace("    DependsOn: [SiteBucketPolicy]\n", "")
    start = without_policy.index("  SiteBucketPolicy:")
    without_policy = without_policy[:start] + without_policy[without_policy.index("  HandlerRole:"):]
    failing = tmp_path / "failing.yaml"
    failing.write_text(without_policy.replace("      ServerSideEncryption: aws:kms\n", ""))
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(without_policy)
    scp = tmp_path / "require-sse.json"
    scp.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyUnencryptedUploads", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}}]}))
    argv = ["check", "--format", "json", "--select", "PF6522", "--scp", str(scp)]
    assert main([*argv, str(failing)]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["resource"] == "DeployWebsite" and finding["severity"] == "error"
    assert ('statement 1 "DenyUnencryptedUploads" of the service control policy require-sse.json denies it'
            in finding["message"])
    assert "set ServerSideEncryption" in finding["message"]
    assert main([*argv, str(fixed)]) == 0
    assert main(["check", "--format", "json", "--select", "PF6522", str(failing)]) == 0  # no SCP: nothing denies
