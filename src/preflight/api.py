"""The public Python API: check_file / check_text / fix_text (re-exported by `preflight`).

Only `preflight.errors` exceptions cross this API; bad templates become findings, never tracebacks.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from preflight.checks.base import Context, Options
from preflight.errors import InputError
from preflight.findings import Finding
from preflight.resolve.pins import Pins
from preflight.source.span import NO_SPAN, Span

if TYPE_CHECKING:  # pragma: no cover
    from preflight.fix.engine import FixResult

MAX_FILE_BYTES = 20 * 1024 * 1024


def check_text(text: str, path: str = "<string>", *, pins: Pins | None = None,
               options: Options | None = None) -> list[Finding]:
    """Check one template given as text. Returns findings sorted by location."""
    # Loading and resolving allocate millions of small containers and no garbage cycle worth chasing while they
    # live: CPython's cyclic collector would traverse them again and again (it more than doubled the corpus run).
    # It is paused for the duration of one check (bounded by the input limits) and restored as it was.
    return check_loaded(text, path, None, pins=pins, options=options)


def check_loaded(text: str, path: str, document: Any, *, pins: Pins | None = None,
                 options: Options | None = None) -> list[Finding]:
    """check_text of a text already loaded (`document`: load_text(text, path), or None): `preflight fix` loads
    each edited text once, for its value tree and its re-check."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_text(text, path, pins, options, document)
    finally:
        if enabled:
            gc.enable()


def _check_text(text: str, path: str, pins: Pins | None, options: Options | None,
                loaded: Any = None) -> list[Finding]:
    from preflight.checks import suppressions
    from preflight.checks.registry import checks, rules
    from preflight.source.document import LoadError, load_text
    from preflight.transform import annotate

    options = options or Options()
    catalog = rules()
    oversized = _oversized(catalog, path, text)
    if oversized is not None:
        return _select([oversized], options)
    try:
        document = loaded if loaded is not None else load_text(text, path)
    except LoadError as exc:
        return _select([_engine_finding(catalog, path, "PF0001", exc.span, exc.message)], options)
    if not isinstance(document.root, dict):
        span = getattr(document.root, "span", NO_SPAN)
        return _select([_engine_finding(catalog, path, "PF0002", span, "Template format error: the template must "
                                        "be a mapping with a Resources section")], options)
    ctx = _context(document, path, pins, catalog, options)
    expansion = ctx.template.expansion
    try:
        findings = annotate(_created_only(ctx, _run(ctx, checks(), options)), expansion)
        findings = suppressions.apply(ctx, findings)
    finally:
        ctx.release()
    findings.extend(_truncation(ctx))
    findings.extend(_cuts(ctx))
    return _select(sorted(findings, key=Finding.sort_key), options)


def _context(document: Any, path: str, pins: Pins | None, catalog: dict[str, Any], options: Options) -> Context:
    """The model a check run reads: the transform stage, the template, its resolver and graph."""
    from preflight.model.graph import Graph
    from preflight.model.template import build_template
    from preflight.resolve.resolver import Resolver
    from preflight.transform import expand

    expansion = expand(document, pins)  # SAM, language extensions: the transform stage (transform/)
    document = expansion.document
    template = build_template(document)
    template.expansion = expansion
    # what the stage expanded is gone: checks that hold back because "a transform may add resources" need not
    template.transforms = tuple(t for t in template.transforms if t not in expansion.expanded)
    return Context(path, document, template, Resolver(template, pins), Graph(template), catalog, options)


def build_context(text: str, path: str, pins: Pins | None = None) -> Context | None:
    """The model of a template without running the checks (None when it does not load as a template): for code
    that asks questions of a template, such as the fix verifier's policy comparisons. Call ``release()`` after."""
    from preflight.checks.registry import rules
    from preflight.source.document import LoadError, load_recent

    if _oversized(rules(), path, text) is not None:
        return None
    try:
        document = load_recent(text, path)
    except LoadError:
        return None
    if not isinstance(document.root, dict):
        return None
    return _context(document, path, pins, rules(), Options())


def fix_text(text: str, path: str = "<string>", *, pins: Pins | None = None, unsafe: bool = False,
             options: Options | None = None) -> FixResult:
    """Fix one template given as text: the safe fixes (and the unsafe ones with `unsafe=True`) applied as text
    edits, each kept only when re-checked and verified (preflight.fix.engine). Returns the new text, the applied
    fixes, the refused ones with the reason, and the findings left."""
    from preflight.fix.engine import fix_text as fix

    return fix(text, path, pins=pins, unsafe=unsafe, options=options)


def check_file(path: str, *, pins: Pins | None = None, options: Options | None = None) -> list[Finding]:
    """Check one template file. Raises InputError when the file cannot be read."""
    return check_text(read_template(path), path, pins=pins, options=options)


