"""Resolve template nodes to values per scenario: one small evaluator per intrinsic, in a dispatch table.

Every evaluator first checks its argument's shape (resolve/shapes.py); a malformed call resolves to Unknown with
the reason, and the template-structure check reports it. Values follow resolve/values.py: plain data when known,
Symbolic when made of literals and symbols, Unknown otherwise. Nothing is guessed.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from preflight.model.template import Parameter, Resource, Template
from preflight.numbers import as_int
from preflight.resolve.pins import NO_VALUE, PSEUDO_NAMES, Pins, pseudo_value
from preflight.resolve.scenarios import (
    DEFAULT,
    Other,
    Scenario,
    ScenarioSet,
    condition_inputs,
    enumerate_scenarios,
)
from preflight.resolve.shapes import SHAPES, intrinsic_name
from preflight.resolve.values import Symbol, Symbolic, Unknown, is_known, is_stringlike
from preflight.source.nodes import MapNode, SeqNode, span_of
from preflight.source.span import Span

# Bounds on what evaluating one template may cost (issue 12: hostile input). CloudFormation accepts a template body
# of at most 1,000,000 bytes, so no honest value is longer; a value built past that (Fn::Base64 or Fn::Sub nested
# so that each level doubles it) stays Unknown, and the engine reports what was cut (PF0011). Symbols are bounded
# separately: a name of 4,000 ${AWS::Region} referenced 4,000 times would otherwise make 16 million parts.
MAX_VALUE_CHARS = 1_000_000
MAX_PARTS = 20_000
MAX_WORK = 1_000_000  # the deployed corpus peaks at 7,000
# Evaluations nested in one another (an intrinsic inside an intrinsic, a reference to a resource whose name refers
# to the next one...): beyond this, Python's own recursion limit would be next.
MAX_NESTING = 100
# Fn::Cidr: "count: the number of CIDRs to generate. Valid range is between 1 and 256."
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html
CIDR_MAX_COUNT = 256

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_ARN_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


class _AZList:
    """The result of Fn::GetAZs: a list whose items are symbols (one per index) of unknown length."""

    def __init__(self, region: Any) -> None:
        self.region = region

    def item(self, index: int) -> Symbol:
        return Symbol(f"az:{index}", "pseudo", f"Availability Zone #{index} of the region", min_len=10, max_len=20)


class _Cut(Exception):
    """An evaluation stopped at one of the bounds above; caught where the intrinsic was called."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Resolver:
    """Resolves nodes of one template. Pure with respect to the template: results are cached, nothing mutated.

    ``cuts`` records each bound that stopped an evaluation (reason -> where it was first hit), for the engine to
    report: the value itself is Unknown with that reason."""

    def __init__(self, template: Template, pins: Pins | None = None) -> None:
        self.template = template
        self.pins = pins or Pins()
        self._cache: dict[tuple[int, Scenario], tuple[Any, Any]] = {}
        self._resolving: set[str] = set()
        self._scenarios: ScenarioSet | None = None
        self._never_created: frozenset[str] | None = None
        self._condition_cache: dict[tuple[str, Scenario], bool | None] = {}
        self._pseudo = {name: pseudo_value(name, self.pins) for name in PSEUDO_NAMES}
        self._depth = 0
        self.work = 0  # parts of Fn::Sub / Fn::Join results built so far (bounded by MAX_WORK)
        self.cuts: dict[str, Span | None] = {}

    # ------------------------------------------------------------------ public

    @property
    def enumerated(self) -> ScenarioSet | None:
        """The scenarios if some caller needed them, else None (enumeration is lazy)."""
        return self._scenarios

    @property
    def scenarios(self) -> ScenarioSet:
        if self._scenarios is None:
            self._scenarios = self._enumerate()
        return self._scenarios

    def resolve(self, node: Any, scenario: Scenario = DEFAULT) -> Any:
        """The value of `node` in `scenario`. AWS::NoValue is returned as NO_VALUE at the top level only."""
        if isinstance(node, (MapNode, SeqNode)):
            # Template nodes live as long as the document: their id is a stable key. The node is kept in the
            # entry anyway so that an id can never be reused while cached.
            key = (id(node), scenario)
            cached = self._cache.get(key)
            if cached is not None and cached[0] is node:
                return cached[1]
            value = self._nested(node, scenario)
            self._cache[key] = (node, value)
            return value
        if isinstance(node, (dict, list)):
            return self._nested(node, scenario)
        return node

    def _nested(self, node: Any, scenario: Scenario) -> Any:
        """_resolve one level deeper, bounded (MAX_NESTING; Python's recursion limit as the last resort)."""
        if self._depth >= MAX_NESTING:
            return self._cut(f"values nested more than {MAX_NESTING} levels deep (intrinsic functions within one "
                             "another, or references from resource to resource)", span_of(node))
        self._depth += 1
        try:
            return self._resolve(node, scenario)
        except RecursionError:
            if self._depth > 1:
                raise
            return self._cut("values nested too deeply to evaluate", span_of(node))
        finally:
            self._depth -= 1

    def _cut(self, reason: str, origin: Span | None) -> Unknown:
        """Record that a bound stopped an evaluation (first place per reason) and return the Unknown it leaves."""
        self.cuts.setdefault(reason, origin)
        return Unknown(reason, origin)

    def resolve_all(self, node: Any) -> list[tuple[Scenario, Any]]:
        """The distinct values of `node` across the scenarios in which they occur (first scenario of each)."""
        results: list[tuple[Scenario, Any]] = []
        seen: list[Any] = []
        for scenario in self.scenarios.scenarios:
            value = self.resolve(node, scenario)
            if any(_same(value, other) for other in seen):
                continue
            seen.append(value)
            results.append((scenario, value))
        return results

    def ref(self, name: str, scenario: Scenario = DEFAULT) -> Any:
        """What {"Ref": name} resolves to (a parameter, pseudo parameter or resource)."""
        return self._ref(name, scenario)

    def attribute(self, logical_id: str, attribute: str, scenario: Scenario = DEFAULT) -> Any:
        """What {"Fn::GetAtt": [logical_id, attribute]} resolves to."""
        return self._getatt([logical_id, attribute], scenario)

    def condition(self, name: str, scenario: Scenario) -> bool | None:
        """Truth of a named condition in a scenario (None when the condition does not exist or is undecidable)."""
        known = scenario.condition(name)
        if known is not None:
            return known
        return self._eval_condition(name, scenario)

    def active(self, resource: Resource, scenario: Scenario) -> bool:
        """Whether the resource exists in this scenario (its Condition, when it has one)."""
        if resource.condition is None:
            return True
        return self.condition(resource.condition, scenario) is not False

    def never_created(self) -> frozenset[str]:
        """The resources whose Condition is false in every scenario (`!Equals ['true', 'false']`, a Region check
        under a pinned Region ...): CloudFormation never creates them. Empty when the enumeration was cut short."""
        if self._never_created is None:
            conditional = [r for r in self.template.resources.values()
                           if isinstance(r.condition, str) and r.condition in self.template.conditions]
            dead: frozenset[str] = frozenset()
            if conditional and not self.scenarios.truncated:
                scenarios = self.scenarios.scenarios
                dead = frozenset(r.logical_id for r in conditional
                                 if all(self.condition(str(r.condition), s) is False for s in scenarios))
            self._never_created = dead
        return self._never_created

    # ------------------------------------------------------------------ walking

    def _resolve(self, node: Any, scenario: Scenario) -> Any:
        if isinstance(node, dict):
            name = intrinsic_name(node)
            if name is not None:
                return self._call(name, node[name], node, scenario)
            result = MapNode(span_of(node))
            for key, value in node.items():
                resolved = self.resolve(value, scenario)
                if resolved is NO_VALUE:
                    continue
                result[key] = resolved
                if isinstance(node, MapNode):
                    result.key_spans[key] = node.key_span(key)
                    result.value_spans[key] = node.value_span(key)
            return result
        if isinstance(node, list):
            items = SeqNode(span_of(node))
            for index, value in enumerate(node):
                resolved = self.resolve(value, scenario)
                if resolved is NO_VALUE:
                    continue
                items.append(resolved)
                if isinstance(node, SeqNode):
                    items.item_spans.append(node.item_span(index))
            return items
        return node

    def _call(self, name: str, arg: Any, node: Any, scenario: Scenario) -> Any:
        problem = SHAPES[name](arg)
        if problem is not None:
            return Unknown(f"malformed {name}: {problem}", span_of(node))
        try:
            value = _DISPATCH[name](self, arg, scenario)
        except _Cut as cut:
            return self._cut(cut.reason, span_of(node))
        if isinstance(value, (Symbolic, Unknown)) and value.origin is None:
            value = value.with_origin(span_of(node))  # the value says where it came from
        return value

    # ------------------------------------------------------------------ Ref / GetAtt

    def _ref(self, name: str, scenario: Scenario) -> Any:
        if name.startswith("AWS::"):
            assigned = scenario.input(name)
            if assigned is not None and not isinstance(assigned, Other):
                return assigned
        pseudo = self._pseudo.get(name)
        if pseudo is not None:
            return pseudo
        parameter = self.template.parameters.get(name)
        if parameter is not None:
            return self._parameter_value(parameter, scenario)
        resource = self.template.resources.get(name)
        if resource is not None:
            return self._resource_ref(resource, scenario)
        return Unknown(f"Ref to '{name}', which is not a parameter or resource of this template")

    def _parameter_value(self, parameter: Parameter, scenario: Scenario) -> Any:
        name = parameter.name
        assigned = scenario.input(name)
        if assigned is not None and not isinstance(assigned, Other):
            return self._typed_parameter(parameter, assigned)
        if name in self.pins.parameters:
            return self._typed_parameter(parameter, self.pins.parameters[name])
        if parameter.is_ssm:
            return Symbol(f"param:{name}", "parameter", f"the SSM parameter behind parameter {name}")
        if parameter.has_default and not isinstance(assigned, Other):
            return self._typed_parameter(parameter, parameter.default)
        allowed = tuple(str(v) for v in parameter.allowed_values) if parameter.allowed_values else None
        symbol = Symbol(
            f"param:{name}",
            "parameter",
            f"parameter {name}",
            min_len=parameter.min_length,
            max_len=parameter.max_length or (max(len(a) for a in allowed) if allowed else None),
            allowed=allowed,
            # its AllowedPattern, read by the matcher as a shape when it can (policy/match.py _shape_of)
            charset=f"re:{parameter.allowed_pattern}" if isinstance(parameter.allowed_pattern, str) else None,
        )
        if parameter.is_list:
            return Unknown(f"the list given for parameter {name}")
        return symbol

    @staticmethod
    def _typed_parameter(parameter: Parameter, value: Any) -> Any:
        if parameter.is_list and isinstance(value, str):
            items = SeqNode()
            items.extend(part.strip() for part in value.split(","))
            return items
        if parameter.type == "Number" and isinstance(value, (int, float)):
            return value
        if isinstance(value, dict):  # an intrinsic in Default: CloudFormation rejects it, the value is not known
            return Unknown(f"the Default of parameter {parameter.name} is not a plain value")
        return value if isinstance(value, list) else str(value) if not isinstance(value, bool) else str(value).lower()

    def _resource_ref(self, resource: Resource, scenario: Scenario) -> Any:
        info = resource_type(resource.type)
        ref_property = getattr(info, "ref_property", None) if info else None
        if ref_property and ref_property in resource.properties:
            value = self._guarded(resource.logical_id, resource.properties[ref_property], scenario)
            if isinstance(value, (str, Symbolic)):
                return value
        if info is not None and getattr(info, "ref_is_arn", False):
            arn = self._arn(resource, scenario)
            if arn is not None:
                return arn
        return self._generated_symbol(resource, "ref")

    def _generated_symbol(self, resource: Resource, kind: str) -> Symbol:
        info = resource_type(resource.type)
        generated = getattr(info, "generated_name", None) if info else None
        # Where Ref returns something else than the name (a queue's URL, a security group's id), the generated
        # name's length bound and shape hold for the name only.
        same = info is None or getattr(info, "ref_property", None) == getattr(info, "name_property", None)
        is_name = kind != "ref" or same
        max_len = getattr(generated, "max_len", None) if generated and is_name else None
        what = "the physical id" if kind == "ref" else "the generated name"
        return Symbol(
            f"ref:{resource.logical_id}",
            "resource",
            f"{what} of {resource.logical_id}",
            min_len=1,
            max_len=max_len,
            charset=_generated_shape(info, kind) if is_name else None,
        )

    def name_of(self, resource: Resource, scenario: Scenario = DEFAULT) -> Any:
        """The physical name of a resource: its name property's value, or the symbol of the generated name."""
        info = resource_type(resource.type)
        prop = getattr(info, "name_property", None) if info else None
        if prop and prop in resource.properties:
            value = self._guarded(resource.logical_id, resource.properties[prop], scenario)
            if value is not NO_VALUE:
                return value
        return self._generated_symbol(resource, "name")

    def _guarded(self, logical_id: str, node: Any, scenario: Scenario) -> Any:
        if logical_id in self._resolving:
            return Unknown(f"a value of {logical_id} that refers to itself")
        if len(self._resolving) >= MAX_NESTING:
            return self._cut(f"references chained through more than {MAX_NESTING} resources", span_of(node))
        self._resolving.add(logical_id)
        try:
            return self.resolve(node, scenario)
        finally:
            self._resolving.discard(logical_id)

    def _getatt(self, arg: Any, scenario: Scenario) -> Any:
        if isinstance(arg, str):
            logical_id, _, attribute = arg.partition(".")
        else:
            logical_id, attribute = arg[0], arg[1]
            if not isinstance(attribute, str):
                attribute = self.resolve(attribute, scenario)
                if not isinstance(attribute, str):
                    return Unknown(f"an attribute of {logical_id} chosen at deploy time")
        resource = self.template.resources.get(logical_id)
        if resource is None:
            return Unknown(f"GetAtt of '{logical_id}', which is not a resource of this template")
        if attribute == "Arn":
            arn = self._arn(resource, scenario)
            if arn is not None:
                info = resource_type(resource.type)
                suffix = getattr(info, "getatt_arn_suffix", "") if info else ""
                if suffix and isinstance(arn, (str, Symbolic)):
                    return Symbolic.of([*(arn.parts if isinstance(arn, Symbolic) else [arn]), suffix], resource.key_span)
                return arn
        if attribute in ("Name",) or _is_name_attribute(resource, attribute):
            name = self.name_of(resource, scenario)
            if isinstance(name, (str, Symbolic)):
                return name
        return Symbol(f"attr:{logical_id}.{attribute}", "attribute", f"{logical_id}.{attribute}")

    def arn_of(self, resource: Resource, scenario: Scenario = DEFAULT) -> Any:
        """The resource's ARN as IAM policies and request contexts name it (not always what GetAtt Arn returns:
        a log group's GetAtt Arn ends with ':*'); None when the data has no ARN format for the type."""
        return self._arn(resource, scenario)

    def _arn(self, resource: Resource, scenario: Scenario) -> Any:
        """The ARN of a resource, built from the data's ARN format; None when the data has no format."""
        info = resource_type(resource.type)
        arn_format = getattr(info, "arn_format", None) if info else None
        if not arn_format:
            return None
        parts: list[Any] = []
        position = 0
        for match in _ARN_PLACEHOLDER.finditer(arn_format):
            parts.append(arn_format[position : match.start()])
            parts.append(self._arn_part(resource, match.group(1), scenario))
            position = match.end()
        parts.append(arn_format[position:])
        flat: list[Any] = []
        for part in parts:
            if isinstance(part, Symbolic):
                flat.extend(part.parts)
            elif isinstance(part, Unknown):
                return Unknown(f"the ARN of {resource.logical_id} ({part.reason})")
            else:
                flat.append(part)
        return Symbolic.of(flat, resource.key_span)

    def _arn_part(self, resource: Resource, placeholder: str, scenario: Scenario) -> Any:
        if placeholder == "Partition":
            return self._ref("AWS::Partition", scenario)
        if placeholder == "Region":
            return self._ref("AWS::Region", scenario)
        if placeholder == "Account":
            return self._ref("AWS::AccountId", scenario)
        info = resource_type(resource.type)
        if info is not None and getattr(info, "arn_uses", "name") == "ref":
            return self._ref(resource.logical_id, scenario)
        name = self.name_of(resource, scenario)
        if placeholder.endswith("WithPath"):
            # IAM ARNs carry the path: arn:aws:iam::123456789012:role/division/app (Path "/division/")
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
            path = self.resolve(resource.properties.get("Path", "/"), scenario)
            if isinstance(path, str) and isinstance(name, (str, Symbolic, Symbol)):
                prefix = path.strip("/")
                name = Symbolic.of([prefix + "/" if prefix else "", *(name.parts if isinstance(name, Symbolic) else [name])])
        if isinstance(name, (str, Symbolic, Symbol)):
            return name if not isinstance(name, Symbol) else Symbolic((name,))
        return Unknown(f"the name of {resource.logical_id}")

    # ------------------------------------------------------------------ strings

    def _sub(self, arg: Any, scenario: Scenario) -> Any:
        if isinstance(arg, str):
            template, variables = arg, {}
        else:
            template, variables = arg[0], arg[1]
        parts: list[Any] = []
        position = 0
        for match in _SUB_VAR.finditer(template):
            parts.append(template[position : match.start()])
            position = match.end()
            expression = match.group(1)
            if expression.startswith("!"):
                parts.append("${" + expression[1:] + "}")  # ${!Literal} renders as ${Literal}
                continue
            expression = expression.strip()
            if expression in variables:
                value = self.resolve(variables[expression], scenario)
            elif "." in expression and not expression.startswith("AWS::"):
                logical_id, _, attribute = expression.partition(".")
                value = self._getatt([logical_id, attribute], scenario)
            else:
                value = self._ref(expression, scenario)
            if isinstance(value, Unknown):
                return Unknown(value.reason, value.origin)
            if isinstance(value, Symbolic):
                parts.extend(value.parts)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                parts.append(str(value))
            elif isinstance(value, (str, Symbol)):
                parts.append(value)
            else:
                return Unknown(f"${{{expression}}} in Fn::Sub is not a string")
            if len(parts) > MAX_PARTS:
                raise _Cut(f"an Fn::Sub result of more than {MAX_PARTS} parts")
        parts.append(template[position:])
        return Symbolic.of(self._bounded(parts, "Fn::Sub"))

    def _bounded(self, parts: list[Any], what: str) -> list[Any]:
        """The parts, unless their literal text is longer than any template CloudFormation accepts, or the parts
        built so far for this template exceed MAX_WORK (values that grow along a chain of resources, in every
        scenario, cost quadratic time)."""
        self.work += len(parts)
        if self.work > MAX_WORK:
            raise _Cut(f"the template's values (more than {MAX_WORK:,} parts built across resources and "
                       "scenarios); later values were not evaluated")
        if sum(len(p) for p in parts if isinstance(p, str)) > MAX_VALUE_CHARS:
            raise _Cut(f"an {what} result longer than {MAX_VALUE_CHARS:,} characters")
        return parts

    def _join(self, arg: Any, scenario: Scenario) -> Any:
        delimiter = arg[0]
        items = self.resolve(arg[1], scenario)
        if isinstance(items, Unknown):
            return items
        if not isinstance(items, list):
            return Unknown("Fn::Join of something that is not a list")
        parts: list[Any] = []
        for index, item in enumerate(items):
            if index:
                parts.append(delimiter)
            if isinstance(item, Symbolic):
                parts.extend(item.parts)
            elif isinstance(item, (str, Symbol)):
                parts.append(item)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                parts.append(str(item))
            elif isinstance(item, Unknown):
                return item
            else:
                return Unknown("Fn::Join of a value that is not a string")
            if len(parts) > MAX_PARTS * 2 + 1:  # with the delimiters
                raise _Cut(f"an Fn::Join result of more than {MAX_PARTS} parts")
        return Symbolic.of(self._bounded(parts, "Fn::Join"))

    def _select(self, arg: Any, scenario: Scenario) -> Any:
        index = self.resolve(arg[0], scenario)
        position = as_int(index)
        if position is None:
            if isinstance(index, (str, int, float)) and not isinstance(index, bool):
                return Unknown(f"Fn::Select index {str(index)[:40]!r} is not an integer")
            return Unknown("Fn::Select with an index chosen at deploy time")
        items = self._list_arg(arg[1], scenario)
        if isinstance(items, _AZList):
            return items.item(position)
        if not isinstance(items, list):
            return items if isinstance(items, Unknown) else Unknown("Fn::Select from something that is not a list")
        if not 0 <= position < len(items):
            return Unknown(f"Fn::Select index {position} is outside a list of {len(items)}")
        return items[position]

    def _list_arg(self, node: Any, scenario: Scenario) -> Any:
        if isinstance(node, dict) and intrinsic_name(node) == "Fn::GetAZs":
            return _AZList(self.resolve(node["Fn::GetAZs"], scenario))
        return self.resolve(node, scenario)

    def _split(self, arg: Any, scenario: Scenario) -> Any:
        delimiter, source = arg[0], self.resolve(arg[1], scenario)
        if not delimiter:
            # Python refuses an empty separator and CloudFormation documents none: the value stays unknown.
            raise _Cut("Fn::Split with an empty delimiter")
        if isinstance(source, str):
            items = SeqNode()
            items.extend(source.split(delimiter))
            return items
        return Unknown("Fn::Split of a value known only at deploy time")

    def _base64(self, arg: Any, scenario: Scenario) -> Any:
        value = self.resolve(arg, scenario)
        if isinstance(value, str):
            if len(value) * 4 // 3 > MAX_VALUE_CHARS:  # each nesting level grows the value by a third
                raise _Cut(f"an Fn::Base64 result longer than {MAX_VALUE_CHARS:,} characters")
            return base64.b64encode(value.encode()).decode()
        return Unknown("Fn::Base64 of a value known only at deploy time")

    def _cidr(self, arg: Any, scenario: Scenario) -> Any:
        import ipaddress

        block, count, bits = (self.resolve(a, scenario) for a in arg)
        number, width = as_int(count), as_int(bits)
        if number is None or width is None or not isinstance(block, str):
            return Unknown("Fn::Cidr of values known only at deploy time")
        if not 1 <= number <= CIDR_MAX_COUNT:
            raise _Cut(f"Fn::Cidr with a count outside 1..{CIDR_MAX_COUNT}")
        try:
            network = ipaddress.ip_network(block, strict=False)
            count, bits = number, width
            prefix = network.max_prefixlen - bits
            subnets = SeqNode()
            for index, subnet in enumerate(network.subnets(new_prefix=prefix)):
                if index >= count:
                    break
                subnets.append(str(subnet))
            return subnets
        except (TypeError, ValueError):
            return Unknown("Fn::Cidr of values known only at deploy time")

    def _import_value(self, arg: Any, scenario: Scenario) -> Any:
        name = self.resolve(arg, scenario)
        if isinstance(name, str):
            return Symbol(f"import:{name}", "import", f"the value exported as '{name}'")
        return Unknown("an imported value")

    def _length(self, arg: Any, scenario: Scenario) -> Any:
        items = self.resolve(arg, scenario)
        return len(items) if isinstance(items, list) else Unknown("Fn::Length of a list known only at deploy time")

    def _to_json_string(self, arg: Any, scenario: Scenario) -> Any:
        value = self.resolve(arg, scenario)
        fits = _json_within(value, MAX_VALUE_CHARS)
        if fits is None:
            return Unknown("Fn::ToJsonString of values known only at deploy time")
        if not fits:
            raise _Cut(f"an Fn::ToJsonString result longer than {MAX_VALUE_CHARS:,} characters")
        # Symbols (a Ref to AWS::Region, a parameter...) stay symbols inside the JSON text: each is encoded as a
        # private-use placeholder that json.dumps escapes, then put back. (The symbol's value is taken as needing
        # no JSON escaping: a region, an account id or a name does not.)
        symbols: list[Symbol] = []
        text = json.dumps(_with_placeholders(value, symbols), separators=(",", ":"))
        if not symbols:
            return text
        parts: list[Any] = []
        position = 0
        for number, match in enumerate(_PLACEHOLDER.finditer(text)):
            if int(match.group(1)) != number or number >= len(symbols):
                return Unknown("Fn::ToJsonString of values known only at deploy time")
            parts.extend((text[position : match.start()], symbols[number]))
            position = match.end()
        parts.append(text[position:])
        return Symbolic.of(parts)

    def _getazs(self, arg: Any, scenario: Scenario) -> Any:
        return Unknown("the Availability Zones of the region (Fn::GetAZs)")

    @staticmethod
    def _opaque(arg: Any, scenario: Scenario) -> Any:
        return Unknown("a macro or transform evaluated by CloudFormation")

    # ------------------------------------------------------------------ conditions

    def _if(self, arg: Any, scenario: Scenario) -> Any:
        truth = self.condition(arg[0], scenario)
        if truth is None:
            if arg[0] not in self.template.conditions:
                return Unknown(f"Fn::If on condition '{arg[0]}', which is not defined")
            return Unknown(f"the value of condition {arg[0]}")
        return self.resolve(arg[1] if truth else arg[2], scenario)

    def _eval_condition(self, name: str, scenario: Scenario) -> bool | None:
        key = (name, scenario)
        if key in self._condition_cache:
            return self._condition_cache[key]
        self._condition_cache[key] = None  # a condition that refers to itself stays undecided
        node = self.template.conditions.get(name)
        if node is not None and self._depth >= MAX_NESTING:
            self._cut(f"conditions nested more than {MAX_NESTING} levels deep", span_of(node))
            return None
        self._depth += 1
        try:
            value = self._truth(node, scenario) if node is not None else None
        finally:
            self._depth -= 1
        self._condition_cache[key] = value
        return value

    def _truth(self, node: Any, scenario: Scenario) -> bool | None:
        if isinstance(node, dict) and len(node) == 1 and "Condition" in node:
            target = node["Condition"]
            return self.condition(target, scenario) if isinstance(target, str) else None
        value = self.resolve(node, scenario)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return None

    def _equals(self, arg: Any, scenario: Scenario) -> Any:
        left, right = (self._comparand(a, scenario) for a in arg)
        if isinstance(left, Other) or isinstance(right, Other):
            return left is right
        if is_known(left) and is_known(right):
            return _canonical(left) == _canonical(right)
        if left == right:  # the same symbol on both sides
            return True
        if is_stringlike(left) and is_stringlike(right):
            # The matcher knows symbols' shapes: an account id never equals "prod" (issue 13: constant conditions).
            from preflight.policy.match import equals

            verdict = equals(left, right)
            if verdict.state != 2:
                return verdict.state == 1
        return Unknown("a comparison of values known only at deploy time")

    def _and(self, arg: Any, scenario: Scenario) -> Any:
        values = [self._truth(item, scenario) for item in arg]
        if False in values:
            return False
        return True if all(v is True for v in values) else Unknown("a condition known only at deploy time")

    def _or(self, arg: Any, scenario: Scenario) -> Any:
        values = [self._truth(item, scenario) for item in arg]
        if True in values:
            return True
        return False if all(v is False for v in values) else Unknown("a condition known only at deploy time")

    def _not(self, arg: Any, scenario: Scenario) -> Any:
        value = self._truth(arg[0], scenario)
        return Unknown("a condition known only at deploy time") if value is None else not value

    def _find_in_map(self, arg: Any, scenario: Scenario) -> Any:
        keys = [self._comparand(a, scenario) for a in arg[:3]]
        default = arg[3].get("DefaultValue") if len(arg) == 4 and isinstance(arg[3], dict) else None
        if any(isinstance(k, Other) for k in keys):
            return self.resolve(default, scenario) if default is not None else Unknown("a mapping key chosen at deploy time")
        if not all(isinstance(k, (str, int)) for k in keys):
            reason = "a mapping lookup with a key known only at deploy time"
            return Unknown(reason)
        level: Any = self.template.mappings
        for key in keys:
            if not isinstance(level, dict) or str(key) not in level:
                if default is not None:
                    return self.resolve(default, scenario)
                return Unknown(f"Fn::FindInMap key '{key}' that the mapping does not have")
            level = level[str(key)]
        return self.resolve(level, scenario)

    def _comparand(self, node: Any, scenario: Scenario) -> Any:
        """Like resolve, but a Ref to an input the scenario set to 'any other value' stays that Other."""
        if isinstance(node, dict) and len(node) == 1 and isinstance(node.get("Ref"), str):
            assigned = scenario.input(node["Ref"])
            if isinstance(assigned, Other):
                return assigned
        return self.resolve(node, scenario)

    # ------------------------------------------------------------------ scenarios

    def _enumerate(self) -> ScenarioSet:
        names = [str(n) for n in self.template.conditions]
        inputs = condition_inputs(self.template.conditions)
        candidates: dict[str, list[Any]] = {}
        for name, literals in inputs.items():
            pinned_pseudo = name in self._pseudo and not isinstance(self._pseudo[name], Symbol)
            if name in self.pins.parameters or pinned_pseudo:
                continue
            parameter = self.template.parameters.get(name)
            if parameter is not None and parameter.allowed_values:
                candidates[name] = [str(v) for v in parameter.allowed_values]
            elif parameter is not None or name.startswith("AWS::"):
                candidates[name] = sorted(self._possible(name, literals)) + [Other(name)]

        def evaluate(assignment: dict[str, Any]) -> dict[str, bool | None]:
            probe = Scenario((), tuple(assignment.items()))
            saved = self._cache, self._condition_cache
            self._cache, self._condition_cache = {}, {}
            try:
                return {n: self._eval_condition(n, probe) for n in names}
            finally:
                self._cache, self._condition_cache = saved

        return enumerate_scenarios(names, candidates, evaluate)

    def _possible(self, name: str, literals: set[Any]) -> list[Any]:
        """The literals a pseudo parameter can equal: no scenario for a Region "prod" or an account id "dev"."""
        symbol = self._pseudo.get(name)
        if not isinstance(symbol, Symbol):
            return list(literals)
        from preflight.policy.match import equals

        return [v for v in literals if not isinstance(v, str) or equals(symbol, v).state != 0]


