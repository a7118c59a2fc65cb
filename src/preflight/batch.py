"""Check many files: in this process, or in a pool of worker processes (`-j N`), in the same order either way.

Workers are forked after the checks and their data are imported, so each starts warm and shares those pages with
the parent; only a file's path goes to a worker, and its text and findings come back. Where fork is not available
(Windows), files are checked here, one after the other. A progress bar (tqdm, imported only then) appears on
stderr when stderr is a terminal and the run takes more than a second.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from preflight.errors import InputError
from preflight.findings import Finding


class FileResult(NamedTuple):
    path: str
    text: str | None  # None when the file could not be read
    findings: list[Finding]
    error: InputError | None = None


# What a worker needs besides the path, set before the pool forks (so nothing unpicklable is ever sent).
Setup = Callable[[str], tuple[Any, Any]]  # path -> (pins, options)
_SETUP: list[Setup] = []


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_files(paths: Sequence[str], setup: Setup, jobs: int = 1, progress: bool = False) -> list[FileResult]:
    """Check each file with the pins and options `setup(path)` gives; results in the order of `paths`."""
    jobs = max(1, min(jobs, len(paths)))
    if jobs > 1 and _can_fork():
        results = _pooled(paths, setup, jobs)
    else:
        results = (_check_one(path, setup) for path in paths)
    return list(_with_progress(results, len(paths)) if progress and len(paths) > 1 else results)


def _check_one(path: str, setup: Setup) -> FileResult:
    from preflight.api import check_text, read_template

    try:
        text = read_template(path)
    except InputError as exc:
        return FileResult(path, None, [], exc)
    pins, options = setup(path)
    return FileResult(path, text, check_text(text, path, pins=pins, options=options))


def _worker(path: str) -> FileResult:
    return _check_one(path, _SETUP[0])


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _pooled(paths: Sequence[str], setup: Setup, jobs: int) -> Iterator[FileResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from preflight.checks.registry import checks, rules

    rules()
    checks()  # import every check module before forking: the workers start warm
    _SETUP[:] = [setup]
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_worker, paths, chunksize=max(1, min(16, len(paths) // (jobs * 8) or 1)))
    finally:
        _SETUP.clear()


def _with_progress(results: Iterator[FileResult] | Any, total: int) -> Iterator[FileResult]:
    from tqdm import tqdm

    with tqdm(total=total, unit="file", delay=1.0, file=sys.stderr, leave=False, dynamic_ncols=True) as bar:
        for result in results:
            bar.update(1)
            yield result
