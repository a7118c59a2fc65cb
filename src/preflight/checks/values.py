"""Invalid values: property values AWS rejects at create time (and account-dependent limits, category `other`).

Each check reads resolved values in the default scenario (parameters at their defaults, see resolve/); a value
that stays symbolic or unknown is not guessed. A finding on a resource that does not exist with the default
parameters (its Condition is false) is reported as a warning that names the condition.

Facts come from preflight.data (engine versions, Lambda runtimes) and preflight.data.values_data (hand-curated,
each with its AWS source).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from preflight import data as facts
from preflight.checks.base import Check, Context, Rule
from preflight.data import values_data as vd
from preflight.data.errors import format_error
from preflight.findings import Finding, Fix
from preflight.model.template import Resource
from preflight.numbers import as_int
from preflight.resolve.values import Symbolic
from preflight.source.nodes import MapNode, SeqNode, child_span
from preflight.source.span import Span

if TYPE_CHECKING:
    import ipaddress

RULES = (
    Rule(
        "PF4001",
        "engine-version",
        "The database or cache engine version cannot be created",
        "invalid-value",
        "error",
        "unsafe",
    ),
    Rule(
        "PF4002",
        "lambda-runtime",
        "The Lambda runtime is deprecated or can no longer be created",
        "invalid-value",
        "error",
        "unsafe",
    ),
    Rule("PF4003", "invalid-cidr", "A VPC or subnet CIDR block that EC2 rejects", "invalid-value", "error"),
    Rule(
        "PF4004",
        "subnet-outside-vpc",
        "A subnet's CIDR block lies outside its VPC's CIDR blocks",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4005",
        "overlapping-subnets",
        "Two subnets of one VPC have overlapping CIDR blocks",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4006",
        "performance-insights-class",
        "Performance Insights on an instance class that does not support it",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4007",
        "hardcoded-ami",
        "A hard-coded AMI id (regional, and retired images disappear)",
        "invalid-value",
        "warning",
    ),
    Rule(
        "PF4008",
        "flow-log-permission",
        "DeliverLogsPermissionArn does not fit the flow log's destination",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4009",
        "ssm-securestring",
        "CloudFormation cannot create a SecureString SSM parameter",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4010",
        "rds-database-name",
        "An RDS database name that the engine rejects",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4011",
        "mysql-collation-charset",
        "A MySQL collation that does not belong to the server character set",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4012",
        "cloudtrail-data-resource",
        "A CloudTrail data resource type or ARN that CloudTrail rejects",
        "invalid-value",
        "error",
    ),
    Rule(
        "PF4013",
        "lambda-reserved-concurrency",
        "Reserved concurrency that the account's quota may not leave room for",
        "other",
        "warning",
        phase="account",
    ),
    Rule(
        "PF4014",
        "rest-api-without-methods",
        "An API Gateway deployment of a REST API that has no methods",
        "other",
        "error",
    ),
    Rule(
        "PF4015",
        "certificate-reserved-domain",
        "An ACM certificate for a reserved domain, which can never be validated",
        "other",
        "error",
    ),
)

# Retirements (engine versions AWS no longer creates, Lambda runtimes whose create-block date passed): the
# data records *that* a version is retired and, where AWS published it, *when*. A template naming something
# retired recently is often one that deployed while it was still offered and is now being updated: an update
# that keeps EngineVersion/Runtime does not call CreateDBInstance/CreateFunction and succeeds, so whether the
# deployment fails depends on whether the resource already exists -> warning. Once it has been retired for more
# than 18 months, RDS has long since force-upgraded every instance on that minor (AWS's notices schedule the
# upgrade within weeks of the end of standard support) and Lambda blocks updates of such functions
# (update_block), so the template can only be creating -> error. Dates are compared with the data's snapshot date,
# not the wall clock, so results do not drift between runs. (The deployed corpus holds versions retired within
# that window, e.g. PostgreSQL 15.7 and Python 3.9: they deployed while AWS still offered them.)
_LONG_RETIRED = dt.timedelta(days=548)
_ENGINE_TYPES = (
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::DocDB::DBCluster",
)
_DEFAULT_ENGINE = {"AWS::ElastiCache::ReplicationGroup": "redis", "AWS::DocDB::DBCluster": "docdb"}
_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


# ------------------------------------------------------------------------------------------------ helpers


def _value(ctx: Context, node: Any) -> Any:
    """The value of `node` with default parameters (NO_VALUE and containers pass through)."""
    return ctx.resolve(node)


def _string(ctx: Context, props: Any, name: str) -> str | None:
    """A property's value when it is a known string (numbers read as written: EngineVersion 8.10 stays "8.10")."""
    if not isinstance(props, dict) or name not in props:
        return None
    raw = props[name]
    if isinstance(raw, float) and isinstance(props, MapNode):
        span = props.value_span(name)
        return ctx.document.text[span.start : span.end].strip("'\" ")
    value = _value(ctx, raw)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _is_true(ctx: Context, props: Any, name: str) -> bool:
    return (_string(ctx, props, name) or "").lower() == "true"


