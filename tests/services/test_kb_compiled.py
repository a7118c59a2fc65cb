"""integrations.json (what preflight reads) is exactly what scripts/compile_kb.py compiles from integrations.yaml."""

from __future__ import annotations

import importlib.util
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _compiler():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("compile_kb", os.path.join(ROOT, "scripts", "compile_kb.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compiled_knowledge_base_is_current() -> None:
    compiler = _compiler()
    with open(compiler.SOURCE, encoding="utf-8") as handle:
        wanted = compiler.compile_text(handle.read())
    with open(compiler.TARGET, encoding="utf-8") as handle:
        current = handle.read()
    assert current == wanted, "integrations.json is stale: run python scripts/compile_kb.py"


def test_loader_reads_the_compiled_file() -> None:
    from preflight import services

    with open(_compiler().TARGET, encoding="utf-8") as handle:
        data = json.load(handle)
    assert services.checked() == str(data["checked"])
    assert {i.id for i in services.integrations()} == {raw["id"] for raw in data["integrations"]}
