"""Command line: argument parsing and exit codes only.

Exit codes: 0 clean; 1 findings at or above --fail-on; 2 usage or input error, or an abnormal run (a file could
not be read, a check crashed, an internal error: the report is printed first when there is one); 130 interrupted
(Ctrl-C); 141 the reader of the output went away (`preflight rules | head -1`: 128 + SIGPIPE, as a shell reports a
process that the broken pipe stopped). None of them prints a traceback unless PREFLIGHT_DEBUG is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from preflight import __version__
from preflight.errors import InputError, PreflightError, UsageError
from preflight.report import FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141  # 128 + SIGINT, 128 + SIGPIPE


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
    check.add_argument("--format", choices=FORMATS, default=None,
                       help="text (default), json, sarif (code scanning), junit (CI test reports), github "
                            "(workflow annotations) or markdown (a pull-request comment; for one template, its "
                            "failure report)")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default=None,
                       help="lowest severity that makes the exit code 1 (default: error)")
    _add_fail_on_phase(check)
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (atomically)")
    _add_pins(check)
    check.add_argument("--select", action="append", default=[], metavar="CODE",
                       help="only report these codes (prefixes allowed, e.g. PF6); repeatable")
    check.add_argument("--ignore", action="append", default=[], metavar="CODE",
                       help="do not report these codes (prefixes allowed); repeatable")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument("-v", "--verbose", action="store_true", help="say which files were skipped")
    check.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                       help="check files in N processes (default: the number of CPUs); the output order is the same")
    check.add_argument("--templates-only", action="store_true",
                       help="skip files named on the command line that are not templates (no top-level Resources), "
                            "as folders are searched: for pre-commit, which passes every YAML and JSON file")
    adopt = check.add_argument_group("configuration and adoption")
    adopt.add_argument("--config", metavar="FILE", help="a .preflight.toml or pyproject.toml to read instead of "
                       "searching upward from the first PATH")
    adopt.add_argument("--no-config", action="store_true", help="read no configuration file")
    adopt.add_argument("--baseline", metavar="FILE", help="report only the findings that are not in this baseline")
    adopt.add_argument("--write-baseline", metavar="FILE",
                       help="write every finding of this run to FILE as the accepted baseline, and exit 0")
    adopt.add_argument("--doc-base-url", metavar="URL",
                       help="where the check pages are published (SARIF helpUri, Markdown links)")

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

    _add_fix(sub)
    rules = sub.add_parser("rules", help="list every check: code, severity, phase, category, title")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    diagnose = sub.add_parser("diagnose", help="find the root failure in a failed stack's events (exit 0 when "
                              "diagnosed, 2 when the input is not stack events)")
    diagnose.add_argument("events", nargs="*", metavar="EVENTS",
                          help="stack events (any paste format; '-' or nothing: standard input); add nested stacks' "
                               "events as further files")
    diagnose.add_argument("--template", metavar="T", help="the template that was deployed (locates the root, runs "
                          "the checks)")
    diagnose.add_argument("--cdk-out", metavar="DIR", help="a cdk.out folder instead of --template")
    diagnose.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    diagnose.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (atomically)")
    _add_pins(diagnose)
    return parser


def _add_fix(sub: Any) -> None:
    """`preflight fix` (its body is preflight.fix.command, imported only when it runs)."""
    fix = sub.add_parser("fix", help="apply the findings' safe fixes as verified text edits (a diff by default)")
    fix.add_argument("paths", nargs="*", metavar="PATH", help="template files, folders or cdk.out assemblies")
    mode = fix.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff; touch no file (the default)")
    mode.add_argument("--write", action="store_true", help="write the fixed files (atomically; never a cdk.out one)")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply the fixes marked unsafe")
    fix.add_argument("--select", action="append", default=[], metavar="CODE",
                     help="only fix (and report) these codes (prefixes allowed); repeatable")
    fix.add_argument("--ignore", action="append", default=[], metavar="CODE",
                     help="do not fix (nor report) these codes (prefixes allowed); repeatable")
    fix.add_argument("--report", metavar="FILE.md", help="write the change report (Markdown) to FILE.md")
    fix.add_argument("--format", choices=("text", "json"), default="text")
    fix.add_argument("--fail-on", choices=("error", "warning", "info"), default=None,
                     help="lowest severity that, left after the fixes, makes the exit code 1 (default: error)")
    _add_fail_on_phase(fix)
    fix.add_argument("--config", metavar="FILE", help="a .preflight.toml or pyproject.toml to read")
    fix.add_argument("--no-config", action="store_true", help="read no configuration file")
    fix.add_argument("-v", "--verbose", action="store_true", help="say which files were skipped")
    fix.set_defaults(jobs=1, doc_base_url=None, baseline=None)
    _add_pins(fix)


def _add_fail_on_phase(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fail-on-phase", action="append", type=_phases, default=None, metavar="PHASE[,PHASE]",
                        help="only warnings of these phases make the exit code 1 (deploy, rollback, runtime, "
                             "account; repeatable); implies --fail-on warning unless --fail-on is given")


def _phases(text: str) -> tuple[str, ...]:
    """`deploy,rollback` -> ("deploy", "rollback"); an unknown phase is a usage error (exit 2)."""
    from preflight.checks.base import PHASES

    given = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in given if p not in PHASES]
    if unknown or not given:
        raise argparse.ArgumentTypeError(f"expected phases among {', '.join(PHASES)}, not {text!r}")
    return given


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _role_arn(text: str) -> str:
    """An IAM role or user ARN (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)."""
    import re

    if not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:(role|user)/\S+", text):
        raise argparse.ArgumentTypeError(f"expected an IAM role ARN (arn:aws:iam::123456789012:role/name), not {text!r}")
    return text


def _iso_date(text: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, not {text!r}") from None


def _add_pins(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("values to pin (otherwise they stay symbolic)")
    group.add_argument("--region")
    group.add_argument("--account-id")
    group.add_argument("--partition")
    group.add_argument("--stack-name")
    group.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD",
                       help="judge date-dependent facts (services shut down, runtimes retired) for this day; default today")
    group.add_argument("--parameters", nargs="+", default=[], metavar="FILE|Key=Value",
                       help="a CloudFormation CLI parameter file, a {\"Key\": \"Value\"} JSON file, or Key=Value")
    group.add_argument("--scp", action="append", default=[], metavar="FILE",
                       help="a service control policy (JSON) that applies to the account; repeatable")
    group.add_argument("--role-arn", type=_role_arn, metavar="ARN",
                       help="the IAM role that deploys the stack (the stack's service role, or the caller's role)")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command == "check":
            return _check(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "explain-policy":
            return _explain(args)
        if args.command == "diagnose":
            return _diagnose(args)
        if args.command == "fix":
            from preflight.fix.command import run_fix

            return run_fix(args)
        parser.print_help()
        return EXIT_USAGE
    except UsageError as exc:
        print(f"preflight: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PreflightError as exc:
        print(f"preflight: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - a bug anywhere becomes one line and exit 2, never a traceback + 1
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    text = str(exc).strip().splitlines()
    detail = text[0][:300] if text else ""
    print(f"preflight: internal error: {type(exc).__name__}{': ' + detail if detail else ''}", file=sys.stderr)
    if os.environ.get("PREFLIGHT_DEBUG"):
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    else:
        print("preflight: this is a bug in preflight: please report it with the input "
              "(PREFLIGHT_DEBUG=1 prints the traceback)", file=sys.stderr)
    return EXIT_USAGE


def _silence_stdout() -> None:
    """The reader went away: point stdout at the null device, so that no later flush (ours, or the interpreter's
    at exit) raises again and prints "Exception ignored ... BrokenPipeError" (the Python docs' recipe, "Note on
    SIGPIPE" in the signal module)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (captured in tests), or already closed
        pass


def run() -> NoReturn:
    """The console entry point: ``main()``, then an exit that skips the interpreter's teardown.

    Freeing every module and data table one by one at exit took ~30 ms of a 0.15 s single-file budget; all output
    is flushed first, and files preflight writes are complete and closed before ``main`` returns (``write_atomic``),
    so nothing is lost. (mypy exits the same way.) Called in-process, use ``main``.
    """
    try:
        code = main()
    except KeyboardInterrupt:  # Ctrl-C outside main's own handler (while it returned)
        code = EXIT_INTERRUPTED
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # a reader that went away (`| head`) before the last buffered bytes
        _silence_stdout()
        code = EXIT_BROKEN_PIPE
    except (ValueError, KeyboardInterrupt):  # a closed stream; Ctrl-C while flushing
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError, KeyboardInterrupt):
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
        data = read_json_option("--parameters", item)
        if isinstance(data, dict):
            values.update({str(k): v for k, v in data.items()})
        elif isinstance(data, list) and all(isinstance(d, dict) and "ParameterKey" in d for d in data):
            values.update({d["ParameterKey"]: d.get("ParameterValue") for d in data})
        else:
            raise UsageError(f"--parameters {item}: expected [{{\"ParameterKey\": ..., \"ParameterValue\": ...}}] "
                             f"or {{\"Key\": \"Value\"}}")
    return values


