"""CloudFormation's per-template quotas (``template_quotas.json``): a template over one is rejected before any
resource is created."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from preflight.data._snapshot import data

_FILE = "template_quotas"


class TemplateQuotas(NamedTuple):
    body_bytes_s3: int
    body_bytes_inline: int
    resources: int
    parameters: int
    outputs: int
    mappings: int
    mapping_attributes: int
    name_chars: int
    description_bytes: int
    parameter_value_bytes: int
    dynamic_references: int


@cache
def template_quotas() -> TemplateQuotas:
    raw = data(_FILE)
    return TemplateQuotas(**{field: int(raw[field]) for field in TemplateQuotas._fields})


QUOTAS_URL = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"


class SinglePolicyType(NamedTuple):
    """A resource type that writes the single resource policy of its target (``resource_policies.json``)."""

    type_name: str
    target: str  # the property naming the bucket, queues or topics
    what: str
    api: str
    doc_url: str


@cache
def single_policy_types() -> tuple[SinglePolicyType, ...]:
    return tuple(
        SinglePolicyType(name, str(row["target"]), str(row["what"]), str(row["api"]), str(row["doc_url"]))
        for name, row in sorted(data("resource_policies").items())
    )
