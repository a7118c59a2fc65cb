"""Start-up stays light (issue: a single-file run within 0.15 s): a check run must not import modules that only
some templates need, nor ones whose import cost was removed. Not a timing test: it lists imported modules."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "examples", "cloudtrail", "failing.yaml")

# dataclasses (and the inspect/ast/dis it imports): ~0.5 ms per class definition; importlib.resources, tempfile,
# difflib, ipaddress: needed only for packaging fallbacks, -o, misspelt names and VPC CIDRs; yaml's pure-Python
# loader modules are imported by `import yaml` itself, so they are not listed.
HEAVY = ("dataclasses", "inspect", "importlib.resources", "tempfile", "difflib", "ipaddress", "zipfile", "pathlib",
         "samtranslator", "boto3", "botocore", "pydantic", "jsonschema")  # the SAM transform's, for SAM templates only

# Modules the interpreter's own start-up imported (a site .pth file may import certifi, and with it
# importlib.resources) are not preflight's doing: only the ones the run adds count.
_PROBE = """
import sys
before = set(sys.modules)
import json
from preflight.cli import main
code = main(["check", "--format", "json", sys.argv[1]])
added = sorted(m for m in sys.modules if m in HEAVY and m not in before)
print(json.dumps({"code": code, "modules": added}))
""".replace("HEAVY", repr(HEAVY))


def test_a_check_run_imports_no_heavy_module() -> None:
    # -S: no site start-up, so no .pth file imports anything first (this sandbox's certifi .pth imports pathlib,
    # ipaddress and importlib.resources); the package and its dependencies are put on the path explicitly.
    import preflight

    paths = [os.path.dirname(os.path.dirname(preflight.__file__)), *site.getsitepackages()]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    proc = subprocess.run([sys.executable, "-S", "-c", _PROBE, EXAMPLE], capture_output=True, text=True,
                          timeout=60, check=True, env=env)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 1  # the failing example has errors: the run went through every check
    assert result["modules"] == []
