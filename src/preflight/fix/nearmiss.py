"""Minimal edits to a near-miss statement (issue 9): where one Allow statement of the policy almost allows the
failing request, edit that element instead of adding a second statement.

For each failing request, every Allow statement of the policy is asked, element by element, whether it allows
the request (``policy.statements.element_results``). A statement is *one element away* when every element but
one says yes and that one is an element a fix can change:

- ``action``: its Action list lacks the action (the action is added; a scalar becomes a list);
- ``resource``: its Resource lacks the ARN the documented statement names (a key prefix...): that ARN is added;
- ``principal``: a service principal of the same service names another Region (or another regional form): it is
  replaced by the documented principal (``!Sub logs.${AWS::Region}.amazonaws.com``);
- ``condition``: one ``aws:SourceArn``, ``aws:SourceAccount``, ``kms:EncryptionContext:*`` or ``kms:ViaService``
  value names another trail, log group, account or service: it is replaced by the request's value written with
  the template's references (added to the values instead when another resource of the template still needs the
  old one).

The edit is made only when exactly one statement is one element away, and only when what the edit newly allows
stays within the documented minimal statement: only the intended principal gains anything, the actions and
resources it gains are ones the documented statement names, and every request the documented statement's
conditions deny (another account's source, another trail, a missing encryption context...) the edited statement
denies too. Otherwise the caller adds the documented statement, as before. The engine's no-new-access verifier
(fix/access.py) still proves each kept change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from preflight.findings import Edit
from preflight.fix.edits import (
    _FLOW_PLAIN,
    CannotEdit,
    _exact,
    append_item,
    render_inline,
    replace_scalar,
    replacement,
)
from preflight.fix.values import template_value
from preflight.resolve.values import Symbol, Symbolic, Unknown, render
from preflight.source.nodes import MapNode, SeqNode

# Condition keys whose value a fix may point at the request's own value (the documented scoping keys).
EDITABLE_KEYS = ("aws:sourcearn", "aws:sourceaccount", "kms:encryptioncontext:", "kms:viaservice")
_SERVICE_STEM = re.compile(r"^([a-z0-9.-]+?)(?:\.[a-z]{2}(?:-[a-z]+)+-\d+)?\.amazonaws\.com(?:\.cn)?$")
_EXAMPLE = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "111122223333"}
_FOREIGN = "444455556666"


class Documented(NamedTuple):
    """A documented minimal statement bound twice: with the workspace's values (to decide with) and with the
    template's references (to write)."""

    resolved: Mapping[str, Any]
    template: Mapping[str, Any]


class Change(NamedTuple):
    """One minimal edit of one statement, for the fix's title and the change report."""

    position: int  # the statement's position in the Statement list
    label: str  # statement 2 "Sid"
    line: int  # the statement's line in the file
    kind: str  # action | resource | principal | condition
    what: str  # "added action kms:Encrypt"

    def sentence(self) -> str:
        return f"edited {self.label} (line {self.line}): {self.what}"


class Plan(NamedTuple):
    edits: tuple[Edit, ...]
    changes: tuple[Change, ...]
    resolved: tuple[Any, ...]  # the runs the edits resolve (the others need the documented statement)


class _Candidate(NamedTuple):
    position: int
    kind: str
    path: tuple[Any, ...]  # where in the statement: ("Action",), ("Condition", op, key), ("Principal", "Service", i)
    new_resolved: Any
    new_template: Any
    replace: bool
    old: Any


NO_PLAN = Plan((), (), ())


# --------------------------------------------------------------------------------------------------- entry point


