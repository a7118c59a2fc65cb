"""Decisions per AWS's policy evaluation logic: the outcome and the statements that decide it.

Every case cites the page it comes from and asserts both the outcome and the deciding statements (by Sid and
role), plus what a Depends outcome depends on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from preflight.policy import Decision, Layer, Request, evaluate, parse_policy
from preflight.policy.facts import (
    DOC_BOUNDARY,
    DOC_DENY_ALLOW,
    DOC_EVAL_CROSS_ACCOUNT,
    DOC_EVAL_SINGLE_ACCOUNT,
    DOC_KMS_KEY_POLICY_DEFAULT,
    DOC_KMS_RCP,
    DOC_LOGS_KMS,
    DOC_NOTACTION,
    DOC_NOTPRINCIPAL,
    DOC_NOTRESOURCE,
    DOC_ROLE_TRUST,
    DOC_SCP,
)

from .conftest import (
    ACCOUNT,
    PARTITION,
    REGION,
    UNKNOWN_IMPORT,
    attr,
    aws,
    param,
    ref,
    request,
    service,
    sym,
    yaml_policy,
)

ACCT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
OTHER_ROLE = f"arn:aws:iam::{OTHER}:role/partner"
BUCKET = "arn:aws:s3:::app-logs"
DOC_S3_LOGGING = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html"
DOC_CLOUDTRAIL_BUCKET = (
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html"
)


def identity(*statements: dict[str, object]) -> object:
    return parse_policy(
        {"Version": "2012-10-17", "Statement": list(statements)}, kind="identity", name="RolePolicy"
    )


def resource(kind: str, *statements: dict[str, object], name: str = "") -> object:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, kind=kind, name=name)


def allow(sid: str, action: object, res: object = "*", **extra: object) -> dict[str, object]:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": res, **extra}


def deny(sid: str, action: object, res: object = "*", **extra: object) -> dict[str, object]:
    return {"Sid": sid, "Effect": "Deny", "Action": action, "Resource": res, **extra}


ROOT = {"AWS": sym("arn:", PARTITION, ":iam::", ACCOUNT, ":root")}
KEY_ARN = sym("arn:", PARTITION, ":kms:", REGION, ":", ACCOUNT, ":key/", ref("AppKey"))
APP_ROLE = sym(attr("AppRole.Arn"))


@dataclass(frozen=True)
class Case:
    id: str
    doc: str
    run: Callable[[], Decision]
    outcome: str
    deciding: tuple[tuple[str, str], ...]  # (Sid, role)
    depends: tuple[str, ...] = ()


def same_account_identity_only() -> Decision:
    return evaluate(
        request(aws(ROLE), "s3:GetObject", BUCKET + "/k"), None, [identity(allow("Read", "s3:GetObject"))]
    )


def same_account_bucket_only() -> Decision:
    rp = resource("s3-bucket", allow("RoleRead", "s3:GetObject", BUCKET + "/*", Principal={"AWS": ROLE}))
    return evaluate(request(aws(ROLE), "s3:GetObject", BUCKET + "/k"), rp)


def same_account_bucket_names_account() -> Decision:
    rp = resource("s3-bucket", allow("AccountRead", "s3:GetObject", BUCKET + "/*", Principal={"AWS": ACCT}))
    return evaluate(request(aws(ROLE), "s3:GetObject", BUCKET + "/k"), rp)


def explicit_deny_wins() -> Decision:
    rp = resource("s3-bucket", deny("DenyDelete", "s3:DeleteObject", BUCKET + "/*", Principal="*"))
    return evaluate(
        request(aws(ROLE), "s3:DeleteObject", BUCKET + "/k"), rp, [identity(allow("All", "s3:*"))]
    )


def cross_account(with_identity: bool) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = resource(
            "s3-bucket", allow("Partner", "s3:GetObject", BUCKET + "/*", Principal={"AWS": OTHER_ROLE})
        )
        ids = [identity(allow("PartnerRead", "s3:GetObject", BUCKET + "/*"))] if with_identity else []
        req = request(aws(OTHER_ROLE), "s3:GetObject", BUCKET + "/k")
        return evaluate(req, rp, ids, same_account=False)

    return run


def cross_account_via_account() -> Decision:
    rp = resource(
        "s3-bucket",
        allow(
            "PartnerAccount", "s3:GetObject", BUCKET + "/*", Principal={"AWS": f"arn:aws:iam::{OTHER}:root"}
        ),
    )
    ids = [identity(allow("PartnerRead", "s3:GetObject"))]
    return evaluate(request(aws(OTHER_ROLE), "s3:GetObject", BUCKET + "/k"), rp, ids, same_account=False)


def logging_bucket(source_account: object) -> Callable[[], Decision]:
    """S3 server access logs: the logging service principal writes with aws:SourceAccount."""

    def run() -> Decision:
        rp = resource(
            "s3-bucket",
            allow(
                "S3ServerAccessLogsPolicy",
                "s3:PutObject",
                sym("arn:aws:s3:::", ref("LogBucket"), "/logs/*"),
                Principal={"Service": "logging.s3.amazonaws.com"},
                Condition={"StringEquals": {"aws:SourceAccount": sym(ACCOUNT)}},
            ),
        )
        req = request(
            service("logging.s3.amazonaws.com"),
            "s3:PutObject",
            sym("arn:aws:s3:::", ref("LogBucket"), "/logs/2024-01-01"),
            aws__SourceAccount=source_account,
        )
        return evaluate(req, rp)

    return run


def service_ignores_identity_policies() -> Decision:
    req = request(service("logging.s3.amazonaws.com"), "s3:PutObject", BUCKET + "/logs/x")
    return evaluate(req, resource("s3-bucket"), [identity(allow("All", "s3:*"))])


def cloudtrail_bucket(acl: str | None) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = resource(
            "s3-bucket",
            allow(
                "AWSCloudTrailAclCheck",
                "s3:GetBucketAcl",
                sym("arn:aws:s3:::", ref("TrailBucket")),
                Principal={"Service": "cloudtrail.amazonaws.com"},
            ),
            allow(
                "AWSCloudTrailWrite",
                "s3:PutObject",
                sym("arn:aws:s3:::", ref("TrailBucket"), "/AWSLogs/", ACCOUNT, "/*"),
                Principal={"Service": "cloudtrail.amazonaws.com"},
                Condition={"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            ),
        )
        context = {"s3:x-amz-acl": acl} if acl else {}
        req = request(
            service("cloudtrail.amazonaws.com"),
            "s3:PutObject",
            sym("arn:aws:s3:::", ref("TrailBucket"), "/AWSLogs/", ACCOUNT, "/CloudTrail/x.json.gz"),
        )
        return evaluate(type(req)(req.principal, req.action, req.resource, context), rp)

    return run


def kms(
    key_policy: tuple[dict[str, object], ...],
    ids: tuple[dict[str, object], ...],
    principal: object = APP_ROLE,
) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = resource("kms-key", *key_policy, name="AppKey")
        idp = [identity(*ids)] if ids else []
        return evaluate(request(aws(principal), "kms:Decrypt", KEY_ARN), rp, idp)

    return run


ENABLE_IAM = allow("Enable IAM User Permissions", "kms:*", Principal=ROOT)
ENABLE_IAM_BARE = allow("Bare account id", "kms:*", Principal={"AWS": sym(ACCOUNT)})
ROLE_USES_KEY = allow(
    "Allow use of the key", ["kms:Decrypt", "kms:GenerateDataKey*"], Principal={"AWS": APP_ROLE}
)
ID_DECRYPT = allow("Decrypt", "kms:Decrypt", KEY_ARN)


def logs_key(principal_in_policy: str, requester: object) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = resource(
            "kms-key",
            ENABLE_IAM,
            allow(
                "AllowLogs",
                ["kms:Encrypt*", "kms:GenerateDataKey*"],
                Principal={"Service": principal_in_policy},
            ),
            name="LogsKey",
        )
        return evaluate(request(service(requester), "kms:GenerateDataKey", KEY_ARN), rp)

    return run


def not_principal(listed: list[str]) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = resource("s3-bucket", deny("OnlyApp", "s3:*", BUCKET + "/*", NotPrincipal={"AWS": listed}))
        return evaluate(
            request(aws(ROLE), "s3:GetObject", BUCKET + "/k"), rp, [identity(allow("Read", "s3:GetObject"))]
        )

    return run


def not_action(action: str) -> Callable[[], Decision]:
    def run() -> Decision:
        return evaluate(
            request(aws(ROLE), action, "*"),
            None,
            [identity({"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
        )

    return run


def not_resource(target: str) -> Callable[[], Decision]:
    def run() -> Decision:
        ids = [
            identity(
                allow("All", "s3:*"),
                {
                    "Sid": "OnlyAppBucket",
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "NotResource": [BUCKET, BUCKET + "/*"],
                },
            )
        ]
        return evaluate(request(aws(ROLE), "s3:GetObject", target), None, ids)

    return run


def trust(
    principal: object, statement_principal: dict[str, object], ids: tuple[dict[str, object], ...] = ()
) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Trust",
                        "Effect": "Allow",
                        "Principal": statement_principal,
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            kind="trust",
            name="AppRole",
        )
        idp = [identity(*ids)] if ids else []
        return evaluate(request(principal, "sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/app"), rp, idp)

    return run


def with_scp(scp_statements: tuple[dict[str, object], ...], principal: object) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = resource(
            "s3-bucket",
            allow("Svc", "s3:PutObject", BUCKET + "/*", Principal={"Service": "logging.s3.amazonaws.com"}),
        )
        ids = [identity(allow("Write", "s3:PutObject"))]
        scp = Layer(
            "scp",
            (
                parse_policy(
                    {"Version": "2012-10-17", "Statement": list(scp_statements)}, kind="scp", name="Guardrail"
                ),
            ),
        )
        return evaluate(request(principal, "s3:PutObject", BUCKET + "/x"), rp, ids, extra_layers=[scp])

    return run


def with_boundary(resource_grant: bool) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = resource(
            "s3-bucket",
            *(
                [allow("RoleWrite", "s3:PutObject", BUCKET + "/*", Principal={"AWS": ROLE})]
                if resource_grant
                else []
            ),
        )
        ids = [identity(allow("Write", "s3:PutObject"))]
        boundary = Layer(
            "boundary",
            (
                parse_policy(
                    {"Version": "2012-10-17", "Statement": [allow("ReadOnly", "s3:Get*")]}, kind="boundary"
                ),
            ),
        )
        return evaluate(request(aws(ROLE), "s3:PutObject", BUCKET + "/x"), rp, ids, extra_layers=[boundary])

    return run


def unknown_key_policy() -> Decision:
    rp = parse_policy(UNKNOWN_IMPORT, kind="kms-key", name="Imported")
    return evaluate(request(service("logs.amazonaws.com"), "kms:Encrypt", "*"), rp)


def parameter_bucket(allowed: tuple[str, ...] | None) -> Callable[[], Decision]:
    def run() -> Decision:
        rp = resource(
            "s3-bucket",
            allow(
                "Delivery",
                "s3:PutObject",
                sym("arn:aws:s3:::", param("BucketName", allowed), "/*"),
                Principal={"Service": "delivery.logs.amazonaws.com"},
            ),
        )
        return evaluate(
            request(
                service("delivery.logs.amazonaws.com"), "s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/x"
            ),
            rp,
        )

    return run


def with_rcp(principal: object, org: str | None) -> Callable[[], Decision]:
    """The KMS guide's RCP: deny principals outside the organization, AWS services excepted."""

    def run() -> Decision:
        rcp = parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    allow("RCPFullAWSAccess", "*", Principal="*"),
                    deny(
                        "RCPEnforceIdentityPerimeter",
                        "kms:*",
                        Principal="*",
                        Condition={
                            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-123"},
                            "Bool": {"aws:PrincipalIsAWSService": "false"},
                        },
                    ),
                ],
            },
            kind="rcp",
            name="Perimeter",
        )
        rp = resource("kms-key", allow("Everyone", "kms:Decrypt", Principal="*"), name="SharedKey")
        context = {"aws:PrincipalOrgID": org} if org else {}
        req = Request(principal, "kms:Decrypt", KEY_ARN, context)  # type: ignore[arg-type]
        return evaluate(req, rp, extra_layers=[Layer("rcp", (rcp,))], same_account=False)

    return run


