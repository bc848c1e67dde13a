"""The image installs the project's runtime dependencies only (`Dockerfile`: `pip install .`),
so every process it runs must import nothing else: the scheduler once imported `httpx`, a
development dependency, and every `python -m fdcs` of the image would have failed to start."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from fdcs.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = ["fdcs.cli", "fdcs.scheduler", "fdcs.dashboard.app", *(f"{s.package}.bootstrap" for s in SERVICES.values())]
"""What the image's processes import: the command line, and each role's modules from there."""

AS_THE_IMAGE = """
import importlib, importlib.abc, json, re, sys
from importlib import metadata
installed, entries = set(json.loads(sys.argv[1])), sys.argv[2:]
by_module = metadata.packages_distributions()

class NotInTheImage(importlib.abc.MetaPathFinder):
    # What another distribution provides is not there: an optional import goes without, as in the image.
    def find_spec(self, name, path, target=None):
        theirs = {re.sub(r"[-_.]+", "-", d).lower() for d in by_module.get(name.partition(".")[0], ())}
        if theirs and not theirs & installed:
            raise ModuleNotFoundError(f"No module named {name!r}: {sorted(theirs)} not installed", name=name)
        return None

sys.meta_path.insert(0, NotInTheImage())
for name in entries:
    importlib.import_module(name)
"""


def test_what_the_images_processes_import_comes_with_its_runtime_dependencies() -> None:
    installed = json.dumps(sorted(_installed() | {"fdcs"}))
    done = subprocess.run(  # a process of its own: the test session's imports stay out
        [sys.executable, "-c", AS_THE_IMAGE, installed, *ENTRIES], cwd=ROOT, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr[-3000:]


def _installed() -> set[str]:
    """The distributions `pip install .` brings: the dependencies, theirs, with the extras named."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        wanted = todo.pop()
        name = canonicalize_name(wanted.name)
        if (name, frozenset(wanted.extras)) in seen:
            continue
        seen.add((name, frozenset(wanted.extras)))
        for line in metadata.requires(wanted.name) or []:
            needed = Requirement(line)
            extras = wanted.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                todo.append(needed)
    return {name for name, _ in seen}
