"""`preflight check`: configuration, discovery, checking (in parallel with -j), suppressions, baseline, report.

The command line's flags win over the configuration file (preflight.config); the template's own suppressions
are applied by the checks' engine (checks/suppressions.py), so the Python API honours them too; the baseline and
the per-path ignores filter the run's findings here.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from preflight.config import Config, find_config, load_config
from preflight.errors import InputError, UsageError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def read_config(args: argparse.Namespace) -> Config:
    if args.no_config:
        return Config()
    if args.config:
        if not os.path.isfile(args.config):
            raise UsageError(f"--config {args.config}: no such file")
        return load_config(args.config)
    found = find_config(args.paths[0] if args.paths else ".")
    return load_config(found) if found else Config()


def merge(args: argparse.Namespace, config: Config) -> None:
    """Fill what the command line left unsaid from the configuration, then the defaults."""
    args.select = args.select or list(config.select or ())
    args.ignore = args.ignore or list(config.ignore or ())
    _merge_fail_on(args, config)
    args.format = args.format or config.format or "text"
    for name in ("region", "account_id", "partition", "stack_name", "doc_base_url", "baseline"):
        if getattr(args, name, None) is None:
            setattr(args, name, getattr(config, name))
    args.scp = args.scp or list(config.scp or ())
    if args.jobs is None:
        from preflight.batch import default_jobs

        args.jobs = config.jobs or default_jobs()


def _merge_fail_on(args: argparse.Namespace, config: Config) -> None:
    """--fail-on and --fail-on-phase (README "Phases"): phases narrow which warnings fail the run, so they imply
    --fail-on warning, and contradict --fail-on error (a usage error, exit 2)."""
    given = getattr(args, "fail_on_phase", None)
    cli_phases = tuple(dict.fromkeys(p for group in given for p in group)) if given else ()
    phases = cli_phases or (config.fail_on_phase or ())
    fail_on = args.fail_on or config.fail_on or ("warning" if phases else "error")
    if phases and fail_on == "error":
        if cli_phases:
            raise UsageError(
                "--fail-on-phase narrows the warnings that fail the run: it needs --fail-on warning "
                "(or info), not error"
            )
        if args.fail_on != "error":  # the configuration file contradicts itself; a command-line error wins
            raise UsageError(f"{config.path}: 'fail-on-phase' needs 'fail-on' warning or info, not error")
        phases = ()
    args.fail_on, args.fail_on_phase = fail_on, phases


def run_check(args: argparse.Namespace) -> int:
    from preflight.batch import check_files
    from preflight.checks.base import Options
    from preflight.cli import _pins, _split_parameter_args, check_output_path, read_scps, write_atomic
    from preflight.discover import NOT_TEMPLATE, discover, looks_like_template
    from preflight.findings import fails_run
    from preflight.report import render
    from preflight.report.options import ReportOptions

    _split_parameter_args(args)
    if not args.paths:
        raise UsageError("check needs at least one PATH (a template, a folder or a cdk.out folder)")
    config = read_config(args)
    merge(args, config)
    for target in (args.output, args.write_baseline):
        if target:
            check_output_path(target)
    known = _read_baseline(args.baseline) if args.baseline and not args.write_baseline else None
    base_pins = _pins(args)
    base_options = Options(select=frozenset(args.select), ignore=frozenset(args.ignore),
                           extra={"layers": read_scps(args.scp)} if args.scp else {})
    setup = _setup(args, config, base_pins, base_options)

    found = discover(args.paths)
    setup = with_environments(setup, found.environments)
    if args.templates_only:
        for path in [p for p in found.files if os.path.isfile(p) and not looks_like_template(p)]:
            found.files.remove(path)
            found.skip(path)
    for path in found.files:  # a bad per-template parameter file is a usage error before any work is done
        setup(path)
    results = check_files(found.files, setup, args.jobs, progress=sys.stderr.isatty())
    texts = {r.path: r.text for r in results if r.text is not None}
    findings = [f for r in results for f in r.findings]
    errors: list[InputError] = list(found.errors) + [r.error for r in results if r.error is not None]
    for error in errors:
        print(f"preflight: {error}", file=sys.stderr)
    for path in found.skipped:
        reason = found.reasons.get(path)
        if reason or args.verbose:  # a FIFO or device in a folder is worth a word; a config file only under -v
            print(f"preflight: skipped {path} ({reason or NOT_TEMPLATE})", file=sys.stderr)
    if args.verbose:
        if config.path:
            print(f"preflight: configuration from {config.path}", file=sys.stderr)
        print(f"preflight: {len(found.files)} template(s), {len(found.skipped)} file(s) skipped", file=sys.stderr)

    if args.write_baseline:
        from preflight.baseline import render_baseline

        write_atomic(args.write_baseline, render_baseline(findings, args.write_baseline))
        print(f"preflight: wrote {len(findings)} finding(s) to the baseline {args.write_baseline}", file=sys.stderr)
        return EXIT_USAGE if errors else EXIT_CLEAN
    if known is not None:
        from preflight.baseline import filter_new

        findings, hidden = filter_new(findings, known, args.baseline)
        if hidden:
            print(f"preflight: {hidden} finding(s) in the baseline {args.baseline} not shown", file=sys.stderr)

    report = render(args.format, findings, len(texts), _source_lines(texts), _color(args),
                    ReportOptions(root=".", doc_base_url=args.doc_base_url, fail_on=args.fail_on,
                                  fail_on_phases=args.fail_on_phase),
                    [p for p in found.files if p in texts], _positions(texts))
    if args.output:
        write_atomic(args.output, report)
    else:
        sys.stdout.write(report)
    if errors:
        return EXIT_USAGE
    crashed = sum(1 for f in findings if f.code == "PF0000")
    if crashed:  # the report is incomplete: not a clean run, whatever the threshold (issue 12)
        print(f"preflight: {crashed} check run(s) crashed (PF0000): the report is incomplete; please report it "
              f"with the template", file=sys.stderr)
        return EXIT_USAGE
    failing = any(fails_run(f.severity, f.phase, args.fail_on, args.fail_on_phase) for f in findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _read_baseline(path: str) -> frozenset[str]:
    from preflight.baseline import read_baseline

    return read_baseline(path)


def _setup(args: argparse.Namespace, config: Config, base_pins: Any, base_options: Any) -> Any:
    """path -> (pins, options) for that template: the configuration's parameters and ignores per template glob,
    unless the command line gave --parameters (then they apply to every template)."""
    cache: dict[Any, Any] = {}

    def setup(path: str) -> tuple[Any, Any]:
        pins, options = base_pins, base_options
        given = None if args.parameters else config.parameters_for(path)
        if given is not None:
            key = given if isinstance(given, str) else repr(sorted(given.items()))
            if key not in cache:
                cache[key] = base_pins._replace(parameters=_parameters(given))
            pins = cache[key]
        ignored = config.ignored_for(path)
        if ignored:
            options = options._replace(ignore=options.ignore | frozenset(ignored))
        return pins, options

    return setup


def with_environments(setup: Any, environments: dict[str, tuple[str | None, str | None]]) -> Any:
    """A cdk.out stack's environment (manifest.json, ``aws://ACCOUNT/REGION``) pins its account and Region, unless
    the command line or the configuration pinned them already (the user's word wins)."""
    if not environments:
        return setup

    def pinned(path: str) -> tuple[Any, Any]:
        pins, options = setup(path)
        account, region = environments.get(path, (None, None))
        return pins._replace(account_id=pins.account_id or account, region=pins.region or region), options

    return pinned


def _parameters(given: str | dict[str, Any]) -> dict[str, Any]:
    from preflight.cli import parse_parameters

    if isinstance(given, dict):
        return {k: v if isinstance(v, list) else str(v) for k, v in given.items()}
    return parse_parameters([given])


def _source_lines(texts: dict[str, str]) -> Any:
    split: dict[str, list[str]] = {}

    def source(path: str, line: int) -> str:
        # Split each file once (one split per finding was quadratic: 30,000 findings on an 800 KB template took
        # minutes), on "\n" only, as the loader counts lines (str.splitlines also breaks at \u2028, \x0c ...).
        lines = split.get(path)
        if lines is None:
            lines = split[path] = texts.get(path, "").split("\n")
        return lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else ""

    return source


def _positions(texts: dict[str, str]) -> Any:
    """(file, offset) -> (line, column), each file's line index built once, on first use (fix edits only)."""
    from preflight.source.span import LineIndex

    indexes: dict[str, LineIndex] = {}

    def position(path: str, offset: int) -> tuple[int, int]:
        index = indexes.get(path)
        if index is None:
            index = indexes[path] = LineIndex(texts.get(path, ""))
        return index.position(offset)

    return position


def _color(args: argparse.Namespace) -> bool:
    return bool(args.color == "always" or (args.color == "auto" and args.output is None and sys.stdout.isatty()
                                           and "NO_COLOR" not in os.environ))