def star_principal_topic() -> Decision:
    """An SNS topic policy open to "*" but scoped by aws:SourceArn admits the S3 service principal."""
    rp = resource(
        "sns-topic",
        allow(
            "S3Events",
            "sns:Publish",
            "arn:aws:sns:us-east-1:111122223333:uploads",
            Principal="*",
            Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}},
        ),
    )
    req = request(
        service("s3.amazonaws.com"),
        "sns:Publish",
        "arn:aws:sns:us-east-1:111122223333:uploads",
        aws__SourceArn="arn:aws:s3:::uploads",
    )
    return evaluate(req, rp)


def deny_on_unknown_condition() -> Decision:
    rp = resource(
        "s3-bucket",
        allow("Read", "s3:GetObject", BUCKET + "/*", Principal={"AWS": ROLE}),
        deny(
            "NotFromVpce",
            "s3:*",
            BUCKET + "/*",
            Principal="*",
            Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
        ),
    )
    req = request(aws(ROLE), "s3:GetObject", BUCKET + "/k", aws__SourceVpce=UNKNOWN_IMPORT)
    return evaluate(req, rp)


CASES = [
    Case(
        "same-account-identity-policy-suffices",
        DOC_EVAL_SINGLE_ACCOUNT,
        same_account_identity_only,
        "Allow",
        (("Read", "allows (identity policy)"),),
    ),
    Case(
        "same-account-resource-policy-suffices",
        DOC_EVAL_SINGLE_ACCOUNT,
        same_account_bucket_only,
        "Allow",
        (("RoleRead", "allows"),),
    ),
    Case(
        "account-principal-delegates-to-iam",
        DOC_EVAL_SINGLE_ACCOUNT,
        same_account_bucket_names_account,
        "ImplicitDeny",
        (),
    ),
    Case(
        "explicit-deny-overrides-allow",
        DOC_DENY_ALLOW,
        explicit_deny_wins,
        "ExplicitDeny",
        (("DenyDelete", "explicitly denies"),),
    ),
    Case(
        "cross-account-needs-identity-policy",
        DOC_EVAL_CROSS_ACCOUNT,
        cross_account(False),
        "ImplicitDeny",
        (("Partner", "allows, but is not enough on its own"),),
    ),
    Case(
        "cross-account-both-allow",
        DOC_EVAL_CROSS_ACCOUNT,
        cross_account(True),
        "Allow",
        (("Partner", "allows"), ("PartnerRead", "allows (identity policy)")),
    ),
    Case(
        "cross-account-via-account-principal",
        DOC_EVAL_CROSS_ACCOUNT,
        cross_account_via_account,
        "Allow",
        (("PartnerAccount", "allows"), ("PartnerRead", "allows (identity policy)")),
    ),
    Case(
        "bucket-policy-service-principal-source-account",
        DOC_S3_LOGGING,
        logging_bucket(sym(ACCOUNT)),
        "Allow",
        (("S3ServerAccessLogsPolicy", "allows"),),
    ),
    Case(
        "bucket-policy-service-principal-other-account",
        DOC_S3_LOGGING,
        logging_bucket(OTHER),
        "Depends",
        (("S3ServerAccessLogsPolicy", "may allow"),),
        ("AWS::AccountId = 444455556666",),
    ),
    Case(
        "bucket-policy-service-principal-no-source-account",
        DOC_S3_LOGGING,
        logging_bucket(None),
        "ImplicitDeny",
        (),
    ),
    Case(
        "service-principal-ignores-identity-policies",
        DOC_EVAL_SINGLE_ACCOUNT,
        service_ignores_identity_policies,
        "ImplicitDeny",
        (),
    ),
    Case(
        "cloudtrail-bucket-policy-with-acl",
        DOC_CLOUDTRAIL_BUCKET,
        cloudtrail_bucket("bucket-owner-full-control"),
        "Allow",
        (("AWSCloudTrailWrite", "allows"),),
    ),
    Case(
        "cloudtrail-bucket-policy-without-acl",
        DOC_CLOUDTRAIL_BUCKET,
        cloudtrail_bucket(None),
        "ImplicitDeny",
        (),
    ),
    Case(
        "kms-root-delegates-to-identity-policy",
        DOC_KMS_KEY_POLICY_DEFAULT,
        kms((ENABLE_IAM,), (ID_DECRYPT,)),
        "Allow",
        (
            ("Enable IAM User Permissions", "delegates to IAM (account principal)"),
            ("Decrypt", "allows (identity policy)"),
        ),
    ),
    Case(
        "kms-bare-account-id-delegates",
        DOC_KMS_KEY_POLICY_DEFAULT,
        kms((ENABLE_IAM_BARE,), (ID_DECRYPT,)),
        "Allow",
        (
            ("Bare account id", "delegates to IAM (account principal)"),
            ("Decrypt", "allows (identity policy)"),
        ),
    ),
    Case(
        "kms-identity-policy-alone-is-not-enough",
        DOC_KMS_KEY_POLICY_DEFAULT,
        kms(
            (ROLE_USES_KEY | {"Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/other"}},), (ID_DECRYPT,), ROLE
        ),
        "ImplicitDeny",
        (("Decrypt", "allows, but is not enough on its own"),),
    ),
    Case(
        "kms-root-without-identity-policy",
        DOC_KMS_KEY_POLICY_DEFAULT,
        kms((ENABLE_IAM,), ()),
        "ImplicitDeny",
        (("Enable IAM User Permissions", "allows, but is not enough on its own"),),
    ),
    Case(
        "kms-key-policy-names-role",
        DOC_KMS_KEY_POLICY_DEFAULT,
        kms((ROLE_USES_KEY,), ()),
        "Allow",
        (("Allow use of the key", "allows"),),
    ),
    Case(
        "kms-regional-request-matches-global-principal",
        DOC_LOGS_KMS,
        logs_key("logs.amazonaws.com", "logs.us-east-1.amazonaws.com"),
        "Allow",
        (("AllowLogs", "allows"),),
    ),
    Case(
        "kms-global-request-matches-regional-principal",
        DOC_LOGS_KMS,
        logs_key("logs.us-west-2.amazonaws.com", "logs.amazonaws.com"),
        "Depends",
        (("AllowLogs", "may allow"),),
        ("AWS::Region = us-west-2",),
    ),
    Case(
        "kms-regional-principal-depends-on-region",
        DOC_LOGS_KMS,
        logs_key("logs.us-west-2.amazonaws.com", sym("logs.", REGION, ".amazonaws.com")),
        "Depends",
        (("AllowLogs", "may allow"),),
        ("AWS::Region = us-west-2",),
    ),
    Case(
        "kms-other-service-not-matched",
        DOC_LOGS_KMS,
        logs_key("logs.amazonaws.com", "cloudtrail.amazonaws.com"),
        "ImplicitDeny",
        (),
    ),
    Case(
        "notprincipal-role-and-account-excluded",
        DOC_NOTPRINCIPAL,
        not_principal([ROLE, f"arn:aws:iam::{ACCT}:root"]),
        "Allow",
        (("Read", "allows (identity policy)"),),
    ),
    Case(
        "notprincipal-role-without-account-denied",
        DOC_NOTPRINCIPAL,
        not_principal([ROLE]),
        "ExplicitDeny",
        (("OnlyApp", "explicitly denies"),),
    ),
    Case(
        "notaction-allows-other-services",
        DOC_NOTACTION,
        not_action("s3:GetObject"),
        "Allow",
        (("AllButIam", "allows (identity policy)"),),
    ),
    Case("notaction-excludes-listed", DOC_NOTACTION, not_action("iam:CreateUser"), "ImplicitDeny", ()),
    Case(
        "notresource-deny-other-bucket",
        DOC_NOTRESOURCE,
        not_resource("arn:aws:s3:::other/k"),
        "ExplicitDeny",
        (("OnlyAppBucket", "explicitly denies"),),
    ),
    Case(
        "notresource-listed-bucket-allowed",
        DOC_NOTRESOURCE,
        not_resource(BUCKET + "/k"),
        "Allow",
        (("All", "allows (identity policy)"),),
    ),
    Case(
        "trust-service-principal",
        DOC_ROLE_TRUST,
        trust(service("lambda.amazonaws.com"), {"Service": "lambda.amazonaws.com"}),
        "Allow",
        (("Trust", "allows"),),
    ),
    Case(
        "trust-other-service",
        DOC_ROLE_TRUST,
        trust(service("ec2.amazonaws.com"), {"Service": "lambda.amazonaws.com"}),
        "ImplicitDeny",
        (),
    ),
    Case(
        "trust-root-needs-identity-policy",
        DOC_ROLE_TRUST,
        trust(aws(f"arn:aws:iam::{ACCT}:role/ci"), {"AWS": f"arn:aws:iam::{ACCT}:root"}),
        "ImplicitDeny",
        (("Trust", "allows, but is not enough on its own"),),
    ),
    Case(
        "trust-root-with-identity-policy",
        DOC_ROLE_TRUST,
        trust(
            aws(f"arn:aws:iam::{ACCT}:role/ci"),
            {"AWS": f"arn:aws:iam::{ACCT}:root"},
            (allow("Assume", "sts:AssumeRole"),),
        ),
        "Allow",
        (("Trust", "delegates to IAM (account principal)"), ("Assume", "allows (identity policy)")),
    ),
    Case(
        "scp-deny-wins",
        DOC_SCP,
        with_scp((allow("All", "*"), deny("NoWrites", "s3:PutObject")), aws(ROLE)),
        "ExplicitDeny",
        (("NoWrites", "explicitly denies"),),
    ),
    Case(
        "scp-without-allow-denies",
        DOC_SCP,
        with_scp((allow("OnlyEc2", "ec2:*"),), aws(ROLE)),
        "ImplicitDeny",
        (("Write", "allows, but is not enough on its own"),),
    ),
    Case(
        "scp-does-not-restrict-service-principals",
        DOC_SCP,
        with_scp((allow("OnlyEc2", "ec2:*"),), service("logging.s3.amazonaws.com")),
        "Allow",
        (("Svc", "allows"),),
    ),
    Case(
        "boundary-caps-identity-allow",
        DOC_BOUNDARY,
        with_boundary(False),
        "ImplicitDeny",
        (("Write", "allows, but is not enough on its own"),),
    ),
    Case(
        "boundary-leaves-resource-grant",
        DOC_BOUNDARY,
        with_boundary(True),
        "Allow",
        (("RoleWrite", "allows"),),
    ),
    Case(
        "unknown-key-policy-depends",
        DOC_KMS_KEY_POLICY_DEFAULT,
        unknown_key_policy,
        "Depends",
        (("", "may deny"), ("", "may allow")),
        ("Fn::ImportValue of 'shared-key-arn'",),
    ),
    Case(
        "parameter-bucket-depends-on-value",
        DOC_EVAL_SINGLE_ACCOUNT,
        parameter_bucket(None),
        "Depends",
        (("Delivery", "may allow"),),
        ("parameter BucketName = my-bucket",),
    ),
    Case(
        "parameter-bucket-allowed-values-decide",
        DOC_EVAL_SINGLE_ACCOUNT,
        parameter_bucket(("my-bucket", "archive")),
        "Depends",
        (("Delivery", "may allow"),),
        ("parameter BucketName = my-bucket",),
    ),
    Case(
        "parameter-bucket-allowed-values-exclude",
        DOC_EVAL_SINGLE_ACCOUNT,
        parameter_bucket(("archive", "audit")),
        "ImplicitDeny",
        (),
    ),
    Case(
        "possible-deny-makes-allow-depend",
        DOC_DENY_ALLOW,
        deny_on_unknown_condition,
        "Depends",
        (("NotFromVpce", "may deny"), ("Read", "allows")),
        ("Fn::ImportValue of 'shared-key-arn'",),
    ),
    Case(
        "rcp-excepts-service-principals",
        DOC_KMS_RCP,
        with_rcp(service("logs.amazonaws.com"), None),
        "Allow",
        (("Everyone", "allows"), ("RCPFullAWSAccess", "allows (layer)")),
    ),
    Case(
        "rcp-denies-outside-organization",
        DOC_KMS_RCP,
        with_rcp(aws(OTHER_ROLE), "o-999"),
        "ExplicitDeny",
        (("RCPEnforceIdentityPerimeter", "explicitly denies"),),
    ),
    Case(
        "rcp-admits-organization",
        DOC_KMS_RCP,
        with_rcp(aws(OTHER_ROLE), "o-123"),
        "ImplicitDeny",
        (
            ("Everyone", "allows, but is not enough on its own"),
            ("RCPFullAWSAccess", "allows, but is not enough on its own"),
        ),
    ),
    Case(
        "star-principal-admits-service-principal",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous",
        star_principal_topic,
        "Allow",
        (("S3Events", "allows"),),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_decisions(case: Case) -> None:
    assert case.doc.startswith("https://docs.aws.amazon.com/")
    decision = case.run()
    assert decision.outcome == case.outcome, decision.reasons
    assert tuple((d.sid or "", d.role) for d in decision.deciding) == case.deciding
    assert decision.depends_on == case.depends


def test_kms_without_delegation_says_why() -> None:
    """The explanation names the missing delegation (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)."""
    decision = kms(
        (ROLE_USES_KEY | {"Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/other"}},), (ID_DECRYPT,), ROLE
    )()
    assert any("does not delegate kms:Decrypt to IAM policies" in r for r in decision.reasons)


