"""The public Python API: check_file / check_text (re-exported by `preflight`).

Only `preflight.errors` exceptions cross this API; bad templates become findings, never tracebacks.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable
from typing import Any

from preflight.checks.base import Context, Options
from preflight.errors import InputError
from preflight.findings import Finding
from preflight.resolve.pins import Pins
from preflight.source.span import NO_SPAN, Span

MAX_FILE_BYTES = 20 * 1024 * 1024


def check_text(text: str, path: str = "<string>", *, pins: Pins | None = None,
               options: Options | None = None) -> list[Finding]:
    """Check one template given as text. Returns findings sorted by location."""
    # Loading and resolving allocate millions of small containers and no garbage cycle worth chasing while they
    # live: CPython's cyclic collector would traverse them again and again (it more than doubled the corpus run).
    # It is paused for the duration of one check (bounded by the input limits) and restored as it was.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_text(text, path, pins, options)
    finally:
        if enabled:
            gc.enable()


def _check_text(text: str, path: str, pins: Pins | None, options: Options | None) -> list[Finding]:
    from preflight.checks.registry import checks, rules
    from preflight.model.graph import Graph
    from preflight.model.template import build_template
    from preflight.resolve.resolver import Resolver
    from preflight.source.document import LoadError, load_text

    options = options or Options()
    catalog = rules()
    try:
        document = load_text(text, path)
    except LoadError as exc:
        return _select([_engine_finding(catalog, path, "PF0001", exc.span, exc.message)], options)
    if not isinstance(document.root, dict):
        span = getattr(document.root, "span", NO_SPAN)
        return _select([_engine_finding(catalog, path, "PF0002", span, "Template format error: the template must "
                                        "be a mapping with a Resources section")], options)
    template = build_template(document)
    resolver = Resolver(template, pins)
    graph = Graph(template)
    ctx = Context(path, document, template, resolver, graph, catalog, options)
    try:
        findings = list(_run(ctx, checks(), options))
    finally:
        ctx.release()
    findings.extend(_truncation(ctx))
    return _select(sorted(findings, key=Finding.sort_key), options)


def check_file(path: str, *, pins: Pins | None = None, options: Options | None = None) -> list[Finding]:
    """Check one template file. Raises InputError when the file cannot be read."""
    return check_text(read_template(path), path, pins=pins, options=options)


def read_template(path: str) -> str:
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise InputError(path, f"file is {size} bytes, larger than the {MAX_FILE_BYTES // 2**20} MiB limit")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
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


def _truncation(ctx: Context) -> list[Finding]:
    """Say so when the scenario bound cut the enumeration (only if some check enumerated scenarios at all)."""
    from preflight.resolve.scenarios import MAX_SCENARIOS

    enumerated = ctx.resolver.enumerated
    if enumerated is None or not enumerated.truncated:
        return []
    root = ctx.template.root
    span = root.key_span("Conditions") if hasattr(root, "key_span") else NO_SPAN
    message = (f"the template's conditions combine into more than {MAX_SCENARIOS} scenarios; checks that depend on "
               f"conditions considered {len(enumerated.scenarios)} of them: pin parameters (--parameters) to "
               f"check the combinations you deploy")
    return [_engine_finding(ctx.rules, ctx.path, "PF0010", span, message)]


def _engine_finding(catalog: dict[str, Any], path: str, code: str, span: Span, message: str) -> Finding:
    rule = catalog[code]
    return Finding(file=path, span=span, code=code, category=rule.category, severity=rule.severity,
                   message=message, doc_url=rule.doc_url)


def _select(findings: list[Finding], options: Options) -> list[Finding]:
    if options.select:
        findings = [f for f in findings if any(f.code.startswith(s) for s in options.select)]
    if options.ignore:
        findings = [f for f in findings if not any(f.code.startswith(s) for s in options.ignore)]
    return findings
