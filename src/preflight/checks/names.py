"""Name checks: physical names that break their type's rules, that collide inside one template, or that collide
with every other deployment of the template.

A name is checked after substitution (Ref, Sub, Join, parameter defaults). A definite violation is an error; one
that depends on a symbol (the stack name, a parameter without default) is a warning that names the dependency.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any, NamedTuple

from preflight import data
from preflight.checks.base import Check, Context, Rule
from preflight.data import names_data
from preflight.data.errors import format_error
from preflight.findings import Finding
from preflight.model.template import Resource
from preflight.resolve.scenarios import Scenario
from preflight.resolve.values import Symbol, Symbolic, render
from preflight.source.span import Span

RULES = (
    Rule(
        "PF3001",
        "name-length",
        "A physical name is longer or shorter than its resource type allows",
        "name-constraint",
        "error",
    ),
    Rule(
        "PF3002",
        "name-characters",
        "A physical name breaks its type's character, case, prefix or suffix rules",
        "name-constraint",
        "error",
        "unsafe",
    ),
    Rule(
        "PF3003",
        "duplicate-physical-name",
        "Two resources of one type get the same physical name",
        "name-constraint",
        "error",
    ),
    Rule(
        "PF3004",
        "implicit-stage-conflict",
        "An API Gateway stage is created twice: by a Stage resource and by a Deployment's StageName",
        "name-constraint",
        "error",
    ),
    Rule(
        "PF3005",
        "fixed-global-name",
        "A hard-coded name in a namespace that every AWS account shares",
        "name-constraint",
        "info",
        phase="account",
    ),
)

_LENGTH_KINDS = ("max_len", "min_len")


class Problem(NamedTuple):
    code: str
    severity: str
    message: str
    stack_room: int | None = None  # set when only a long stack name breaks the name: the room it has
    kind: str = ""  # the rule broken: problems of one kind in different scenarios are one finding


# --------------------------------------------------------------------------- scenarios


def _scenario_values(ctx: Context, resource: Resource, node: Any) -> list[tuple[Scenario, Any]]:
    """The value of `node` in every scenario in which `resource` exists (resolved once when no scenario can
    change it: most names are literals or Subs of parameters that no condition reads)."""
    resolver = ctx.resolver
    active = [s for s in resolver.scenarios.scenarios if resolver.active(resource, s)]
    if len(active) > 1 and _scenario_independent(ctx, node, _inputs(ctx)):
        value = ctx.resolve(node, active[0])
        return [(s, value) for s in active]
    return [(s, ctx.resolve(node, s)) for s in active]


_SUB_NAMES = re.compile(r"\$\{([^}!][^}]*)\}")


def _inputs(ctx: Context) -> frozenset[str]:
    """Parameters and pseudo parameters that the condition scenarios assign (once per template: thousands of
    parameters times 64 scenarios, recomputed for every resource, cost seconds)."""
    return ctx.memo("names.inputs", _scenario_inputs)  # type: ignore[no-any-return]


def _scenario_inputs(ctx: Context) -> frozenset[str]:
    return frozenset(name for s in ctx.resolver.scenarios.scenarios for name, _ in s.inputs)


def _scenario_independent(ctx: Context, node: Any, inputs: frozenset[str]) -> bool:
    """True when `node` has no Fn::If / Fn::FindInMap and refers only to pseudo parameters and parameters that
    no condition reads (a Ref to a resource may carry a conditional name: not independent)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "Fn::If" in item or "Fn::FindInMap" in item or "Fn::GetAtt" in item:
                return False
            names = [item["Ref"]] if isinstance(item.get("Ref"), str) else []
            sub = item.get("Fn::Sub")
            text = sub if isinstance(sub, str) else sub[0] if isinstance(sub, list) and sub else ""
            names += [n.split(".")[0] for n in _SUB_NAMES.findall(text if isinstance(text, str) else "")]
            for name in names:
                if name in inputs or name in ctx.template.resources:
                    return False
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _collect(
    ctx: Context, pairs: Iterable[tuple[Scenario, Iterable[Problem]]]
) -> dict[Problem, list[Scenario]]:
    """Problems with the scenarios that show them; one rule broken with different values in different scenarios
    (Production-logs, Development-logs) is one problem, shown with its first value."""
    found: dict[Problem, list[Scenario]] = {}
    first: dict[tuple[str, str, str], Problem] = {}
    for scenario, problems in pairs:
        for problem in problems:
            key = (problem.code, problem.severity, problem.kind or problem.message)
            shown = first.setdefault(key, problem)
            found.setdefault(shown, []).append(scenario)
    return found


