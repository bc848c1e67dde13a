"""The settlement view's figures and charges a page at a time as the scope widens: a city's and a
province's.

Loads a synthetic province (`--cities` cities of 300 institutions, three payers, twelve months:
bench/settlement_view.py's stream) through the view's own `apply` in batches of 500 and prints
the projection's rate; then, as an official of the first city and as one of the province, reads
the year's figures (`view_queries.figures`, in this process, no HTTP): the first page of 500
groups and one `--deep` pages in; the year's reconciliation; and the drill-down's pages of 500
charges (`view_queries.charges`) of a county, the city and the province. For each: its time (median of
`--repeats`) and the EXPLAIN (ANALYZE, BUFFERS) of every statement it sends, summed: execution
time, buffers touched, and the rows of its largest sort (0: none). Each size of `--cities` in turn, so the
growth with the scope shows. `--analyzed` reads after `ANALYZE`, as autovacuum leaves a live view
(without it, as just loaded: the planner's statistics behind the rows, where plans may tie).
The same script runs against an older tree (copy it into that tree's bench/) to compare.
A benchmark, not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from bench.settlement_view import CITY, YEAR, Loader, Size  # noqa: E402
from billing.adapters.projections import reconciliation, view_queries  # noqa: E402
from billing.adapters.projections.settlement_view import SettlementView  # noqa: E402
from billing.application.scope import Scope  # noqa: E402
from billing.bootstrap import engine_for  # noqa: E402
from billing.domain.periods import Calendar  # noqa: E402
from billing.settings import BillingSettings  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402
from shared.testing.plans import sent_by  # noqa: E402


def load(engine: Engine, settings: BillingSettings, size: Size, say: Callable[[str], None]) -> float:
    loader = Loader(SettlementView(engine, Calendar(settings.settlement_period_months), settings.timezone), size)
    loader.load()
    rate = loader.events / loader.seconds
    say(f"{size.cities} cities, {loader.charges:,} charges ({loader.events:,} events): projection {rate:,.0f} events/s")
    return rate


Read = Callable[[Engine, Scope, Any, int], dict[str, Any]]


def deep_cursor(engine: Engine, scope: Scope, deep: int, limit: int, read: Read) -> tuple[str, ...] | None:
    """The `after` of the page `deep` pages in (None if the scope has fewer)."""
    after = None
    for _ in range(deep):
        after = read(engine, scope, after, limit)["next"]
        if after is None:
            break
    return after


def sorts(node: dict[str, Any]) -> Iterator[int]:
    """The rows each Sort node of a plan sorted."""
    if node["Node Type"] == "Sort":
        yield int(node["Actual Rows"] if not node.get("Plans") else node["Plans"][0]["Actual Rows"])
    for child in node.get("Plans", []):
        yield from sorts(child)


def explained(engine: Engine, sent: list[tuple[str, Any]]) -> dict[str, float]:
    """The statements' EXPLAIN (ANALYZE, BUFFERS), summed."""
    milliseconds, buffers, largest_sort = 0.0, 0, 0
    with engine.connect() as conn:
        for statement, parameters in sent:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            found = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", parameters).scalar()
            plan = (json.loads(found) if isinstance(found, str) else found)[0]
            milliseconds += plan["Execution Time"]
            buffers += plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]
            largest_sort = max([largest_sort, *sorts(plan["Plan"])])
    return {"ms": milliseconds, "buffers": buffers, "sorted": largest_sort, "statements": len(sent)}


def measured(engine: Engine, read: Callable[[], Any], repeats: int) -> dict[str, float]:
    """`read`'s median time, and its statements' EXPLAIN (ANALYZE, BUFFERS)."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        read()
        samples.append(time.perf_counter() - started)
    return {"p50_ms": statistics.median(samples) * 1000} | explained(engine, sent_by(engine, read))


def pages(engine: Engine, size: Size, deep: int, say: Callable[[str], None]) -> dict[str, dict[str, float]]:
    """A city's and the province's first page and one `deep` pages in, and their reconciliation;
    then the drill-down's (`view_queries.charges`) of a county, the city and the province."""
    found = {}

    def paged(read: Read, scope: Scope, name: str, what: str = "year") -> None:
        for which, after in (("first", None), (f"{deep} in", deep_cursor(engine, scope, deep, size.page, read))):
            page = partial(read, engine, scope, after, size.page)
            key = f"{name}, {which}" if what == "year" else f"{name}, {what}, {which}"
            found[key] = _said(say, f"{name}'s {what}, page {which}", measured(engine, page, size.repeats))

    for name, area in (("city", CITY), ("province", CITY[:2])):
        scope = Scope(period=str(YEAR), area_prefix=area)
        paged(view_queries.figures, scope, name)
        read = partial(reconciliation.reconciliation, engine, scope, 100)
        found[f"{name}, reconciliation"] = _said(say, f"{name}'s reconciliation", measured(engine, read, size.repeats))
    for name, area in (("county", f"{CITY}01"), ("city", CITY), ("province", CITY[:2])):
        paged(view_queries.charges, Scope(period=str(YEAR), area_prefix=area), name, "year's charges")
    return found


def _said(say: Callable[[str], None], what: str, figures: dict[str, float]) -> dict[str, float]:
    say(
        f"  {what}: {figures['p50_ms']:7.1f} ms; EXPLAIN: {figures['ms']:7.1f} ms, "
        f"{figures['buffers']:,.0f} buffers, largest sort {figures['sorted']:,.0f} rows"
    )
    return figures


def run(  # noqa: PLR0913
    url: str, cities: list[int], size: Size, deep: int, say: Callable[[str], None] = print, analyzed: bool = False
) -> list[dict[str, Any]]:
    """Each province in a schema of its own: load it, then read its pages; `analyzed`: after
    `ANALYZE`, as autovacuum leaves a live view. A view just loaded has the planner's statistics
    behind its rows, and where two plans then tie, runs of the same code differed tenfold."""
    steps = []
    for count in cities:
        settings = BillingSettings(database_url=url, database_schema=f"billing_province_{count}")
        engine = engine_for(settings)
        try:
            rate = load(engine, settings, replace(size, cities=count, charges=size.charges * count), say)
            if analyzed:
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            steps.append({"cities": count, "events_per_second": rate, "pages": pages(engine, size, deep, say)})
        finally:
            engine.dispose()
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, nargs="+", default=[2, 8], help="each a province of its own")
    parser.add_argument("--charges", type=int, default=30_000, help="a city's (the pages read its groups)")
    parser.add_argument("--institutions", type=int, default=300, help="a city's")
    parser.add_argument("--deep", type=int, default=10, help="how many pages in the second page read is")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--analyzed", action="store_true", help="read after ANALYZE, as autovacuum leaves a live view")
    args = parser.parse_args()
    servers = ExitStack()  # PostgreSQL: one of our own for this run
    server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
    url = servers.enter_context(scratch_database(server, "fdcs_bench"))
    size = Size(charges=args.charges, institutions=args.institutions, repeats=args.repeats)
    try:
        for step in run(url, args.cities, size, args.deep, analyzed=args.analyzed):
            print(json.dumps(step))
    finally:
        servers.close()


if __name__ == "__main__":
    main()
