"""Permission checks: AWS services writing into the template's S3 buckets or publishing to its topics and queues.

The requests come from the service knowledge base (preflight/services/integrations.yaml) and are replayed
against the bucket, topic or queue policy of the template with the policy evaluator. Facts from templates that
deployed settle what the documentation leaves open: a bucket with ACLs disabled accepts the
bucket-owner-full-control ACL that CloudTrail sends; CloudTrail needs no s3:GetBucketLocation; the log delivery
service principal of Elastic Load Balancing works in the Regions that also have an ELB account.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight import data
from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.policy.evaluate import Principal
from preflight.resolve.values import Symbol, Symbolic, Unknown
from preflight.services import integration
from preflight.services.notifications import TYPES as NOTIFYING_TYPES
from preflight.services.replay import (
    Actor,
    Verdict,
    Workspace,
    foreign_actor,
    is_true,
    key_prefix,
    replay,
    report,
    workspace,
)
from preflight.source.nodes import child_span
from preflight.source.span import Span

RULES: tuple[Rule, ...] = (
    Rule(
        "PF6201",
        "cloudtrail-bucket-policy",
        "The bucket policy does not let CloudTrail deliver the trail's logs",
        "bucket-policy-service",
        "error",
        "safe",
    ),
    Rule(
        "PF6202",
        "elb-access-logs-bucket-policy",
        "The bucket policy does not let Elastic Load Balancing write access logs",
        "bucket-policy-service",
        "error",
        "safe",
    ),
    Rule(
        "PF6203",
        "config-delivery-bucket-policy",
        "The bucket policy does not let AWS Config deliver",
        "bucket-policy-service",
        "error",
        "safe",
    ),
    Rule(
        "PF6204",
        "flow-logs-bucket-deny",
        "The bucket policy denies the VPC Flow Logs delivery service",
        "bucket-policy-service",
        "error",
    ),
    Rule(
        "PF6205",
        "cloudfront-logs-bucket-acl",
        "CloudFront standard logs need a bucket with ACLs enabled",
        "bucket-policy-service",
        "error",
    ),
    Rule(
        "PF6206",
        "s3-notification-destination-policy",
        "The topic or queue policy does not let S3 send the bucket's event notifications",
        "bucket-policy-service",
        "error",
        "safe",
    ),
    Rule(
        "PF6207",
        "cloudtrail-topic-policy",
        "The topic policy does not let CloudTrail publish notifications",
        "bucket-policy-service",
        "error",
        "safe",
    ),
    Rule(
        "PF6208",
        "second-resource-policy",
        "Two policies for one bucket, queue or topic: the one written last replaces the other",
        "bucket-policy-service",
        "warning",
        phase="runtime",
    ),
)

_BUCKET = ("AWS::S3::Bucket",)
_SSE_UNKNOWN = "whether CloudTrail sends the x-amz-server-side-encryption header"


# --- CloudTrail ------------------------------------------------------------------------------------------------
def check_trail_bucket(ctx: Context, trail: Resource) -> Iterator[Finding]:
    """CreateTrail checks the bucket policy: InsufficientS3BucketPolicyException (ct-s3)."""
    ws = workspace(ctx)
    facts = integration("cloudtrail-trail-bucket")
    encrypted = "KMSKeyId" in trail.properties
    bindings = {
        "Prefix": key_prefix(ws.resolve(trail.properties.get("S3KeyPrefix"))),
        "TrailEncryption": "aws:kms" if encrypted else Unknown(_SSE_UNKNOWN),
    }
    for bucket in ws.referenced(trail, "S3BucketName", types=_BUCKET):
        verdict = replay(ws, facts, trail, bucket, bindings=bindings)
        if verdict.failed:
            yield report(
                ctx,
                "PF6201",
                facts,
                verdict,
                source=trail,
                target=bucket,
                span=trail.prop_span("S3BucketName"),
                bindings=bindings,
            )


def check_trail_topic(ctx: Context, trail: Resource) -> Iterator[Finding]:
    ws = workspace(ctx)
    facts = integration("cloudtrail-trail-topic")
    for topic in ws.referenced(trail, "SnsTopicName", types=("AWS::SNS::Topic",)):
        verdict = replay(ws, facts, trail, topic)
        if verdict.failed:
            yield report(
                ctx,
                "PF6207",
                facts,
                verdict,
                source=trail,
                target=topic,
                span=trail.prop_span("SnsTopicName"),
            )


# --- Elastic Load Balancing access logs --------------------------------------------------------------------------
def _attributes(lb: Resource) -> dict[str, tuple[int, Any]]:
    items = lb.properties.get("LoadBalancerAttributes")
    out: dict[str, tuple[int, Any]] = {}
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("Key"), str):
                out[item["Key"]] = (index, item.get("Value"))
    return out


def access_log_target(ws: Workspace, lb: Resource) -> tuple[Resource, Any, Span] | None:
    """(bucket, prefix, span) when an ALB or CLB writes access logs to a bucket of the template."""
    if lb.type == "AWS::ElasticLoadBalancing::LoadBalancer":
        policy = lb.properties.get("AccessLoggingPolicy")
        if not isinstance(policy, dict) or not is_true(ws.resolve(policy.get("Enabled"))):
            return None
        buckets = ws.referenced(lb, "AccessLoggingPolicy", "S3BucketName", types=_BUCKET)
        prefix = key_prefix(ws.resolve(policy.get("S3BucketPrefix")))
        return (buckets[0], prefix, lb.prop_span("AccessLoggingPolicy")) if buckets else None
    if str(ws.resolve(lb.properties.get("Type", "application"))) != "application":
        return None  # NLB and GWLB logs go through the log delivery service (vended logs), not checked here
    attributes = _attributes(lb)
    enabled = attributes.get("access_logs.s3.enabled")
    where = attributes.get("access_logs.s3.bucket")
    if enabled is None or where is None or not is_true(ws.resolve(enabled[1])):
        return None
    buckets = ws.referenced(lb, "LoadBalancerAttributes", where[0], types=_BUCKET)
    prefix = attributes.get("access_logs.s3.prefix")
    bound = key_prefix(ws.resolve(prefix[1])) if prefix else ""
    span = lb.properties["LoadBalancerAttributes"].item_span(where[0])
    return (buckets[0], bound, span) if buckets else None


def check_elb_logs_bucket(ctx: Context, lb: Resource) -> Iterator[Finding]:
    """ELB "validates the S3 bucket and creates a test file" when logging is enabled (alb-logs, clb-logs)."""
    ws = workspace(ctx)
    found = access_log_target(ws, lb)
    if found is None:
        return
    bucket, prefix, span = found
    facts = integration("elb-access-logs-bucket")
    bindings = {"Prefix": prefix}
    scenarios = ws.scenarios(lb, bucket)
    verdict = replay(ws, facts, lb, bucket, bindings=bindings, scenarios=scenarios)
    if not verdict.failed:
        return
    allowed, possible = _regions_allowed(ws, facts, lb, bucket, bindings, scenarios)
    if allowed is True:
        return
    finding = report(ctx, "PF6202", facts, verdict, source=lb, target=bucket, span=span, bindings=bindings)
    if allowed or possible:
        regions = ", ".join(sorted(allowed or possible))
        how = "allows" if allowed else "may allow (it depends on values known only at deploy time)"
        message = (
            f"{finding.message}; the policy {how} the Elastic Load Balancing account of {regions} only, "
            f"so it works only when the stack is deployed there (pin --region to decide)"
        )
        yield ctx.finding(
            "PF6202",
            span,
            message,
            resource=lb.logical_id,
            related=finding.related,
            fix=finding.fix,
            severity="warning",
            notes=finding.notes,
        )
        return
    yield finding


def _regions_allowed(
    ws: Workspace, facts: Any, lb: Resource, bucket: Resource, bindings: dict[str, Any], scenarios: list[Any]
) -> tuple[bool | list[str], list[str]]:
    """Whether the deployment Region's ELB account may write (True), else the Regions whose ELB account the
    policy allows, and those it may allow."""
    region = ws.pseudo("AWS::Region")
    partition = ws.pseudo("AWS::Partition")
    regions = [region] if isinstance(region, str) else sorted(data.regions())
    allowed: list[str] = []
    possible: list[str] = []
    for name in regions:
        account = data.elb_account_id(name)
        if account is None:
            continue
        arn = Symbolic.of(
            [
                "arn:",
                *(partition.parts if isinstance(partition, Symbolic) else [partition]),
                f":iam::{account}:root",
            ]
        )
        actor = foreign_actor(arn, f"the Elastic Load Balancing account of {name}")
        verdict = replay(ws, facts, lb, bucket, bindings=bindings, actor=actor, scenarios=scenarios)
        if not verdict.failed:
            allowed.append(name)
        elif verdict.culprit is not None and verdict.culprit.undecided:
            possible.append(name)
    if isinstance(region, str):
        return bool(allowed), possible
    return allowed, possible


# --- AWS Config ----------------------------------------------------------------------------------------------------
def check_config_bucket(ctx: Context, channel: Resource) -> Iterator[Finding]:
    """PutDeliveryChannel checks that Config can write to the bucket (cfg-s3): as the recorder's role, or as the
    service principal. Only a denial of both is certain; the role's AWS managed policies are not known offline."""
    ws = workspace(ctx)
    facts = integration("config-delivery-bucket")
    prefix_value = ws.resolve(channel.properties.get("S3KeyPrefix"))
    bindings = {
        "Prefix": key_prefix(prefix_value),
        "PrefixOrNull": prefix_value if isinstance(prefix_value, str) and prefix_value else "null",
    }
    for bucket in ws.referenced(channel, "S3BucketName", types=_BUCKET):
        verdict = replay(ws, facts, channel, bucket, bindings=bindings)
        if not verdict.failed:
            continue
        role_verdict = _recorder_role_verdict(ws, facts, channel, bucket, bindings)
        if role_verdict is not None and not role_verdict.failed:
            continue
        if role_verdict is None or role_verdict.severity == "warning":
            verdict = Verdict("warning", verdict.culprit, verdict.others, verdict.only_when)
        yield report(
            ctx,
            "PF6203",
            facts,
            verdict,
            source=channel,
            target=bucket,
            span=channel.prop_span("S3BucketName"),
            bindings=bindings,
        )


