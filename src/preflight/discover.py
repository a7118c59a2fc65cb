"""Find templates: files, folders searched recursively, and CDK cloud assemblies read through manifest.json.

https://docs.aws.amazon.com/cdk/v2/guide/apps.html#apps_cloud_assembly

Only regular files are ever opened: a FIFO named *.yaml would block ``open()`` forever and a character device
(/dev/zero) never ends, so files are opened non-blocking and checked with fstat before a byte is read, and reads
are bounded (issue 12). An unreadable folder or file is an input error (exit 2), never a silent skip.
"""

from __future__ import annotations

import json
import os
import re
import stat

from preflight.errors import InputError

_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache"}
# A file is taken for a template when it has a top-level Resources key (YAML or JSON): cheap and reliable.
_RESOURCES = re.compile(r'^Resources\s*:|"Resources"\s*:', re.MULTILINE)
_SNIFF_BYTES = 4 * 1024 * 1024
_MANIFEST_BYTES = 64 * 1024 * 1024
_MAX_NESTED_ASSEMBLIES = 32
NOT_TEMPLATE = "no Resources section: not a template"
_ENVIRONMENT = re.compile(r"aws://([^/]+)/([^/]+)")
_REGION_NAME = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")


class Discovery:
    """What ``discover`` found: template files, files skipped (with the reason), and unreadable inputs."""

    __slots__ = ("environments", "errors", "files", "reasons", "skipped")

    def __init__(self) -> None:
        self.files: list[str] = []
        # template -> (account, Region) its cloud assembly's manifest pins it to (None: not pinned there)
        self.environments: dict[str, tuple[str | None, str | None]] = {}
        self.skipped: list[str] = []
        self.reasons: dict[str, str] = {}  # skipped path -> why (default: NOT_TEMPLATE)
        self.errors: list[InputError] = []

    def skip(self, path: str, reason: str = NOT_TEMPLATE) -> None:
        self.skipped.append(path)
        if reason != NOT_TEMPLATE:
            self.reasons[path] = reason


def discover(paths: list[str]) -> Discovery:
    found = Discovery()
    for path in paths:
        if os.path.isdir(path):
            _walk(path, found)
        elif os.path.lexists(path):
            found.files.append(path)  # named explicitly: always checked (read_template refuses non-files)
        else:
            found.errors.append(InputError(path, "no such file or directory"))
    seen: set[str] = set()
    unique = []
    for path in found.files:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    found.files = unique
    return found