# A value as the template would write it in a Sub (${Stage}, ${Bucket}, ${AWS::Region}): what render() does.
def show(value: Any) -> str:
    """A value as messages quote it; a very long one (a hostile or generated name) abbreviated, with its length."""
    text = render(value)
    return text if len(text) <= 300 else f"{text[:200]}... ({len(text):,} characters)"


def _emit(
    ctx: Context,
    resource: Resource,
    span: Span,
    found: dict[Problem, list[Scenario]],
    related: Iterable[str] = (),
) -> Iterator[Finding]:
    """One finding per problem; a problem that only some condition scenarios show is a warning naming them."""
    for problem, where in found.items():
        fix = None
        info = data.resource_type(resource.type) if problem.kind == "lowercase" else None
        if info is not None and info.name_property:
            from preflight.fix.unsafe import lowercase_fix

            fix = lowercase_fix(ctx, resource, info.name_property)
        yield ctx.finding(
            problem.code, span, problem.message, resource=resource.logical_id, related=related,
            severity=problem.severity, fix=fix, when=where,
        )


# --------------------------------------------------------------------------- character analysis


@cache
def allowed_chars(pattern: str) -> frozenset[str] | None:
    """Printable ASCII characters that can appear anywhere in a string matching `pattern` (None: not analysable).

    The union of the pattern's character classes and literals, lookarounds ignored: a literal character of a
    name outside this set breaks the pattern whatever the symbols of the name turn out to be.
    """
    if not (pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")):
        return None  # an unanchored pattern lets any character surround the part it matches
    sre = _parser_module()
    try:
        parsed = sre.parse(pattern)
    except (re.error, RecursionError, ValueError):
        return None
    found: set[str] = set()
    if not _walk_pattern(sre, list(parsed), found):
        return None
    return frozenset(found)


def _parser_module() -> Any:
    """The standard library's regex parser (re._parser from Python 3.11, sre_parse before)."""
    import importlib

    try:
        return importlib.import_module("re._parser")
    except ImportError:  # pragma: no cover - Python 3.10
        return importlib.import_module("sre_parse")


_PRINTABLE = tuple(chr(c) for c in range(0x20, 0x7F))


def _walk_pattern(sre: Any, items: list[Any], found: set[str]) -> bool:
    c = sre  # constants live on the parser module (LITERAL, IN, ...)
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            found.add(chr(arg))
        elif name == "NOT_LITERAL":
            found.update(ch for ch in _PRINTABLE if ord(ch) != arg)
        elif name == "ANY":
            found.update(_PRINTABLE)
        elif name == "IN":
            found.update(ch for ch in _PRINTABLE if _in_class(arg, ch))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if not _walk_pattern(c, list(arg[2]), found):
                return False
        elif name == "SUBPATTERN":
            if not _walk_pattern(c, list(arg[-1]), found):
                return False
        elif name == "BRANCH":
            if not all(_walk_pattern(c, list(branch), found) for branch in arg[1]):
                return False
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # anchors and lookarounds restrict, they add no character
        else:
            return False  # back-references and the like: do not guess
    return True


def _in_class(items: list[Any], ch: str) -> bool:
    negate = False
    hit = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name in _CLASS_ITEMS and _CLASS_ITEMS[name](arg, ch):
            hit = True
    return hit != negate


_CLASS_ITEMS: dict[str, Callable[[Any, str], bool]] = {
    "LITERAL": lambda arg, ch: ord(ch) == arg,
    "RANGE": lambda arg, ch: arg[0] <= ord(ch) <= arg[1],
    "CATEGORY": lambda arg, ch: _category(str(arg), ch),
}

_CATEGORIES: dict[str, Callable[[str], bool]] = {
    "CATEGORY_DIGIT": str.isdigit,
    "CATEGORY_NOT_DIGIT": lambda ch: not ch.isdigit(),
    "CATEGORY_WORD": lambda ch: ch.isalnum() or ch == "_",
    "CATEGORY_NOT_WORD": lambda ch: not (ch.isalnum() or ch == "_"),
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_NOT_SPACE": lambda ch: not ch.isspace(),
}


def _category(name: str, ch: str) -> bool:
    test = _CATEGORIES.get(name)
    return bool(test and test(ch))


# --------------------------------------------------------------------------- PF3001 / PF3002


def _text(type_name: str, kind: str, prop: str, limits: data.NameLimits, name: str = "") -> str:
    specific = names_data.name_message(type_name, kind)
    if specific is not None:
        return specific
    limit = limits.max_len if kind == "max_len" else limits.min_len
    return names_data.generic_message(kind).format(
        prop=prop,
        limit=limit,
        pattern=limits.pattern,
        name=name,
        prefixes=", ".join(repr(p) for p in limits.forbidden_prefixes),
        suffixes=", ".join(repr(s) for s in limits.forbidden_suffixes),
    )


def known_name_problems(type_name: str, prop: str, limits: data.NameLimits, name: str) -> list[Problem]:
    """The rules a fully known name breaks."""
    kinds = list(limits.violations(name))
    if "lowercase" in kinds and "pattern" in kinds and not limits.violations(name.lower()):
        kinds.remove("pattern")  # one cause, one message: the upper-case letters
    problems = []
    for kind in kinds:
        code = "PF3001" if kind in _LENGTH_KINDS else "PF3002"
        size = f" ({len(name)} characters)" if kind in _LENGTH_KINDS else ""
        if kind == "pattern":
            size = _bad_chars(limits, name)
        message = f"{prop} '{name}'{size}: {_text(type_name, kind, prop, limits, name)}"
        problems.append(_tolerated(type_name, kind, limits, name, Problem(code, "error", message, kind=kind)))
    for rule in names_data.extra_rules(type_name):
        if re.search(rule.regex, name):
            problems.append(Problem("PF3002", "error", f"{prop} '{name}': {rule.message}", kind=rule.kind))
    return problems


def _bad_chars(limits: data.NameLimits, name: str) -> str:
    """' contains '_', '.'' for the characters of `name` the pattern never allows ('' when it is the order)."""
    allowed = allowed_chars(limits.pattern) if limits.pattern else None
    if allowed is None:
        return ""
    bad = sorted({ch for ch in name if ch not in allowed and not (limits.lowercase_only and ch.isupper())})
    return f" contains {', '.join(repr(ch) for ch in bad)}" if bad else ""


def _tolerated(type_name: str, kind: str, limits: data.NameLimits, name: str, problem: Problem) -> Problem:
    """A name over the documented length that the service has been seen to accept (hyphens not counted): warning."""
    tolerance = names_data.length_tolerance(type_name)
    if kind != "max_len" or tolerance is None or limits.max_len is None:
        return problem
    counted = sum(1 for ch in name if ch not in tolerance.not_counted)
    if counted > limits.max_len:
        return problem
    return Problem(problem.code, "warning", f"{problem.message} ({tolerance.why})", kind=problem.kind)


def symbolic_name_problems(
    type_name: str, prop: str, limits: data.NameLimits, value: Symbolic
) -> list[Problem]:
    """The rules a name made of literals and symbols breaks (error) or may break depending on a symbol (warning)."""
    shown = show(value)
    problems = _symbolic_length(type_name, prop, limits, value, shown)
    problems += _symbolic_chars(type_name, prop, limits, value, shown)
    problems += _symbolic_affixes(type_name, prop, limits, value, shown)
    for rule in names_data.extra_rules(type_name):
        # only rules a literal part can break on its own (two adjacent periods); the others need the whole name
        if rule.kind == "adjacent-periods" and any(".." in p for p in value.parts if isinstance(p, str)):
            problems.append(Problem("PF3002", "error", f"{prop} '{shown}': {rule.message}", kind=rule.kind))
    return problems


def _symbolic_length(
    type_name: str, prop: str, limits: data.NameLimits, value: Symbolic, shown: str
) -> list[Problem]:
    low, high = value.length_bounds()
    problems = []
    if limits.max_len is not None and low > limits.max_len:
        text = _text(type_name, "max_len", prop, limits)
        problems.append(
            Problem(
                "PF3001", "error", f"{prop} '{shown}' is at least {low} characters: {text}", kind="max_len"
            )
        )
    elif limits.max_len is not None and (high is None or high > limits.max_len):
        dependency = _length_dependency(value, limits.max_len)
        if dependency is not None:
            reason, severity, room = dependency
            text = _text(type_name, "max_len", prop, limits)
            room = room if severity == "info" else None
            problems.append(
                Problem("PF3001", severity, f"{prop} '{shown}' {reason}: {text}", room, kind="max_len")
            )
    if limits.min_len is not None and high is not None and high < limits.min_len:
        text = _text(type_name, "min_len", prop, limits)
        problems.append(
            Problem(
                "PF3001", "error", f"{prop} '{shown}' is at most {high} characters: {text}", kind="min_len"
            )
        )
    return problems


def _length_dependency(value: Symbolic, max_len: int) -> tuple[str, str, int | None] | None:
    """('fails when the stack name is longer than N characters', severity), or None when the name cannot be too
    long for a reason offline could state.

    A symbol without a known bound (a parameter without MaxLength, a generated id, an attribute) gives nothing:
    unknown stays unknown. The stack name is chosen by whoever deploys, so a name that only breaks for long stack
    names is advice (info, decided by --stack-name); a parameter whose own MaxLength or AllowedValues admit a
    value that breaks the name, or a Region that exists with a longer name, is a warning.
    """
    fixed = 0
    variable: dict[str, tuple[Symbol, int]] = {}
    for part in value.parts:
        if isinstance(part, str):
            fixed += len(part)
        elif part.max_len is not None and part.min_len == part.max_len:
            fixed += part.max_len
        elif part.max_len is None:
            return None
        else:
            symbol, count = variable.get(part.key, (part, 0))
            variable[part.key] = (symbol, count + 1)
    room = max_len - fixed
    if not variable or room < 0:
        return None
    severity = "info" if "AWS::StackName" in variable else "warning"
    if len(variable) == 1:
        symbol, count = next(iter(variable.values()))
        limit = room // count
        if symbol.key == "AWS::Region":
            return _region_dependency(limit)
        allows = f" (it allows {symbol.max_len})" if symbol.kind == "parameter" else ""
        return f"fails when {symbol.description} is longer than {limit} characters{allows}", severity, limit
    names = " + ".join(s.description for s, _ in variable.values())
    return f"fails when {names} are longer than {room} characters together", severity, room


def _region_dependency(limit: int) -> tuple[str, str, int | None] | None:
    """Regions are a known list: name the ones whose names do not fit."""
    longer = sorted(r for r, partition in data.regions().items() if partition == "aws" and len(r) > limit)
    if not longer:
        return None
    shown = ", ".join(longer[:3]) + (" ..." if len(longer) > 3 else "")
    return f"fails in Regions whose name is longer than {limit} characters ({shown})", "warning", None


def _symbolic_chars(
    type_name: str, prop: str, limits: data.NameLimits, value: Symbolic, shown: str
) -> list[Problem]:
    problems = []
    literal = "".join(p for p in value.parts if isinstance(p, str))
    allowed = allowed_chars(limits.pattern) if limits.pattern else None
    if allowed is not None:
        # upper-case letters where only lower case is allowed are the lowercase rule's finding, not this one
        bad = sorted(
            {
                ch
                for ch in literal
                if ch not in allowed
                and not (limits.lowercase_only and ch.isupper() and ch.lower() in allowed)
            }
        )
        if bad:
            text = _text(type_name, "pattern", prop, limits)
            chars = ", ".join(repr(ch) for ch in bad)
            problems.append(
                Problem("PF3002", "error", f"{prop} '{shown}' contains {chars}: {text}", kind="pattern")
            )
    if limits.lowercase_only and literal != literal.lower():
        problems.append(
            Problem(
                "PF3002",
                "error",
                f"{prop} '{shown}': {_text(type_name, 'lowercase', prop, limits)}",
                kind="lowercase",
            )
        )
    problems += _symbol_char_problems(type_name, prop, limits, value, shown, allowed)
    return problems


def _symbol_char_problems(
    type_name: str,
    prop: str,
    limits: data.NameLimits,
    value: Symbolic,
    shown: str,
    allowed: frozenset[str] | None,
) -> list[Problem]:
    """Pseudo parameters with a known alphabet: the stack name may hold upper-case letters and hyphens."""
    problems = []
    for symbol in dict.fromkeys(value.symbols):
        chars = names_data.symbol_chars(symbol.key)
        if chars is None:
            continue
        if limits.lowercase_only and chars.has_upper:
            text = _text(type_name, "lowercase", prop, limits)
            problems.append(
                Problem(
                    "PF3002",
                    "warning",
                    f"{prop} '{shown}' fails when {symbol.description} contains upper-case letters: {text}",
                    kind=f"lowercase:{symbol.key}",
                )
            )
        if allowed is not None:
            bad = sorted(ch for ch in chars.chars - allowed if not (limits.lowercase_only and ch.isupper()))
            if bad:
                text = _text(type_name, "pattern", prop, limits)
                which = ", ".join(repr(ch) for ch in bad)
                problems.append(
                    Problem(
                        "PF3002",
                        "warning",
                        f"{prop} '{shown}' fails when {symbol.description} contains {which}: {text}",
                        kind=f"pattern:{symbol.key}",
                    )
                )
    return problems


def _symbolic_affixes(
    type_name: str, prop: str, limits: data.NameLimits, value: Symbolic, shown: str
) -> list[Problem]:
    problems = []
    head = value.literal_prefix()
    probe = head.lower() if limits.prefixes_case_insensitive else head
    if any(probe.startswith(p) for p in limits.forbidden_prefixes):
        problems.append(
            Problem(
                "PF3002",
                "error",
                f"{prop} '{shown}': {_text(type_name, 'prefix', prop, limits)}",
                kind="prefix",
            )
        )
    tail = value.parts[-1]
    if isinstance(tail, str) and any(tail.endswith(s) for s in limits.forbidden_suffixes):
        problems.append(
            Problem(
                "PF3002",
                "error",
                f"{prop} '{shown}': {_text(type_name, 'suffix', prop, limits)}",
                kind="suffix",
            )
        )
    return problems


def name_problems(type_name: str, prop: str, limits: data.NameLimits, value: Any) -> list[Problem]:
    if isinstance(value, Symbol):
        value = Symbolic((value,))
    if isinstance(value, str):
        return known_name_problems(type_name, prop, limits, value)
    if isinstance(value, Symbolic):
        return symbolic_name_problems(type_name, prop, limits, value)
    return []


def _suffix_problems(
    ctx: Context, resource: Resource, scenario: Scenario, prop: str, value: Any
) -> list[Problem]:
    """A FIFO queue or topic whose fixed name lacks the .fifo suffix."""
    rule = names_data.suffix_rule(resource.type)
    if rule is None or rule.flag not in resource.properties:
        return []
    flag = ctx.resolve(resource.properties[rule.flag], scenario)
    if str(flag).lower() != "true":
        return []
    tail = value if isinstance(value, str) else value.parts[-1] if isinstance(value, Symbolic) else None
    if isinstance(tail, str) and not tail.endswith(rule.suffix):
        return [
            Problem(
                "PF3002",
                "error",
                f"{prop} '{show(value)}' with {rule.flag}: true: {rule.message}",
                kind="fifo",
            )
        ]
    return []


def check_name_rules(ctx: Context) -> Iterator[Finding]:
    """PF3001/PF3002 for every named resource; the names that only a long stack name breaks are summed up in one
    finding at the tightest one (a stack name is chosen once for all of them)."""
    tight: list[tuple[int, Resource, Span, Problem]] = []
    for resource in ctx.template.resources.values():
        checked = _resource_name_problems(ctx, resource)
        if checked is None:
            continue
        span, found = checked
        for problem in [p for p in found if p.stack_room is not None]:
            assert problem.stack_room is not None
            tight.append((problem.stack_room, resource, span, problem))
            del found[problem]
        yield from _emit(ctx, resource, span, found)
    if tight:
        yield _stack_name_room(ctx, sorted(tight, key=lambda t: (t[0], t[2].line)))


def _stack_name_room(ctx: Context, tight: list[tuple[int, Resource, Span, Problem]]) -> Finding:
    room, resource, span, problem = tight[0]
    message = problem.message
    others = [f"{r.logical_id} ({n})" for n, r, _, _ in tight[1:]]
    if others:
        message += f"; {len(others)} more names embed the stack name: {', '.join(others[:5])}"
        message += " ..." if len(others) > 5 else ""
    message += f". Keep the stack name within {room} characters, or pin --stack-name to decide"
    return ctx.finding(
        "PF3001",
        span,
        message,
        resource=resource.logical_id,
        related=[r.logical_id for _, r, _, _ in tight[1:]],
        severity="info",
        notes=[p.message for _, _, _, p in tight],
    )


def _resource_name_problems(
    ctx: Context, resource: Resource
) -> tuple[Span, dict[Problem, list[Scenario]]] | None:
    info = data.resource_type(resource.type)
    if info is None or not info.name_property or info.name_limits is None:
        return None
    prop, limits = info.name_property, info.name_limits
    if prop not in resource.properties:
        return None
    pairs = []
    memo: dict[str, list[Problem]] = {}
    for scenario, value in _scenario_values(ctx, resource, resource.properties[prop]):
        shown = show(value)
        if shown not in memo:
            memo[shown] = name_problems(resource.type, prop, limits, value)
        problems = memo[shown] + _suffix_problems(ctx, resource, scenario, prop, value)
        pairs.append((scenario, problems))
    defaults = _defaults_used(ctx, resource.properties[prop])
    found = _collect(ctx, pairs)
    if defaults:
        note = f" (with the default value of parameter {', '.join(defaults)})"
        found = {
            Problem(p.code, p.severity, p.message + note, p.stack_room, p.kind): w for p, w in found.items()
        }
    return resource.prop_span(prop), found


def _defaults_used(ctx: Context, node: Any) -> list[str]:
    """Parameters with a Default (and no --parameters value) that `node` refers to: the name is checked with
    their defaults, which whoever deploys may override. Parameters the condition scenarios vary are named by the
    scenario instead."""
    used: list[str] = []
    varied = _inputs(ctx)
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            names = [item["Ref"]] if isinstance(item.get("Ref"), str) else []
            sub = item.get("Fn::Sub")
            text = sub if isinstance(sub, str) else sub[0] if isinstance(sub, list) and sub else ""
            names += _SUB_NAMES.findall(text) if isinstance(text, str) else []
            for name in names:
                parameter = ctx.template.parameters.get(name)
                if (
                    parameter
                    and parameter.has_default
                    and name not in ctx.pins.parameters
                    and name not in varied
                    and name not in used
                ):
                    used.append(name)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return used


# --------------------------------------------------------------------------- PF3003


def _normalise(value: Any, limits: data.NameLimits | None) -> Any:
    """The identity of a name: case-folded where the service compares names without case."""
    if limits is None or not (limits.case_insensitive_unique or limits.stored_lowercase):
        return value
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, Symbolic):
        return Symbolic(tuple(p.lower() if isinstance(p, str) else p for p in value.parts))
    return value


