"""The diagnosis: events + classification + the template's findings, as one frozen record with its JSON form."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from preflight.diagnose.classify import Classification, classify, suspect_singleton
from preflight.diagnose.events import Event, Parsed
from preflight.diagnose.reasoning import Outcome, analyse
from preflight.findings import Finding

_PROPERTY_PATH = re.compile(r"#/([A-Za-z0-9]+)")
_TYPES_NAMED = re.compile(r"resource types?: \[([^\]]+)\]", re.IGNORECASE)
_FOR_RESOURCE = re.compile(r"for resource ([A-Za-z0-9]+)")
_CYCLE = re.compile(r"Circular dependency between resources:\s*\[([^\]]*)\]?", re.DOTALL)


class TemplateResource(NamedTuple):
    type: str
    line: int
    column: int
    construct_path: str | None
    properties: frozenset[str]


class Template(NamedTuple):
    """A template given with --template / --cdk-out: its path, resources by logical id, and its findings."""

    path: str
    resources: dict[str, TemplateResource]
    findings: tuple[Finding, ...]


class Diagnosis(NamedTuple):
    inputs: tuple[Parsed, ...]
    outcome: Outcome
    root: dict[str, Any] | None
    classification: Classification | None
    predicted_by: Finding | None
    other_findings: tuple[Finding, ...]
    findings: tuple[Finding, ...]
    templates: tuple[Template, ...]
    note: str | None  # what to say when the root is not shown, or how it was inferred
    pinned: dict[str, str] | None = None  # values the checks ran with that came from the events' stack ARN

    def to_json(self, version: str) -> dict[str, Any]:
        """The JSON contract of issue 10 (keys as given; new keys only ever appended)."""
        outcome = self.outcome
        return {
            "version": version,
            "stack": outcome.stack,
            "operation": outcome.operation,
            "root_shown": self.root is not None,
            "root": self.root,
            "rollback_blockers": [_blocker(e) for e in outcome.blockers],
            "cascade": [
                {"resource": e.logical_id, "status": e.status, "reason": e.reason} for e in outcome.cascade
            ],
            "findings": [f.to_json() for f in self.findings],
            "input_format": [p.fmt for p in self.inputs],
            "events": outcome.events,
            "predicted_by": self.predicted_by.to_json() if self.predicted_by else None,
            "other_findings": [f.to_json() for f in self.other_findings],
            "note": self.note,
            "listed_failed": list(outcome.listed_failed),
            "pinned_from_events": self.pinned,
            "other_failures": [
                {
                    "resource": e.logical_id,
                    "status": e.status,
                    "reason": e.reason,
                    "category": classify(e.reason, e.resource_type).category,
                }
                for e in outcome.others
            ],
        }


def _blocker(event: Event) -> dict[str, Any]:
    found = classify(event.reason, event.resource_type)
    explanation = (
        found.explanation
        if found.category == "rollback-blocker"
        else (
            f"{event.logical_id} could not be {'deleted' if 'DELETE' in (event.status or '') else 'rolled back'} while "
            f"the stack rolled back, so the stack is stuck until it is fixed (then continue the rollback or retry the "
            f"delete, skipping the resource if needed). {found.explanation}"
        )
    )
    return {
        "resource": event.logical_id,
        "status": event.status,
        "reason": event.reason,
        "explanation": explanation,
        "codes": list(found.codes),
    }


def diagnose(inputs: Sequence[Parsed], templates: Sequence[Template] = ()) -> Diagnosis:
    """The diagnosis of the first input's stack (the others: nested stacks' events), with the templates."""
    outcome = analyse(inputs)
    main = inputs[0]
    note = None
    root_event = outcome.root
    reason = root_event.reason if root_event else (main.validation or main.summary)
    root: dict[str, Any] | None = None
    found: Classification | None = None
    if reason is not None and (root_event is not None or main.validation or main.summary):
        found = classify(reason, root_event.resource_type if root_event else None)
        root = {
            "resource": root_event.logical_id if root_event else None,
            "type": root_event.resource_type if root_event else None,
            "status": root_event.status if root_event else None,
            "reason": reason,
            "category": found.category,
            "explanation": found.explanation,
            "codes": list(found.codes),
            "nested_stack": outcome.nested,
            "location": None,
            "signature": found.signature,
            "check_first": found.check_first,
        }
        cycle = _CYCLE.search(reason)
        if cycle:
            root["cycle"] = [n.strip() for n in cycle.group(1).replace("\n", " ").split(",") if n.strip()]
        if outcome.nested and not outcome.nested.get("events_shown"):
            root, found, note = _nested_unshown(root, found, outcome.nested)
    elif outcome.listed_failed:
        shown = {e.logical_id for e in outcome.cascade}
        unknown = [n for n in outcome.listed_failed if n not in shown]
        note = (
            "The root failure is not in the input: the events shown are cancellations and rollback steps. The "
            f"stack's summary names as failed: {', '.join(outcome.listed_failed)}"
            + (
                f"; the root is most likely among {', '.join(unknown)}, whose own events are not shown"
                if unknown
                else ""
            )
            + ". Paste the events from before the rollback started."
        )
    else:
        note = (
            "The root failure is not in the input: no failed resource event other than cancellations or rollback "
            "blockers is shown. Paste the events from the start of the operation (the first CREATE_FAILED or "
            "UPDATE_FAILED)."
        )
    all_findings = tuple(f for t in templates for f in t.findings)
    predicted = None
    others: tuple[Finding, ...] = ()
    if root is not None and templates:
        typed = root.get("type")
        note = _locate(root, templates, found, note)
        if found is not None and found.signature and root.get("type") and root["type"] != typed:
            found = _reclassify(root, found)  # the template told the type the event did not show
        predicted = _predicting(root, all_findings, found)
        if predicted is not None:
            root["predicted_by"] = predicted.code
    if templates:
        # the next deployment's failures: every other error, and the warnings that cover this very error
        same = set(found.codes) if found and root is not None else set()
        others = tuple(
            f for f in all_findings if f is not predicted and (f.severity == "error" or f.code in same)
        )
    return Diagnosis(
        tuple(inputs), outcome, root, found, predicted, others, all_findings, tuple(templates), note
    )


def _reclassify(root: dict[str, Any], found: Classification) -> Classification:
    better = classify(root["reason"], root["type"])
    if better.signature != found.signature:
        root.update(
            category=better.category,
            explanation=better.explanation,
            codes=list(better.codes),
            signature=better.signature,
            check_first=better.check_first,
        )
        return better
    return found


def _nested_unshown(
    root: dict[str, Any], found: Classification, nested: dict[str, Any]
) -> tuple[dict[str, Any], Classification, str]:
    failed = list(nested.get("failed_resources") or [])
    where = f"nested stack {nested['stack']} (resource {nested['resource']} of this stack)"
    note = (
        f"The cause is inside the {where}, whose events are not in the input"
        + (f"; it names as failed: {', '.join(failed)}" if failed else "")
        + f". Give its events too: aws cloudformation describe-stack-events --stack-name {nested['stack']}."
    )
    suspect = suspect_singleton(failed)
    if suspect is not None:
        name, rtype, guess = suspect
        note += (
            f" Suspected: {name} looks like a {rtype}, of which an account holds one per Region; if the account "
            f"already has one, its create fails."
        )
        root.update(
            category=guess.category,
            explanation=f"Suspected from the nested stack's failed resources: {guess.explanation}",
            codes=list(guess.codes),
            suspected_resource=name,
            suspected_type=rtype,
        )
        return root, guess, note
    root.update(category="other", explanation="A nested stack failed; the reason is in its own events.")
    return root, found._replace(category="other"), note


# ------------------------------------------------------------------------------------------------ template


def _locate(
    root: dict[str, Any], templates: Sequence[Template], found: Classification | None, note: str | None
) -> str | None:
    logical = root.get("resource")
    if logical is None:
        logical, how = _infer_resource(root["reason"], templates, found)
        if logical is not None:
            root["resource"] = logical
            root["inferred"] = how
            note = (note + " " if note else "") + f"The event does not name the resource; {how}."
    for template in templates:
        hit = template.resources.get(logical or "") or _by_construct(template, logical)
        if hit is not None:
            root["location"] = {"file": template.path, "line": hit.line, "column": hit.column}
            root["type"] = root.get("type") or hit.type
            if logical not in template.resources:
                root["construct_path"] = hit.construct_path
            return note
    return note


def _by_construct(template: Template, logical: str | None) -> TemplateResource | None:
    """cdk output may name a resource by its construct path (``Stack/Logs/Resource``)."""
    if not logical:
        return None
    for resource in template.resources.values():
        path = resource.construct_path
        if path and (path == logical or path.rsplit("/Resource", 1)[0] == logical):
            return resource
    return None


def _infer_resource(
    reason: str, templates: Sequence[Template], found: Classification | None
) -> tuple[str | None, str]:
    named = _FOR_RESOURCE.search(reason)
    if named:
        return named.group(1), f"the message names {named.group(1)}"
    types_named = _TYPES_NAMED.search(reason)
    if types_named:
        wanted = {t.strip() for t in types_named.group(1).split(",")}
        of_type = [lid for t in templates for lid, r in t.resources.items() if r.type in wanted]
        if of_type:
            return of_type[0], f"{of_type[0]} has the type the message names"
    prop = _PROPERTY_PATH.search(reason)
    if prop:
        holders = [
            (lid, r) for t in templates for lid, r in t.resources.items() if prop.group(1) in r.properties
        ]
        types = set(found.resource_types) if found else set()
        preferred = [h for h in holders if h[1].type in types] or holders
        if len(preferred) == 1:
            return preferred[0][
                0
            ], f"{preferred[0][0]} is the only resource of the template with {prop.group(1)}"
    if found and found.resource_types:
        of_type = [lid for t in templates for lid, r in t.resources.items() if r.type in found.resource_types]
        if len(of_type) == 1:
            return of_type[0], f"{of_type[0]} is the template's only {'/'.join(found.resource_types[:3])}"
    return None, ""


def _predicting(
    root: dict[str, Any], findings: Sequence[Finding], found: Classification | None
) -> Finding | None:
    codes = set(found.codes) if found else set()
    resource = root.get("resource")
    cycle = set(root.get("cycle") or ())
    errors = [f for f in findings if f.severity in ("error", "warning")]

    def touches(f: Finding) -> bool:
        return (
            resource is not None
            and (f.resource == resource or resource in f.related)
            or bool(cycle and ({f.resource} | set(f.related)) & cycle)
        )

    order = list(found.codes) if found else []

    def rank(f: Finding) -> tuple[int, int, int]:  # errors first, then the signature's own order of codes
        return (f.severity != "error", order.index(f.code) if f.code in order else len(order), f.span.line)

    for test in (
        lambda f: f.code in codes and touches(f),
        lambda f: f.code in codes,
        lambda f: touches(f) and f.category == root.get("category"),
    ):
        hits = [f for f in errors if test(f)]
        if hits:
            return min(hits, key=rank)
    return None


def load_template(path: str, text: str, findings: Sequence[Finding], pins: Any = None) -> Template:
    """The resources of a template (for locating the root) next to its findings; a template that does not load
    keeps its findings (PF0001) and has no resources. Transforms are expanded as `check` expands them, so that
    events naming resources SAM generated (`MyFunctionRole`, `ServerlessRestApiProdStage`) are found."""
    from preflight.model.template import build_template
    from preflight.source.document import LoadError, load_text
    from preflight.transform import expand

    resources: dict[str, TemplateResource] = {}
    try:
        document = load_text(text, path)
    except LoadError:
        return Template(path, resources, tuple(findings))
    if isinstance(document.root, dict):
        template = build_template(expand(document, pins).document)
        for logical, resource in template.resources.items():
            span, props = resource.key_span, resource.properties
            names = (
                frozenset(k for k in props if isinstance(k, str)) if isinstance(props, dict) else frozenset()
            )
            resources[logical] = TemplateResource(
                resource.type, span.line, span.column, resource.construct_path, names
            )
    return Template(path, resources, tuple(findings))