def _emit(
    ctx: Context,
    code: str,
    span: Span,
    message: str,
    resource: Resource,
    *,
    related: Iterable[str] = (),
    severity: str | None = None,
    fix: Fix | None = None,
) -> Finding:
    """A finding; an error on a resource that the default parameters do not create becomes a warning."""
    rule_severity = severity or ctx.rules[code].severity
    notes: list[str] = []
    if rule_severity == "error" and not ctx.resolver.active(resource, _default()):
        rule_severity = "warning"
        notes.append(f"{resource.logical_id} exists only when condition {resource.condition} is true")
    return ctx.finding(
        code,
        span,
        message,
        resource=resource.logical_id,
        related=related,
        severity=rule_severity,
        notes=notes,
        fix=fix,
    )


def _default() -> Any:
    from preflight.resolve.scenarios import DEFAULT

    return DEFAULT


def _ref_target(node: Any) -> str | None:
    """The logical id a Ref / GetAtt points at, read from the template as written."""
    if isinstance(node, dict) and len(node) == 1:
        if isinstance(node.get("Ref"), str):
            return str(node["Ref"])
        getatt = node.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and isinstance(getatt[0], str):
            return str(getatt[0])
        if isinstance(getatt, str):
            return getatt.partition(".")[0]
    return None


def long_retired(since: dt.date | None, snapshot: dt.date) -> bool:
    """Whether a create-blocking date passed so long before `snapshot` that the template can only be creating."""
    return since is not None and snapshot - since >= _LONG_RETIRED


def judged(ctx: Context) -> tuple[dt.date, str]:
    """The day a dated answer is judged for (--date, else today) and how messages say that the date decides."""
    day = ctx.pins.day()
    shown = str(day) if ctx.pins.date else "today (pin another day with --date)"
    return day, f"the date decides: judged for {shown}"


# ------------------------------------------------------------------------------------------------ PF4001


class _Versions(NamedTuple):
    available: frozenset[str]
    deprecated: frozenset[str]


def check_engine_version(ctx: Context, resource: Resource) -> Iterator[Finding]:
    props = resource.properties
    version = _string(ctx, props, "EngineVersion")
    engine = _string(ctx, props, "Engine") or _DEFAULT_ENGINE.get(resource.type)
    if version is None or engine is None:
        return
    engine = engine.lower()
    if resource.type == "AWS::DocDB::DBCluster":
        message = _docdb_message(version)
        if message:
            yield _emit(
                ctx, "PF4001", resource.prop_span("EngineVersion"), message, resource, severity="warning"
            )
        return
    versions = facts.engine_versions(resource.type, engine)
    if versions is None:
        return
    status = facts.engine_version_status(resource.type, engine, version)
    known = _Versions(versions.available, versions.deprecated)
    finding = _engine_finding(engine, version, status, known)
    if finding is None and status == "available":
        finding = _notice_finding(ctx, engine, version, known)
    if finding is not None:
        severity, message = finding
        best = _best_version(version, versions.available)
        fix = None
        if best is not None:
            from preflight.fix.unsafe import replace_values_fix

            title = f"use EngineVersion {best} (the newest creatable {engine} of that series)"
            fix = replace_values_fix(ctx, title, [resource], "EngineVersion", best)
        yield _emit(ctx, "PF4001", resource.prop_span("EngineVersion"), message, resource, severity=severity,
                    fix=fix)


