"""Find templates: files, folders searched recursively, and CDK cloud assemblies read through manifest.json.

https://docs.aws.amazon.com/cdk/v2/guide/apps.html#apps_cloud_assembly
"""

from __future__ import annotations

import json
import os
import re

from preflight.errors import InputError

_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache"}
# A file is taken for a template when it has a top-level Resources key (YAML or JSON): cheap and reliable.
_RESOURCES = re.compile(r'^Resources\s*:|"Resources"\s*:', re.MULTILINE)
_SNIFF_BYTES = 4 * 1024 * 1024


class Discovery:
    """What ``discover`` found: template files, files skipped as not templates, and unreadable inputs."""

    __slots__ = ("errors", "files", "skipped")

    def __init__(self) -> None:
        self.files: list[str] = []
        self.skipped: list[str] = []
        self.errors: list[InputError] = []


def discover(paths: list[str]) -> Discovery:
    found = Discovery()
    for path in paths:
        if os.path.isdir(path):
            _walk(path, found)
        elif os.path.exists(path):
            found.files.append(path)  # named explicitly: always checked
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


def _walk(folder: str, found: Discovery) -> None:
    if os.path.isfile(os.path.join(folder, "manifest.json")) and _cdk_assembly(folder, found):
        return
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        if root != folder and os.path.isfile(os.path.join(root, "manifest.json")) and _cdk_assembly(root, found):
            dirs[:] = []
            continue
        for name in sorted(files):
            path = os.path.join(root, name)
            if not name.lower().endswith(_TEMPLATE_SUFFIXES):
                continue
            if looks_like_template(path):
                found.files.append(path)
            else:
                found.skipped.append(path)


def looks_like_template(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    return bool(_RESOURCES.search(head))


def _cdk_assembly(folder: str, found: Discovery) -> bool:
    """Add every stack template of a cloud assembly (nested assemblies too). False if not an assembly."""
    try:
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return False
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        return False
    for artifact in artifacts.values():
        if not isinstance(artifact, dict):
            continue
        props = artifact.get("properties") or {}
        if artifact.get("type") == "aws:cloudformation:stack" and isinstance(props.get("templateFile"), str):
            path = os.path.join(folder, props["templateFile"])
            if os.path.isfile(path):
                found.files.append(path)
            else:
                found.errors.append(InputError(path, "listed in manifest.json but missing"))
        elif artifact.get("type") == "cdk:cloud-assembly" and isinstance(props.get("directoryName"), str):
            _cdk_assembly(os.path.join(folder, props["directoryName"]), found)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".nested.template.json"):
            found.files.append(os.path.join(folder, name))
    return True
