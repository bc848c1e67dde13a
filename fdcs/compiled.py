"""The appraisal's arithmetic compiled with mypyc, as its projection runs in production.

Most of a projection worker's time goes to working out what a resident's new facts change
in the figures (`appraisal.domain.recomputation` and the indicators' rules): plain, strictly
typed Python, which mypyc (of the mypy the lint pins) compiles to C extensions giving the
same figures in about 0.55 of the time (bench/README.md, "The appraisal compiled").

- The image lays them over the package it installs (`python -m fdcs.compiled --into
  SITE_PACKAGES`, in the Dockerfile's build stage).
- A checkout runs its sources. `copy()` compiles a copy of the appraisal's package under
  `.local/compiled/<digest of the sources>`: the benchmarks put it first on the path of what
  they run, and a test runs the appraisal's tests against it. A changed source is another
  digest, so a stale build is never run.

A whole read's figures and scores (`figures`, `scoring`) are compiled too: a city's past as-of
figures 20,000 strata and scores 1,400 subjects, about 13% of the read's CPU less (a figure is
a named tuple, which stays one); and its sums (`totals`, `cases_reads`: the kept strata and the
day's groups added up, the counts), 4-8% less again. The domain's other modules stay
interpreted: pydantic reads the API's results (`results`) by their attributes, and a compiled
class has no `__dict__`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

MODULES = (
    *(f"appraisal/domain/{m}.py" for m in ("ahead", "cases", "catalogue", "facts", "known", "periods")),
    *(f"appraisal/domain/{m}.py" for m in ("steps", "trajectory", "recomputation")),
    "appraisal/domain/indicators",  # every module of the folder
    *(f"appraisal/domain/{m}.py" for m in ("figures", "scoring")),  # a whole read's figures and scores
    *(f"appraisal/adapters/projections/{m}.py" for m in ("totals", "cases_reads")),  # and its sums
)
"""What a projection worker's arithmetic runs, and the API's figures and scores of a read,
relative to the folder holding `appraisal`."""

_BUILDS = Path(".local") / "compiled"


def _compile(root: Path, mypy_path: Sequence[Path]) -> None:
    """Compile MODULES where they are under `root`, the extensions beside their sources (which
    they take precedence over). `mypy_path`: where else the modules' imports are (`shared`)."""
    files = [str(f.relative_to(root)) for m in MODULES for f in _sources(root / m)]
    paths = os.pathsep.join(str(p.resolve()) for p in [root, *mypy_path])
    env = {**os.environ, "MYPYPATH": paths}
    # No config: the project's strict lint has checked these sources; this build only compiles.
    command = [sys.executable, "-m", "mypyc", "--config-file=", *files]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"mypyc failed ({done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
    shutil.rmtree(root / "build", ignore_errors=True)  # the C sources and objects


def copy(repo: Path = Path()) -> Path:
    """A folder holding the appraisal's package with MODULES compiled, for the sources as they
    are: built the first time (about 20 s), then found by the sources' digest."""
    sources = repo / "services" / "appraisal" / "appraisal"
    builds = repo / _BUILDS
    built = builds / _digest(sources, repo / "shared")
    if (built / "appraisal").is_dir():
        return built
    builds.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=builds, prefix=".building-"))
    try:
        shutil.copytree(sources, work / "appraisal", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        _compile(work, [repo])
        for old in builds.iterdir():  # another digest's build: of sources as they were
            if old.name[0] != "." and old != built:
                shutil.rmtree(old, ignore_errors=True)
        work.rename(built)  # whole or not at all; another process's build of the same wins
    except OSError:
        if not (built / "appraisal").is_dir():
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return built


def _sources(path: Path) -> list[Path]:
    return sorted(path.glob("*.py")) if path.is_dir() else [path]


def _digest(*trees: Path) -> str:
    """Of every source under the trees, the compiler's and the interpreter's versions."""
    from mypy.version import __version__ as mypy_version  # the dev tools': the image never calls this

    h = hashlib.sha256(f"{sys.version}|{mypy_version}|{MODULES}".encode())
    for tree in trees:
        for f in sorted(tree.rglob("*.py")):
            h.update(f"{f.relative_to(tree)}\0".encode() + f.read_bytes())
    return h.hexdigest()[:16]


def main() -> int:
    """`python -m fdcs.compiled --into SITE_PACKAGES`, from a checkout: compile its copy and lay
    the extensions over the installed package (the image's build; mypy installed for it)."""
    if len(sys.argv) != 3 or sys.argv[1] != "--into":
        print("usage: python -m fdcs.compiled --into SITE_PACKAGES", file=sys.stderr)
        return 2
    shutil.copytree(copy(), sys.argv[2], dirs_exist_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
