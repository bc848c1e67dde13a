"""A drill-down page of the residents behind a figure (`residents_in`) at a province's size: a
county's year of facts projected and copied into more counties of three cities, then a page
of a team, an institution, the county and its city read by the union over every fact table
(the read until 2026-12-06, with the facts' former indexes by team) and by `resident_wheres`:
EXPLAIN (ANALYZE, BUFFERS), the median of five runs. Also how long the migrate step takes to
note every resident of a database made before `resident_wheres`. Prints figures, asserts nothing.

    .venv/bin/python bench/appraisal_drill_down.py --residents 5000 --counties 30
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from sqlalchemy import ColumnElement, Connection, Engine, Table, event, or_, select, text, union  # noqa: E402

from appraisal.adapters.projections.cases_reads import residents_in  # noqa: E402
from appraisal.adapters.projections.facts import FactsProjection  # noqa: E402
from appraisal.adapters.projections.facts_tables import CONTRACT_STARTS, OF_A_RESIDENT  # noqa: E402
from appraisal.adapters.projections.upgrades import note_every_resident  # noqa: E402
from appraisal.bootstrap import engine_for  # noqa: E402
from appraisal.domain.strata import Stratum, area_prefix  # noqa: E402
from appraisal.settings import AppraisalSettings  # noqa: E402
from bench.appraisal_year import Year, batches  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

COUNTY = "440183"
SCHEMA = "appraisal"
RENAMED = ("team_id", "institution_id")
"""Named after their county (`Year.teams`): a copy's are its own."""
MOVED = ("area_code", "resident_area_code")
FORMER_BY_TEAM = ("fact_visits", "fact_ratings", "fact_referral_steps", "fact_care", "fact_readings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=5000, help="of the county projected")
    parser.add_argument("--counties", type=int, default=30, help="copies of it in three cities")
    parser.add_argument("--limit", type=int, default=100, help="residents a page (the route's default)")
    parser.add_argument("--plans", action="store_true", help="print each read's plan as run")
    args = parser.parse_args()
    with ExitStack() as servers:
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench-drill-down", keep=False))
        engine = engine_for(
            AppraisalSettings(database_url=servers.enter_context(scratch_database(server, "fdcs_bench")),
                              database_schema=SCHEMA)
        )  # fmt: skip
        _city(engine, args.residents, args.counties)
        _pages(engine, args.limit)
        engine.dispose()


def _city(engine: Engine, residents: int, counties: int) -> None:
    """The county projected, copied; `resident_wheres` noted anew from every fact as the migrate
    step does; and the facts' former indexes by team, for the read before."""
    projection = FactsProjection(engine)
    for batch in batches(Year(COUNTY, residents, 2026).deliveries()):
        projection.apply(batch)
    with engine.begin() as conn:
        for n in range(1, counties):
            _copy(conn, n)
        facts = sum(conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.{t.name}")).scalar() or 0 for t in OF_A_RESIDENT)
        conn.execute(text(f"TRUNCATE {SCHEMA}.resident_wheres"))
        started = time.perf_counter()
        note_every_resident(conn)
        noted = time.perf_counter() - started
        wheres = conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.resident_wheres")).scalar() or 0
        for t in FORMER_BY_TEAM:
            conn.execute(text(f"CREATE INDEX former_{t}_team_id ON {SCHEMA}.{t} (team_id)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"{counties} counties of {residents} residents: {facts:,} facts of a resident, "
          f"{wheres:,} rows of resident_wheres, noted from the facts in {noted:.1f} s")  # fmt: skip


def _copy(conn: Connection, n: int) -> None:
    """The county's facts as of county `n` of the province (in three cities, the county's one of
    them): its own teams, institutions, areas and residents, the copies' refs interleaved (as
    pseudonyms are: a stratum's residents spread over the whole range of refs)."""
    county = _county(n)
    refs = f"'r_' || substr(resident_ref, 5) || chr({97 + n // 25}) || chr({97 + n % 25})"
    for t in OF_A_RESIDENT:
        names = list(t.c.keys())
        values = [
            f"event_id || '-{n}'" if c == "event_id"
            else refs if c == "resident_ref"
            else f"replace({c}, '{COUNTY}', '{county}')" if c in RENAMED
            else f"'{county}' || substr({c}, 7)" if c in MOVED
            else f"'{county[:4]}'" if c == "city"  # its partition
            else c
            for c in names
        ]  # fmt: skip
        columns = ", ".join(names)
        conn.execute(text(f"INSERT INTO {SCHEMA}.{t.name} ({columns}) SELECT {', '.join(values)} "
                          f"FROM {SCHEMA}.{t.name} WHERE area_code LIKE '{COUNTY}%'"))  # fmt: skip


def _county(n: int) -> str:
    city = f"44{n % 3 * 2 + 1:02d}"  # 4401, 4403, 4405
    return f"{city}{n:02d}" if f"{city}{n:02d}" != COUNTY else f"{city}99"


MEASURED = _county(1)
"""A copy's: its residents' refs among the other copies' (the county projected has its own range)."""
STRATA = (
    Stratum("team", f"T-{MEASURED}100-01"),
    Stratum("institution", f"CHC-{MEASURED}100"),
    Stratum("county", MEASURED),
    Stratum("city", MEASURED[:4] + "00"),
)


def _pages(engine: Engine, limit: int) -> None:
    """The first page and one from the middle of each stratum, by each read."""
    with engine.connect() as conn:
        for stratum in STRATA:
            everyone: list[str] = []
            while page := residents_in(conn, stratum, everyone[-1] if everyone else "", 1000):
                everyone += page
            for after in ("", *everyone[len(everyone) // 2 :][:1]):
                where = "first page" if not after else "a middle page"
                figures = {how: _explained(conn, read, stratum, after, limit) for how, read in READS.items()}
                read = "; ".join(f"{how} {ms:.2f} ms, {pages:,} buffers" for how, (ms, pages) in figures.items())
                print(f"  {stratum.level} {stratum.id} ({len(everyone):,} residents), {where}: {read}")


def _explained(conn: Connection, read: Any, stratum: Stratum, after: str, limit: int) -> tuple[float, int]:
    """The read's query explained as run: its time, the median of five runs, and the pages it touched."""
    statement, parameters = _sent(conn, read, stratum, after, limit)
    runs = []
    for _ in range(5):
        plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).scalars())
        ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))  # type: ignore[union-attr]
        top = re.search(r"Buffers: shared (?:hit=(\d+))?\s*(?:read=(\d+))?", plan)  # the whole plan's
        runs.append((ms, sum(int(g) for g in top.groups() if g) if top else 0))
    if "--plans" in sys.argv:
        print(plan)
    return statistics.median(ms for ms, _ in runs), runs[-1][1]


def _sent(conn: Connection, read: Any, stratum: Stratum, after: str, limit: int) -> tuple[str, Any]:
    """The SQL and parameters `read` sends (it is run once to find them)."""
    sent: list[tuple[str, Any]] = []

    def record(_c: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        sent.append((statement, parameters))

    event.listen(conn.engine, "before_cursor_execute", record)
    try:
        read(conn, stratum, after, limit)
    finally:
        event.remove(conn.engine, "before_cursor_execute", record)
    return sent[-1]


def former_residents_in(conn: Connection, stratum: Stratum, after: str, limit: int) -> list[str]:
    """The read before 2026-12-06: a page of each fact table's residents, merged."""
    pages = []
    for t in OF_A_RESIDENT:
        query = select(t.c.resident_ref).where(_former_of(t, stratum), t.c.resident_ref > after)
        pages.append(query.distinct().order_by(t.c.resident_ref).limit(limit).subquery().select())
    found = union(*pages).subquery()
    return list(conn.execute(select(found.c.resident_ref).order_by(found.c.resident_ref).limit(limit)).scalars())


def _former_of(t: Table, stratum: Stratum) -> ColumnElement[bool]:
    match stratum.level:
        case "team":
            return t.c.team_id == stratum.id
        case "institution":
            return t.c.institution_id == stratum.id
    prefix = area_prefix(stratum.id)
    if t is CONTRACT_STARTS:
        return or_(t.c.area_code.startswith(prefix), t.c.resident_area_code.startswith(prefix))
    return t.c.area_code.startswith(prefix)


READS = {"before (union of the facts)": former_residents_in, "after (resident_wheres)": residents_in}


if __name__ == "__main__":
    main()
