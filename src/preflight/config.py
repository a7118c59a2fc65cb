"""The configuration file: `.preflight.toml`, or `[tool.preflight]` in `pyproject.toml`, found upward.

The search starts at the first checked path (its folder, or the folder itself) and goes up to the filesystem root;
in each folder `.preflight.toml` comes first, then a `pyproject.toml` that has a `[tool.preflight]` table. Paths in
the file are relative to the folder it is in. Flags on the command line win over the file. A key that is not
known, or a value of the wrong type, is a usage error (exit 2) that names the file and the key.

    select = ["PF6"]                  # only these codes (prefixes allowed)
    ignore = ["PF4007"]               # never these codes
    fail-on = "warning"               # error | warning | info
    fail-on-phase = ["deploy", "rollback"]   # only warnings of these phases fail the run (README "Phases")
    format = "text"                   # text | json | sarif | junit | github | markdown
    region = "eu-west-1"              # pins: region, account-id, partition, stack-name
    scp = ["org/scp.json"]            # service control policies, as --scp
    doc-base-url = "https://..."      # where the check pages are published (SARIF helpUri, Markdown links)
    jobs = 2                          # as -j
    baseline = "preflight-baseline.json"

    [parameters]                      # ([tool.preflight.parameters] in pyproject.toml): template glob -> values
    "stacks/prod-*.yaml" = "params/prod.json"        # a parameter file (CloudFormation CLI or {"Key": "Value"})
    "stacks/*.yaml" = { Env = "dev" }                # or the values themselves

    [per-path-ignores]                # template glob -> codes (prefixes allowed) not reported for it
    "legacy/*" = ["PF4007", "PF7"]

Globs are matched against the template's path relative to the configuration file's folder (`*` also crosses
`/`); the first matching `parameters` entry applies.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from preflight.errors import UsageError
from preflight.report import FORMATS

FILE_NAMES = (".preflight.toml", "pyproject.toml")
_SEVERITIES = ("error", "warning", "info")


class Config(NamedTuple):
    path: str | None = None  # the file read, None when there is none
    folder: str = "."
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fail_on: str | None = None
    fail_on_phase: tuple[str, ...] | None = None
    format: str | None = None
    region: str | None = None
    account_id: str | None = None
    partition: str | None = None
    stack_name: str | None = None
    scp: tuple[str, ...] | None = None
    doc_base_url: str | None = None
    jobs: int | None = None
    baseline: str | None = None
    parameters: tuple[tuple[str, str | dict[str, Any]], ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def parameters_for(self, template: str) -> str | dict[str, Any] | None:
        """The `parameters` entry of the first glob that matches the template (a file path or the values)."""
        rel = self._relative(template)
        for pattern, value in self.parameters:
            if _match(rel, pattern):
                return value
        return None

    def ignored_for(self, template: str) -> tuple[str, ...]:
        rel = self._relative(template)
        return tuple(code for pattern, codes in self.per_path_ignores if _match(rel, pattern) for code in codes)

    def _relative(self, template: str) -> str:
        return os.path.relpath(os.path.abspath(template), self.folder).replace(os.sep, "/")


def _match(rel: str, pattern: str) -> bool:
    from fnmatch import fnmatchcase

    return fnmatchcase(rel, pattern) or fnmatchcase(rel, pattern.replace("**/", ""))


def find_config(start: str) -> str | None:
    """The nearest configuration file upward from `start` (a file or a folder), or None."""
    folder = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        for name in FILE_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and (name != "pyproject.toml" or _has_section(candidate)):
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _has_section(pyproject: str) -> bool:
    # A cheap look before parsing: most pyproject.toml files on the way up are not ours.
    try:
        with open(pyproject, encoding="utf-8", errors="replace") as handle:
            return "[tool.preflight" in handle.read(1 << 20)
    except OSError:
        return False


def load_config(path: str) -> Config:
    """Read and validate one configuration file. Raises UsageError naming the file and the key."""
    table = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        tool = table.get("tool", {})
        table = tool.get("preflight", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.preflight] must be a table")
    values: dict[str, Any] = {"path": path, "folder": os.path.dirname(os.path.abspath(path))}
    for key, value in table.items():
        reader = _KEYS.get(key)
        if reader is None:
            known = ", ".join(sorted(_KEYS))
            raise UsageError(f"{path}: unknown key '{key}' (known keys: {known})")
        field, converted = reader(path, key, value)
        values[field] = converted
    return Config(**values)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(path, "rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def _codes(path: str, key: str, value: Any) -> tuple[str, tuple[str, ...]]:
    return key.replace("-", "_"), _strings(path, key, value)


def _strings(path: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{path}: '{key}' must be a list of strings")
    return tuple(value)


def _choice(choices: Sequence[str]) -> Any:
    def read(path: str, key: str, value: Any) -> tuple[str, str]:
        if value not in choices:
            raise UsageError(f"{path}: '{key}' must be one of {', '.join(choices)} (not {value!r})")
        return key.replace("-", "_"), str(value)
    return read


def _string(path: str, key: str, value: Any) -> tuple[str, str]:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{path}: '{key}' must be a non-empty string")
    return key.replace("-", "_"), value


def _path(path: str, key: str, value: Any) -> tuple[str, str]:
    field, text = _string(path, key, value)
    return field, os.path.join(os.path.dirname(os.path.abspath(path)), text)


def _paths(path: str, key: str, value: Any) -> tuple[str, tuple[str, ...]]:
    folder = os.path.dirname(os.path.abspath(path))
    return key, tuple(os.path.join(folder, p) for p in _strings(path, key, value))


def _phase_list(path: str, key: str, value: Any) -> tuple[str, tuple[str, ...]]:
    """`fail-on-phase`: a list of phases, or one string of them separated by commas."""
    from preflight.checks.base import PHASES

    if isinstance(value, str):
        value = [p.strip() for p in value.split(",")]
    phases = _strings(path, key, value)
    unknown = [p for p in phases if p not in PHASES]
    if unknown or not phases:
        raise UsageError(f"{path}: '{key}' must list phases among {', '.join(PHASES)} (not {value!r})")
    return "fail_on_phase", phases


def _jobs(path: str, key: str, value: Any) -> tuple[str, int]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{path}: 'jobs' must be a whole number of at least 1")
    return "jobs", value


def _parameters(path: str, key: str, value: Any) -> tuple[str, tuple[tuple[str, Any], ...]]:
    if not isinstance(value, dict):
        raise UsageError(f"{path}: 'parameters' must be a table of template glob = parameter file or values")
    folder = os.path.dirname(os.path.abspath(path))
    entries: list[tuple[str, Any]] = []
    for pattern, given in value.items():
        if isinstance(given, str):
            entries.append((pattern, os.path.join(folder, given)))
        elif isinstance(given, dict) and all(isinstance(v, (str, int, float, bool, list)) for v in given.values()):
            entries.append((pattern, dict(given)))
        else:
            raise UsageError(f"{path}: 'parameters.\"{pattern}\"' must be a parameter file path or a table of values")
    return "parameters", tuple(entries)


def _per_path(path: str, key: str, value: Any) -> tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    if not isinstance(value, dict):
        raise UsageError(f"{path}: 'per-path-ignores' must be a table of template glob = [codes]")
    return "per_path_ignores", tuple((pattern, _strings(path, f'per-path-ignores."{pattern}"', codes))
                                     for pattern, codes in value.items())


_KEYS: dict[str, Any] = {
    "select": _codes,
    "ignore": _codes,
    "fail-on": _choice(_SEVERITIES),
    "fail-on-phase": _phase_list,
    "format": _choice(FORMATS),
    "region": _string,
    "account-id": _string,
    "partition": _string,
    "stack-name": _string,
    "scp": _paths,
    "doc-base-url": _string,
    "jobs": _jobs,
    "baseline": _path,
    "parameters": _parameters,
    "per-path-ignores": _per_path,
}