def plan(ctx: Any, statements: SeqNode, policy: Any, runs: Sequence[Any], documented: Sequence[Documented],
         in_use: Callable[[Any, Any], bool] | None = None,
         writable: Callable[[Any], bool] | None = None) -> Plan:
    """The minimal edits that make ``runs`` (failing requests, one scenario) allowed by editing near-miss
    statements of ``statements`` (the Statement list of the file whose parsed form is ``policy``). ``in_use(run,
    clause)``: whether another resource of the template still needs the value a condition names (then the value is
    added, not replaced); without it, values are added. ``writable(value)``: whether a new value may be written
    in the policy (its references close no dependency cycle)."""
    from preflight.policy.model import MAX_STATEMENTS
    from preflight.services.replay import workspace

    if (policy is None or policy.unknown is not None or not runs or len({r.scenario for r in runs}) != 1
            or len(statements) != len(statements.item_spans) or len(statements) > MAX_STATEMENTS):
        return NO_PLAN
    ws = workspace(ctx)
    scenario = runs[0].scenario
    variables = policy.version == "2012-10-17"
    # the statements of one policy, parsed once per template check (every log group of one key asks the same)
    cache: dict[tuple[int, Any, bool], Any] = ctx.memo("fix.nearmiss.parsed", lambda _ctx: {})
    key = (id(statements), scenario, variables)
    if key not in cache:
        cache[key] = (statements, _parse(ws, statements, scenario, variables))  # the list kept: its id stays its own
    parsed = cache[key][1]
    chosen: dict[int, list[tuple[_Candidate, Any]]] = {}
    for run in runs:
        try:
            found = _near_miss(ctx, parsed, policy, run, documented, variables, in_use)
        except CannotEdit:
            found = None
        if found is not None and (writable is None or writable(found.new_template)):
            chosen.setdefault(found.position, []).append((found, run))
    edits: list[Edit] = []
    changes: list[Change] = []
    resolved: list[Any] = []
    for index, group in sorted(chosen.items()):
        kinds = {(c.kind, c.path) for c, _ in group}
        if len(kinds) != 1:  # two different elements of one statement: their combination was not proved
            continue
        try:
            edit, what = _edit(ctx, statements[index], [c for c, _ in group])
        except (CannotEdit, KeyError, IndexError, TypeError):  # the file's node is not what the value says
            continue
        edits.append(_tight(ctx.document.text, edit))
        changes.append(Change(index, parsed[index][1].label, _line(statements, index), group[0][0].kind, what))
        resolved.extend(run for _, run in group)
    return Plan(tuple(edits), tuple(changes), tuple(resolved))


def _tight(text: str, edit: Edit) -> Edit:
    """A replacement without the characters the old and new text share at either end (a closing quote...): the
    smallest change, which also keeps clear of a statement inserted right after the value."""
    old, new = text[edit.start:edit.end], edit.text
    if not old or not new:
        return edit
    head = 0
    while head < min(len(old), len(new)) - 1 and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head - 1 and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return Edit(edit.start + head, edit.end - tail, new[head:len(new) - tail])


def _line(statements: SeqNode, index: int) -> int:
    return int(statements.item_spans[index].line)


def _parse(ws: Any, statements: SeqNode, scenario: Any, variables: bool) -> dict[int, tuple[Any, Any, Any]]:
    """index -> (resolved statement document, parsed Statement, the file's node) for the plain mapping items."""
    from preflight.policy.model import parse_statement

    out = {}
    for index, node in enumerate(statements):
        if not isinstance(node, MapNode) or set(node) & {"Fn::If", "Fn::Sub", "Fn::Join"}:
            continue
        document = ws.document(node, scenario)
        if not isinstance(document, Mapping):
            continue
        stmt, _ = parse_statement(document, index, span=statements.item_spans[index], variables=variables)
        out[index] = (document, stmt, node)
    return out


# --------------------------------------------------------------------------------------------------- the distance


