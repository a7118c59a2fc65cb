"""The cycle fix of PF1001 for security groups that name each other in inline rules: move one inline rule into
an ``AWS::EC2::SecurityGroupIngress`` / ``Egress`` resource, which depends on both groups, so neither group
depends on the other (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupingress.html).

An ingress rule moves as it is. An egress rule moves only when another inline egress rule stays: a group whose
SecurityGroupEgress is empty gets the default allow-all egress rule back, which would grant new access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from preflight.findings import Edit, Fix
from preflight.fix.edits import CannotEdit, add_resource, remove_item, remove_key
from preflight.fix.policy import editable
from preflight.source.nodes import SeqNode, plain_values

_RULES = {"SecurityGroupIngress": "AWS::EC2::SecurityGroupIngress",
          "SecurityGroupEgress": "AWS::EC2::SecurityGroupEgress"}



def _candidates(ctx: Any, edges: list[Any]) -> list[Any]:
    """Inline rule edges of the cycle, ingress first (an ingress rule always moves safely)."""
    resources = ctx.template.resources
    found = [e for e in edges if resources[e.source].type == "AWS::EC2::SecurityGroup" and len(e.path) > 2
             and e.path[0] == "Properties" and e.path[1] in _RULES and isinstance(e.path[2], int)]
    return sorted(found, key=lambda e: (e.path[1] != "SecurityGroupIngress", e.source))


def _move(ctx: Any, edge: Any) -> tuple[Edit, ...]:
    group = ctx.template.resources[edge.source]
    prop, index = edge.path[1], edge.path[2]
    rules = group.properties.get(prop)
    if not isinstance(rules, SeqNode) or not 0 <= index < len(rules) or not isinstance(rules[index], dict):
        raise CannotEdit(f"the rule of {group.logical_id} is not an item of a list of the file")
    if prop == "SecurityGroupEgress" and len(rules) < 2:
        raise CannotEdit(f"{group.logical_id} would be left without inline egress rules, and EC2 would add back "
                         "the default allow-all egress rule")
    removal = remove_item(ctx.document, rules, index) if len(rules) > 1 else \
        remove_key(ctx.document, group.properties, prop)
    name, number = f"{group.logical_id}{prop[len('SecurityGroup'):]}{index}", 2
    while name in ctx.template.resources:
        name, number = f"{group.logical_id}{prop[len('SecurityGroup'):]}{index}x{number}", number + 1
    body = {"Type": _RULES[prop],
            "Properties": {"GroupId": {"Fn::GetAtt": [group.logical_id, "GroupId"]}, **plain_values(rules[index])}}
    for after in (edge.target, None):
        addition = add_resource(ctx.document, name, body, after=after)
        if not removal.start <= addition.start <= removal.end:
            return tuple(sorted((removal, addition)))
    raise CannotEdit("the new resource and the removed rule would overlap")


def cycle_fix(ctx: Any, members: list[str], edges: list[Any], has_cycle: Callable[[list[Any]], bool]) -> Fix | None:
    """The fix of a security-group cycle, or None for the other cycle shapes."""
    candidates = _candidates(ctx, edges)
    if not candidates:
        return None
    errors = []
    for edge in candidates:
        title = (f"move the {edge.path[1][len('SecurityGroup'):].lower()} rule of {edge.source} that names "
                 f"{edge.target} into an {_RULES[edge.path[1]]} resource")
        rest = [e for e in edges if not (e.source == edge.source and e.path[:3] == edge.path[:3])]
        if has_cycle(rest):
            errors.append(f"moving the rule of {edge.source} alone leaves a cycle")
            continue
        try:
            editable(ctx, edge.source, edge.target, adds=True)
            return Fix(title, "safe", _move(ctx, edge))
        except CannotEdit as exc:
            errors.append(exc.reason)
    edge = candidates[0]
    title = f"move the rule of {edge.source} that names {edge.target} into a separate resource"
    return Fix(title, "display", reason="; ".join(dict.fromkeys(errors)))
