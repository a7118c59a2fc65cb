"""The transform stage, between load and model: a table from transform name to the function that expands it.

`Transform: AWS::Serverless-2016-10-31` is expanded by aws-sam-translator (the library SAM itself uses), offline;
`AWS::LanguageExtensions` (Fn::ForEach, Fn::Length, Fn::ToJsonString, intrinsic DeletionPolicy) by our own code,
following the AWS documentation. Transforms run in the order the template lists them, as CloudFormation runs them
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-section-structure.html). Anything else
that has to run before CloudFormation sees the template (a custom macro, AWS::Include, a packaging tool's tags)
is reported once per file (transform/macros.py) and the template is checked as written.

Every node the expansion generates keeps the span of the source node that produced it, so findings on generated
resources point at the SAM resource, event, policy template, Globals entry or Fn::ForEach loop; `annotate` adds
the generated logical id and its source to those findings after the checks ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from preflight.source.nodes import MapNode
from preflight.source.span import Span

if TYPE_CHECKING:  # pragma: no cover
    from preflight.findings import Finding
    from preflight.resolve.pins import Pins
    from preflight.source.document import Document

SAM = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"


class Origin(NamedTuple):
    """Where a generated resource comes from: the source logical id (None for a loop) and a description."""

    source: str | None
    where: str  # e.g. "MyFunction.Events.Upload", "Fn::ForEach::Topics (Name = a)"
    span: Span
    transform: str
    kind: str = ""  # the generated resource's type


class Problem(NamedTuple):
    code: str
    message: str
    span: Span
    severity: str | None = None
    resource: str | None = None


class Expansion:
    """What the transform stage hands the model: the expanded document and what it learnt on the way."""

    __slots__ = ("document", "origins", "problems", "unexpanded", "expanded")

    def __init__(self, document: Document) -> None:
        self.document = document
        self.origins: dict[str, Origin] = {}
        self.problems: list[Problem] = []
        self.unexpanded: list[Any] = []  # regexes of logical ids a loop with an unknown collection would produce
        self.expanded: list[str] = []  # the transforms that were applied


class Step(NamedTuple):
    root: Any
    origins: dict[str, Origin]
    problems: list[Problem]
    unexpanded: list[Any]


Expander = Callable[["Document", Any, "Pins"], Step]


def _sam(document: Document, root: Any, pins: Pins) -> Step:
    from preflight.transform import sam

    return sam.expand(document, root, pins)


def _language(document: Document, root: Any, pins: Pins) -> Step:
    from preflight.transform import language

    return language.expand(document, root, pins)


# The table: transform name -> expander. Names not here are macros preflight cannot run (macros.py).
TRANSFORMS: dict[str, Expander] = {
    LANGUAGE_EXTENSIONS: _language,
    SAM: _sam,
}


def declared(root: Any) -> list[str]:
    """The template-level transforms, in order (a name, or a list of names)."""
    value = root.get("Transform") if isinstance(root, dict) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def expand(document: Document, pins: Pins | None = None) -> Expansion:
    """Expand the transforms the template declares; the document itself is never modified."""
    from preflight.resolve.pins import Pins
    from preflight.transform import macros

    result = Expansion(document)
    root = document.root
    if not isinstance(root, MapNode):
        return result
    names = declared(root)
    loaded = document.problems
    outside = macros.outside(document, names)
    if outside is not None:
        root, loaded = outside.root, outside.problems
        result.problems.append(outside.problem)
    for name in names:
        expander = TRANSFORMS.get(name)
        if expander is None:
            continue
        step = expander(document, root, pins or Pins())
        root = step.root
        result.origins.update(step.origins)
        result.problems.extend(step.problems)
        result.unexpanded.extend(step.unexpanded)
        if any(p.code == "PF0030" for p in step.problems):
            break  # a failed translation: the rest is checked as written
        result.expanded.append(name)
    if root is not document.root or loaded is not document.problems:
        result.document = _replaced(document, root, loaded)
    return result


def _replaced(document: Document, root: Any, problems: list[Any]) -> Document:
    from preflight.source.document import Document

    return Document(document.path, document.text, document.format, root, document.lines, document.duplicates,
                    problems)


def annotate(findings: Iterable[Finding], expansion: Expansion | None) -> list[Finding]:
    """Name the generated logical id and its source in findings on generated resources; drop text edits there (the
    generated text is not in the file) and findings that only an unexpanded loop would answer."""
    if expansion is None or not (expansion.origins or expansion.unexpanded):
        return list(findings)
    out: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    for finding in findings:
        if _answered_by_loop(finding, expansion):
            continue
        origin = expansion.origins.get(finding.resource or "")
        if origin is not None:
            finding = _on_generated(finding, origin)
        else:
            finding = _related_generated(finding, expansion.origins)
        key = (finding.code, finding.span, finding.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(finding)
    return out


def _on_generated(finding: Finding, origin: Origin) -> Finding:
    resource = finding.resource or ""
    what = f"{origin.kind} {resource}" if origin.kind else resource
    if origin.transform != SAM:
        note = f"{what} is generated by {origin.where}"
    elif origin.where == resource:
        note = f"{what} is what the SAM transform makes of the resource written as {resource}"
    else:
        note = f"{what} is generated by the SAM transform from {origin.where}"
    related = finding.related
    if origin.source and origin.source != resource and origin.source not in related:
        related = related + (origin.source,)
    fix = finding.fix
    if fix is not None and fix.edits:
        fix = fix._replace(safety="display", edits=())
    return finding._replace(message=f"{finding.message} ({note})", related=related, fix=fix)


def _related_generated(finding: Finding, origins: dict[str, Origin]) -> Finding:
    """A finding on the author's resource that involves generated ones (a cycle through a SAM role) says where
    those come from."""
    notes = [f"{rid} from {o.where}" for rid in finding.related
             if (o := origins.get(rid)) is not None and o.where != rid]
    if not notes:
        return finding
    return finding._replace(message=f"{finding.message} (generated by a transform: {'; '.join(notes)})")


def _answered_by_loop(finding: Finding, expansion: Expansion) -> bool:
    """A reference to a name that a Fn::ForEach with an unknown collection may produce is not 'unresolved'."""
    if finding.code != "PF1002" or not expansion.unexpanded:
        return False
    import re

    names = re.findall(r"\[([^\]]*)\]", finding.message)
    targets = [n.strip() for group in names[:1] for n in group.split(",")]
    return bool(targets) and all(any(p.fullmatch(t) for p in expansion.unexpanded) for t in targets)
