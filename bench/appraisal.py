"""The appraisal view under a dashboard's polling, after a county's year of 20,000 residents.

Loads the year's public events straight into appraisal's fact tables (through its
projection's `apply`, not Kafka), records the county's population register, starts the
real API (`python -m fdcs serve appraisal`) and times, over HTTP, as an official of the city:
  (1) the first GET /scores and GET /indicators?level=county of the county (nothing computed yet);
  (2) polling both again, "now" moving on as it does (median and slowest of --polls);
  (3) the first poll after one new fact arrives;
  (4) an as-of in the past, twice;
  (5) GET /indicators/series of coverage and key-population coverage month by month, twice;
  (6) after another new fact (a visit known on 30 December): the view, the series, the past.
A benchmark, not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from appraisal.adapters.files.catalogue import load_catalogue  # noqa: E402
from appraisal.adapters.projections.facts import FactsProjection  # noqa: E402
from appraisal.adapters.projections.facts_reader import FactsReader  # noqa: E402
from appraisal.adapters.projections.figures_reader import FiguresReader  # noqa: E402
from appraisal.application.appraising import Appraising  # noqa: E402
from appraisal.bootstrap import engine_for, facts_projection, own_views_follower  # noqa: E402
from appraisal.domain.appraisal import Appraisal, appraise  # noqa: E402
from appraisal.domain.periods import Period, Window  # noqa: E402
from appraisal.settings import AppraisalSettings  # noqa: E402
from bench.appraisal_year import CHINA, Year, batches  # noqa: E402
from shared.devkeys import ensure_keys, mint  # noqa: E402
from shared.servers import free_port  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402
from shared.testing.processes import Processes  # noqa: E402

COUNTY = "440183"


class Dashboard:
    """An official of the city polling the view; "now" is the year's end plus the time elapsed."""

    def __init__(self, url: str, token: str, year: int) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        self.start, self.began = datetime(year + 1, 1, 10, 10, tzinfo=CHINA), time.monotonic()
        self.year = str(year)

    def timed(self, path: str, **params: Any) -> float:
        now = self.start + timedelta(seconds=time.monotonic() - self.began)
        started = time.perf_counter()
        answer = self.http.get(
            path, params={"period": self.year, **params}, headers={"X-Simulated-Time": now.isoformat()}
        )
        took = time.perf_counter() - started
        if answer.status_code != 200:
            return float("nan")
        return took

    def scores(self, **more: Any) -> float:
        return self.timed("/scores", area=COUNTY, **more)

    def indicators(self, **more: Any) -> float:
        return self.timed("/indicators", area=COUNTY, level="county", **more)

    def series(self) -> float:
        return self.timed(
            "/indicators/series",
            area=COUNTY,
            level="county",
            indicator=["coverage", "key_population_coverage"],
            step="month",
        )


def load(settings: AppraisalSettings, year: Year) -> tuple[FactsProjection, dict[str, int]]:
    engine = engine_for(settings)
    facts, started = facts_projection(settings, engine), time.perf_counter()
    deliveries = year.deliveries()
    counts: dict[str, int] = {}
    for d in deliveries:
        name = type(d.event).__name__
        counts[name] = counts.get(name, 0) + 1
    for batch in batches(deliveries):
        facts.apply(batch)
    took = time.perf_counter() - started
    print(f"loaded {len(deliveries)} events in {took:.0f} s ({len(deliveries) / took:.0f}/s, projected as they came):")
    print(f"  {dict(sorted(counts.items()))}")
    return facts, counts


def register(url: str, token: str, settings: AppraisalSettings, year: Year) -> None:
    body = {"population": year.residents, "key_population": year.tagged["any"],
            "by_key_population": {t: n for t, n in year.tagged.items() if t != "any"}}  # fmt: skip
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    httpx.put(f"{url}/population-register/{year.year}/{COUNTY}", json=body, headers=headers).raise_for_status()
    engine = engine_for(settings)
    own_views_follower(settings, engine).catch_up()
    engine.dispose()


def polls(n: int, *requests: Callable[[], float]) -> list[list[float]]:
    return [[request() for _ in range(n)] for request in requests]


def show(label: str, seconds: list[float]) -> None:
    if len(seconds) == 1:
        print(f"  {label:<52}{seconds[0] * 1000:>8.0f} ms")
    elif len(seconds) == 2:
        print(f"  {label:<52}{seconds[0] * 1000:>8.0f} ms, then {seconds[1] * 1000:.0f} ms")
    else:
        print(f"  {label:<52}{statistics.median(seconds) * 1000:>8.0f} ms median, {max(seconds) * 1000:.0f} ms slowest")