_OPTION_FILE_BYTES = 10 * 1024 * 1024


def read_json_option(option: str, path: str) -> Any:
    """A JSON file named by an option: a regular file (never a FIFO or device, which would block or never end),
    at most 10 MiB; anything else is a usage error."""
    from preflight.discover import open_regular

    try:
        data = open_regular(path, _OPTION_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{option} {path}: {exc.strerror or exc}") from None
    except InputError as exc:
        raise UsageError(f"{option} {exc.path}: {exc.message}") from None
    if len(data) > _OPTION_FILE_BYTES:
        raise UsageError(f"{option} {path}: larger than {_OPTION_FILE_BYTES // 2**20} MiB")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UsageError(f"{option} {path}: not JSON ({exc})") from None


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
                stack_name=args.stack_name, parameters=parse_parameters(args.parameters),
                date=getattr(args, "date", None), role_arn=getattr(args, "role_arn", None))


def _check(args: argparse.Namespace) -> int:
    """`preflight check`: its body (configuration, -j, baseline, reports, exit codes) is in check_cmd.py."""
    from preflight.check_cmd import run_check

    return run_check(args)


def _explain(args: argparse.Namespace) -> int:
    from preflight.explain_cmd import explain_policy

    text, allowed = explain_policy(args.template, args.resource, args.principal, args.action, args.on,
                                   args.context, _pins(args), read_scps(args.scp))
    sys.stdout.write(text.rstrip("\n") + "\n")
    return EXIT_CLEAN if allowed else EXIT_FINDINGS