def _engine_finding(engine: str, version: str, status: str, known: _Versions) -> tuple[str, str] | None:
    snapshot = facts.engine_versions_retrieved()
    use = _suggestion(version, known.available)
    cannot = format_error("rds-engine-version", Version=version, Engine=engine)
    if status == "deprecated":
        retired = vd.engine_retirement(engine, version)
        when = retired.not_creatable_from if retired else None
        if long_retired(when, snapshot):
            word = "on" if retired and retired.exact else "no later than"
            return "error", (
                f"{cannot}: AWS stopped creating {engine} {version} {word} {when} (version list of "
                f"{snapshot}); {use}"
            )
        dated = f" (not creatable since {when})" if when else ""
        return "warning", (
            f"EngineVersion {version} of {engine} is retired in AWS's version list of {snapshot}"
            f"{dated}: a new stack fails with '{cannot}'; a stack created while it was offered "
            f"keeps its database and updates that leave EngineVersion unchanged succeed; {use}"
        )
    if status != "not-found":
        return None
    newer = [
        v
        for v in known.available | known.deprecated
        if vd.major_of(v) == vd.major_of(version) and vd.version_key(v) > vd.version_key(version)
    ]
    if vd.major_of(version) and newer:
        return "error", (
            f"{cannot}: AWS never offered it (the {vd.major_of(version)} series of {engine} goes up "
            f"to {max(newer, key=vd.version_key)} in AWS's version list of {snapshot}); {use}"
        )
    return "warning", (
        f"EngineVersion {version} of {engine} is not in AWS's version list of {snapshot}: unless it "
        f"was released after that date, CloudFormation fails with '{cannot}'; {use}"
    )


def _notice_finding(ctx: Context, engine: str, version: str, known: _Versions) -> tuple[str, str] | None:
    """A version the version list still offers but an AWS notice (values_engine_retirements.json) names as not
    creatable from a date that the day judged (--date, else today) has reached: the list lags the notice."""
    retired = vd.engine_retirement(engine, version)
    day, decides = judged(ctx)
    if retired is None or not retired.exact or day < retired.not_creatable_from:
        return None
    when, snapshot = retired.not_creatable_from, facts.engine_versions_retrieved()
    cannot = format_error("rds-engine-version", Version=version, Engine=engine)
    older = (
        ""
        if long_retired(when, day)
        else "; a stack created before then keeps its database and updates that leave EngineVersion unchanged succeed"
    )
    severity = "error" if older == "" else "warning"
    return severity, (
        f"{cannot}: AWS stopped creating {engine} {version} on {when} (AWS's notice; the version list of {snapshot} "
        f"still offers it){older} ({decides}); {_suggestion(version, known.available)}"
    )


def _suggestion(version: str, available: frozenset[str]) -> str:
    """The newest creatable version of the closest series, as advice."""
    best = _best_version(version, available)
    if best is not None:
        return f"use a creatable version such as {best}"
    return "use a version listed by `aws rds describe-db-engine-versions`"


def _best_version(version: str, available: frozenset[str]) -> str | None:
    prefix = version
    while prefix:
        prefix = vd.major_of(prefix)
        matching = [v for v in available if v.startswith(prefix + ".")] if prefix else []
        if matching:
            return max(matching, key=vd.version_key)
    return None


def _docdb_message(version: str) -> str | None:
    known = vd.docdb_engine_versions()
    if version in known or any(v.startswith(version + ".") for v in known):
        return None
    return (
        f"EngineVersion {version} of docdb is not one of the DocumentDB versions of "
        f"{vd.values_retrieved()} ({', '.join(sorted(known))}): unless it is newer, CloudFormation fails "
        f"to create the cluster"
    )


# ------------------------------------------------------------------------------------------------ PF4002


def check_lambda_runtime(ctx: Context) -> Iterator[Finding]:
    """One finding per retired runtime, on its first function (the others are `related`)."""
    by_runtime: dict[str, list[Resource]] = {}
    for resource in sorted(ctx.template.of_type(*_FUNCTION_TYPES), key=lambda r: r.key_span.start):
        runtime = _string(ctx, resource.properties, "Runtime")
        if runtime is not None:
            by_runtime.setdefault(runtime, []).append(resource)
    for runtime, functions in by_runtime.items():
        message = _runtime_message(runtime)
        if message:
            severity, text = message
            others = [f.logical_id for f in functions[1:]]
            if others:
                text += f" (also used by {', '.join(others)})"
            yield _emit(
                ctx,
                "PF4002",
                functions[0].prop_span("Runtime"),
                text,
                functions[0],
                related=others,
                severity=severity,
                fix=_runtime_fix(ctx, runtime, functions),
            )
    globals_runtime = _globals_runtime(ctx)
    if globals_runtime is not None:
        runtime, span = globals_runtime
        message = _runtime_message(runtime)
        if message:
            severity, text = message
            severity = "warning" if severity == "error" and not _uses_globals(ctx) else severity
            yield ctx.finding("PF4002", span, text, severity=severity)


def _runtime_fix(ctx: Context, runtime: str, functions: list[Resource]) -> Fix | None:
    info = facts.lambda_runtime(runtime)
    if info is None or not info.successor:
        return None
    from preflight.fix.unsafe import replace_values_fix

    names = ", ".join(f.logical_id for f in functions)
    return replace_values_fix(ctx, f"use Runtime {info.successor} in {names}", functions, "Runtime", info.successor)


