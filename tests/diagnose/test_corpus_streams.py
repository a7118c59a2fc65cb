"""Generated cases (tests/diagnose/corpus_streams.py): every labelled AWS error of the corpus, in every paste
format, newest and oldest first, with the root shown and cut off. Targets of issue 10."""

from __future__ import annotations

from functools import cache

import pytest

from tests.diagnose import corpus_streams as cs
from tests.diagnose.streams import FORMATS

pytestmark = pytest.mark.skipif(not cs.available(), reason="../shared/corpus is not present")


@cache
def _by_format() -> dict[str, list[cs.Result]]:
    table: dict[str, list[cs.Result]] = {}
    for _, result in cs.results():
        table.setdefault(result.fmt, []).append(result)
    return table


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMATS)
def test_root_named_where_shown_and_not_invented_where_not(fmt: str) -> None:
    rows = _by_format()[fmt]
    shown = [r for r in rows if r.shown]
    hidden = [r for r in rows if not r.shown]
    assert len(shown) >= 100 and len(hidden) >= 100
    assert sum(r.root_ok for r in shown) / len(shown) >= 0.95
    named = [r.named_ok for r in shown if r.named_ok is not None]
    assert sum(named) / len(named) >= 0.95
    assert all(r.root_ok for r in hidden), "a cut-off input must say the root is not shown"


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMATS)
def test_category_right(fmt: str) -> None:
    shown = [r for r in _by_format()[fmt] if r.shown]
    assert sum(r.category_ok for r in shown) / len(shown) >= 0.90