# One evaluator per intrinsic. A class-level table of plain functions: a per-instance table of bound methods would
# make every resolver a reference cycle, freed only by the cyclic collector that check_text pauses.
_DISPATCH: dict[str, Callable[[Resolver, Any, Scenario], Any]] = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._getatt,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::Equals": Resolver._equals,
    "Fn::And": Resolver._and,
    "Fn::Or": Resolver._or,
    "Fn::Not": Resolver._not,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::GetAZs": Resolver._getazs,
    "Fn::Base64": Resolver._base64,
    "Fn::Cidr": Resolver._cidr,
    "Fn::ImportValue": Resolver._import_value,
    "Fn::Length": Resolver._length,
    "Fn::ToJsonString": Resolver._to_json_string,
    "Fn::Transform": lambda self, arg, scenario: Resolver._opaque(arg, scenario),
    "Fn::ForEach": lambda self, arg, scenario: Resolver._opaque(arg, scenario),
    "Fn::GetParam": lambda self, arg, scenario: Resolver._opaque(arg, scenario),
}


def resource_type(type_name: str) -> Any:
    """Ref/GetAtt/ARN/name facts of a resource type from preflight.data (None when the data has no entry)."""
    from preflight import data

    accessor = getattr(data, "resource_type", None)
    return accessor(type_name) if accessor is not None else None