def _recorder_role_verdict(
    ws: Workspace, facts: Any, channel: Resource, bucket: Resource, bindings: dict[str, Any]
) -> Verdict | None:
    """The recorder role's own attempt (same account: its identity policies may allow it); None when the
    template has no recorder with a role of its own."""
    for recorder in ws.template.of_type("AWS::Config::ConfigurationRecorder"):
        for role in ws.referenced(recorder, "RoleARN", types=("AWS::IAM::Role",)):
            identity = ws.identity_policies(role)
            known = identity.complete_for("s3:PutObject")
            actor = Actor(Principal("aws", ws.arn(role.logical_id)), identity.policies if known else None)
            return replay(ws, facts, channel, bucket, bindings=bindings, actor=actor)
    return None


# --- VPC Flow Logs -----------------------------------------------------------------------------------------------
def check_flow_log_bucket(ctx: Context, flow_log: Resource) -> Iterator[Finding]:
    """AWS attaches the delivery statement itself when it can (vpc-s3): only an explicit Deny decides."""
    ws = workspace(ctx)
    if str(ws.resolve(flow_log.properties.get("LogDestinationType"))) != "s3":
        return
    facts = integration("flow-log-bucket")
    for bucket in ws.referenced(flow_log, "LogDestination", types=_BUCKET):
        verdict = replay(ws, facts, flow_log, bucket)
        if verdict.failed:
            yield report(
                ctx,
                "PF6204",
                facts,
                verdict,
                source=flow_log,
                target=bucket,
                span=flow_log.prop_span("LogDestination"),
            )