def _globals_runtime(ctx: Context) -> tuple[str, Span] | None:
    """SAM's Globals.Function.Runtime, which every AWS::Serverless::Function without its own Runtime uses."""
    root = ctx.template.root
    section = root.get("Globals") if isinstance(root, dict) else None
    function = section.get("Function") if isinstance(section, dict) else None
    runtime = _string(ctx, function, "Runtime")
    if runtime is None or not isinstance(function, MapNode):
        return None
    return runtime, function.value_span("Runtime")


def _uses_globals(ctx: Context) -> bool:
    return any("Runtime" not in r.properties for r in ctx.template.of_type("AWS::Serverless::Function"))


def _runtime_message(runtime: str) -> tuple[str, str] | None:
    info = facts.lambda_runtime(runtime)
    if info is None:
        return None
    snapshot = facts.snapshot_info("lambda_runtimes").retrieved
    status = info.status(snapshot)
    use = f"use {info.successor}" if info.successor else "use a supported runtime"
    if status == "supported":
        return None
    if status == "deprecated":
        # Still creatable: the deployment succeeds today, so this is advice (info), not a predicted failure.
        return "info", (
            f"Runtime {runtime} is deprecated since {info.deprecated}: Lambda stops creating "
            f"functions with it on {info.create_block} and updating them on {info.update_block}; "
            f"{use}"
        )
    error = format_error("lambda-runtime-retired", Runtime=runtime)
    if long_retired(info.create_block, snapshot):
        return "error", f"{error} (creation blocked since {info.create_block}); {use}"
    return "warning", (
        f"Runtime {runtime} can no longer be used to create functions since {info.create_block} "
        f"(updates blocked from {info.update_block}): a new stack fails with '{error}'; an existing "
        f"function keeps running until it is updated; {use}"
    )


# ------------------------------------------------------------------------------------------------ PF4003-4005


class _Vpc:
    __slots__ = ("blocks", "complete", "resource")

    def __init__(self, resource: Resource, blocks: list[ipaddress.IPv4Network], complete: bool) -> None:
        self.resource = resource
        self.blocks = blocks
        self.complete = complete  # False when some IPv4 block is not known offline (IPAM pool, parameter ...)


class _Subnet(NamedTuple):
    resource: Resource
    network: ipaddress.IPv4Network
    vpc: str | None


def check_cidrs(ctx: Context) -> Iterator[Finding]:
    vpcs: dict[str, _Vpc] = {}
    for resource in ctx.template.of_type("AWS::EC2::VPC"):
        network, problem = _cidr(ctx, resource)
        if problem:
            yield _emit(ctx, "PF4003", resource.prop_span("CidrBlock"), problem, resource)
        vpcs[resource.logical_id] = _Vpc(resource, [network] if network else [], network is not None)
    for resource in ctx.template.of_type("AWS::EC2::VPCCidrBlock"):
        _add_secondary_block(ctx, resource, vpcs)
    subnets: list[_Subnet] = []
    for resource in ctx.template.of_type("AWS::EC2::Subnet"):
        network, problem = _cidr(ctx, resource)
        if problem:
            yield _emit(ctx, "PF4003", resource.prop_span("CidrBlock"), problem, resource)
        if network is not None and ctx.resolver.active(resource, _default()):
            subnets.append(_Subnet(resource, network, _ref_target(resource.properties.get("VpcId"))))
    yield from _outside_vpc(ctx, subnets, vpcs)
    yield from _overlaps(ctx, subnets)


def _cidr(ctx: Context, resource: Resource) -> tuple[ipaddress.IPv4Network | None, str | None]:
    """The IPv4 block of a VPC or subnet, or the problem EC2 reports for it."""
    text = _string(ctx, resource.properties, "CidrBlock")
    if text is None:
        return None, None
    low, high = vd.ipv4_block_prefix_range()
    what = "VPC" if resource.type == "AWS::EC2::VPC" else "subnet"
    try:
        import ipaddress  # only templates with VPC CIDRs need it

        network = ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        return None, f"The CIDR '{text}' is invalid: it is not an IPv4 block written as a.b.c.d/n"
    if "/" not in text:
        return None, f"The CIDR '{text}' is invalid: give the block's prefix length, e.g. {text}/24"
    if str(network) != text:
        return None, (
            f"The CIDR '{text}' is invalid: the address has host bits set for a /{network.prefixlen} "
            f"block; the block is {network}"
        )
    if not low <= network.prefixlen <= high:
        return None, (f"The CIDR '{text}' is invalid: a {what} block must be between /{low} and /{high}")
    return network, None