def _diagnose(args: argparse.Namespace) -> int:
    """Exit 0 whenever the events were diagnosed, whatever the stack did and whatever the template's findings:
    diagnose explains a failure that happened; `preflight check` is the gate for findings (docs/diagnose.md)."""
    from preflight.diagnose.command import run
    from preflight.diagnose.render import render

    if args.template and args.cdk_out:
        raise UsageError("diagnose takes --template or --cdk-out, not both")
    diagnosis = run(args.events, args.template, args.cdk_out, _pins(args))
    report = render(diagnosis, args.format, __version__)
    if args.output:
        write_atomic(args.output, report)
    else:
        sys.stdout.write(report)
    return EXIT_CLEAN


def _rules(args: argparse.Namespace) -> int:
    from preflight.checks.registry import rules

    table = rules()
    if args.format == "json":
        rows = [{"code": r.code, "slug": r.slug, "title": r.title, "category": r.category, "severity": r.severity,
                 "phase": r.phase, "fix": r.fix, "doc_url": r.doc_url} for r in table.values()]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_CLEAN
    for rule in table.values():
        sys.stdout.write(f"{rule.code}  {rule.severity:<7}  {rule.phase:<8}  {rule.category:<22}  {rule.title}\n")
    return EXIT_CLEAN


def read_scps(paths: Sequence[str]) -> tuple[Any, ...]:
    """Each --scp FILE as one SCP layer of the policy evaluator, as AWS applies it: every layer must allow; a file
    of Deny statements only sits on top of FullAWSAccess (policy.evaluate.scp_layer); SCPs gate the account's IAM
    principals, never service principals or service-linked roles
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)."""
    from preflight.policy import parse_policy
    from preflight.policy.evaluate import scp_layer

    layers = []
    for path in paths:
        document = read_json_option("--scp", path)
        if not isinstance(document, dict) or "Statement" not in document:
            raise UsageError(f"--scp {path}: expected a policy document with a Statement")
        layers.append(scp_layer(parse_policy(document, kind="scp", name=os.path.basename(path))))
    return tuple(layers)


def check_output_path(path: str) -> None:
    """-o names a file in an existing folder: said before any work is done (a usage error, exit 2)."""
    if os.path.isdir(path):
        raise UsageError(f"--output {path}: is a directory; name a file")
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise UsageError(f"--output {path}: folder {os.path.dirname(path)} does not exist")


def write_atomic(path: str, text: str) -> None:
    """Write to a temporary file in the same folder, then rename: a reader never sees half a file.

    Raises UsageError (exit 2) when the file cannot be written: a folder, a missing folder, no permission."""
    import tempfile

    check_output_path(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".preflight-", dir=folder)
    except OSError as exc:
        raise UsageError(f"--output {path}: cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        discard(tmp)
        raise UsageError(f"--output {path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        discard(tmp)
        raise


def discard(tmp: str) -> None:
    """Remove a temporary file that will not be renamed into place (gone already: nothing to do)."""
    try:
        os.unlink(tmp)
    except OSError:
        pass


if __name__ == "__main__":  # pragma: no cover
    run()
