"""Command line: argument parsing and exit codes only (0 clean, 1 findings at or above --fail-on, 2 usage/input)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from preflight import __version__
from preflight.errors import InputError, PreflightError, UsageError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 itself; keep its message, our wording
        self.print_usage(sys.stderr)
        print(f"preflight: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="preflight", description="Predict AWS CloudFormation deployment failures before you deploy.")
    parser.add_argument("--version", action="version", version=f"preflight {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check templates, folders or cdk.out assemblies")
    check.add_argument("paths", nargs="*", metavar="PATH", help="template files, folders or cdk.out assemblies")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                       help="lowest severity that makes the exit code 1 (default: error)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (atomically)")
    _add_pins(check)
    check.add_argument("--select", action="append", default=[], metavar="CODE",
                       help="only report these codes (prefixes allowed, e.g. PF6); repeatable")
    check.add_argument("--ignore", action="append", default=[], metavar="CODE",
                       help="do not report these codes (prefixes allowed); repeatable")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument("-v", "--verbose", action="store_true", help="say which files were skipped")

    explain = sub.add_parser("explain-policy", help="decide one request against one policy of a template, and say why")
    explain.add_argument("template", metavar="TEMPLATE")
    explain.add_argument("--resource", required=True, metavar="LOGICAL_ID",
                         help="the resource that holds the policy (a key, bucket policy, role, permission ...)")
    explain.add_argument("--principal", required=True,
                         help="who asks: logs.amazonaws.com, service:..., an IAM ARN or an account id")
    explain.add_argument("--action", required=True, help="e.g. kms:GenerateDataKey")
    explain.add_argument("--on", metavar="ARN", help="the resource ARN of the request (default: the policy's resource)")
    explain.add_argument("--context", action="append", default=[], metavar="KEY=VALUE",
                         help="a request context key, e.g. aws:SourceAccount=${AWS::AccountId}; repeatable")
    _add_pins(explain)

    rules = sub.add_parser("rules", help="list every check: code, severity, category, title")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _add_pins(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("values to pin (otherwise they stay symbolic)")
    group.add_argument("--region")
    group.add_argument("--account-id")
    group.add_argument("--partition")
    group.add_argument("--stack-name")
    group.add_argument("--parameters", nargs="+", default=[], metavar="FILE|Key=Value",
                       help="a CloudFormation CLI parameter file, a {\"Key\": \"Value\"} JSON file, or Key=Value")
    group.add_argument("--scp", action="append", default=[], metavar="FILE",
                       help="a service control policy (JSON) that applies to the account; repeatable")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "explain-policy":
            return _explain(args)
        parser.print_help()
        return EXIT_USAGE
    except UsageError as exc:
        print(f"preflight: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PreflightError as exc:
        print(f"preflight: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def run() -> NoReturn:
    """The console entry point: ``main()``, then an exit that skips the interpreter's teardown.

    Freeing every module and data table one by one at exit took ~30 ms of a 0.15 s single-file budget; all output
    is flushed first, and files preflight writes are complete and closed before ``main`` returns (``write_atomic``),
    so nothing is lost. (mypy exits the same way.) Called in-process, use ``main``.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that went away (`| head`), or a closed stream
        pass
    os._exit(code)


