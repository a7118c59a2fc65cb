"""Permission checks: AWS services that use a customer managed KMS key of the template.

Each check finds, from the service knowledge base (preflight/services/integrations.yaml), the key a service
uses for a resource, replays the service's requests against the key policy with the policy evaluator, and
reports the request that fails with the statement that decides and the documented statement to add.
Services that act with the caller's identity (Secrets Manager, RDS, DynamoDB, SNS topics, Lambda environment
encryption) need no service principal in the key policy when the default account-root statement is there
(corpus: /work/shared/reference/README.md), so they are not checked here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.policy.evaluate import Principal
from preflight.resolve.values import render
from preflight.services import integration
from preflight.services.replay import (
    Actor,
    Workspace,
    as_text,
    bind,
    bucket_encryption,
    is_kms_algorithm,
    replay,
    report,
    workspace,
)

RULES: tuple[Rule, ...] = (
    Rule(
        "PF6101",
        "logs-key-policy",
        "The key policy does not let CloudWatch Logs use the log group's key",
        "kms-service-access",
        "error",
        "safe",
    ),
    Rule(
        "PF6102",
        "cloudtrail-key-policy",
        "The key policy does not let CloudTrail encrypt the trail's logs",
        "kms-service-access",
        "error",
        "safe",
    ),
    Rule(
        "PF6103",
        "autoscaling-ebs-key-policy",
        "The key policy does not let the Auto Scaling service-linked role use the EBS volumes' key",
        "kms-service-access",
        "warning",
        "safe",
        phase="runtime",
    ),
    Rule(
        "PF6104",
        "elb-logs-kms-bucket",
        "ELB access logs go to a bucket encrypted with a KMS key",
        "kms-service-access",
        "error",
    ),
    Rule(
        "PF6105",
        "writer-bucket-key",
        "A service writes into a bucket whose default KMS key does not allow it",
        "kms-service-access",
        "warning",
        "safe",
        phase="runtime",
    ),
    Rule(
        "PF6106",
        "encrypted-destination-key",
        "A service publishes to an encrypted topic or queue whose key does not allow it",
        "kms-service-access",
        "warning",
        "safe",
        phase="runtime",
    ),
)

_KEY = ("AWS::KMS::Key",)


def check_log_group_key(ctx: Context, group: Resource) -> Iterator[Finding]:
    """CloudWatch Logs checks the key when the log group is created with KmsKeyId (cwl-kms)."""
    ws = workspace(ctx)
    facts = integration("logs-log-group-key")
    for key in ws.referenced(group, "KmsKeyId", types=_KEY):
        verdict = replay(ws, facts, group, key)
        if verdict.failed:
            yield report(
                ctx, "PF6101", facts, verdict, source=group, target=key, span=group.prop_span("KmsKeyId")
            )


def check_trail_key(ctx: Context, trail: Resource) -> Iterator[Finding]:
    """CloudTrail sends GenerateDataKey to verify the key when the trail is created (kms-ct)."""
    ws = workspace(ctx)
    facts = integration("cloudtrail-trail-key")
    for key in ws.referenced(trail, "KMSKeyId", types=_KEY):
        verdict = replay(ws, facts, trail, key, bindings={"Bucket": _bucket_name(ws, trail)})
        if verdict.failed:
            yield report(
                ctx,
                "PF6102",
                facts,
                verdict,
                source=trail,
                target=key,
                span=trail.prop_span("KMSKeyId"),
                bindings={"Bucket": _bucket_name(ws, trail)},
            )


def _bucket_name(ws: Workspace, trail: Resource) -> object:
    node = trail.properties.get("S3BucketName")
    return ws.resolve(node) if node is not None else ""


# --- PF6103: Auto Scaling and EBS ------------------------------------------------------------------------------
def _launch_templates(ws: Workspace, group: Resource) -> list[Resource]:
    found = ws.referenced(group, "LaunchTemplate", types=("AWS::EC2::LaunchTemplate",))
    found += ws.referenced(group, "MixedInstancesPolicy", types=("AWS::EC2::LaunchTemplate",))
    return list({r.logical_id: r for r in found}.values())


def check_autoscaling_key(ctx: Context, group: Resource) -> Iterator[Finding]:
    """EC2 Auto Scaling launches instances as its service-linked role, whose permissions "do not include access
    to your customer managed keys" (asg-kms): the volumes' key policy must allow it. Instances then fail to
    launch after the stack is created (asg-ts): a warning."""
    ws = workspace(ctx)
    facts = integration("autoscaling-ebs-key")
    actor = None
    role = ws.resolve(group.properties.get("ServiceLinkedRoleARN"))
    if role is not None:
        actor = Actor(Principal("aws", as_text(role)), ())
    for template in _launch_templates(ws, group):
        for key in ws.referenced(template, "LaunchTemplateData", "BlockDeviceMappings", types=_KEY):
            scenarios = ws.scenarios(group, template, key)
            verdict = replay(ws, facts, group, key, actor=actor, scenarios=scenarios)
            if verdict.failed:
                yield report(
                    ctx,
                    "PF6103",
                    facts,
                    verdict,
                    source=group,
                    target=key,
                    span=group.prop_span(
                        "LaunchTemplate" if "LaunchTemplate" in group.properties else "MixedInstancesPolicy"
                    ),
                    related=[template.logical_id],
                )


# --- PF6104: ALB / CLB access logs to an SSE-KMS bucket ---------------------------------------------------------------
def check_elb_logs_kms(ctx: Context, lb: Resource) -> Iterator[Finding]:
    """ "The only server-side encryption option that's supported is Amazon S3-managed keys (SSE-S3)" for ALB and
    CLB access logs (alb-logs, clb-logs); ELB tests the bucket when logging is enabled."""
    from preflight.checks.permissions.buckets import access_log_target

    ws = workspace(ctx)
    found = access_log_target(ws, lb)
    if found is None:
        return
    bucket, _, span = found
    encryption = bucket_encryption(ws, bucket)
    if not is_kms_algorithm(encryption.algorithm):
        return
    facts = integration("alb-logs-kms-bucket")
    name = render(ws.name(bucket))
    message = (
        f"{(facts.error or '').replace('${Target.Name}', name)}: {bucket.logical_id} encrypts objects with "
        f"{encryption.algorithm} by default, and Elastic Load Balancing access logs support only SSE-S3. "
        f"Use SSEAlgorithm AES256 on a separate log bucket"
    )
    related = [bucket.logical_id] + ([encryption.key.logical_id] if encryption.key else [])
    yield ctx.finding(
        "PF6104",
        span,
        message,
        resource=lb.logical_id,
        related=related,
        when=ctx.created(lb),
        notes=facts.docs,
    )


# --- PF6105: writers into a bucket encrypted with a customer managed key -------------------------------------------------
def check_writer_bucket_key(ctx: Context, writer: Resource) -> Iterator[Finding]:
    """The requester of an SSE-KMS PUT needs kms:GenerateDataKey (s3-kms); the requester is the writing
    service, not S3."""
    ws = workspace(ctx)
    if writer.type == "AWS::CloudTrail::Trail":
        if "KMSKeyId" in writer.properties:
            return  # the trail's own key (PF6102)
        facts, prop = integration("trail-bucket-default-key"), "S3BucketName"
    else:
        if str(ws.resolve(writer.properties.get("LogDestinationType"))) != "s3":
            return
        facts, prop = integration("flow-log-bucket-key"), "LogDestination"
    for bucket in ws.referenced(writer, prop, types=("AWS::S3::Bucket",)):
        encryption = bucket_encryption(ws, bucket)
        if not is_kms_algorithm(encryption.algorithm) or encryption.key is None:
            continue
        key = encryption.key
        verdict = replay(
            ws,
            facts,
            writer,
            key,
            scenarios=ws.scenarios(writer, bucket, key),
            bindings={"Bucket": ws.name(bucket)},
        )
        if verdict.failed:
            yield report(
                ctx,
                "PF6105",
                facts,
                verdict,
                source=writer,
                target=key,
                span=writer.prop_span(prop),
                related=[bucket.logical_id],
                bindings={"Bucket": ws.name(bucket)},
            )


# --- PF6106: services publishing to encrypted topics and queues ------------------------------------------------------
# (source type, property path, integration): where a service delivers to an SNS topic or SQS queue.
_PUBLISHERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("AWS::CloudWatch::Alarm", ("AlarmActions",), "alarm-topic-key"),
    ("AWS::CloudWatch::Alarm", ("OKActions",), "alarm-topic-key"),
    ("AWS::CloudWatch::Alarm", ("InsufficientDataActions",), "alarm-topic-key"),
    ("AWS::Events::Rule", ("Targets",), "events-target-key"),
    ("AWS::S3::Bucket", ("NotificationConfiguration", "TopicConfigurations"), "s3-notification-key"),
    ("AWS::S3::Bucket", ("NotificationConfiguration", "QueueConfigurations"), "s3-notification-key"),
    # CDK's notifications resource puts the same configuration for its bucket (services/notifications.py)
    ("Custom::S3BucketNotifications", ("NotificationConfiguration", "TopicConfigurations"), "s3-notification-key"),
    ("Custom::S3BucketNotifications", ("NotificationConfiguration", "QueueConfigurations"), "s3-notification-key"),
    ("AWS::SNS::Subscription", ("Endpoint",), "sns-subscription-queue-key"),
)
_DESTINATIONS = ("AWS::SNS::Topic", "AWS::SQS::Queue")


def check_encrypted_destinations(ctx: Context) -> Iterator[Finding]:
    """One finding per (service, encrypted topic or queue): the first publisher is the resource, the others are
    related (a topic that forty alarms use is one problem, not forty)."""
    ws = workspace(ctx)
    groups: dict[tuple[str, str], list[tuple[Resource, tuple[str, ...]]]] = {}
    for rtype, path, ident in _PUBLISHERS:
        for source in ws.template.of_type(rtype):
            for destination in ws.referenced(source, *path, types=_DESTINATIONS):
                groups.setdefault((ident, destination.logical_id), []).append((source, path))
    for (ident, name), sources in groups.items():
        destination = ws.template.resources[name]
        unique = list({s.logical_id: (s, p) for s, p in sources}.values())
        yield from _destination_key(ctx, ws, integration(ident), unique, destination)


def _destination_key(
    ctx: Context,
    ws: Workspace,
    facts: Any,
    sources: list[tuple[Resource, tuple[str, ...]]],
    destination: Resource,
) -> Iterator[Finding]:
    source, path = sources[0]
    others = [s.logical_id for s, _ in sources[1:]]
    span = source.prop_span(path[0])
    value = ws.resolve(destination.properties.get("KmsMasterKeyId"))
    if isinstance(value, str) and value.startswith("alias/aws/"):
        # a service that tests the destination when the resource is created (S3 notifications) fails the create
        checked = any(r.timing == "create" for r in facts.requests) and facts.error
        lead = render(bind(facts.error, {})) if checked else f"after deployment, {facts.symptom or facts.title}"
        message = (
            f"{lead}: {destination.logical_id} is encrypted with the AWS managed key {value}, whose key policy "
            f"cannot be changed to let {facts.principal.service} use it{_also(others)}. Use a customer managed "
            f"key that allows it"
        )
        yield ctx.finding(
            "PF6106",
            span,
            message,
            resource=source.logical_id,
            related=[destination.logical_id, *others],
            notes=facts.docs,
            severity="error" if checked else None,
            phase="deploy" if checked else None,
            when=ctx.created(source, destination),
        )
        return
    for key in ws.referenced(destination, "KmsMasterKeyId", types=_KEY):
        verdict = replay(ws, facts, source, key, scenarios=ws.scenarios(source, destination, key))
        if verdict.failed:
            finding = report(
                ctx,
                "PF6106",
                facts,
                verdict,
                source=source,
                target=key,
                span=span,
                related=[destination.logical_id, *others],
            )
            if others:
                finding = ctx.finding(
                    "PF6106",
                    span,
                    finding.message + _also(others),
                    resource=source.logical_id,
                    related=finding.related,
                    fix=finding.fix,
                    severity=finding.severity,
                    notes=finding.notes,
                )
            yield finding


def _also(others: list[str]) -> str:
    if not others:
        return ""
    shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    return f" (also for {shown})"


CHECKS: tuple[Check, ...] = (
    Check(check_log_group_key, ("PF6101",), types=("AWS::Logs::LogGroup",)),
    Check(check_trail_key, ("PF6102",), types=("AWS::CloudTrail::Trail",)),
    Check(check_autoscaling_key, ("PF6103",), types=("AWS::AutoScaling::AutoScalingGroup",)),
    Check(
        check_elb_logs_kms,
        ("PF6104",),
        types=("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"),
    ),
    Check(check_writer_bucket_key, ("PF6105",), types=("AWS::CloudTrail::Trail", "AWS::EC2::FlowLog")),
    Check(check_encrypted_destinations, ("PF6106",)),
)
