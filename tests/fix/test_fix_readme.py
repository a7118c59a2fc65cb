"""README's "Fixing" blocks are this run's output: `preflight fix examples/logs-lambda/failing.yaml --report ...`
(the diff on stdout, the summary on stderr, and the change report; long lines cut at 114 characters).

When the fixes of that example change, print the new blocks with `python -m tests.fix.test_fix_readme` and paste
them between the README's markers."""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout

from preflight.cli import main
from tests.conftest import ROOT

EXAMPLE = "examples/logs-lambda/failing.yaml"
MARKERS = ("fix-diff", "fix-report")


def _cut(text: str) -> str:
    return "\n".join(line if len(line) <= 114 else line[:111] + "..." for line in text.rstrip("\n").split("\n"))


def blocks() -> dict[str, str]:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with tempfile.TemporaryDirectory() as folder:
            report = os.path.join(folder, "report.md")
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = main(["fix", EXAMPLE, "--no-config", "--report", report])
            with open(report, encoding="utf-8") as handle:
                text = handle.read()
    finally:
        os.chdir(cwd)
    assert code == 1  # a fix is pending (nothing was written)
    diff = f"$ preflight fix {EXAMPLE} --report report.md\n{_cut(out.getvalue())}\n{_cut(err.getvalue())}"
    return {"fix-diff": "```diff\n" + diff + "\n```", "fix-report": "````markdown\n" + _cut(text) + "\n````"}


def test_readme_fix_blocks_are_the_real_output():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    real = blocks()
    for marker in MARKERS:
        match = re.search(rf"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", readme, re.DOTALL)
        assert match, f"README has no {marker} block"
        assert match.group(1) == real[marker], "regenerate with: python -m tests.fix.test_fix_readme"


if __name__ == "__main__":  # pragma: no cover
    for name, block in blocks().items():
        sys.stdout.write(f"<!-- {name}:start -->\n{block}\n<!-- {name}:end -->\n\n")