# --- CloudFront standard logs ----------------------------------------------------------------------------------------
_ACL_ENABLED = ("BucketOwnerPreferred", "ObjectWriter")


def check_cloudfront_log_bucket(ctx: Context, distribution: Resource) -> Iterator[Finding]:
    """CloudFront standard logging writes with an ACL: "you will need to enable S3 ACLs for new S3 buckets being
    used for CloudFront standard logs" (cf-logs); every deployed template enables them (corpus)."""
    ws = workspace(ctx)
    config = distribution.properties.get("DistributionConfig")
    if not isinstance(config, dict) or not isinstance(config.get("Logging"), dict):
        return
    for bucket in ws.referenced(distribution, "DistributionConfig", "Logging", "Bucket", types=_BUCKET):
        ownership = _object_ownership(ws, bucket)
        if ownership is None or ownership in _ACL_ENABLED or not isinstance(ownership, str):
            continue
        state = "ObjectOwnership BucketOwnerEnforced" if ownership == "BucketOwnerEnforced" else ownership
        message = (
            f"Invalid request provided: AWS::CloudFront::Distribution: The S3 bucket that you specified for "
            f"CloudFront logs does not enable ACL access: {bucket.logical_id} has {state} (ACLs disabled). "
            f"Set OwnershipControls ObjectOwnership to BucketOwnerPreferred on {bucket.logical_id}"
        )
        span = child_span(config, "Logging", distribution.prop_span("DistributionConfig"))
        yield ctx.finding(
            "PF6205", span, message, resource=distribution.logical_id, related=[bucket.logical_id]
        )