def _add_secondary_block(ctx: Context, resource: Resource, vpcs: dict[str, _Vpc]) -> None:
    vpc = vpcs.get(_ref_target(resource.properties.get("VpcId")) or "")
    if vpc is None:
        return
    props = resource.properties
    if "CidrBlock" in props:
        network, _ = _cidr(ctx, resource)
        if network is not None:
            vpc.blocks.append(network)
            return
        vpc.complete = False
    elif "Ipv4IpamPoolId" in props:
        vpc.complete = False


def _outside_vpc(ctx: Context, subnets: list[_Subnet], vpcs: dict[str, _Vpc]) -> Iterator[Finding]:
    for subnet in subnets:
        vpc = vpcs.get(subnet.vpc or "")
        if vpc is None or not vpc.complete or not vpc.blocks:
            continue
        if any(subnet.network.subnet_of(block) for block in vpc.blocks):
            continue
        blocks = ", ".join(str(b) for b in vpc.blocks)
        yield _emit(
            ctx,
            "PF4004",
            subnet.resource.prop_span("CidrBlock"),
            f"The CIDR '{subnet.network}' is invalid (InvalidSubnet.Range): it lies outside the CIDR "
            f"block(s) of {vpc.resource.logical_id} ({blocks}); choose a block inside the VPC's range",
            subnet.resource,
            related=[vpc.resource.logical_id],
        )


def _overlaps(ctx: Context, subnets: list[_Subnet]) -> Iterator[Finding]:
    ordered = sorted(subnets, key=lambda s: s.resource.key_span.start)
    for index, later in enumerate(ordered):
        for earlier in ordered[:index]:
            if later.vpc is None or later.vpc != earlier.vpc or not later.network.overlaps(earlier.network):
                continue
            yield _emit(
                ctx,
                "PF4005",
                later.resource.prop_span("CidrBlock"),
                f"The CIDR '{later.network}' conflicts with another subnet (InvalidSubnet.Conflict): it "
                f"overlaps {earlier.resource.logical_id}'s {earlier.network} in {later.vpc}",
                later.resource,
                related=[earlier.resource.logical_id],
            )
            break


# ------------------------------------------------------------------------------------------------ PF4006


def check_performance_insights(ctx: Context, resource: Resource) -> Iterator[Finding]:
    props = resource.properties
    if not _is_true(ctx, props, "EnablePerformanceInsights"):
        return
    engine = _string(ctx, props, "Engine")
    instance_class = _string(ctx, props, "DBInstanceClass")
    if engine is None or instance_class is None:
        return
    if vd.performance_insights_unsupported(engine, instance_class):
        yield _emit(
            ctx,
            "PF4006",
            resource.prop_span("EnablePerformanceInsights"),
            f"{vd.performance_insights_error()} ({engine} on {instance_class} does not support "
            f"Performance Insights); set EnablePerformanceInsights to false or use a larger class such "
            f"as db.t3.medium",
            resource,
        )


# ------------------------------------------------------------------------------------------------ PF4007


def check_hardcoded_ami(ctx: Context, resource: Resource) -> Iterator[Finding]:
    props: Any = resource.properties
    if resource.type == "AWS::EC2::LaunchTemplate":
        props = props.get("LaunchTemplateData")
    if not isinstance(props, MapNode) or "ImageId" not in props:
        return
    message = _ami_message(ctx, props["ImageId"])
    if message:
        yield _emit(ctx, "PF4007", props.value_span("ImageId"), message, resource)


def _ami_message(ctx: Context, node: Any) -> str | None:
    advice = (
        f"resolve the image at deploy time with an SSM public parameter, e.g. "
        f"'{vd.ami_parameter_suggestion()}', or a parameter of type "
        f"AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"
    )
    mapping = _ami_mapping(ctx, node)
    if mapping is not None:
        name, count = mapping
        return (
            f"ImageId comes from mapping {name}, which hard-codes {count} AMI id(s): AMI ids exist in one "
            f"region only and AWS retires old images, so the deployment fails with InvalidAMIID.NotFound "
            f"(\"{format_error('ec2-ami-not-found', ImageId='ami-...')}\") once an image is gone; {advice}"
        )
    value = _value(ctx, node)
    if isinstance(value, str) and value.startswith("ami-"):
        return (
            f"ImageId '{value}' is a hard-coded AMI id: it exists in one region only and AWS retires old "
            f"images, so the deployment fails with \"{format_error('ec2-ami-not-found', ImageId=value)}\" "
            f"(InvalidAMIID.NotFound) in other regions or once the image is gone; {advice}"
        )
    return None


