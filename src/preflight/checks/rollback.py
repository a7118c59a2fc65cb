"""Rollback blockers: settings that turn one failed deployment into a stuck stack or a second failure.

When a stack's creation fails, CloudFormation deletes what it created; when a stack is deleted, it deletes every
resource whose DeletionPolicy is Delete (the default) or Snapshot
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html). A resource that
cannot be deleted (deletion protection, a bucket that is not empty) leaves the stack in ROLLBACK_FAILED or
DELETE_FAILED, and a resource that is retained with a fixed name makes the retry fail with "already exists". Each
hides the real failure behind a second one. None is an error, even when it is certain: the create or update it
follows succeeds (error means "the deployment will fail"), so they are warnings of phase "rollback"; a log bucket
that only a later stack deletion would find non-empty, and that the template does not explicitly ask to delete,
is info (docs/checks/PF7002.md, "Severity"). The facts (which property switches protection on, which services
write into a bucket, the errors) are data: preflight/data/rollback.json.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.checks.base import Check, Context, Rule
from preflight.checks.ordering import keys_at, segments, values_at
from preflight.data import resource_type
from preflight.data.errors import format_error
from preflight.data.ordering_data import (
    LogWriter,
    Protection,
    default_deletion_policy,
    log_writers,
    protections,
    rollback_fact,
)
from preflight.findings import Finding
from preflight.fix.unsafe import retain_fix
from preflight.model.template import Resource
from preflight.resolve.values import Symbolic, render
from preflight.source.span import Span

RULES = (
    Rule(
        "PF7001",
        "deletion-protection",
        "Deletion protection makes the rollback and the stack deletion fail",
        "rollback-blocker",
        "warning",
        "unsafe",
        phase="rollback",
    ),
    Rule(
        "PF7002",
        "log-bucket-not-empty",
        "A bucket that receives logs cannot be deleted by CloudFormation",
        "rollback-blocker",
        "warning",
        "unsafe",
        phase="rollback",
    ),
    Rule(
        "PF7003",
        "retained-fixed-name",
        "A retained resource with a fixed name makes the next deployment collide",
        "rollback-blocker",
        "warning",
        phase="rollback",
    ),
)

_RETAIN = "Retain"
_RETAIN_EXCEPT_ON_CREATE = "RetainExceptOnCreate"


def _deletion_policy(ctx: Context, resource: Resource) -> str | None:
    """The DeletionPolicy as written (resolved when it is a Ref): None when absent, "?" when unknown."""
    raw = resource.deletion_policy
    if raw is None:
        return None
    value = ctx.resolve(raw) if isinstance(raw, (dict, list)) else raw
    return value if isinstance(value, str) else "?"


def _policy_span(resource: Resource) -> Span:
    return (
        resource.node.value_span("DeletionPolicy") if "DeletionPolicy" in resource.node else resource.key_span
    )


def _policy_text(resource: Resource, policy: str | None) -> str:
    if policy is None:
        return f"no DeletionPolicy (CloudFormation applies {default_deletion_policy(resource.type, resource.properties)})"
    if policy == _RETAIN_EXCEPT_ON_CREATE:
        return "DeletionPolicy RetainExceptOnCreate (which deletes it when the creating deployment fails)"
    return f"DeletionPolicy {policy}"


# --------------------------------------------------------------------------- PF7001 deletion protection


def check_deletion_protection(ctx: Context) -> Iterator[Finding]:
    for row in protections():
        for resource in ctx.template.of_type(row.type):
            yield from _protected(ctx, row, resource)


def _protected(ctx: Context, row: Protection, resource: Resource) -> Iterator[Finding]:
    enabled = [v for v in values_at(ctx, resource, row.path) if _one_of(v, row.enabled)]
    policy = _deletion_policy(ctx, resource)
    if not enabled or policy in (_RETAIN, "?"):
        return
    prop = segments(row.path)[0]
    setting = row.path.replace(".[", " ").replace("]", "").replace(".*.", "[*].")
    yield ctx.finding(
        "PF7001",
        resource.prop_span(prop),
        f"{resource.logical_id} has {setting} = {render(enabled[0])} and {_policy_text(resource, policy)}: if a "
        f"deployment of this stack fails after {resource.logical_id} is created, the rollback cannot delete it and "
        f"the stack ends in ROLLBACK_FAILED, hiding the original error; deleting the stack fails the same way "
        f'(DELETE_FAILED) with "{row.error}". Turn deletion protection on after the first successful deployment '
        f"(for example from a parameter), or set DeletionPolicy: Retain.",
        resource=resource.logical_id,
        notes=[f"AWS documentation: {row.doc}"],
        fix=retain_fix(ctx, resource),
    )


def _one_of(value: Any, wanted: tuple[Any, ...]) -> bool:
    # type-exact: 1 == True in Python, but only a boolean true or the string "true" switch protection on
    return any(type(value) is type(w) and value == w for w in wanted)


# --------------------------------------------------------------------------- PF7002 buckets that receive logs


def check_log_buckets(ctx: Context) -> Iterator[Finding]:
    writers = _log_targets(ctx)
    if not writers:
        return
    emptied = _emptied_buckets(ctx)
    for bucket_id, found in writers.items():
        bucket = ctx.template.resources[bucket_id]
        if bucket_id not in emptied:
            yield from _log_bucket(ctx, bucket, found)
            continue
        late = [(row, writer) for row, writer in found if row.late]
        if late:
            yield from _emptied_too_early(ctx, bucket, emptied[bucket_id], late)


def _log_targets(ctx: Context) -> dict[str, list[tuple[LogWriter, Resource]]]:
    """Bucket logical id -> the (writer row, writer resource) pairs that deliver into it."""
    resources = ctx.template.resources
    found: dict[str, list[tuple[LogWriter, Resource]]] = {}
    for row in log_writers():
        for writer in ctx.template.of_type(row.type):
            if writer.logical_id in ctx.resolver.never_created():  # its Condition is never true: it writes nothing
                continue
            if row.when is not None and not any(
                v in (True, "true") for v in values_at(ctx, writer, row.when)
            ):
                continue
            for key in sorted(keys_at(ctx, writer, row.path)):
                if key in resources and resources[key].type == "AWS::S3::Bucket" and key != writer.logical_id:
                    found.setdefault(key, []).append((row, writer))
    return found


def _emptied_buckets(ctx: Context) -> dict[str, str]:
    """Bucket -> the custom resource that empties it before CloudFormation deletes it (the CDK's
    autoDeleteObjects)."""
    emptiers = ctx.template.of_type(*rollback_fact("empties_buckets"))
    found: dict[str, str] = {}
    for emptier in emptiers:
        for edge in ctx.graph.out.get(emptier.logical_id, ()):
            found.setdefault(edge.target, emptier.logical_id)
    return found


def _log_bucket(ctx: Context, bucket: Resource, found: list[tuple[LogWriter, Resource]]) -> Iterator[Finding]:
    """A warning when the delete certainly meets objects: a writer that puts one at once (the rollback of a failed
    create already fails), or an explicit DeletionPolicy: Delete (the template asks for a delete that the first
    log file makes impossible). Otherwise info: only a stack deletion after logs arrived fails."""
    policy = _deletion_policy(ctx, bucket)
    immediate = [(row, writer) for row, writer in found if row.immediate]
    if policy in (_RETAIN, "?") or (policy == _RETAIN_EXCEPT_ON_CREATE and not immediate):
        return
    error = format_error("bucket-not-empty")
    sources = "; ".join(f"{row.what} from {writer.logical_id}" for row, writer in found)
    name = bucket.logical_id
    if immediate:
        writer = immediate[0][1].logical_id
        consequence = (
            f"{writer} writes into it as soon as it is created, so if a deployment of this stack fails "
            f"the rollback cannot delete {name} (ROLLBACK_FAILED, hiding the original error), and "
            f"deleting the stack fails the same way"
        )
    elif policy == "Delete":
        consequence = (
            "the template asks CloudFormation to delete it, which it certainly cannot do once the first logs "
            "arrive: deleting the stack, or rolling back a deployment that fails after that, stops with "
            "DELETE_FAILED"
        )
    else:
        consequence = (
            "once the first logs arrive CloudFormation cannot delete it: deleting the stack, or rolling "
            "back a deployment that fails after that, stops with DELETE_FAILED"
        )
    # A custom resource that empties the bucket runs before the last files of a late writer arrive.
    empty = (
        ""
        if any(row.late for row, _ in found)
        else ", or empty it with a custom resource before it is deleted"
    )
    yield ctx.finding(
        "PF7002",
        _policy_span(bucket),
        f'{name} receives {sources} and has {_policy_text(bucket, policy)}; {consequence}: "{error}". Set '
        f"DeletionPolicy: Retain on {name}{empty}.",
        resource=name,
        related=[w.logical_id for _, w in found],
        severity=None if immediate or policy == "Delete" else "info",
        notes=[f"AWS documentation: {row.doc}" for row, _ in found[:1]],
        fix=retain_fix(ctx, bucket),
    )


def _emptied_too_early(
    ctx: Context, bucket: Resource, emptier: str, late: list[tuple[LogWriter, Resource]]
) -> Iterator[Finding]:
    """A custom resource empties the bucket when the stack is deleted, but these services deliver log files hours
    after the requests they record (best effort): files land after it ran and the delete still fails (aws/aws-cdk
    issues 16332 and 21776)."""
    policy = _deletion_policy(ctx, bucket)
    if policy in (_RETAIN, _RETAIN_EXCEPT_ON_CREATE, "?"):
        return
    name = bucket.logical_id
    sources = "; ".join(f"{row.what} from {writer.logical_id}" for row, writer in late)
    error = format_error("bucket-not-empty")
    yield ctx.finding(
        "PF7002",
        _policy_span(bucket),
        f"{name} receives {sources} and has {_policy_text(bucket, policy)}; {emptier} empties it when it is "
        f"deleted, but these logs are delivered hours after the requests they record, so files land after "
        f"{emptier} ran and deleting the stack (or a rollback after traffic) stops with DELETE_FAILED: "
        f'"{error}". Set DeletionPolicy: Retain on {name}, or stop the logging before the stack is deleted.',
        resource=name,
        related=[emptier, *(w.logical_id for _, w in late)],
        notes=[f"AWS documentation: {row.late_doc or row.doc}" for row, _ in late[:1]],
        fix=retain_fix(ctx, bucket),
    )


# --------------------------------------------------------------------------- PF7003 retained fixed names


def check_retained_names(ctx: Context) -> Iterator[Finding]:
    hits = [(r, name) for r in ctx.template.resources.values() if (name := _retained_fixed_name(ctx, r))]
    if not hits:
        return
    first = hits[0][0]
    listed = ", ".join(f"{r.logical_id} ({r.type} named {name})" for r, name in hits[:5])
    more = f" and {len(hits) - 5} more" if len(hits) > 5 else ""
    error = format_error("already-exists", Name=hits[0][1])
    yield ctx.finding(
        "PF7003",
        _policy_span(first),
        f"DeletionPolicy Retain with a fixed name: {listed}{more}. If a deployment of this stack fails, the "
        f'rollback leaves {"them" if len(hits) > 1 else "it"} in place and the retry fails with "{error}", '
        f"hiding the original error. Use DeletionPolicy: RetainExceptOnCreate (deleted when the deployment that "
        f"creates it fails, retained otherwise) or let CloudFormation generate the name.",
        resource=first.logical_id,
        related=[r.logical_id for r, _ in hits[1:]],
        notes=[
            (
                "AWS documentation: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
                "aws-attribute-deletionpolicy.html"
            )
        ],
    )


def _retained_fixed_name(ctx: Context, resource: Resource) -> str | None:
    """The resource's fixed physical name when it is retained and the name must be unique in the account."""
    if _deletion_policy(ctx, resource) != _RETAIN:
        return None
    info = resource_type(resource.type)
    if info is None or info.name_property is None or info.name_scope not in rollback_fact("collision_scopes"):
        return None
    if info.name_property not in resource.properties:
        return None
    names = [value for _, value in ctx.values(resource.properties[info.name_property])]
    if not names or not all(_fixed(v) for v in names):
        return None
    return render(names[0])


def _fixed(value: Any) -> bool:
    """A name that is the same on every deployment of this stack: literal parts, parameters and pseudo parameters
    (not the stack id, which changes when the stack is created again)."""
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, Symbolic):
        return all(s.kind in ("pseudo", "parameter") and s.key != "AWS::StackId" for s in value.symbols)
    return False


CHECKS = (
    Check(check_deletion_protection, ("PF7001",)),
    Check(check_log_buckets, ("PF7002",)),
    Check(check_retained_names, ("PF7003",)),
)