# The pieces CloudFormation builds a generated name from (data/resource_types.json "generated_name").
_GENERATED_PIECES = re.compile(r"\{stack\}|\{logicalid\}|\{random\}|-")


def _generated_shape(info: Any, kind: str) -> str | None:
    """The shape (policy/facts.py SHAPES) of a name CloudFormation generates, when the symbol stands for that name:
    a Ref that returns something else (a queue's URL, an id) has no such shape."""
    generated = getattr(info, "generated_name", None) if info else None
    if generated is None or _GENERATED_PIECES.sub("", generated.pattern):
        return None
    return "generated-lowercase" if generated.lowercase else "generated"


def _is_name_attribute(resource: Resource, attribute: str) -> bool:
    info = resource_type(resource.type)
    return bool(info and getattr(info, "name_attribute", None) == attribute)


def _json_within(value: Any, budget: int) -> bool | None:
    """Whether the JSON text of `value` fits in about `budget` characters, measured without building it (a list of
    a thousand references to one long string stays cheap); None when an Unknown is inside."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            budget -= len(item) + 2
        elif isinstance(item, Symbolic):
            stack.extend(item.parts)
        elif isinstance(item, Symbol):
            budget -= item.max_len or 20
        elif isinstance(item, dict):
            budget -= 2 + len(item)
            for key, child in item.items():
                budget -= len(str(key)) + 3
                stack.append(child)
        elif isinstance(item, list):
            budget -= 2 + len(item)
            stack.extend(item)
        elif item is None or isinstance(item, (bool, int, float)):
            budget -= 8
        else:
            return None
        if budget < 0:
            return False
    return True


_PLACEHOLDER = re.compile(r"\\ue000(\d+)\\ue001")


def _with_placeholders(value: Any, symbols: list[Symbol]) -> Any:
    """`value` with every Symbol replaced by a placeholder string (numbered in `symbols`), for Fn::ToJsonString."""
    if isinstance(value, Symbol):
        symbols.append(value)
        return f"\ue000{len(symbols) - 1}\ue001"
    if isinstance(value, Symbolic):
        return "".join(_with_placeholders(p, symbols) for p in value.parts)
    if isinstance(value, dict):
        return {key: _with_placeholders(item, symbols) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_placeholders(item, symbols) for item in value]
    return value


def _canonical(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)