def _ami_mapping(ctx: Context, node: Any) -> tuple[str, int] | None:
    """(mapping name, number of AMI ids) when `node` is a Fn::FindInMap into a mapping of AMI ids."""
    if not isinstance(node, dict) or len(node) != 1 or not isinstance(node.get("Fn::FindInMap"), list):
        return None
    args = node["Fn::FindInMap"]
    name = args[0] if args and isinstance(args[0], str) else None
    mapping = ctx.template.mappings.get(name) if name else None
    if not isinstance(mapping, dict):
        return None
    leaves = [leaf for level in mapping.values() if isinstance(level, dict) for leaf in level.values()]
    amis = [leaf for leaf in leaves if isinstance(leaf, str) and leaf.startswith("ami-")]
    return (str(name), len(amis)) if amis and len(amis) * 2 >= len(leaves) else None


# ------------------------------------------------------------------------------------------------ PF4008


def check_flow_log(ctx: Context, resource: Resource) -> Iterator[Finding]:
    props = resource.properties
    rule = vd.flow_log_role_rule()
    destination = _string(ctx, props, "LogDestinationType")
    if destination is None and "LogDestinationType" in props:
        return  # chosen at deploy time
    destination = (destination or rule.default_destination).lower()
    if destination in rule.rejected_for:
        for name in ("DeliverLogsPermissionArn", "LogGroupName"):
            if name in props:
                yield _emit(
                    ctx,
                    "PF4008",
                    resource.prop_span(name),
                    f"{name} is not applicable for {destination} delivery: CreateFlowLogs rejects it when "
                    f"LogDestinationType is {destination} (flow logs deliver to S3 through the bucket "
                    f"policy); remove {name}",
                    resource,
                )
    elif destination in rule.required_for and "DeliverLogsPermissionArn" not in props:
        yield _emit(
            ctx,
            "PF4008",
            resource.key_span,
            f"DeliverLogsPermissionArn is required for {destination} delivery: CreateFlowLogs needs the "
            f"ARN of a role that vpc-flow-logs.amazonaws.com can assume to write to the log group",
            resource,
        )


# ------------------------------------------------------------------------------------------------ PF4009


def check_ssm_parameter_type(ctx: Context, resource: Resource) -> Iterator[Finding]:
    kind = _string(ctx, resource.properties, "Type")
    if kind != "SecureString":
        return
    allowed = " and ".join(vd.ssm_parameter_types())
    yield _emit(
        ctx,
        "PF4009",
        resource.prop_span("Type"),
        f"{kind} is not a valid enum value: CloudFormation can create only {allowed} parameters; store "
        f"the secret in an AWS::SecretsManager::Secret, or create the SecureString parameter outside the "
        f"stack and read it with {{{{resolve:ssm-secure:...}}}}",
        resource,
    )


# ------------------------------------------------------------------------------------------------ PF4010


def check_database_name(ctx: Context, resource: Resource) -> Iterator[Finding]:
    props = resource.properties
    prop = "DatabaseName" if resource.type == "AWS::RDS::DBCluster" else "DBName"
    engine = _string(ctx, props, "Engine")
    rule = vd.database_name_rule(engine) if engine else None
    if rule is None or prop not in props:
        return
    value = _value(ctx, props[prop])
    problem = _name_problem(value, rule)
    if problem:
        yield _emit(
            ctx,
            "PF4010",
            resource.prop_span(prop),
            f"{rule.error.format(property=prop)} ({problem}; {engine} database names are a letter followed by letters, "
            f"digits or underscores, at most {rule.max_length} characters)",
            resource,
        )


def _name_problem(value: Any, rule: vd.DatabaseNameRule) -> str | None:
    if isinstance(value, str):
        if not rule.pattern.match(value):
            return f"'{value}' does not match"
        return f"'{value}' is {len(value)} characters long" if len(value) > rule.max_length else None
    if not isinstance(value, Symbolic):
        return None
    first = value.parts[0]
    if isinstance(first, str) and not first[:1].isalpha():
        return f"'{value}' does not begin with a letter"
    for part in value.parts:
        bad = sorted({c for c in part if not (c.isalnum() or c == "_")}) if isinstance(part, str) else []
        if bad:
            return f"'{value}' contains {''.join(bad)!r} in every deployment"
    return None


# ------------------------------------------------------------------------------------------------ PF4011