def _name_key(ctx: Context, resource: Resource, scenario: Scenario) -> tuple[tuple[Any, ...], Any] | None:
    """((type, parent..., name) identifying the physical name of `resource`, the name as written), or None when
    the name is not comparable (no name, unknown value, a parent offline cannot identify)."""
    info = data.resource_type(resource.type)
    if info is None or not info.name_property or info.name_scope is None:
        return None
    node = resource.properties.get(info.name_property)
    if node is None:
        return None
    name = ctx.resolve(node, scenario)
    if not isinstance(name, (str, Symbolic, Symbol)):
        return None
    parents: list[Any] = []
    if info.name_scope.startswith("parent:"):
        scope = names_data.name_parent(resource.type)
        if scope is None:
            return None
        for prop in scope.properties:
            parent = (
                ctx.resolve(resource.properties[prop], scenario)
                if prop in resource.properties
                else scope.default(prop)
            )
            if not isinstance(parent, (str, Symbolic, Symbol)):
                return None
            parents.append(parent)
    return (resource.type, *parents, _normalise(name, info.name_limits)), name


def _keys(ctx: Context, resource: Resource) -> dict[Scenario, tuple[tuple[Any, ...], Any]]:
    """The name key of `resource` in each scenario where it exists (computed once when no scenario changes it)."""
    info = data.resource_type(resource.type)
    if info is None or not info.name_property or info.name_property not in resource.properties:
        return {}
    if data.singleton(resource.type) is not None:
        return {}  # one per account whatever the name: PF5001 reports two of them
    active = ctx.created(resource)
    if not active:
        return {}
    scope = names_data.name_parent(resource.type)
    nodes = [resource.properties.get(p) for p in (info.name_property, *(scope.properties if scope else ()))]
    if len(active) == 1 or _scenario_independent(ctx, nodes, _inputs(ctx)):
        key = _name_key(ctx, resource, active[0])
        return {} if key is None else dict.fromkeys(active, key)
    found = {}
    for scenario in active:
        key = _name_key(ctx, resource, scenario)
        if key is not None:
            found[scenario] = key
    return found


