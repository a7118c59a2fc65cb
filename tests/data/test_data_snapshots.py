"""Every snapshot carries its source and date, is compact, and loads lazily."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path

import pytest

from preflight.data import snapshot_info

NAMES = ["resource_types", "managed_policies", "engine_versions", "lambda_runtimes", "regions", "singletons",
         "lifecycle", "schemas_values", "property_rules"]
ROOT = Path(__file__).resolve().parents[2]


def _text(name: str) -> str:
    return resources.files("preflight.data").joinpath(f"{name}.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_snapshot_has_source_date_notes_data(name: str) -> None:
    raw = json.loads(_text(name))
    assert set(raw) == {"source", "retrieved", "notes", "data"}
    assert raw["source"] and all(isinstance(s, str) and s for s in raw["source"])
    assert dt.date.fromisoformat(raw["retrieved"]) <= dt.date.today()
    assert len(raw["notes"]) > 40
    info = snapshot_info(name)
    assert info.retrieved == dt.date.fromisoformat(raw["retrieved"])
    assert info.source == tuple(raw["source"])


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_snapshot_is_compact_and_key_sorted(name: str) -> None:
    text = _text(name)
    assert not any(line[:1].isspace() for line in text.splitlines()), "no indentation"
    assert '": ' not in text.split('"notes"')[0], "no space after separators in data"
    raw = json.loads(text)
    assert isinstance(raw["data"], dict) and list(raw["data"]) == sorted(raw["data"])


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_sources_name_urls_or_package_versions(name: str) -> None:
    for source in snapshot_info(name).source:
        assert source.startswith("https://") or "@" in source, source


def test_importing_preflight_data_loads_no_file() -> None:
    code = (
        "import preflight.data, preflight.data._snapshot as s; "
        "assert s.load_raw.cache_info().currsize == 0, s.load_raw.cache_info()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _cfnlint_matches(name: str) -> bool:
    try:
        version = metadata.version("cfn-lint")
    except metadata.PackageNotFoundError:
        return False
    return any(s.startswith(f"cfn-lint@{version} ") for s in snapshot_info(name).source)


OFFLINE = ["resource_types", "engine_versions", "lambda_runtimes", "singletons", "lifecycle"]


@pytest.mark.parametrize("name", OFFLINE, ids=OFFLINE)
def test_refresh_script_reproduces_snapshot_from_installed_sources(name: str) -> None:
    if not _cfnlint_matches(name):
        pytest.skip("installed cfn-lint differs from the snapshot's source version")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import refresh_data
    finally:
        sys.path.pop(0)
    build, depth = refresh_data.BUILDERS[name]
    payload = build("2000-01-01")
    assert payload["data"] == json.loads(_text(name))["data"]
    rendered = refresh_data.render_snapshot(payload, depth)
    assert json.loads(rendered)["data"] == payload["data"]


@pytest.mark.parametrize("name", ["resource_types", "schemas_cfn", "schemas_values"])
def test_line_table_reads_what_a_full_parse_reads(name: str) -> None:
    """The lazy one-entry-per-line reader agrees with json.loads of the whole file, entry by entry."""
    from preflight.data._snapshot import LineTable, load_raw, read_bytes

    full = load_raw(name)
    table = LineTable(name, read_bytes(f"{name}.json"))
    types = full["data"]["types"]
    assert table.keys() == frozenset(types)
    for key, value in types.items():
        assert table.get(key) == value, key
    for absent in ("AWS::No::Such", "AAA", "zzz", "AWS::S3::Bucke", "AWS::S3::Bucket2", ""):
        assert table.get(absent) is None and absent not in table, absent
    rest = table.rest()
    assert rest["data"]["types"] == {}
    assert {k: v for k, v in rest["data"].items() if k != "types"} == {
        k: v for k, v in full["data"].items() if k != "types"
    }
    assert {k: v for k, v in rest.items() if k != "data"} == {k: v for k, v in full.items() if k != "data"}


def test_line_table_refuses_another_layout() -> None:
    from preflight.data._snapshot import DataFileError, LineTable

    with pytest.raises(DataFileError, match="one-entry-per-line"):
        LineTable("x", b'{"data":{"types":{"AWS::A::B":{}}}}')


def test_line_tables_are_the_snapshots_in_that_layout() -> None:
    """LINE_TABLES names exactly the snapshots written one entry per line (snapshot_info relies on it)."""
    import glob
    import os

    from preflight.data import _snapshot

    folder = os.path.dirname(_snapshot.__file__)
    laid_out = {
        os.path.basename(path)[: -len(".json")]
        for path in glob.glob(os.path.join(folder, "*.json"))
        if _snapshot.LineTable.OPEN in _snapshot.read_bytes(os.path.basename(path))
    }
    assert laid_out == _snapshot.LINE_TABLES