def check_collation(ctx: Context, resource: Resource) -> Iterator[Finding]:
    props = resource.properties
    family = _string(ctx, props, "Family")
    parameters = props.get("Parameters")
    if family is None or not isinstance(parameters, MapNode):
        return
    collation = _string(ctx, parameters, "collation_server")
    charset = _string(ctx, parameters, "character_set_server") or vd.default_character_set_server(family)
    if collation is None or charset is None:
        return
    if vd.charset_of_collation(collation) == vd.character_set(charset):
        return
    where = (
        ""
        if "character_set_server" in parameters
        else f" (the {family} default, as character_set_server is not set)"
    )
    yield _emit(
        ctx,
        "PF4011",
        parameters.value_span("collation_server"),
        f"collation_server '{collation}' is not valid for character_set '{charset}'{where}: set "
        f"character_set_server to {vd.charset_of_collation(collation)} in the same parameter group, or "
        f"choose a {charset} collation",
        resource,
    )


# ------------------------------------------------------------------------------------------------ PF4012


def check_cloudtrail_data_resources(ctx: Context, resource: Resource) -> Iterator[Finding]:
    selectors = _value(ctx, resource.properties.get("EventSelectors"))
    if not isinstance(selectors, list):
        return
    for selector in selectors:
        items = selector.get("DataResources") if isinstance(selector, dict) else None
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                yield from _data_resource(ctx, resource, item, child_span(items, index))


def _data_resource(ctx: Context, resource: Resource, item: dict[str, Any], span: Span) -> Iterator[Finding]:
    kind = item.get("Type")
    allowed = vd.cloudtrail_basic_data_resource_types()
    if isinstance(kind, str) and kind not in allowed:
        yield _emit(
            ctx,
            "PF4012",
            child_span(item, "Type", span),
            f"Invalid value for DataResources: Type {kind} cannot be logged with EventSelectors (only "
            f"{', '.join(sorted(allowed))}); use AdvancedEventSelectors for other resource types",
            resource,
        )
        return
    values = item.get("Values")
    if kind != "AWS::S3::Object" or not isinstance(values, list):
        return
    for index, value in enumerate(values):
        bucket = _bucket_of(value)
        if bucket is not None and any(c in bucket for c in "*?"):
            yield _emit(
                ctx,
                "PF4012",
                child_span(values, index, span),
                f"Invalid value for DataResources: Invalid ARN format {value}: a data resource names one "
                f"bucket (arn:aws:s3:::bucket/ or arn:aws:s3:::bucket/prefix); wildcards are not "
                f"allowed in the bucket name; use 'arn:aws:s3' to log every bucket",
                resource,
            )


def _bucket_of(value: Any) -> str | None:
    """The literal text of the bucket part of an S3 object ARN (symbols count as no characters)."""
    if isinstance(value, Symbolic):
        text = "".join(p if isinstance(p, str) else "" for p in value.parts)
    elif isinstance(value, str):
        text = value
    else:
        return None
    _, found, rest = text.partition(":::")
    return rest.partition("/")[0] if found else None


# ------------------------------------------------------------------------------------------------ PF4013


def check_reserved_concurrency(ctx: Context) -> Iterator[Finding]:
    reserved: list[tuple[Resource, int]] = []
    for resource in sorted(ctx.template.of_type(*_FUNCTION_TYPES), key=lambda r: r.key_span.start):
        amount = _string(ctx, resource.properties, "ReservedConcurrentExecutions")
        number = as_int(amount) if amount else None
        if amount and number is None and ctx.resolver.active(resource, _default()):
            # '²' passes str.isdigit() but is no integer; nor is '1.5' or a run of 5,000 digits (preflight.numbers)
            yield ctx.finding(
                "PF4013", resource.prop_span("ReservedConcurrentExecutions"),
                f"Properties validation failed for resource {resource.logical_id}: ReservedConcurrentExecutions "
                f"{amount[:40]!r} is not an integer (expected type: Integer)",
                resource=resource.logical_id, severity="error")
        if number is not None and number > 0 and ctx.resolver.active(resource, _default()):
            reserved.append((resource, number))
    if not reserved:
        return
    total = sum(amount for _, amount in reserved)
    quota, minimum = vd.lambda_concurrency_limits()
    parts = ", ".join(f"{r.logical_id} {amount}" for r, amount in reserved)
    beyond = (
        f"; {total} is more than the {quota - minimum} an account with the default quota can reserve"
        if total > quota - minimum
        else ""
    )
    first = reserved[0][0]
    yield ctx.finding(
        "PF4013",
        first.prop_span("ReservedConcurrentExecutions"),
        f"{vd.lambda_concurrency_error()}, unless the account's quota leaves room: this template reserves {total} "
        f"concurrent executions ({parts}). Lambda "
        f"keeps at least {minimum} unreserved (fewer on accounts with a lower quota), so this deploys only if the "
        f"region's concurrency quota is at least {total + minimum} plus what other functions already reserve: the "
        f"default quota is {quota}, and new accounts start lower{beyond}. It depends on the account: check "
        f"'Concurrent executions' in Service Quotas, or drop ReservedConcurrentExecutions",
        resource=first.logical_id,
        related=[r.logical_id for r, _ in reserved[1:]],
    )


