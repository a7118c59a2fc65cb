"""`preflight fix`: discovery, configuration and pins as for `check`; the engine (fix/engine.py) per file; a
unified diff (default), or the files written atomically (--write); the change report (--report); exit codes.

Exit 0 when nothing at or above --fail-on remains after the fixes; 1 when something remains or, with --diff (the
default), a fix is pending; 2 on usage or input errors (a file changed on disk since it was read included).
A template of a CDK cloud assembly is generated: it is never written; the change is shown as CDK code when the
fix provides it, else said to be impossible to write.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from preflight.errors import InputError, UsageError
from preflight.fix.engine import FixResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
_BOM = b"\xef\xbb\xbf"


class FileFix(NamedTuple):
    path: str
    result: FixResult
    generated: bool  # a cdk.out template: never written
    written: bool
    error: str | None = None  # why a change could not be written
    decided: tuple[Any, ...] = ()  # per applied fix, its request decided again on the fixed text (fix.explain)


def run_fix(args: argparse.Namespace) -> int:
    from preflight.check_cmd import _setup, merge, read_config, with_environments
    from preflight.checks.base import Options
    from preflight.cli import _pins, _split_parameter_args, check_output_path, read_scps, write_atomic
    from preflight.discover import discover

    _split_parameter_args(args)
    if not args.paths:
        raise UsageError("fix needs at least one PATH (a template, a folder or a cdk.out folder)")
    fmt = args.format
    config = read_config(args)
    merge(args, config)
    args.format = fmt  # fix has two formats of its own; the configuration's `format` is check's
    if args.report:
        check_output_path(args.report)
    base_options = Options(select=frozenset(args.select), ignore=frozenset(args.ignore),
                           extra={"layers": read_scps(args.scp)} if args.scp else {})
    setup = _setup(args, config, _pins(args), base_options)
    found = discover(args.paths)
    setup = with_environments(setup, found.environments)
    for path in found.files:
        setup(path)
    errors: list[str] = [str(e) for e in found.errors]
    done: list[FileFix] = []
    for path in found.files:
        try:
            done.append(_fix_one(path, setup, args))
        except InputError as exc:
            errors.append(str(exc))
    for path in found.skipped:
        if found.reasons.get(path) or args.verbose:
            print(f"preflight: skipped {path}", file=sys.stderr)
    errors.extend(f"{d.path}: {d.error}" for d in done if d.error)
    _output(args, done)
    if args.report:
        from preflight.fix.report import render_report

        write_atomic(args.report, render_report([d.result for d in done], {d.path for d in done if d.generated},
                                                [d.decided for d in done]))
    for error in errors:
        print(f"preflight: {error}", file=sys.stderr)
    return _exit_code(args, done, errors)


def _fix_one(path: str, setup: Any, args: argparse.Namespace) -> FileFix:
    from preflight.api import MAX_FILE_BYTES, read_bytes
    from preflight.fix.engine import fix_text

    raw = read_bytes(path, MAX_FILE_BYTES)
    text = _decode(path, raw)
    pins, options = setup(path)
    result = fix_text(text, path, pins=pins, unsafe=args.unsafe_fixes, options=options)
    generated = is_generated(path)
    decided: tuple[Any, ...] = ()
    if result.applied and (args.report or args.format == "json"):  # only what a report or JSON shows is computed
        from preflight.fix.explain import decisions_after

        decided = tuple(decisions_after(result, pins))
    if not (args.write and result.changed) or generated:
        return FileFix(path, result, generated, False, decided=decided)
    try:
        write_fixed(path, raw, result.text)
    except InputError as exc:
        return FileFix(path, result, generated, False, exc.message, decided)
    return FileFix(path, result, generated, True, decided=decided)




def _decode(path: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")  # as read_template: a BOM is not part of the text (and is written back)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None


def is_generated(path: str) -> bool:
    """A template of a CDK cloud assembly (its folder holds the assembly's manifest.json): `cdk synth` writes it."""
    from preflight.discover import _is_assembly

    folder = os.path.dirname(os.path.abspath(path))
    return os.path.isfile(os.path.join(folder, "manifest.json")) and _is_assembly(folder)


def write_fixed(path: str, original: bytes, text: str) -> None:
    """Write `text` over `path` atomically: a temporary file in the same folder, the file's mode kept, then a
    rename. Refused (InputError) when the file's bytes are no longer those that were read: a change made
    meanwhile is never overwritten. A symbolic link is followed: its target is replaced, the link kept."""
    import tempfile

    from preflight.cli import discard
    from preflight.discover import open_regular

    target = os.path.realpath(path)
    data = (_BOM if original.startswith(_BOM) else b"") + text.encode("utf-8")
    try:
        mode = os.stat(target).st_mode & 0o7777
        if open_regular(target, len(original) + 1) != original:
            raise InputError(path, "changed on disk since it was read: not written (run fix again)")
        fd, tmp = tempfile.mkstemp(prefix=".preflight-", dir=os.path.dirname(target))
    except OSError as exc:
        raise InputError(path, f"cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if open_regular(target, len(original) + 1) != original:  # once more, just before the rename
            raise InputError(path, "changed on disk since it was read: not written (run fix again)")
        os.replace(tmp, target)
    except OSError as exc:
        discard(tmp)
        raise InputError(path, f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        discard(tmp)
        raise


# --------------------------------------------------------------------------- output


def unified_diff(result: FixResult) -> str:
    import difflib

    if not result.changed:
        return ""
    lines = difflib.unified_diff(result.original.splitlines(keepends=True), result.text.splitlines(keepends=True),
                                 result.path, result.path)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def cdk_code(result: FixResult) -> list[str]:
    """Per applied fix of a generated template: the CDK (Python) code the fix provides, or why there is none."""
    out = []
    for fix in result.applied:
        code = fix.finding.fix.cdk if fix.finding.fix else None
        where = fix.finding.construct_path or fix.resource or "the template"
        if code:
            out.append(f"# {fix.code} {where}: {fix.title}\n{code.rstrip()}\n")
        else:
            out.append(f"# {fix.code} {where}: {fix.title}\n# cannot be written: this template is generated by the "
                       f"CDK (cdk.out) and the fix has no CDK form; make the change in the CDK app\n")
    return out


def _output(args: argparse.Namespace, done: list[FileFix]) -> None:
    if args.format == "json":
        sys.stdout.write(json.dumps(_json(args, done), indent=2, ensure_ascii=False) + "\n")
        return
    summary = sys.stderr if not args.write else sys.stdout
    for item in done:
        if item.generated:
            for block in cdk_code(item.result):
                sys.stdout.write(block)
        elif not args.write:
            sys.stdout.write(unified_diff(item.result))
    for item in done:
        for line in _summary(item, args):
            print(line, file=summary)
    summary.flush()


def _summary(item: FileFix, args: argparse.Namespace) -> list[str]:
    result = item.result
    if not (result.applied or result.refused or result.findings):
        return []
    verb = "fixed" if item.written else ("not written (generated by the CDK)" if item.generated and result.applied
                                         else "would fix" if result.applied else "nothing fixed")
    head = (f"{item.path}: {verb}: {len(result.applied)} applied, {len(result.refused)} refused, "
            f"{len(result.findings)} finding(s) left")
    lines = [head]
    lines += [f"  applied  {a.code} {a.resource or '-'}: {a.title} ({a.safety})" for a in result.applied]
    lines += [f"  refused  {r.code} {r.resource or '-'}: {r.title}: {r.reason}" for r in result.refused]
    for f in result.findings:
        lines.append(f"  left     {f.file}:{f.span.line}:{f.span.column} {f.severity} {f.code} {f.message}")
        if f.fix and f.fix.safety != "safe":
            why = f": {f.fix.reason}" if f.fix.reason else ""
            lines.append(f"           fix ({f.fix.safety}{', use --unsafe-fixes' if f.fix.safety == 'unsafe' and f.fix.edits else ''})"
                         f": {f.fix.title}{why}")
    if result.changed and result.access is None:
        lines.append("  no-new-access: the verifier is not available")
    return lines


def _json(args: argparse.Namespace, done: list[FileFix]) -> dict[str, Any]:
    from preflight import __version__

    return {"version": __version__, "files_checked": len(done), "mode": "write" if args.write else "diff",
            "files": [file_json(item.result, generated=item.generated, written=item.written, error=item.error,
                                decided=item.decided) for item in done]}


def file_json(result: FixResult, *, generated: bool = False, written: bool = False,
              error: str | None = None, decided: Sequence[Any] = ()) -> dict[str, Any]:
    from preflight.source.span import LineIndex

    index = LineIndex(result.original)
    final = LineIndex(result.text) if result.changed else index  # the findings left are the fixed text's
    data: dict[str, Any] = {
        "file": result.path,
        "changed": result.changed,
        "written": written,
        "generated": generated,
        "applied": [{"code": a.code, "resource": a.resource, "title": a.title, "safety": a.safety,
                     "line": a.finding.span.line, "round": a.round,
                     "edits": [{"start": _place(index, e.start), "end": _place(index, e.end), "text": e.text,
                                "replaced": result.original[e.start:e.end]}  # the original bytes, recoverable
                               for e in a.edits]} for a in result.applied],
        "refused": [{"code": r.code, "resource": r.resource, "title": r.title, "safety": r.safety,
                     "reason": r.reason} for r in result.refused],
        "remaining": [f.to_json(final.position if f.fix and f.fix.edits else None) for f in result.findings],
        "no_new_access": {"verified": result.access is not None,
                          "violations": list(result.access or [])},
        "diff": unified_diff(result) if not generated else "",
    }
    for entry, verdict in zip(data["applied"], decided, strict=False):
        if verdict is not None:
            entry["request"] = {"request": verdict.request, "before": verdict.before, "after": verdict.after,
                                "outcome": verdict.outcome}
    if generated:
        data["cdk"] = cdk_code(result)
    if error:
        data["error"] = error
    return data


def _place(index: Any, offset: int) -> dict[str, int]:
    line, column = index.position(offset)
    return {"line": line, "column": column}


def _exit_code(args: argparse.Namespace, done: list[FileFix], errors: list[str]) -> int:
    from preflight.findings import fails_run

    if errors or any(f.code == "PF0000" for d in done for f in d.result.findings):
        return EXIT_USAGE
    left = (f for d in done for f in d.result.findings)
    if any(fails_run(f.severity, f.phase, args.fail_on, args.fail_on_phase) for f in left):
        return EXIT_FINDINGS
    pending = any(d.result.changed and not d.written for d in done)
    return EXIT_FINDINGS if pending else EXIT_CLEAN