def measure(dashboard: Dashboard, facts: FactsProjection, year: Year, n: int) -> None:
    print(f"GET /scores?area={COUNTY} and /indicators?area={COUNTY}&level=county, period {year.year}:")
    show("(1) first /scores", [dashboard.scores()])
    show("(1) first /indicators (the same appraisal)", [dashboard.indicators()])
    scores, indicators = polls(n, dashboard.scores, dashboard.indicators)
    show(f"(2) /scores polled {n} times", scores)
    show(f"(2) /indicators polled {n} times", indicators)
    facts.apply([year.late_visit(1)])
    show("(3) /scores after one new fact", [dashboard.scores()])
    show("(3) /indicators after it", [dashboard.indicators()])
    past = {"as_of": f"{year.year}-07-01T00:00:00+08:00"}
    show("(4) /scores as of 1 July, twice", [dashboard.scores(**past), dashboard.scores(**past)])
    show("(4) /indicators as of 1 July, twice", [dashboard.indicators(**past), dashboard.indicators(**past)])
    show("(5) /indicators/series by month, twice", [dashboard.series(), dashboard.series()])
    facts.apply([year.late_visit(2)])
    show("(6) after another new fact: /scores", [dashboard.scores()])
    show("(6) /indicators/series (December's point again)", [dashboard.series()])
    show("(6) /scores as of 1 July (known later: no change)", [dashboard.scores(**past)])


def side_by_side(settings: AppraisalSettings, year: Year, n: int) -> None:
    """In this process, alternated: the county's appraisal read from the projection (what the API
    does) against computing it from the facts (what it did before: the reference)."""
    engine, as_of, period = (
        engine_for(settings),
        datetime(year.year + 1, 1, 10, tzinfo=CHINA),
        Period.parse(str(year.year)),
    )
    catalogue = load_catalogue()
    projected = Appraising(catalogue, FiguresReader(engine, CHINA), CHINA, kept=0)  # every read reads
    reference = FactsReader(engine, CHINA)

    def read() -> Appraisal:
        return projected.appraise(period, as_of, as_of, COUNTY).appraisal

    def computed() -> Appraisal:
        facts = reference.snapshot(as_of, period, COUNTY[:4]).facts
        return appraise(catalogue.for_period(period), facts, Window(period, as_of, CHINA))

    times: dict[str, list[float]] = {"read": [], "computed": []}
    for _ in range(max(n, 1)):
        for name, run in (("read", read), ("computed", computed)):
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    same = read().figures == computed().figures
    r, c = statistics.median(times["read"]), statistics.median(times["computed"])
    print(f"the county's whole appraisal in process, median of {max(n, 1)} alternated (figures equal: {same}):")
    print(f"  read from the projection {r * 1000:.0f} ms; computed from the facts {c * 1000:.0f} ms: {c / r:.1f}x")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--polls", type=int, default=5)
    args = parser.parse_args()
    servers = ExitStack()  # PostgreSQL: DATABASE_URL's, or one of our own for this run
    server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
    url = servers.enter_context(scratch_database(server, "fdcs_bench"))
    keys = ROOT / ".local" / "bench-jwt"
    ensure_keys(keys)
    environment = {
        "DATABASE_URL": url, "DATABASE_SCHEMA": "appraisal", "LOG_LEVEL": "WARNING", "SIMULATED_CLOCK": "true",
        "AUTH_JWT_PUBLIC_KEY_FILE": str(keys / "public.pem"), "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
    }  # fmt: skip
    settings = AppraisalSettings(database_url=url, database_schema="appraisal")
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    processes = Processes(environment, logs)
    try:
        year = Year(COUNTY, args.residents, args.year)
        facts, _ = load(settings, year)
        side_by_side(settings, year, args.polls)
        service = processes.start("serve", "appraisal")
        assert service is not None
        register(service, mint({"sub": "bench", "role": "admin", "simulation": True}, folder=keys), settings, year)
        official = mint(
            {"sub": "bench", "role": "official", "area": COUNTY[:4], "simulation": True}, folder=keys, hours=2
        )
        measure(Dashboard(service, official, args.year), facts, year, args.polls)
    finally:
        processes.stop()
        servers.close()


if __name__ == "__main__":
    main()