def _near_miss(ctx: Any, parsed: Mapping[int, tuple[Any, Any, Any]], policy: Any, run: Any,
               documented: Sequence[Documented], variables: bool,
               in_use: Callable[[Any, Any], bool] | None) -> _Candidate | None:
    from preflight.policy.principals import match_principal
    from preflight.policy.statements import element_results, prepare
    from preflight.policy.tri import NO, YES

    undecided = run.decision.outcome == "Depends"
    if run.decision.outcome != "ImplicitDeny" and not undecided:
        return None
    prep = prepare(run.request)
    if undecided and not _no_deny(policy, prep):
        return None
    away: list[tuple[int, str]] = []
    for index, (document, stmt, node) in parsed.items():
        if stmt.effect != "Allow" or stmt.unknown is not None or stmt.extra_elements:
            continue
        if any(b is not None and b.negated for b in (stmt.principal, stmt.action, stmt.resource)):
            continue
        if (policy.resource_based and match_principal(stmt.principal, prep.view)[0] is not YES
                and not _other_region(document, run)):
            continue  # names someone else: not a statement for this principal (the cheap test first)
        failing = [(label, result) for label, result in element_results(stmt, policy, prep) if result is not YES]
        if len(failing) != 1:
            continue
        label, result = failing[0]
        if label == "Principal" and _other_region(document, run):
            away.append((index, label))
        elif undecided:  # a decision that depends on a value: only a principal named for another Region is edited
            continue
        elif result is NO and label in ("Action", "Resource"):
            away.append((index, label))
        elif result is NO and label.startswith("Condition "):
            clause = _clause(stmt, label)
            if clause is not None and _editable_clause(clause):
                away.append((index, label))
    if len(away) != 1:
        return None
    index, label = away[0]
    document, stmt, node = parsed[index]
    candidate = _candidate(ctx, index, label, document, stmt, node, run, documented, in_use)
    if candidate is None:
        return None
    # What the edit newly allows must stay within a documented statement, and the request must then be allowed.
    edited, delta = _edited(document, candidate, run)
    if not _allows(edited, index, policy, run, variables) or not _within(delta, documented, run, ctx, variables):
        return None
    return candidate


def _no_deny(policy: Any, prep: Any) -> bool:
    """No Deny statement of the policy may apply to the request (an Allow added then decides it)."""
    from preflight.policy.statements import evaluate_statement
    from preflight.policy.tri import NO

    return all(s.effect == "Allow" or evaluate_statement(s, policy, prep).applies is NO for s in policy.statements)


def _clause(stmt: Any, label: str) -> Any:
    wanted = label[len("Condition "):]
    return next((c for c in stmt.conditions if c.label == wanted), None)


def _editable_clause(clause: Any) -> bool:
    from preflight.policy import facts

    if clause.base is None or clause.set_op is not None or clause.unknown is not None:
        return False
    fact = facts.OPERATORS.get(clause.base)
    if fact is None or fact.negated or not fact.textual:
        return False
    return any(clause.key_lower == k or (k.endswith(":") and clause.key_lower.startswith(k)) for k in EDITABLE_KEYS)


def _stem(name: Any) -> str | None:
    """logs.us-east-1.amazonaws.com, logs.amazonaws.com -> logs (None for what is not a service name)."""
    text = name if isinstance(name, str) else render(name) if isinstance(name, Symbolic) else None
    if text is None:
        return None
    text = re.sub(r"\$\{[^}]*\}", "us-east-1", text.lower())  # logs.${AWS::Region}.amazonaws.com
    found = _SERVICE_STEM.match(text)
    return found.group(1) if found else None


def _other_region(document: Mapping[str, Any], run: Any) -> bool:
    """Whether the statement names the request's service once, written as a literal for another Region or in
    another regional form (and names only services). A name built from a parameter is the user's choice."""
    if run.request.principal.kind != "service":
        return False
    principal = document.get("Principal")
    if not isinstance(principal, Mapping) or set(principal) != {"Service"}:
        return False
    services = principal["Service"]
    services = services if isinstance(services, list) else [services]
    wanted = _stem(run.request.principal.value)
    same = [s for s in services if _stem(s) == wanted]
    return wanted is not None and None not in map(_stem, services) and len(same) == 1 and isinstance(same[0], str)