def parse_parameters(items: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in items:
        if "=" in item and not os.path.exists(item):
            key, _, value = item.partition("=")
            if not key:
                raise UsageError(f"--parameters {item!r}: expected Key=Value")
            values[key] = value
            continue
        try:
            with open(item, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise UsageError(f"--parameters {item}: {exc.strerror}") from None
        except ValueError as exc:
            raise UsageError(f"--parameters {item}: not JSON ({exc})") from None
        if isinstance(data, dict):
            values.update({str(k): v for k, v in data.items()})
        elif isinstance(data, list) and all(isinstance(d, dict) and "ParameterKey" in d for d in data):
            values.update({d["ParameterKey"]: d.get("ParameterValue") for d in data})
        else:
            raise UsageError(f"--parameters {item}: expected [{{\"ParameterKey\": ..., \"ParameterValue\": ...}}] "
                             f"or {{\"Key\": \"Value\"}}")
    return values


def _split_parameter_args(args: argparse.Namespace) -> None:
    """`--parameters A=1 template.yaml`: argparse's nargs="+" swallows the template; give it back to the paths.

    A parameter file never has a top-level Resources key; a template always does (that is how folders are
    searched too), so the split is decided by content, not by position.
    """
    from preflight.discover import looks_like_template

    keep = []
    for item in args.parameters:
        if os.path.isdir(item) or ("=" not in item or os.path.exists(item)) and looks_like_template(item):
            args.paths.append(item)
        else:
            keep.append(item)
    args.parameters = keep


def _pins(args: argparse.Namespace) -> Any:
    from preflight.resolve.pins import Pins

    return Pins(region=args.region, account_id=args.account_id, partition=args.partition,
                stack_name=args.stack_name, parameters=parse_parameters(args.parameters))


def _check(args: argparse.Namespace) -> int:
    from preflight.api import check_text, read_template
    from preflight.checks.base import Options
    from preflight.discover import discover
    from preflight.findings import SEVERITY_RANK
    from preflight.report import render

    _split_parameter_args(args)
    if not args.paths:
        raise UsageError("check needs at least one PATH (a template, a folder or a cdk.out folder)")
    pins = _pins(args)
    options = Options(select=frozenset(args.select), ignore=frozenset(args.ignore),
                      extra={"layers": read_scps(args.scp)} if args.scp else {})
    found = discover(args.paths)
    texts: dict[str, str] = {}
    findings = []
    errors: list[InputError] = list(found.errors)
    for path in found.files:
        try:
            texts[path] = read_template(path)
        except InputError as exc:
            errors.append(exc)
            continue
        findings.extend(check_text(texts[path], path, pins=pins, options=options))
    for error in errors:
        print(f"preflight: {error}", file=sys.stderr)
    if args.verbose:
        for path in found.skipped:
            print(f"preflight: skipped {path} (no Resources section: not a template)", file=sys.stderr)
        print(f"preflight: {len(found.files)} template(s), {len(found.skipped)} file(s) skipped", file=sys.stderr)

    def source(path: str, line: int) -> str:
        text = texts.get(path)
        if text is None:
            return ""
        lines = text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    color = args.color == "always" or (args.color == "auto" and args.output is None and sys.stdout.isatty()
                                       and "NO_COLOR" not in os.environ)
    report = render(args.format, findings, len(texts), source, color)
    if args.output:
        write_atomic(args.output, report)
    else:
        sys.stdout.write(report)
    if errors:
        return EXIT_USAGE
    threshold = SEVERITY_RANK[args.fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= threshold for f in findings) else EXIT_CLEAN


def _explain(args: argparse.Namespace) -> int:
    from preflight.explain_cmd import explain_policy

    text, allowed = explain_policy(args.template, args.resource, args.principal, args.action, args.on,
                                   args.context, _pins(args), read_scps(args.scp))
    sys.stdout.write(text.rstrip("\n") + "\n")
    return EXIT_CLEAN if allowed else EXIT_FINDINGS


def _rules(args: argparse.Namespace) -> int:
    from preflight.checks.registry import rules

    table = rules()
    if args.format == "json":
        rows = [{"code": r.code, "slug": r.slug, "title": r.title, "category": r.category, "severity": r.severity,
                 "fix": r.fix, "doc_url": r.doc_url} for r in table.values()]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_CLEAN
    for rule in table.values():
        sys.stdout.write(f"{rule.code}  {rule.severity:<7}  {rule.category:<22}  {rule.title}\n")
    return EXIT_CLEAN


def read_scps(paths: Sequence[str]) -> tuple[Any, ...]:
    """Each --scp FILE as an SCP layer of the policy evaluator (SCPs gate the account's IAM principals:
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)."""
    from preflight.policy import Layer, parse_policy

    policies = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except OSError as exc:
            raise UsageError(f"--scp {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise UsageError(f"--scp {path}: not JSON ({exc})") from None
        if not isinstance(document, dict) or "Statement" not in document:
            raise UsageError(f"--scp {path}: expected a policy document with a Statement")
        policies.append(parse_policy(document, kind="scp", name=os.path.basename(path)))
    return (Layer("scp", tuple(policies), "service control policies"),) if policies else ()


def write_atomic(path: str, text: str) -> None:
    """Write to a temporary file in the same folder, then rename: a reader never sees half a file."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".preflight-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


if __name__ == "__main__":  # pragma: no cover
    run()