def check_duplicate_names(ctx: Context) -> Iterator[Finding]:
    keys = {r.logical_id: k for r in ctx.template.resources.values() if (k := _keys(ctx, r))}
    if len(keys) < 2:
        return
    clashes: dict[tuple[str, str], list[Scenario]] = {}
    shown: dict[tuple[str, str], Any] = {}
    for scenario in ctx.resolver.scenarios.scenarios:
        seen: dict[tuple[Any, ...], str] = {}
        for logical_id, per_scenario in keys.items():
            entry = per_scenario.get(scenario)
            if entry is None:
                continue
            first = seen.setdefault(entry[0], logical_id)
            if first != logical_id:
                clashes.setdefault((first, logical_id), []).append(scenario)
                shown[(first, logical_id)] = entry[1]
    for pair, where in clashes.items():
        yield _duplicate_finding(ctx, pair[0], pair[1], shown[pair], where)


def _duplicate_finding(
    ctx: Context, first_id: str, second_id: str, name: Any, where: list[Scenario]
) -> Finding:
    first, second = ctx.template.resources[first_id], ctx.template.resources[second_id]
    info = data.resource_type(second.type)
    prop = info.name_property if info and info.name_property else "name"
    shown = show(name)
    scope = names_data.name_parent(second.type)
    unique = f"unique within one {' and '.join(scope.properties)}" if scope else "unique"
    limits = info.name_limits if info else None
    if limits is not None and (limits.case_insensitive_unique or limits.stored_lowercase):
        unique += " regardless of case"
    message = (
        f"{prop} '{shown}' is also the name of {first_id} (line {first.key_span.line}); {second.type} names "
        f"must be {unique}, so the second create fails with '{format_error('already-exists', Name=shown)}'. Give each resource its "
        f"own name, or omit {prop} and let CloudFormation generate one"
    )
    return ctx.finding(
        "PF3003", second.prop_span(prop), message, resource=second_id, related=(first_id,), when=where
    )


