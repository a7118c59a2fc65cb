"""A fix as Python ``aws_cdk`` code, for templates synthesized by the CDK (``Metadata: aws:cdk:path``).

A cdk.out template is generated, so `preflight fix` never writes it: the change belongs in the CDK app, on the
construct the path names. Values are written with ``Fn.sub`` / ``Fn.ref`` / ``Fn.get_att`` and ``Aws.*``, which
mean in the app what the template's references mean (a construct variable is named after the construct's id).
"""

from __future__ import annotations

import json
from typing import Any

_PSEUDO = {"AWS::AccountId": "Aws.ACCOUNT_ID", "AWS::Region": "Aws.REGION", "AWS::Partition": "Aws.PARTITION",
           "AWS::StackName": "Aws.STACK_NAME", "AWS::URLSuffix": "Aws.URL_SUFFIX"}


def variable(path: str) -> str:
    """A Python name for the construct of a path: ``Stack/AppKey/Resource`` -> ``app_key``."""
    parts = [p for p in path.split("/") if p and p not in ("Resource", "Default")]
    name = parts[-1] if parts else path
    out = []
    for index, char in enumerate(name):
        if char.isupper() and index and (name[index - 1].islower() or name[index - 1].isdigit()):
            out.append("_")
        out.append(char.lower() if char.isalnum() else "_")
    text = "".join(out).strip("_") or "construct"
    return "_" + text if text[0].isdigit() else text


def value(item: Any) -> str:
    if isinstance(item, dict) and len(item) == 1:
        name, arg = next(iter(item.items()))
        if name == "Ref" and isinstance(arg, str):
            return _PSEUDO.get(arg, f"Fn.ref({json.dumps(arg)})")
        if name == "Fn::Sub" and isinstance(arg, str):
            return f"Fn.sub({json.dumps(arg)})"
        if name == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2:
            return f"Fn.get_att({json.dumps(arg[0])}, {json.dumps(arg[1])}).to_string()"
    if isinstance(item, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {value(v)}" for k, v in item.items()) + "}"
    if isinstance(item, list):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, bool):
        return "True" if item else "False"
    return json.dumps(item)


def _listed(item: Any) -> list[Any]:
    return item if isinstance(item, list) else [item]


def _principals(principal: Any) -> str:
    found = []
    if isinstance(principal, dict):
        for service in _listed(principal.get("Service", [])):
            found.append(f"iam.ServicePrincipal({value(service)})")
        for arn in _listed(principal.get("AWS", [])):
            found.append(f"iam.ArnPrincipal({value(arn)})")
    return "[" + ", ".join(found) + "]"


def policy_statement(statement: dict[str, Any]) -> str:
    args = []
    if "Sid" in statement:
        args.append(f"sid={value(statement['Sid'])}")
    if statement.get("Effect") == "Deny":
        args.append("effect=iam.Effect.DENY")
    args.append(f"principals={_principals(statement.get('Principal'))}")
    args.append(f"actions={value(_listed(statement.get('Action', [])))}")
    if "Resource" in statement:
        args.append(f"resources={value(_listed(statement['Resource']))}")
    if "Condition" in statement:
        args.append(f"conditions={value(statement['Condition'])}")
    return "iam.PolicyStatement(\n    " + ",\n    ".join(args) + ",\n)"


def add_statements(owner_path: str, owner_type: str, statements: list[dict[str, Any]]) -> str:
    """``key.add_to_resource_policy(...)`` (keys, buckets, topics, queues) or
    ``role.assume_role_policy.add_statements(...)`` (a trust policy)."""
    owner = variable(owner_path)
    call = (f"{owner}.assume_role_policy.add_statements" if owner_type == "AWS::IAM::Role"
            else f"{owner}.add_to_resource_policy")
    head = "from aws_cdk import Aws, Fn, aws_iam as iam\n\n"
    return head + "\n".join(f"{call}({policy_statement(s)})" for s in statements)


def add_permission(function_path: str, name: str, properties: dict[str, Any]) -> str:
    """``function.add_permission(...)`` for a missing Lambda permission."""
    args = [json.dumps(name), f"principal=iam.ServicePrincipal({value(properties['Principal'])})",
            f"source_arn={value(properties['SourceArn'])}", "source_account=Aws.ACCOUNT_ID"]
    return ("from aws_cdk import Aws, Fn, aws_iam as iam\n\n"
            f"{variable(function_path)}.add_permission(\n    " + ",\n    ".join(args) + ",\n)")
