"""What kind of value `Ref` and `Fn::GetAtt` return per resource type: an ARN, a URL, or a name or id.

Derived from resource_types.json (what Ref returns, from the schemas' primaryIdentifier with the curated "Return
values" of each type's AWS reference page; the attributes Fn::GetAtt accepts), so every fact keeps that file's
sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html
and each type's page (aws-resource-<service>-<resource>.html, "Return values").

Kinds:
- "arn": the value starts with "arn:" (Ref of a type whose Ref is its ARN; GetAtt of an attribute named Arn or
  ...Arn, which CloudFormation documents as the ARN).
- "url": the value is a URL, "https://..." (Ref of AWS::SQS::Queue).
- "name": a name or id that is not an ARN. Only said where the Ref value is documented (curated) or is the
  resource's name property: a schema primaryIdentifier called "Id" may be an ARN (AWS::SecretsManager::Secret).
None: not known; no check relies on it.
"""

from __future__ import annotations

from typing import NamedTuple

from preflight.data.resources import resource_type


class RefValue(NamedTuple):
    kind: str  # "arn" | "url" | "name"
    what: str  # for messages: "the role name", "the queue URL"


def ref_value(type_name: str) -> RefValue | None:
    info = resource_type(type_name)
    if info is None or "|" in info.ref or "|" in info.ref_description:
        return None  # unknown type, or a composite 'a|b' identifier (whose first part may be an ARN)
    what = info.ref_description.split(",")[0].split(" (")[0].split(";")[0].split(" when ")[0]
    if info.ref_is_arn:
        return RefValue("arn", what)
    if "URL" in info.ref_description or info.ref.endswith(("Url", "URL")):
        return RefValue("url", what)
    if (
        info.ref_source == "curated"
        or info.curated
        or (info.name_property and info.ref == info.name_property)
    ):
        if "ARN" in info.ref_description:
            return None  # "the ARN or the name": not one kind
        return RefValue("name", what)
    return None


def attribute_value(type_name: str, attribute: str) -> RefValue | None:
    info = resource_type(type_name)
    if info is None or attribute not in info.attributes:
        return None
    leaf = attribute.rsplit(".", 1)[-1]
    if leaf.endswith(("Arn", "ARN")):
        return RefValue("arn", f"the {attribute} attribute (an ARN)")
    if leaf.endswith(("Url", "URL")) and not leaf.endswith(("DomainUrl",)):
        return RefValue("url", f"the {attribute} attribute (a URL)")
    if leaf.endswith("Name") and not leaf.endswith(("DNSName", "DomainName")):
        return RefValue("name", f"the {attribute} attribute (a name)")
    return None


def arn_expression(logical_id: str, type_name: str) -> str | None:
    """How to get the ARN of a resource of this type: `!Ref X` or `!GetAtt X.<attribute>`, when the data knows."""
    info = resource_type(type_name)
    if info is None:
        return None
    if info.ref_is_arn and "|" not in info.ref:
        return f"!Ref {logical_id}"
    if "Arn" in info.attributes:
        return f"!GetAtt {logical_id}.Arn"
    arns = sorted(a for a in info.attributes if "." not in a and a.endswith(("Arn", "ARN")))
    return f"!GetAtt {logical_id}.{arns[0]}" if len(arns) == 1 else None


def name_expression(logical_id: str, type_name: str) -> str | None:
    """How to get the name or id of a resource (what Ref returns when that is not the ARN)."""
    ref = ref_value(type_name)
    if ref is not None and ref.kind == "name":
        return f"!Ref {logical_id}"
    return None