def open_regular(path: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file. Raises OSError, or InputError for anything but a regular file.

    O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; fstat on the open descriptor
    then tells what was opened (no window between a stat and the open)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(path, "is a directory")
        if not stat.S_ISREG(mode):
            raise InputError(path, f"not a regular file ({_kind(mode)}): preflight reads regular files only")
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _walk(folder: str, found: Discovery) -> None:
    if _is_assembly(folder) and _cdk_assembly(folder, found):
        return

    def unreadable(error: OSError) -> None:
        found.errors.append(InputError(error.filename or folder, f"cannot read folder: {error.strerror or error}"))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        if root != folder and _is_assembly(root) and _cdk_assembly(root, found):
            dirs[:] = []
            continue
        for name in sorted(files):
            if name.lower().endswith(_TEMPLATE_SUFFIXES):
                _consider(os.path.join(root, name), found)


def _consider(path: str, found: Discovery) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:  # a dangling symlink, a file removed meanwhile, a symlink loop
        found.errors.append(InputError(path, exc.strerror or str(exc)))
        return
    if not stat.S_ISREG(mode):
        found.skip(path, f"{_kind(mode)}, not a regular file")
        return
    try:
        head = open_regular(path, _SNIFF_BYTES).decode("utf-8", errors="replace")
    except OSError as exc:
        found.errors.append(InputError(path, exc.strerror or str(exc)))
        return
    except InputError as exc:
        found.skip(path, exc.message)
        return
    if _RESOURCES.search(head):
        found.files.append(path)
    else:
        found.skip(path)


def looks_like_template(path: str) -> bool:
    try:
        head = open_regular(path, _SNIFF_BYTES).decode("utf-8", errors="replace")
    except (OSError, InputError):
        return False
    return bool(_RESOURCES.search(head))


def _is_assembly(folder: str) -> bool:
    """A folder with a manifest.json that claims to be a cloud assembly: the manifest has ``artifacts``, or the
    folder is named like one (``cdk.out``, ``*.out``) or holds the assembly's ``cdk.out`` marker file. Any other
    manifest.json (a web app's, a browser extension's) leaves the folder an ordinary folder."""
    manifest = os.path.join(folder, "manifest.json")
    if not os.path.lexists(manifest):
        return False
    if os.path.basename(os.path.normpath(folder)).endswith(".out") or os.path.isfile(os.path.join(folder, "cdk.out")):
        return True
    try:
        return '"artifacts"' in open_regular(manifest, _SNIFF_BYTES).decode("utf-8", errors="replace")
    except (OSError, InputError):
        return True  # unreadable: let _cdk_assembly say why


def _cdk_assembly(folder: str, found: Discovery) -> bool:
    """Add every stack template of a cloud assembly (nested assemblies too). A manifest that cannot be read or
    does not have the documented shape is an input error that names the manifest and the problem."""
    try:
        _read_assembly(folder, found, [])
    except InputError as exc:
        found.errors.append(exc)
    return True


def _read_assembly(folder: str, found: Discovery, chain: list[str]) -> None:
    manifest_path = os.path.join(folder, "manifest.json")
    real = os.path.realpath(folder)
    if real in chain:
        raise InputError(manifest_path, "a nested cloud assembly refers back to an enclosing one (a cycle)")
    if len(chain) >= _MAX_NESTED_ASSEMBLIES:
        raise InputError(manifest_path, f"cloud assemblies nested more than {_MAX_NESTED_ASSEMBLIES} deep")
    artifacts = _artifacts(manifest_path)
    pinned: set[tuple[str | None, str | None]] = set()
    for name, artifact in artifacts.items():
        if not isinstance(artifact, dict):
            raise _bad(manifest_path, name, f"it is {_type(artifact)}, expected an object")
        kind = artifact.get("type")
        if kind not in ("aws:cloudformation:stack", "cdk:cloud-assembly"):
            continue  # trees, assets, metadata: nothing to check
        props = artifact.get("properties")
        if not isinstance(props, dict):
            raise _bad(manifest_path, name, f"properties is {_type(props)}, expected an object")
        field = "templateFile" if kind == "aws:cloudformation:stack" else "directoryName"
        target = _inside(manifest_path, name, field, props.get(field), folder)
        if kind == "cdk:cloud-assembly":
            if not os.path.isdir(target):
                raise _bad(manifest_path, name, f"nested assembly folder {props[field]!r} does not exist")
            if os.path.realpath(target) == real:
                raise _bad(manifest_path, name, f"nested assembly {props[field]!r} is the assembly itself")
            _read_assembly(target, found, [*chain, real])
        elif os.path.lexists(target):
            found.files.append(target)
            environment = environment_of(artifact.get("environment"))
            pinned.add(environment)
            if environment != (None, None):
                found.environments[target] = environment
        else:
            found.errors.append(InputError(target, f"listed in {manifest_path} but missing"))
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise InputError(folder, f"cannot read folder: {exc.strerror or exc}") from None
    nested = [os.path.join(folder, n) for n in names if n.endswith(".nested.template.json")]
    found.files.extend(nested)
    if len(pinned) == 1 and (None, None) not in pinned:  # a nested stack deploys where its parent does
        found.environments.update(dict.fromkeys(nested, next(iter(pinned))))


def environment_of(value: object) -> tuple[str | None, str | None]:
    """(account, Region) of a stack artifact's ``environment``, ``aws://ACCOUNT/REGION``; the CDK writes
    ``unknown-account`` / ``unknown-region`` for an environment-agnostic stack, which pins nothing
    (https://docs.aws.amazon.com/cdk/v2/guide/environments.html)."""
    match = _ENVIRONMENT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None, None
    account, region = match.group(1), match.group(2)
    return (account if account.isdigit() and len(account) == 12 else None,
            region if _REGION_NAME.fullmatch(region) else None)


def _artifacts(manifest_path: str) -> dict[str, object]:
    try:
        data = open_regular(manifest_path, _MANIFEST_BYTES + 1)
    except OSError as exc:
        raise InputError(manifest_path, f"cannot read the cloud assembly manifest: {exc.strerror or exc}") from None
    if len(data) > _MANIFEST_BYTES:
        raise InputError(manifest_path, f"cloud assembly manifest larger than {_MANIFEST_BYTES // 2**20} MiB")
    try:
        manifest = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(manifest_path, f"not a cloud assembly manifest: not JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise InputError(manifest_path, f"not a cloud assembly manifest: {_type(manifest)}, expected an object "
                                        f"with 'artifacts'")
    artifacts = manifest.get("artifacts", {})
    if not isinstance(artifacts, dict):
        raise InputError(manifest_path, f"not a cloud assembly manifest: 'artifacts' is {_type(artifacts)}, "
                                        f"expected an object")
    return artifacts


def _inside(manifest_path: str, name: str, field: str, value: object, folder: str) -> str:
    """The path a manifest field names, which must be relative and stay inside the assembly."""
    if not isinstance(value, str) or not value:
        raise _bad(manifest_path, name, f"properties.{field} is {_type(value)}, expected a relative path")
    if os.path.isabs(value) or os.path.splitdrive(value)[0]:
        raise _bad(manifest_path, name, f"{field} {value!r} is an absolute path; an assembly names its files "
                                        f"relative to itself")
    target = os.path.normpath(os.path.join(folder, value))
    base = os.path.realpath(folder)
    if os.path.commonpath([base, os.path.realpath(target)]) != base:
        raise _bad(manifest_path, name, f"{field} {value!r} points outside the assembly folder")
    return target


def _bad(manifest_path: str, name: str, problem: str) -> InputError:
    return InputError(manifest_path, f"artifact {name!r}: {problem}")


def _type(value: object) -> str:
    names = {type(None): "null", str: "a string", list: "a list", dict: "an object", bool: "a boolean",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)