# --------------------------------------------------------------------------- PF3004


def check_implicit_stage(ctx: Context) -> Iterator[Finding]:
    for creator in names_data.stage_creators():
        for deployment in ctx.template.of_type(creator.creator_type):
            if creator.stage_property not in deployment.properties:
                continue
            for stage in ctx.template.of_type(creator.stage_type):
                yield from _stage_clash(ctx, creator, deployment, stage)


def _stage_clash(
    ctx: Context, creator: names_data.StageCreator, deployment: Resource, stage: Resource
) -> Iterator[Finding]:
    hits: list[tuple[Scenario, Any, Any]] = []
    for scenario in ctx.resolver.scenarios.scenarios:
        if not (ctx.resolver.active(deployment, scenario) and ctx.resolver.active(stage, scenario)):
            continue
        values = [
            ctx.resolve(r.properties.get(p), scenario)
            for r, p in (
                (deployment, creator.stage_property),
                (stage, creator.stage_name_property),
                (deployment, creator.parent_property),
                (stage, creator.stage_parent_property),
            )
        ]
        if any(not isinstance(v, (str, Symbolic, Symbol)) for v in values):
            continue
        if values[0] == values[1] and values[2] == values[3]:
            hits.append((scenario, values[1], values[3]))
    if not hits:
        return
    scenario, stage_name, api = hits[0]
    message = (
        f"Resource of type '{creator.stage_type}' with identifier 'RestApiId: {show(api)} StageName: "
        f"{show(stage_name)}' already exists: {deployment.logical_id} already creates stage "
        f"'{show(stage_name)}' through its {creator.stage_property}. Remove {creator.stage_property} from "
        f"{deployment.logical_id} and keep {stage.logical_id} (with DeploymentId: !Ref "
        f"{deployment.logical_id}) as the only owner of the stage"
    )
    yield ctx.finding(
        "PF3004",
        stage.prop_span(creator.stage_name_property),
        message,
        resource=stage.logical_id,
        related=(deployment.logical_id,),
        when=[hit[0] for hit in hits],
    )


