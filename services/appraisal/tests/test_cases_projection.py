"""The projected appraisal on PostgreSQL: a county's year of events fed through the facts
projection in batches (late-known facts, endings of contracts started batches before, a
batch delivered twice) gives, at every as-of, the figures and the drill-down `appraise`
computes from the facts then known."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, literal_column, select

from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.cases_reads import cases_at, counts_at, residents
from appraisal.adapters.projections.cases_tables import CASE_CHANGES, CASES_TABLES, STRATUM_TOTALS
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_reader import FactsReader
from appraisal.adapters.projections.figures_reader import FiguresReader
from appraisal.adapters.projections.own_views import OWN_VIEWS  # noqa: F401  (their tables are in the same schema)
from appraisal.adapters.projections.totals import keep
from appraisal.bootstrap import engine_for
from appraisal.domain.appraisal import Appraisal, appraise, in_stratum
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.figures import added_up, grouped
from appraisal.domain.periods import Period, Window
from appraisal.domain.strata import Stratum
from appraisal.settings import AppraisalSettings
from bench.appraisal_year import Year, batches
from services.appraisal.tests.appraisal_events import again
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE
from shared.contracts import topics
from shared.messaging import Delivery

COUNTY = "440183"
LATE = timedelta(days=40)


@pytest.fixture
def engine(service_settings: Callable[..., Any]) -> Iterator[Engine]:
    made = engine_for(service_settings(AppraisalSettings))
    yield made
    made.dispose()


def county_year() -> tuple[list[Delivery], list[Delivery]]:
    """A small county's year in the order its facts became known, and those of them (every
    seventh visit and rating) recorded 40 days late, so known after facts that happened later."""
    deliveries = Year(COUNTY, 60, 2026, seed=11).deliveries()
    chosen = {d.envelope.id for d in deliveries[::7] if d.topic == topics.HEALTH_SERVICES.name}
    story = [_known_later(d) if d.envelope.id in chosen else d for d in deliveries]
    return sorted(story, key=lambda d: d.envelope.time), [d for d in story if d.envelope.id in chosen]


def _known_later(d: Delivery) -> Delivery:
    return replace(d, envelope=d.envelope.model_copy(update={"time": d.envelope.time + LATE}))


def oracle(engine: Engine, period: Period, as_of: datetime) -> Appraisal:
    facts = FactsReader(engine, ZONE).snapshot(as_of, period).facts
    return appraise(CATALOGUE.for_period(period), facts, Window(period, as_of, ZONE))


Totals = dict[str, dict[Stratum, tuple[int, int]]]


def figures_of(appraisal: Appraisal) -> Totals:
    """Today's figures' numerators and denominators, without the strata where nothing counts."""
    found: Totals = {}
    for i in appraisal.catalogue.indicators:
        added = added_up(i, grouped(appraisal.cases[i.id]))
        if kept := {stratum: sums for stratum, sums in added.items() if sums != (0, 0)}:
            found[i.id] = kept
    return found


def totals_at(  # noqa: PLR0913
    conn: Connection, version: CatalogueVersion, period: str, as_of: datetime, zone: tzinfo, area: str = ""
) -> Totals:
    """The projection's figures as `figures_of` states them: the totals kept by the midnight,
    then the counts read by stratum."""
    keep(conn, period, as_of, zone)
    found: Totals = {}
    for indicator_id, counted in counts_at(conn, version, period, as_of, zone, area)[0].items():
        if kept := {stratum: sums for stratum, sums in counted.items() if sums != (0, 0)}:
            found[indicator_id] = kept
    return found


AS_OF = ("2026-02-01T00:00:00+08:00", "2026-06-30T23:59:59+08:00", "2026-07-01T00:00:00+08:00",
         "2026-11-15T10:00:00+08:00", "2027-01-10T09:00:00+08:00", "2027-03-01T00:00:00+08:00")  # fmt: skip
VERSION = CATALOGUE.for_period(Period.parse("2026"))
PERIODS = ("2026", "2026-H2", "2026-Q1", "2025-Q4", "2027")


def test_the_projection_gives_todays_figures_and_drill_down_at_every_as_of(engine: Engine) -> None:
    story, late = county_year()
    projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
    for batch in batches(story, 40):  # a contract's expiry comes batches after its signing
        projection.apply(batch)

    assert late and any(type(d.event).__name__ == "ContractExpired" for d in story)
    for code in PERIODS:
        period = Period.parse(code)
        for as_of in map(datetime.fromisoformat, AS_OF):
            expected = oracle(engine, period, as_of)
            with engine.begin() as conn:
                assert totals_at(conn, CATALOGUE.for_period(period), code, as_of, ZONE) == figures_of(expected), (
                    code,
                    as_of,
                )
                holding = _cases(conn, period, as_of)
            assert holding == {i: Counter(cases) for i, cases in expected.cases.items() if cases}, (code, as_of)
    final = figures_of(oracle(engine, Period.parse("2026"), datetime.fromisoformat(AS_OF[-1])))
    assert final
    second_half = figures_of(oracle(engine, Period.parse("2026-H2"), datetime.fromisoformat(AS_OF[-1])))
    assert {"booked_visits", "waiting_days"} <= set(second_half)  # catalogue 2026.2's, from the appointments
    with engine.begin() as conn:  # every group is in the county's city: so are the province's
        assert totals_at(conn, VERSION, "2026", datetime.fromisoformat(AS_OF[-1]), ZONE, COUNTY[:4]) == final
        assert totals_at(conn, VERSION, "2026", datetime.fromisoformat(AS_OF[-1]), ZONE, "4402") == {}
        with pytest.raises(ValueError, match="kept per city"):  # a county's share of its city's strata is not kept
            totals_at(conn, VERSION, "2026", datetime.fromisoformat(AS_OF[-1]), ZONE, COUNTY)


def test_the_drill_down_pages_through_every_case_of_each_figure(engine: Engine) -> None:
    story, _ = county_year()
    facts_projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
    for batch in batches(story, 100):
        facts_projection.apply(batch)
    period, as_of = Period.parse("2026"), datetime.fromisoformat(AS_OF[-2])
    expected, reader = oracle(engine, period, as_of), FiguresReader(engine, ZONE)

    paged: dict[Stratum, dict[str, list[Case]]] = {}  # every case of the residents paged through
    for stratum in {f.stratum for f in expected.figures}:
        found: dict[str, list[Case]] = defaultdict(list)
        after: str | None = ""
        while after is not None:
            refs = reader.residents(stratum, after, 25)
            for indicator_id, cases in reader.cases(expected.catalogue, period, as_of, refs).items():
                found[indicator_id] += cases
            after = refs[-1] if len(refs) == 25 else None
        paged[stratum] = found

    assert len(reader.residents(Stratum("county", COUNTY), "", 100)) > 25  # more than a page
    for f in expected.figures:
        indicator = expected.catalogue.indicator(f.indicator_id)
        shown = in_stratum(indicator, f.stratum, paged[f.stratum].get(f.indicator_id, []))
        assert Counter(shown) == Counter(expected.drill_down(f.indicator_id, f.stratum)), (f.indicator_id, f.stratum)


def test_each_city_has_a_partition_of_its_own(engine: Engine) -> None:
    story, _ = county_year()
    FactsProjection(engine, CasesProjection(CATALOGUE, ZONE)).apply(story[:300])
    as_of = datetime.fromisoformat(AS_OF[-1])
    with engine.begin() as conn:
        keep(conn, "2026", as_of, ZONE)
        partition = literal_column("tableoid::regclass::text")
        held = {
            t.name: dict(conn.execute(select(partition, func.count()).select_from(t).group_by(partition)).all())
            for t in CASES_TABLES
        }

    for table, rows in held.items():  # Guangzhou's, with the county in it
        assert [p.split(".")[-1] for p in rows] == [f"{table}_4401"] and all(rows.values()), rows


def test_two_workers_on_different_partitions_give_the_same_figures(engine: Engine) -> None:
    story, _ = county_year()
    contracts = [d for d in story if d.topic != topics.HEALTH_SERVICES.name]
    services = [d for d in story if d.topic == topics.HEALTH_SERVICES.name]  # the same residents' visits and ratings

    def worker(stream: list[Delivery]) -> None:
        projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
        for batch in batches(stream, 10):
            projection.apply(batch)

    with ThreadPoolExecutor(2) as both:
        list(both.map(worker, (contracts, services)))

    for as_of in map(datetime.fromisoformat, AS_OF):
        expected = oracle(engine, Period.parse("2026"), as_of)
        with engine.begin() as conn:
            assert totals_at(conn, VERSION, "2026", as_of, ZONE) == figures_of(expected), as_of
            holding = _cases(conn, Period.parse("2026"), as_of)
        assert holding == {i: Counter(cases) for i, cases in expected.cases.items() if cases}, as_of


def test_a_late_fact_changes_the_figures_only_from_when_it_was_known(engine: Engine) -> None:
    story, late = county_year()
    projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
    projection.apply([d for d in story if d not in late])
    first_known = min(d.envelope.time for d in late) - timedelta(microseconds=1)
    after = datetime.fromisoformat(AS_OF[-1])
    with engine.begin() as conn:
        then, later = totals_at(conn, VERSION, "2026", first_known, ZONE), totals_at(conn, VERSION, "2026", after, ZONE)

    with engine.begin() as conn:
        assert {before for _, before in _kept(conn)} == {_midnight(first_known), _midnight(after)}

    projection.apply(late)

    with engine.begin() as conn:
        kept = _kept(conn)
        assert totals_at(conn, VERSION, "2026", first_known, ZONE) == then
        assert totals_at(conn, VERSION, "2026", after, ZONE) != later
        assert totals_at(conn, VERSION, "2026", after, ZONE) == figures_of(oracle(engine, Period.parse("2026"), after))
    # the totals kept by the midnight after the late facts' first instant were dropped, the earlier kept
    assert kept and all(before <= first_known for _, before in kept)


def test_a_redelivered_batch_changes_nothing(engine: Engine) -> None:
    story, _ = county_year()
    projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
    for batch in batches(story, 100):
        projection.apply(batch)
    kept = _projected(engine)

    projection.apply([again(d) for d in story[50:150]])

    assert _projected(engine) == kept


def _kept(conn: Connection) -> set[tuple[str, datetime]]:
    """The midnights whose totals are kept, per period."""
    t = STRATUM_TOTALS
    return {(p, before) for p, before in conn.execute(select(t.c.period, t.c.before).distinct())}


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(ZONE).date(), time(), ZONE)


def _projected(engine: Engine) -> list[Any]:
    with engine.begin() as conn:
        return [tuple(r) for r in conn.execute(select(CASE_CHANGES).order_by(*CASE_CHANGES.primary_key))]


def _cases(conn: Connection, period: Period, as_of: datetime) -> dict[str, Counter[Case]]:
    """The drill-down of everyone, at the as-of."""
    found = cases_at(conn, CATALOGUE.for_period(period), period, as_of, ZONE, residents(conn))
    return {i: Counter(cases) for i, cases in found.items()}