def read_bytes(path: str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file, or InputError: a FIFO, a device or a folder is refused without
    blocking, and no more than the limit plus one byte is ever read."""
    from preflight.discover import open_regular

    try:
        data = open_regular(path, limit + 1)
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise InputError(path, f"file is larger than the {limit // 2**20} MiB limit")
    return data


def read_template(path: str) -> str:
    """The text of a template file. A FIFO, a device or a folder is refused without blocking; at most the size
    limit plus one byte is read, whatever size the file system reports (issue 12: /dev/zero reports 0)."""
    data = read_bytes(path, MAX_FILE_BYTES)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None


def _run(ctx: Context, all_checks: Iterable[Any], options: Options) -> Iterable[Finding]:
    by_type: dict[str, list[Any]] = {}
    for resource in ctx.template.resources.values():
        by_type.setdefault(resource.type, []).append(resource)
    for check in all_checks:
        try:
            if check.types is None:
                yield from check.func(ctx)
                continue
            for rtype in check.types:
                for resource in by_type.get(rtype, ()):
                    yield from check.func(ctx, resource)
        except Exception as exc:  # a crashing check becomes one finding in production (DESIGN.md "A check")
            if options.strict:
                raise
            yield _engine_finding(ctx.rules, ctx.path, "PF0000", NO_SPAN,
                                  f"internal error in check {check.name}: {type(exc).__name__}: {exc}; other "
                                  f"checks ran. Please report this with the template.")


def _created_only(ctx: Context, findings: Iterable[Finding]) -> Iterable[Finding]:
    """Drop what checks say about a resource whose Condition is false in every scenario: CloudFormation never
    creates it, so no create-time request, name or account state of it can fail (issue 13). Its template format
    still can: CloudFormation validates the whole template before it evaluates conditions."""
    dead = ctx.resolver.never_created()
    if not dead:
        yield from findings
        return
    for finding in findings:
        if finding.resource not in dead or finding.category == "template-structure":
            yield finding


def _truncation(ctx: Context) -> list[Finding]:
    """Say so when the scenario bound cut the enumeration (only if some check enumerated scenarios at all)."""
    from preflight.resolve.scenarios import MAX_EVALUATIONS, MAX_SCENARIOS

    enumerated = ctx.resolver.enumerated
    if enumerated is None or not enumerated.truncated:
        return []
    root = ctx.template.root
    span = root.key_span("Conditions") if hasattr(root, "key_span") else NO_SPAN
    message = (f"the template's conditions combine into more scenarios than preflight enumerates (at most "
               f"{MAX_SCENARIOS}, within {MAX_EVALUATIONS:,} condition evaluations); checks that depend on "
               f"conditions considered {len(enumerated.scenarios)} of them: pin parameters (--parameters) to "
               f"check the combinations you deploy")
    return [_engine_finding(ctx.rules, ctx.path, "PF0010", span, message)]


def _oversized(catalog: dict[str, Any], path: str, text: str) -> Finding | None:
    """CloudFormation rejects a template body over 1,000,000 bytes (its quota for a template in S3, the most any
    deployment accepts): say so at once, located where the limit is crossed, instead of spending seconds and
    gigabytes loading what cannot be deployed (issue 12)."""
    from preflight.checks.structure import body_bytes, limit_offset
    from preflight.data.errors import format_error
    from preflight.data.quotas import template_quotas
    from preflight.source.span import LineIndex

    limit = template_quotas().body_bytes_s3
    if len(text) <= limit // 4 or (size := body_bytes(text)) <= limit:  # UTF-8 takes at most 4 bytes a character
        return None
    at = limit_offset(text, limit)
    quoted = format_error("template-quota:body", Limit=str(limit)).rstrip(".")
    message = (f"{quoted}: this one is {size:,} bytes (CloudFormation's quota "
               f"for a template body, even in S3); not checked further: split it into nested stacks")
    return _engine_finding(catalog, path, "PF0012", LineIndex(text).span(at, at), message)


def _cuts(ctx: Context) -> list[Finding]:
    """Say what the resolver's bounds cut (resolve/resolver.py: MAX_VALUE_CHARS, MAX_PARTS, MAX_NESTING...): the
    values stayed unknown, so checks that need them said nothing about them."""
    return [_engine_finding(ctx.rules, ctx.path, "PF0011", span or NO_SPAN,
                            f"not evaluated: {reason}; checks that need this value skipped it")
            for reason, span in list(ctx.resolver.cuts.items())[:20]]


def _engine_finding(catalog: dict[str, Any], path: str, code: str, span: Span, message: str) -> Finding:
    rule = catalog[code]
    phase = rule.phase if rule.severity == "warning" else None
    return Finding(file=path, span=span, code=code, category=rule.category, severity=rule.severity,
                   message=message, doc_url=rule.doc_url, phase=phase)


def _phased(finding: Finding) -> Finding:
    """Every warning names its phase, and only warnings do: a check that changed a finding's severity with
    `_replace` (rather than through ctx.finding) gets its rule's phase here."""
    if finding.severity == "warning" and finding.phase is None:
        from preflight.checks.registry import rules

        rule = rules().get(finding.code)
        return finding._replace(phase=rule.phase if rule else "deploy")
    if finding.severity != "warning" and finding.phase is not None:
        return finding._replace(phase=None)
    return finding


def _select(findings: list[Finding], options: Options) -> list[Finding]:
    findings = [_phased(f) for f in findings]
    if options.select:
        findings = [f for f in findings if any(f.code.startswith(s) for s in options.select)]
    if options.ignore:
        findings = [f for f in findings if not any(f.code.startswith(s) for s in options.ignore)]
    return findings
