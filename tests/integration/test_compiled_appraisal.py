"""The appraisal's own tests, run again against its arithmetic compiled with mypyc, as the
image and the benchmarks run it (`fdcs/compiled.py`): a compiled module checks its types as
it runs, and a class of it has no `__dict__`, so passing interpreted is not enough."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from fdcs.compiled import copy

ROOT = Path(__file__).resolve().parents[2]


def test_the_appraisals_tests_pass_against_its_arithmetic_compiled(postgres_server: str) -> None:
    built = copy(ROOT)
    roots = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["pythonpath"]
    command = [
        sys.executable, "-m", "pytest", "services/appraisal", "-x", "-q", "-p", "no:cacheprovider",
        "-o", "pythonpath=" + " ".join([str(built), *roots]),  # the build before the sources
    ]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": postgres_server, "APPRAISAL_COMPILED": "required"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)

    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]
