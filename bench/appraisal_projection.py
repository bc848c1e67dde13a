"""The projected appraisal's cost: a county's year of public events fed in batches through
the facts projection, without and with the step that keeps `case_changes` (each into a
database of its own, in one run); then the read of a whole period's counts
(`FiguresReader.counted`), the figures and scores from them, and the trajectory of one
resident's period. Prints figures, asserts nothing.

`--counties N` then copies the county's projected rows (its teams, changes and register)
into N - 1 more counties of its city and reads the whole city the way a live dashboard does:
a city's reads measured in minutes, where projecting its events takes hours
(`appraisal_scale.py`).

    .venv/bin/python bench/appraisal_projection.py --residents 3000
    .venv/bin/python bench/appraisal_projection.py --residents 20000 --with-step-only --counties 25
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]
if "--interpreted" not in sys.argv:  # the arithmetic as the image runs it, found before the sources
    from fdcs import compiled

    sys.path.insert(0, str(compiled.copy(ROOT)))

from appraisal.adapters.files.catalogue import load_catalogue  # noqa: E402
from appraisal.adapters.http.written import WrittenFigures  # noqa: E402
from appraisal.adapters.projections.cases import CasesProjection  # noqa: E402
from appraisal.adapters.projections.facts import FactsProjection  # noqa: E402
from appraisal.adapters.projections.figures_reader import FiguresReader  # noqa: E402
from appraisal.adapters.projections.resident_reads import histories  # noqa: E402
from appraisal.adapters.projections.strata_keeper import StrataKeeper  # noqa: E402
from appraisal.adapters.projections.totals import lock_totals, midnight  # noqa: E402
from appraisal.application.appraising import Appraising  # noqa: E402
from appraisal.application.views import Filters  # noqa: E402
from appraisal.bootstrap import engine_for  # noqa: E402
from appraisal.domain.appraisal import from_counts  # noqa: E402
from appraisal.domain.catalogue import CatalogueVersion  # noqa: E402
from appraisal.domain.periods import Period, Window  # noqa: E402
from appraisal.domain.trajectory import segments  # noqa: E402
from appraisal.settings import AppraisalSettings  # noqa: E402
from bench.appraisal_year import CHINA, Year, batches  # noqa: E402
from bench.settlement_view import percentiles  # noqa: E402
from shared.collector import long_lived  # noqa: E402
from shared.messaging import Delivery  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

COUNTY = "440183"
BEGINNING = datetime(2020, 1, 1, tzinfo=CHINA)
TABLES = ("case_changes", "stratum_totals")


def fed(url: str, deliveries: list[Delivery], step: bool, size: int) -> tuple[float, AppraisalSettings]:
    settings = AppraisalSettings(database_url=url, database_schema="appraisal")
    engine = engine_for(settings)
    cases = CasesProjection(load_catalogue(settings.catalogue_file), CHINA) if step else None
    long_lived()  # the collector tuned as in a projection worker's process
    projection, started = FactsProjection(engine, cases), time.perf_counter()
    for batch in batches(deliveries, size):
        projection.apply(batch)
    took = time.perf_counter() - started
    engine.dispose()
    return len(deliveries) / took, settings


def timed(n: int, read: Callable[[], object]) -> list[float]:
    found = []
    for _ in range(n):
        started = time.perf_counter()
        read()
        found.append(time.perf_counter() - started)
    return found


def _sizes(conn: Any, events: int) -> str:
    """The projection's tables (partitions summed) and the facts', in bytes per event: what a
    year of a province's events needs (`deploy/k8s/README.md`)."""
    query = """SELECT sum(pg_total_relation_size(c.oid)) FILTER (WHERE c.relname ~ '^(case|stratum)_'),
                      sum(pg_total_relation_size(c.oid)) FILTER (WHERE c.relname LIKE 'fact_%%')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'appraisal' AND c.relkind = 'r'"""
    cases, facts = conn.exec_driver_sql(query).one()
    return f"changes and totals {cases / events:.0f} B, facts {facts / events:.0f} B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--with-step-only", action="store_true", help="skip the run of the facts alone")
    parser.add_argument("--counties", type=int, default=1, help="copies of the county in its city, then its reads")
    parser.add_argument("--interpreted", action="store_true", help="the sources, not the arithmetic compiled")
    args = parser.parse_args()
    deliveries = Year(COUNTY, args.residents, 2026).deliveries()
    how = "interpreted" if args.interpreted else "compiled"
    print(f"{args.residents} residents, {len(deliveries)} events, batches of {args.batch}, the arithmetic {how}")
    with ExitStack() as servers:
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        if not args.with_step_only:
            bare, _ = fed(servers.enter_context(scratch_database(server, "fdcs_bench")), deliveries, False, args.batch)
            print(f"  facts only:              {bare:>8.0f} events/s")
        full, settings = fed(
            servers.enter_context(scratch_database(server, "fdcs_bench")), deliveries, True, args.batch
        )
        print(f"  facts and projected cases: {full:>6.0f} events/s")
        engine = engine_for(settings)
        as_of, period = datetime(2027, 1, 10, 9, tzinfo=CHINA), Period.parse("2026")
        version, reader = load_catalogue(settings.catalogue_file).for_period(period), FiguresReader(engine, CHINA)
        first = timed(1, lambda: reader.counted(version, period, [as_of], ""))[0]
        reads = timed(7, lambda: reader.counted(version, period, [as_of], ""))
        counted = reader.counted(version, period, [as_of], "").counted[0]
        figured = timed(7, lambda: from_counts(version, Window(period, as_of, CHINA), counted))
        print(f"  2026's counts, the whole area: first read of the day {first * 1000:.0f} ms (keeps the totals by")
        print(f"    its midnight), then {statistics.median(reads) * 1000:.0f} ms median of 7; figures and scores")
        print(f"    from them {statistics.median(figured) * 1000:.0f} ms")
        with engine.begin() as conn:
            found = [conn.exec_driver_sql(f"SELECT count(*) FROM appraisal.{t}").scalar() for t in TABLES]
            print("  rows: " + ", ".join(f"{t} {n}" for t, n in zip(TABLES, found, strict=True)))
            print(f"  on disk, with indexes, per event: {_sizes(conn, len(deliveries))}")
            refs = [
                r for (r,) in conn.exec_driver_sql("SELECT DISTINCT resident_ref FROM appraisal.fact_contract_starts")
            ]
            lives = histories(conn, refs[:500])
        took = timed(1, lambda: [segments(version, period, CHINA, h, BEGINNING) for h in lives.values()])[0]
        print(
            f"  one resident's 2026 trajectory from nothing: {took / len(lives) * 1000:.2f} ms ({len(lives)} residents)"
        )
        if args.counties > 1:
            city_reads(engine, args.residents, args.counties, version)
        engine.dispose()


