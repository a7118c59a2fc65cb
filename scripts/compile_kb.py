#!/usr/bin/env python3
"""Compile the service knowledge base: src/preflight/services/integrations.yaml -> integrations.json.

    python scripts/compile_kb.py          # rewrite integrations.json
    python scripts/compile_kb.py --check  # exit 1 when integrations.json is not what the YAML compiles to

The YAML is the source people edit (comments, citations); preflight reads the JSON, which loads about 30 times
faster (the YAML cost 15 ms of every run's 0.15 s budget). tests/services/test_kb_compiled.py fails when the two
differ, and names this command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.join(HERE, "..", "src", "preflight", "services")
SOURCE = os.path.join(FOLDER, "integrations.yaml")
TARGET = os.path.join(FOLDER, "integrations.json")


def compile_text(yaml_text: str) -> str:
    """The JSON text for a knowledge base YAML (dates become ISO strings; key order kept)."""
    data = yaml.load(yaml_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict) or "integrations" not in data:
        raise SystemExit(f"{SOURCE}: no integrations")
    body = json.dumps(data, default=str, ensure_ascii=False, separators=(",", ":"))
    return body + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    with open(SOURCE, encoding="utf-8") as handle:
        wanted = compile_text(handle.read())
    current = open(TARGET, encoding="utf-8").read() if os.path.exists(TARGET) else None  # noqa: SIM115
    if args.check:
        if current != wanted:
            print(f"{os.path.relpath(TARGET)} is stale: run python scripts/compile_kb.py", file=sys.stderr)
            return 1
        return 0
    tmp = TARGET + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(wanted)
    os.replace(tmp, TARGET)
    print(f"wrote {os.path.relpath(TARGET)} ({len(wanted)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