def _object_ownership(ws: Workspace, bucket: Resource) -> Any:
    """The bucket's Object Ownership; without OwnershipControls new buckets have ACLs disabled (s3-own)."""
    controls = ws.resolve(bucket.properties.get("OwnershipControls"))
    if controls is None:
        return "BucketOwnerEnforced (the default for new buckets)"
    rules = controls.get("Rules") if isinstance(controls, dict) else None
    if isinstance(rules, list) and rules and isinstance(rules[0], dict):
        return rules[0].get("ObjectOwnership")
    return None


# --- S3 event notifications to SNS and SQS -------------------------------------------------------------------------
_DESTINATIONS = (
    ("topic", "AWS::SNS::Topic", "s3-notification-topic"),
    ("queue", "AWS::SQS::Queue", "s3-notification-queue"),
)


def check_notification_policies(ctx: Context, resource: Resource) -> Iterator[Finding]:
    """S3 sends a test notification when the configuration is put (s3-api-notif), whether the bucket's own
    property or CDK's Custom::S3BucketNotifications puts it (services/notifications.py)."""
    from preflight.services.notifications import PROPERTY, notifications

    ws = workspace(ctx)
    found = notifications(ws, resource)
    if found is None:
        return
    for kind, rtype, ident in _DESTINATIONS:
        facts = integration(ident)
        section = found.section(kind)
        for target in ws.referenced(resource, PROPERTY, section, types=(rtype,)):
            scenarios = ws.linked_scenarios(resource, target, PROPERTY)
            verdict = replay(ws, facts, found.bucket, target, scenarios=scenarios)
            span = child_span(found.config, section, resource.prop_span(PROPERTY))
            if not verdict.failed:
                continue
            finding = report(ctx, "PF6206", facts, verdict, source=found.bucket, target=target, span=span)
            if resource is not found.bucket:  # the finding belongs to the resource that writes the configuration
                finding = finding._replace(resource=resource.logical_id, construct_path=resource.construct_path,
                                           related=tuple(dict.fromkeys((found.bucket.logical_id, *finding.related))))
            if not found.validated and finding.severity == "error":
                finding = finding._replace(severity="warning", phase="runtime", message=finding.message + (
                    " (SkipDestinationValidation is set: the stack deploys, and no notification is delivered)"))
            yield finding
    # Ordering (the policy must exist before S3 tests the destination): checks/ordering.py PF2002.