def _candidate(ctx: Any, index: int, label: str, document: Mapping[str, Any], stmt: Any, node: MapNode, run: Any,
               documented: Sequence[Documented], in_use: Callable[[Any, Any], bool] | None) -> _Candidate | None:
    request = run.request
    if label == "Action":
        if not _strings(document.get("Action")) or not isinstance(node.get("Action"), (str, SeqNode)):
            return None
        return _Candidate(index, "action", ("Action",), request.action, request.action, False, None)
    if label == "Resource":
        found = _documented_value(documented, run, "Resource")
        if found is None:
            return None
        resolved, template = found
        return _Candidate(index, "resource", ("Resource",), resolved, template, False, None)
    if label == "Principal":
        services = document["Principal"]["Service"]
        template = _documented_principal(documented, run)
        if template is None:
            return None
        position = None
        if isinstance(services, list):
            wanted = _stem(request.principal.value)
            position = next(i for i, s in enumerate(services) if _stem(s) == wanted)
            old = services[position]
        else:
            old = services
        return _Candidate(index, "principal", ("Principal", "Service", position), request.principal.value,
                          template, True, old)
    clause = _clause(stmt, label)
    if clause is None:
        return None
    value = _context_value(request.context, clause.key_lower)
    if value is None or isinstance(value, (Unknown, bool)):
        return None
    try:
        template = template_value(value, ctx.template, ctx.pins)
    except CannotEdit:
        return None
    if not _written_once(node, clause):
        return None
    raw = _condition_node(node, clause)
    replace = not isinstance(raw, SeqNode) and in_use is not None and not in_use(run, clause)
    return _Candidate(index, "condition", ("Condition", clause.operator, clause.key), value, template, replace,
                      clause.values[0] if len(clause.values) == 1 else None)