# ------------------------------------------------------------------------------------------------ PF4014


def check_rest_api_methods(ctx: Context) -> Iterator[Finding]:
    template = ctx.template
    if any(t != "AWS::Serverless-2016-10-31" for t in template.transforms):
        return  # a macro may add methods
    with_methods: set[str] = set()
    for method in template.of_type("AWS::ApiGateway::Method"):
        target = _ref_target(method.properties.get("RestApiId"))
        if target is None:
            return  # a method whose API is not known offline may belong to any API
        with_methods.add(target)
    for deployment in template.of_type("AWS::ApiGateway::Deployment"):
        api_id = _ref_target(deployment.properties.get("RestApiId"))
        api = template.resources.get(api_id or "")
        if api is None or api.type != "AWS::ApiGateway::RestApi" or api_id in with_methods:
            continue
        if any(p in api.properties for p in ("Body", "BodyS3Location", "CloneFrom")):
            continue
        yield _emit(
            ctx,
            "PF4014",
            deployment.prop_span("RestApiId"),
            f"The REST API doesn't contain any methods: {deployment.logical_id} deploys {api.logical_id}, "
            f"which has no AWS::ApiGateway::Method in this template and no Body/BodyS3Location; add the "
            f"methods and list them in the deployment's DependsOn",
            deployment,
            related=[api.logical_id],
        )


# ------------------------------------------------------------------------------------------------ PF4015


def check_certificate_domain(ctx: Context, resource: Resource) -> Iterator[Finding]:
    props = resource.properties
    names: list[tuple[Any, Span]] = []
    if "DomainName" in props:
        names.append((_value(ctx, props["DomainName"]), resource.prop_span("DomainName")))
    sans = props.get("SubjectAlternativeNames")
    if isinstance(sans, SeqNode):
        names.extend((_value(ctx, item), sans.item_span(i)) for i, item in enumerate(sans))
    for value, span in names:
        reserved = _reserved(value)
        if reserved:
            yield _emit(
                ctx,
                "PF4015",
                span,
                f"Certificate can never be validated: {value} lies in {reserved}, a name reserved by "
                f"RFC 2606 that nobody can add ACM's validation record to, so the certificate goes to "
                f"FAILED ('DNS Record Set is not available. Certificate is in FAILED status.'); use a "
                f"domain you control, with its Route 53 HostedZoneId in DomainValidationOptions",
                resource,
            )
            return


def _reserved(value: Any) -> str | None:
    if isinstance(value, str):
        return vd.reserved_domain(value)
    if isinstance(value, Symbolic) and isinstance(value.parts[-1], str) and value.parts[-1].startswith("."):
        return vd.reserved_domain(value.parts[-1])
    return None


# ------------------------------------------------------------------------------------------------ registration

CHECKS = (
    Check(check_engine_version, ("PF4001",), types=_ENGINE_TYPES),
    Check(check_lambda_runtime, ("PF4002",)),
    Check(check_cidrs, ("PF4003", "PF4004", "PF4005")),
    Check(check_performance_insights, ("PF4006",), types=("AWS::RDS::DBInstance",)),
    Check(
        check_hardcoded_ami,
        ("PF4007",),
        types=("AWS::EC2::Instance", "AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration"),
    ),
    Check(check_flow_log, ("PF4008",), types=("AWS::EC2::FlowLog",)),
    Check(check_ssm_parameter_type, ("PF4009",), types=("AWS::SSM::Parameter",)),
    Check(check_database_name, ("PF4010",), types=("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")),
    Check(
        check_collation,
        ("PF4011",),
        types=("AWS::RDS::DBParameterGroup", "AWS::RDS::DBClusterParameterGroup"),
    ),
    Check(check_cloudtrail_data_resources, ("PF4012",), types=("AWS::CloudTrail::Trail",)),
    Check(check_reserved_concurrency, ("PF4013",)),
    Check(check_rest_api_methods, ("PF4014",)),
    Check(check_certificate_domain, ("PF4015",), types=("AWS::CertificateManager::Certificate",)),
)