def check_second_policy(ctx: Context) -> Iterator[Finding]:
    """Two AWS::S3::BucketPolicy on one bucket (or two queue / topic policies on one queue / topic): the service
    keeps one policy per target and each resource writes it whole, so one of them is lost at deploy time (which
    one depends on the order CloudFormation happens to create them in)."""
    from preflight.data.quotas import single_policy_types
    from preflight.resolve.scenarios import DEFAULT

    for kind in single_policy_types():
        holders = ctx.template.of_type(kind.type_name)
        if len(holders) < 2:
            continue
        conditional = any(h.condition for h in holders)
        scenarios = ctx.resolver.scenarios.scenarios if conditional else (DEFAULT,)
        reported: set[tuple[str, str]] = set()
        for scenario in scenarios:
            by_target: dict[Any, list[Resource]] = {}
            for holder in sorted(holders, key=lambda r: r.key_span.start):
                if not ctx.resolver.active(holder, scenario):
                    continue
                for target in _policy_targets(ctx, holder, kind.target, scenario):
                    by_target.setdefault(target, []).append(holder)
            for target, group in by_target.items():
                first, second = group[0], group[1] if len(group) > 1 else None
                if second is None or (first.logical_id, second.logical_id) in reported:
                    continue
                reported.add((first.logical_id, second.logical_id))
                yield ctx.finding(
                    "PF6208", second.key_span,
                    f"{second.logical_id} and {first.logical_id} (line {first.key_span.line}) both set the policy of "
                    f"the {kind.what} {_show_target(target)}: a {kind.what} has one resource policy and each "
                    f"{kind.type_name} writes it whole ({kind.api} replaces the existing policy), so whichever "
                    f"CloudFormation creates last wins and the other's statements are silently lost; merge their "
                    f"statements into one PolicyDocument (see {kind.doc_url})",
                    resource=second.logical_id, related=[h.logical_id for h in group])


def _policy_targets(ctx: Context, holder: Resource, prop: str, scenario: Any) -> list[Any]:
    """The buckets, queues or topics a policy resource names, as comparable values (a Ref's target resolves to
    the same value as a literal name or ARN of it); unknown ones are left out."""
    value = ctx.resolver.resolve(holder.properties.get(prop), scenario)
    items = value if isinstance(value, list) else [value]
    return list(dict.fromkeys(i for i in items if isinstance(i, (str, Symbolic, Symbol)) and i))


def _show_target(target: Any) -> str:
    text = str(target)
    return text if len(text) <= 80 else text[:77] + "..."


CHECKS: tuple[Check, ...] = (
    Check(check_second_policy, ("PF6208",)),
    Check(check_trail_bucket, ("PF6201",), types=("AWS::CloudTrail::Trail",)),
    Check(check_trail_topic, ("PF6207",), types=("AWS::CloudTrail::Trail",)),
    Check(
        check_elb_logs_bucket,
        ("PF6202",),
        types=("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"),
    ),
    Check(check_config_bucket, ("PF6203",), types=("AWS::Config::DeliveryChannel",)),
    Check(check_flow_log_bucket, ("PF6204",), types=("AWS::EC2::FlowLog",)),
    Check(check_cloudfront_log_bucket, ("PF6205",), types=("AWS::CloudFront::Distribution",)),
    Check(check_notification_policies, ("PF6206",), types=NOTIFYING_TYPES),
)