def city_reads(engine: Any, residents: int, counties: int, version: CatalogueVersion) -> None:
    """The county copied into more counties of its city, then the city's reads as of the
    year's last evening: each the first after a new change (the day's totals already kept),
    so what grows with the city shows."""
    codes = [f"{COUNTY[:4]}{k:02d}" for k in range(1, 100)]
    copies = [code for code in codes if code != COUNTY][: counties - 1]
    with engine.begin() as conn:
        for table in ("case_groups", "fact_teams"):
            names = [name for name in _names(conn, table) if name != "group_id"]  # a copy's groups numbered anew
            for code in copies:
                moved = ", ".join(_moved(name, code) for name in names)
                conn.exec_driver_sql(f"INSERT INTO appraisal.{table} ({', '.join(names)}) SELECT {moved} "
                                     f"FROM appraisal.{table} WHERE area_code LIKE '{COUNTY}%%'")  # fmt: skip
        conn.exec_driver_sql(COPIED_CHANGES, {"county": COUNTY, "codes": copies})
        for code in [COUNTY, *copies]:
            conn.exec_driver_sql(REGISTERED, (code, residents, residents // 4))
        conn.exec_driver_sql("DELETE FROM appraisal.stratum_totals")  # kept of the county alone
        conn.exec_driver_sql("ANALYZE")
    reader, period, as_of = FiguresReader(engine, CHINA), Period.parse("2026"), datetime(2026, 12, 31, 23, tzinfo=CHINA)
    city, window = COUNTY[:4], Window(period, as_of, CHINA)
    print(f"  the city: {counties} counties of {residents:,} residents; its reads as of 31 December, 23:00,")
    print("  each the first after a new change (median of 7):")
    for tagged in (False, True):
        reader.counted(version, period, [as_of], city, tagged)  # the day's totals kept
        reads, figured = [], []
        for n in range(7):
            new_change(engine, city, as_of, 1 + n)
            started = time.perf_counter()
            counted = reader.counted(version, period, [as_of], city, tagged).counted[0]
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            from_counts(version, window, counted)
            figured.append(time.perf_counter() - started)
        strata = sum(len(t) for t in counted.totals.values())
        label = "with the key populations" if tagged else "without them (as scores)"
        print(f"    {label}: {strata:,} strata, counts {statistics.median(reads) * 1000:.0f} ms, "
              f"figures and scores {statistics.median(figured) * 1000:.0f} ms")  # fmt: skip
    live_reads(engine, version, period, as_of)
    past_reads(engine, version, period, as_of)


def live_reads(engine: Any, version: CatalogueVersion, period: Period, now: datetime) -> None:
    """The city's view as the API serves it, each read the first after a new change: read whole
    (a new `Appraising` each time) and counted from the read before (one `Appraising`),
    alternated, with the figures written as JSON (every stratum, then with the key populations),
    and the collector tuned as in the API's process."""
    long_lived()
    catalogue, city = load_catalogue(), COUNTY[:4]
    print("  the view as served, each read the first after a new change, read whole and counted from the")
    print("  read before, alternated (median of 7):")
    for tagged in (False, True):
        only = Filters(area=city, key_population="*" if tagged else None)
        live = Appraising(catalogue, FiguresReader(engine, CHINA), CHINA)
        live_written = WrittenFigures(2)
        live_written.figures(live.appraise(period, now, now, city, tagged).appraisal, only)
        took: dict[str, list[float]] = {"whole": [], "from the read before": []}
        for n in range(7):
            at = now + timedelta(seconds=n + 1)
            for k, (label, appraising, written) in enumerate(
                (
                    ("whole", Appraising(catalogue, FiguresReader(engine, CHINA), CHINA), WrittenFigures(2)),
                    ("from the read before", live, live_written),
                )
            ):
                new_change(engine, city, now, 100 + 2 * n + k)
                started = time.perf_counter()
                body = written.figures(appraising.appraise(period, at, at, city, tagged).appraisal, only)
                took[label].append(time.perf_counter() - started)
        label = "with the key populations" if tagged else "without them"
        whole, since = (statistics.median(took[k]) * 1000 for k in took)
        print(f"    {label} ({len(body) / 1e6:.1f} MB of figures): whole {whole:.0f} ms, "
              f"from the read before {since:.0f} ms ({whole / since:.1f}x)")  # fmt: skip


def new_change(engine: Any, city: str, now: datetime, n: int) -> None:
    """A change to a team's figure `n` seconds before `now` (each `n` once), applied as the
    projection applies one: with a stream's position moved on."""
    with engine.begin() as conn:
        team = {"team": f"T-{COUNTY}100-01", "institution": f"CHC-{COUNTY}100", "area": f"{COUNTY}100"}
        conn.exec_driver_sql(NEW_CHANGE, {"city": city, **team, "at": now - timedelta(seconds=n)})
        conn.exec_driver_sql(MOVED_ON)


def past_reads(engine: Any, version: CatalogueVersion, period: Period, now: datetime) -> None:
    """A past as-of's first read with no strata kept in the year, then after the projection
    worker's keeper passed every midnight to `now` (its first pass, as after a rebuild)."""
    past = [datetime(2026, 7, 1, 15, tzinfo=CHINA), datetime(2026, 3, 12, 10, tzinfo=CHINA)]
    reader, city = FiguresReader(engine, CHINA), COUNTY[:4]

    def forget() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM appraisal.stratum_totals")

    def firsts() -> str:
        took = [timed(1, lambda m=moment: reader.counted(version, period, [m], city, False))[0] for moment in past]
        return ", ".join(f"{m:%d %B} {t * 1000:.0f} ms" for m, t in zip(past, took, strict=True))

    forget()
    print(f"  a past as-of's first read (no key populations), nothing kept in the year: {firsts()}")
    forget()
    keeper = StrataKeeper(engine, CHINA, lambda: now, daily=14, grace=timedelta(0))
    with Writers(engine, now) as writers:
        started = time.perf_counter()
        count = keeper.keep()
        took = time.perf_counter() - started
    with engine.begin() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM appraisal.stratum_totals").scalar()
    print(f"  the keeper's first pass to {now:%d %B} (Mondays', then the latest 14 days'): {took:.1f} s, "
          f"{count} periods' strata kept by a midnight, {rows:,} rows")  # fmt: skip
    print(f"  then a past as-of's first read: {firsts()}")
    print("  meanwhile a writer of one change every 20 ms, alternately of the day's and of the day before")
    print(f"  (a late fact), waiting to lock the strata: {writers}")


class Writers:
    """A writer of a change to 2026's figures every 20 ms, as the projection writes one, rolled
    back: alternately at the hour before `now` (live) and a day before that (a late fact), each
    write's wait to lock the strata kept timed. The clock's midnight is `now`'s."""

    def __init__(self, engine: Any, now: datetime) -> None:
        self._engine, self._now, self._stop = engine, now, threading.Event()
        self._thread = threading.Thread(target=self._run)
        self.waits: dict[str, list[float]] = {"the day's": [], "the day before's": []}

    def __enter__(self) -> Writers:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        today, n = midnight(self._now, CHINA), 0
        while not self._stop.wait(0.02):
            label, back = ("the day's", 1) if n % 2 == 0 else ("the day before's", 25)
            with self._engine.connect() as conn:
                started = time.perf_counter()
                lock_totals(conn, {"2026": self._now - timedelta(hours=back)}, today)
                self.waits[label].append(time.perf_counter() - started)
                conn.rollback()
            n += 1

    def __str__(self) -> str:
        return "; ".join(f"{label} {len(w)}, {percentiles(w) if w else '-'}" for label, w in self.waits.items())


REGISTERED = "INSERT INTO appraisal.population_register VALUES (%s, 2026, 1, %s, %s, '{}', '2026-01-01')"
MOVED_ON = (
    "INSERT INTO appraisal.stream_positions VALUES ('bench', 0, 1) "
    'ON CONFLICT (topic, partition) DO UPDATE SET "offset" = stream_positions."offset" + 1'
)
NEW_CHANGE = """WITH named AS (
    INSERT INTO appraisal.case_groups (city, indicator_id, team_id, institution_id, area_code, key_populations)
    VALUES (%(city)s, 'contracts_signed', %(team)s, %(institution)s, %(area)s, '')
    ON CONFLICT ON CONSTRAINT case_groups_named DO UPDATE SET key_populations = '' RETURNING group_id)
INSERT INTO appraisal.case_changes (city, period, instant, group_id, d_numerator, d_denominator)
SELECT %(city)s, '2026', %(at)s, group_id, 1, 0 FROM named ON CONFLICT DO NOTHING"""
COPIED_CHANGES = """WITH copied AS MATERIALIZED (
  SELECT g.group_id AS was, copy.group_id FROM appraisal.case_groups g CROSS JOIN unnest(%(codes)s::text[]) AS k (code)
  JOIN appraisal.case_groups copy ON copy.city = g.city AND copy.indicator_id = g.indicator_id
    AND copy.key_populations = g.key_populations AND copy.area_code = replace(g.area_code, %(county)s, k.code)
    AND copy.team_id = replace(g.team_id, %(county)s, k.code)
    AND copy.institution_id = replace(g.institution_id, %(county)s, k.code)
  WHERE g.area_code LIKE %(county)s || '%%')
INSERT INTO appraisal.case_changes (city, period, instant, group_id, d_numerator, d_denominator)
SELECT c.city, c.period, c.instant, copied.group_id, c.d_numerator, c.d_denominator
FROM appraisal.case_changes c JOIN copied ON copied.was = c.group_id"""
"""The copies' changes: the county's groups matched to each copy's first (a thousand or so a
copy), so each change is joined by its group's number alone."""


def _moved(name: str, code: str) -> str:
    """A column of a copied row: the county's code replaced by the copy's, ids made unique."""
    match name:
        case "team_id" | "institution_id" | "area_code":
            return f"replace({name}, '{COUNTY}', '{code}')"
        case "members":
            return f"replace(members::text, '{COUNTY}', '{code}')::json"
        case "event_id":
            return f"event_id || '-{code}'"
    return name


def _names(conn: Any, table: str) -> list[str]:
    query = ("SELECT column_name FROM information_schema.columns WHERE table_schema = 'appraisal' "
             "AND table_name = %s ORDER BY ordinal_position")  # fmt: skip
    return [name for (name,) in conn.exec_driver_sql(query, (table,))]


if __name__ == "__main__":
    main()
