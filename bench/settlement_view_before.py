"""The settlement view of this tree beside an earlier one's (`--before`, a git ref: main by
default), in one run on one PostgreSQL: each tree's own bench/settlement_view_pages.py (every
other argument is passed on to it), the two alternated `--rounds` times, each in a database of
its own. For each province size: the projection's events/s and the reconciliation of a city's and
of the province's year (its median time, its statements' buffers and largest sort), each the
median over the rounds, and this tree's ÷ the earlier one's (the machine is noisy: the ratio is
the figure). A benchmark, not a test: it asserts nothing and prints figures.

    .venv/bin/python bench/settlement_view_before.py --cities 1 8 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bench.billing_close import earlier  # noqa: E402
from shared.servers.postgres import postgres  # noqa: E402

READS = ("city, reconciliation", "province, reconciliation", "province, first")


def steps(tree: Path, server: str, passed: list[str]) -> list[dict[str, Any]]:
    """What the tree's own script prints as JSON: a step for each size."""
    script = tree / "bench" / "settlement_view_pages.py"
    env = os.environ | {"DATABASE_URL": server, "LOG_LEVEL": "WARNING"}
    run = subprocess.run([sys.executable, str(script), *passed], env=env, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]


def compared(found: dict[str, list[list[dict[str, Any]]]], trees: tuple[str, str]) -> list[dict[str, Any]]:
    """Each size's figures, the median over the rounds, for each tree, and this tree's ratio."""
    rows = []
    for size, _ in enumerate(found[trees[0]][0]):
        figures: dict[str, dict[str, float]] = defaultdict(dict)
        for tree in trees:
            each = [round_[size] for round_ in found[tree]]
            figures["events/s"][tree] = statistics.median(s["events_per_second"] for s in each)
            for read in READS:
                for what in ("p50_ms", "buffers", "sorted"):
                    figures[f"{read}, {what}"][tree] = statistics.median(s["pages"][read][what] for s in each)
        for values in figures.values():
            values["ratio"] = values[trees[1]] / values[trees[0]] if values[trees[0]] else float("nan")
        rows.append({"cities": found[trees[0]][0][size]["cities"], "figures": figures})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="main", help="the git ref whose view runs beside this tree's")
    parser.add_argument("--rounds", type=int, default=3, help="each tree's runs, alternated")
    args, passed = parser.parse_known_args()
    trees = (args.before, "this tree")
    found: dict[str, list[list[dict[str, Any]]]] = defaultdict(list)
    with ExitStack() as stack:  # PostgreSQL: DATABASE_URL's, or one of our own for this run
        server = stack.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        archived = earlier(args.before, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        code = {trees[0]: archived, trees[1]: ROOT}
        for _ in range(args.rounds):
            for tree in trees:
                found[tree].append(steps(code[tree], server, passed))
    for row in compared(found, trees):
        print(f"{row['cities']} cities:")
        for name, values in row["figures"].items():
            print(f"  {name:38} {values[trees[0]]:12,.1f} → {values[trees[1]]:12,.1f}  ({values['ratio']:.2f}×)")
        print(json.dumps(row))


if __name__ == "__main__":
    main()