def test_deciding_statement_has_its_line() -> None:
    policy = yaml_policy(
        """\
Version: '2012-10-17'
Statement:
  - Sid: Root
    Effect: Allow
    Principal: {AWS: 'arn:aws:iam::111122223333:root'}
    Action: 'kms:*'
    Resource: '*'
  - Sid: Logs
    Effect: Allow
    Principal: {Service: logs.amazonaws.com}
    Action: ['kms:Encrypt*', 'kms:GenerateDataKey*']
    Resource: '*'
    Condition:
      ArnLike: {'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:111122223333:log-group:*'}
""",
        "kms-key",
        "LogsKey",
    )
    req = request(
        service("logs.us-east-1.amazonaws.com"),
        "kms:GenerateDataKey",
        "arn:aws:kms:us-east-1:111122223333:key/k",
    )
    ctx = {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:111122223333:log-group:/app"}
    decision = evaluate(type(req)(req.principal, req.action, req.resource, ctx), policy)
    assert decision.outcome == "Allow"
    [deciding] = decision.deciding
    assert (deciding.sid, deciding.span.line, deciding.condition_keys) == (
        "Logs",
        8,
        ("kms:EncryptionContext:aws:logs:arn",),
    )


def test_near_misses_name_the_failing_element() -> None:
    decision = cloudtrail_bucket(None)()
    assert [(d.sid, d.role) for d in decision.near_misses] == [
        ("AWSCloudTrailWrite", "does not apply: Condition StringEquals s3:x-amz-acl")
    ]


SLR = f"arn:aws:iam::{ACCT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"


def _as_applied(statements: tuple[dict[str, object], ...], principal: str, action: str) -> Decision:
    """--scp FILE as preflight applies it (policy.evaluate.scp_layer), on an identity policy that allows s3:*."""
    from preflight.policy.evaluate import scp_layer

    scp = parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, kind="scp", name="guard.json")
    ids = [identity(allow("All", "s3:*"))]
    return evaluate(request(aws(principal), action, BUCKET + "/x"), None, ids, service="s3",
                    extra_layers=[scp_layer(scp)])


@pytest.mark.parametrize(("statements", "principal", "action", "outcome"), [
    ((deny("NoDelete", "s3:DeleteObject"),), ROLE, "s3:PutObject", "Allow"),
    ((deny("NoDelete", "s3:DeleteObject"),), ROLE, "s3:DeleteObject", "ExplicitDeny"),
    ((allow("OnlyEc2", "ec2:*"), deny("NoDelete", "s3:DeleteObject")), ROLE, "s3:PutObject", "ImplicitDeny"),
    ((deny("NoS3", "s3:*"),), SLR, "s3:PutObject", "Allow"),
], ids=["deny-list-stands-on-full-aws-access", "deny-list-still-denies", "allow-list-replaces-full-aws-access",
        "service-linked-role-not-restricted"])
def test_scp_file_as_aws_applies_it(statements: tuple[dict[str, object], ...], principal: str, action: str,
                                    outcome: str) -> None:
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
    assert _as_applied(statements, principal, action).outcome == outcome