# --------------------------------------------------------------------------- PF3005


def check_fixed_global_name(ctx: Context) -> Iterator[Finding]:
    """A name written as plain text in a namespace shared by all accounts (S3 buckets): the template can be
    deployed once in the whole partition. Names built from parameters or pseudo parameters are not reported."""
    for resource in ctx.template.resources.values():
        yield from _fixed_global_name(ctx, resource)


def _fixed_global_name(ctx: Context, resource: Resource) -> Iterator[Finding]:
    info = data.resource_type(resource.type)
    if info is None or not info.name_property:
        return
    reason = names_data.collision_reason(info.name_scope)
    node = resource.properties.get(info.name_property)
    if reason is None or not isinstance(node, str) or not node:
        return
    prop = info.name_property
    message = (
        f"{prop} '{node}' is hard-coded and {reason}: a second deployment of this template (another stack, "
        f"account or Region) fails with '{format_error('already-exists', Name=node)}'. Build the name from ${{AWS::StackName}} or "
        f"${{AWS::AccountId}}-${{AWS::Region}}, or omit {prop} and let CloudFormation generate one"
    )
    when = None
    if resource.condition is not None:  # an account-state finding names the scenarios that create the resource
        when = ctx.created(resource)
        if not when:
            return
    yield ctx.finding("PF3005", resource.prop_span(prop), message, resource=resource.logical_id, when=when)


CHECKS = (
    Check(check_name_rules, ("PF3001", "PF3002")),
    Check(check_duplicate_names, ("PF3003",)),
    Check(check_implicit_stage, ("PF3004",)),
    Check(check_fixed_global_name, ("PF3005",)),
)