def _strings(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(isinstance(v, str) for v in items)


def _context_value(context: Mapping[str, Any], key_lower: str) -> Any:
    return next((v for k, v in context.items() if str(k).lower() == key_lower), None)


def _written_once(node: MapNode, clause: Any) -> bool:
    """The clause is written as Condition: {operator: {key: value}} in the file, the key once."""
    block = node.get("Condition")
    if not isinstance(block, MapNode):
        return False
    inner = block.get(clause.operator)
    return isinstance(inner, MapNode) and clause.key in inner


def _condition_node(node: MapNode, clause: Any) -> Any:
    return node["Condition"][clause.operator][clause.key]


def _documented_value(documented: Sequence[Documented], run: Any, element: str) -> tuple[Any, Any] | None:
    """The documented statement's entry of ``element`` that matches the request (resolved, template)."""
    from preflight.policy.match import compile_pattern, match
    from preflight.policy.tri import YES

    for doc in _documented_for(documented, run):
        resolved, template = doc.resolved.get(element), doc.template.get(element)
        items = resolved if isinstance(resolved, list) else [resolved]
        written = template if isinstance(template, list) else [template]
        if len(items) != len(written):
            continue
        for item, text in zip(items, written):
            if item is None or item == "*":
                continue
            if match(compile_pattern(item, wildcards=True), run.request.resource) is YES:
                return item, text
    return None


def _documented_principal(documented: Sequence[Documented], run: Any) -> Any:
    for doc in _documented_for(documented, run):
        principal = doc.template.get("Principal")
        if isinstance(principal, Mapping) and not isinstance(principal.get("Service"), list):
            return principal.get("Service")
    return None


def _documented_for(documented: Sequence[Documented], run: Any) -> list[Documented]:
    """The documented statements that name the request's principal and action."""
    from preflight.policy.model import parse_statement
    from preflight.policy.principals import match_principal
    from preflight.policy.statements import action_matches, prepare
    from preflight.policy.tri import YES

    prep = prepare(run.request)
    out = []
    for doc in documented:
        stmt, _ = parse_statement(dict(doc.resolved), 0)
        if (stmt.effect == "Allow" and action_matches(stmt.action, run.request.action) is YES
                and match_principal(stmt.principal, prep.view)[0] is YES):
            out.append(doc)
    return out


# --------------------------------------------------------------------------------------------------- the proof


def _edited(document: Mapping[str, Any], candidate: _Candidate, run: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The statement after the edit, and the part of it that allows what was not allowed before (the delta)."""
    edited = _plain(document)
    new = candidate.new_resolved
    if candidate.kind in ("action", "resource"):
        element = candidate.path[0]
        old = edited.get(element)
        edited[element] = [*(old if isinstance(old, list) else [old]), new]
        return edited, {**edited, element: [new]}
    if candidate.kind == "principal":
        services = edited["Principal"]["Service"]
        if isinstance(services, list):
            services = [new if i == candidate.path[2] else s for i, s in enumerate(services)]
        else:
            services = new
        edited["Principal"] = {"Service": services}
        return edited, {**edited, "Principal": {"Service": new}}
    _, operator, key = candidate.path
    values = edited["Condition"][operator][key]
    if candidate.replace:
        edited["Condition"][operator][key] = new
    else:
        edited["Condition"][operator][key] = [*(values if isinstance(values, list) else [values]), new]
    return edited, edited


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _allows(edited: Mapping[str, Any], index: int, policy: Any, run: Any, variables: bool) -> bool:
    from preflight.policy.model import parse_statement
    from preflight.policy.statements import evaluate_statement, prepare
    from preflight.policy.tri import YES

    stmt, problems = parse_statement(edited, index, variables=variables)
    if problems:
        return False
    return evaluate_statement(stmt, policy, prepare(run.request)).direct is YES


def _within(delta: Mapping[str, Any], documented: Sequence[Documented], run: Any, ctx: Any, variables: bool) -> bool:
    """Whether what ``delta`` allows is allowed by one of the documented statements for the request's principal:
    only that principal, actions and resources the documented statement names, and every request its conditions
    deny (perturbations of the request's context: a key removed, another account's or another source's value)
    denied too. Pseudo parameters take example values on both sides (as the verifier pins them)."""
    from preflight.policy.model import parse_statement
    from preflight.policy.principals import match_principal
    from preflight.policy.statements import prepare
    from preflight.policy.tri import YES

    subs = _examples(ctx.pins)
    part, problems = parse_statement(_concrete(delta, subs), 0, variables=variables)
    if problems or part.principal is None:
        return False
    request = run.request._replace(resource=_concrete(run.request.resource, subs),
                                   context={k: _concrete(v, subs) for k, v in run.request.context.items()},
                                   principal=run.request.principal._replace(
                                       value=_concrete(run.request.principal.value, subs)))
    prep = prepare(request)
    for entry in part.principal.entries:  # nobody but the intended principal gains anything
        if entry.kind in ("*", "unknown") or match_principal(part.principal._replace(entries=(entry,)), prep.view)[0] is not YES:
            return False
    for doc in _documented_for(documented, run):
        spec, problems = parse_statement(_concrete(_plain(doc.resolved), subs), 0, variables=variables)
        if problems:
            continue
        if (_subsumed(part.action, spec.action, fold=True) and _subsumed(part.resource, spec.resource, fold=False)
                and _implied(part, spec, prep.context, subs)):
            return True
    return False


def _examples(pins: Any) -> dict[str, str]:
    subs = dict(_EXAMPLE)
    if pins is not None:
        if getattr(pins, "account_id", None):
            subs["AWS::AccountId"] = pins.account_id
        if getattr(pins, "region", None):
            subs["AWS::Region"] = pins.region
        partition = getattr(pins, "effective_partition", None)
        if partition:
            subs["AWS::Partition"] = partition
    return subs


def _concrete(value: Any, subs: Mapping[str, str]) -> Any:
    if isinstance(value, Symbol):
        return subs.get(value.key, Symbolic((value,)))
    if isinstance(value, Symbolic):
        return Symbolic.of([subs.get(p.key, p) if isinstance(p, Symbol) else p for p in value.parts])
    if isinstance(value, Mapping):
        return {k: _concrete(v, subs) for k, v in value.items()}
    if isinstance(value, list):
        return [_concrete(v, subs) for v in value]
    return value


def _subsumed(block: Any, spec: Any, fold: bool) -> bool:
    """Every entry of ``block`` (read literally: its wildcards are characters) matches a pattern of ``spec``: what
    the entry names, the documented element names too. No block: the policy's own resource (a trust policy)."""
    from preflight.policy.match import compile_pattern, match
    from preflight.policy.tri import YES

    if spec is None:
        return block is None
    if block is None or block.unknown is not None or spec.unknown is not None or spec.negated or block.negated:
        return False
    for entry in block.entries:
        literal = entry.raw.lower() if fold and isinstance(entry.raw, str) else entry.raw
        ok = False
        for pattern in spec.entries:
            text = pattern.raw if isinstance(pattern.raw, str) else render(pattern.raw)
            if "?" in text and "*" in (literal if isinstance(literal, str) else render(literal)):
                continue
            compiled = compile_pattern(pattern.raw, wildcards=True, fold=fold)
            if match(compiled, literal) is YES:
                ok = True
                break
        if not ok:
            return False
    return True


def _implied(part: Any, spec: Any, context: Mapping[str, Any], subs: Mapping[str, str]) -> bool:
    """Every perturbed request the documented conditions do not allow, ``part``'s conditions deny."""
    from preflight.fix.access import _foreign_scope
    from preflight.policy.conditions import eval_conditions
    from preflight.policy.tri import NO, YES

    if eval_conditions(part.conditions, context, part.variables) is not YES:
        return False
    account = subs["AWS::AccountId"]
    if any(_foreign_scope({c.key: v}, account) for c in part.conditions for v in c.values):
        return False  # the statement also scopes to another account's resources, which would gain too
    for clause in spec.conditions:
        key = clause.key_lower
        value = context.get(key)
        text = value if isinstance(value, str) else render(value) if isinstance(value, Symbolic) else "x"
        variants: list[Any] = [None, text + "-other", text.replace(account, _FOREIGN) if account in text else "x"]
        for variant in variants:
            perturbed = {k: v for k, v in context.items() if k != key}
            if variant is not None:
                perturbed[key] = variant
            if eval_conditions(spec.conditions, perturbed, spec.variables) is YES:
                continue
            if eval_conditions(part.conditions, perturbed, part.variables) is not NO:
                return False
    return True


# --------------------------------------------------------------------------------------------------- the text


def _edit(ctx: Any, node: MapNode, group: list[_Candidate]) -> tuple[Edit, str]:
    """One text edit for the candidates of one statement element (their new values merged)."""
    document = ctx.document
    first = group[0]
    values: list[Any] = []
    seen = set()
    for candidate in group:
        shown = render_inline(document, candidate.new_template)
        if shown not in seen:
            seen.add(shown)
            values.append(candidate.new_template)
    if first.kind in ("action", "resource"):
        element = first.path[0]
        edit = _extend(document, node, element, values, ctx)
        noun = "action" if first.kind == "action" else "resource"
        return edit, f"added {noun}{'s' if len(values) > 1 else ''} " + ", ".join(_shown(document, v) for v in values)
    if len(values) != 1:
        raise CannotEdit("the requests need different values in one place")
    value = values[0]
    if first.kind == "principal":
        services = node["Principal"]["Service"]
        position = first.path[2]
        parent, key = (services, position) if position is not None else (node["Principal"], "Service")
        _one_value(ctx, parent[key])
        return (_replace(document, parent, key)(value),
                f"replaced the service principal {_raw(document, parent, key)} with {_shown(document, value)}")
    _, operator, key = first.path
    block = node["Condition"][operator]
    if first.replace:
        _one_value(ctx, block[key])
        return (_replace(document, block, key)(value),
                f"replaced the {key} value {_raw(document, block, key)} with {_shown(document, value)}")
    return _extend(document, block, key, [value], ctx), f"added {_shown(document, value)} to the {key} values"


def _shown(document: Any, value: Any) -> str:
    """A new value as the edit writes it."""
    return value if isinstance(value, str) else render_inline(document, value)


def _raw(document: Any, parent: Any, key: Any) -> str:
    """The file's text of ``parent[key]`` (for the change's description)."""
    span = parent.value_spans.get(key) if isinstance(parent, MapNode) else parent.item_spans[key]
    text = document.text[span.start:span.end].strip() if span is not None else ""
    return text if "\n" not in text else _shown(document, parent[key])


def _inline_span(document: Any, parent: Any, key: Any) -> Any:
    """The exact span of ``parent[key]`` when its text is one inline value (a scalar, a short-form intrinsic, a
    flow collection, JSON), else CannotEdit."""
    text = document.text
    if isinstance(parent, MapNode):
        span = parent.value_spans.get(key)
    elif isinstance(parent, SeqNode) and isinstance(key, int) and key < len(parent.item_spans):
        span = parent.item_spans[key]
    else:
        span = None
    span = _exact(text, span, "the value")
    raw = text[span.start:span.end]
    if not raw or (document.style.format == "yaml" and "\n" in raw and raw[0] not in "[{\"'"):
        raise CannotEdit("the value is a block of several lines")
    if document.style.format == "yaml" and raw[0] not in "[{\"'!" and not _FLOW_PLAIN.fullmatch(raw):
        raise CannotEdit("the value cannot be written inside a flow list as it is")
    return span


_SCALAR_INTRINSICS = ("Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::ImportValue")


def _one_value(ctx: Any, node: Any) -> None:
    """CannotEdit unless ``node`` is one string in every scenario: a literal, or an intrinsic that returns one
    string (not Fn::If, whose other branch the edit would drop, nor a Ref to a list parameter)."""
    if isinstance(node, str):
        return
    if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in _SCALAR_INTRINSICS:
        name, arg = next(iter(node.items()))
        parameter = ctx.template.parameters.get(arg) if name == "Ref" and isinstance(arg, str) else None
        kind = getattr(parameter, "type", None) or (parameter.get("Type") if isinstance(parameter, dict) else None)
        if parameter is None or (isinstance(kind, str) and "List" not in kind):
            return
    raise CannotEdit("the value is not one string in every scenario")


def _extend(document: Any, parent: Any, key: Any, values: list[Any], ctx: Any = None) -> Edit:
    """Add ``values`` to the list ``parent[key]``; a scalar (or one inline intrinsic) becomes a one-line list of
    itself and them, its own text kept."""
    node = parent[key]
    if ctx is not None and not isinstance(node, SeqNode):
        _one_value(ctx, node)
    if isinstance(node, SeqNode):
        edits = [append_item(document, node, value) for value in values]
        if len({(e.start, e.end) for e in edits}) != 1:
            raise CannotEdit("the values would be inserted at different places")
        return Edit(edits[0].start, edits[0].end, "".join(e.text for e in edits))
    span = _inline_span(document, parent, key)
    raw = document.text[span.start:span.end]
    rendered = [_like(document, raw, v) for v in values]
    return Edit(span.start, span.end, "[" + ", ".join([raw, *rendered]) + "]")


def _like(document: Any, raw: str, value: Any) -> str:
    """A value rendered inline, quoted as the neighbouring scalar is when it is a plain string."""
    rendered = render_inline(document, value)
    quote = raw[:1]
    if (document.style.format == "yaml" and isinstance(value, str) and quote in "'\"" and raw[-1:] == quote
            and not rendered.startswith(("'", '"')) and quote not in value and "\\" not in value):
        return quote + value + quote
    return rendered


def _replace(document: Any, parent: Any, key: Any) -> Callable[[Any], Edit]:
    def make(value: Any) -> Edit:
        node = parent[key]
        if not isinstance(node, (dict, list)):
            return replace_scalar(document, parent, key, value)
        if (isinstance(node, MapNode) and isinstance(value, Mapping) and len(node) == len(value) == 1
                and set(node) == set(value) and isinstance(node.get(next(iter(node))), str)
                and isinstance(next(iter(value.values())), str)):
            name = next(iter(node))  # the same intrinsic (Fn::Sub: x): its argument replaced, its form kept
            if node.value_spans.get(name) != node.span:  # not a short-form tag, whose argument shares its span
                return replace_scalar(document, node, name, value[name])
        return replacement(document, _inline_span(document, parent, key), value)

    return make
