"""The strata kept as the projection passes each midnight: a rebuild keeps the year's midnights
as it replays them, the latest days' each and Mondays' before them, and a past as-of's read
then finds its midnight kept and gives the figures the facts then known give."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, text
from sqlalchemy.exc import OperationalError

from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.cases_tables import STRATUM_TOTALS
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.strata_keeper import StrataKeeper, due, running, thinned
from appraisal.adapters.projections.totals import kept, lock_totals
from appraisal.bootstrap import engine_for
from appraisal.domain.periods import Period
from appraisal.settings import AppraisalSettings
from bench.appraisal_year import batches
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE
from services.appraisal.tests.test_cases_projection import _kept, _midnight, county_year, figures_of, oracle, totals_at

MONDAY = date(2026, 6, 1)
GRACE = timedelta(minutes=10)


def test_the_latest_days_are_kept_each_and_mondays_before_them() -> None:
    first = due(None, MONDAY + timedelta(days=20), daily=7, today=MONDAY + timedelta(days=10))

    assert first[0] >= MONDAY - timedelta(days=400) and first[-1] == MONDAY + timedelta(days=20)
    older = [d for d in first if d < MONDAY + timedelta(days=14)]
    assert {d.weekday() for d in older if d.day != 1} == {0}  # Mondays,
    assert {date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1)} < set(older)  # and quarters' first
    assert first[-7:] == [MONDAY + timedelta(days=n) for n in range(14, 21)]
    assert due(
        MONDAY + timedelta(days=20), MONDAY + timedelta(days=22), daily=7, today=MONDAY + timedelta(days=22)
    ) == [
        MONDAY + timedelta(days=21),
        MONDAY + timedelta(days=22),
    ]


def test_a_rebuild_replaying_the_past_keeps_mondays_and_quarters_first_only() -> None:
    replayed = due(MONDAY, MONDAY + timedelta(days=40), daily=7, today=date(2026, 12, 4))

    assert replayed == [MONDAY + timedelta(days=n) for n in (7, 14, 21, 28, 30, 35)]  # 1 July: Q3's first


def test_a_replay_of_the_past_keeps_nothing_until_it_has_caught_up(engine: Engine) -> None:
    story, _ = county_year()
    projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
    later = datetime(2027, 6, 1, tzinfo=ZONE)
    keeper = StrataKeeper(engine, ZONE, projection.known_until, daily=7, grace=GRACE, clock=lambda: later)
    for batch in batches(story, 200):
        projection.apply(batch)
        assert keeper.keep() == 0

    ahead = datetime(2030, 1, 1, tzinfo=ZONE)  # a producer's clock wrong by years
    caught_up = StrataKeeper(engine, ZONE, lambda: ahead, daily=7, grace=GRACE, clock=lambda: later)
    assert caught_up.keep() > 0
    with engine.begin() as conn:
        assert max(before for _, before in _kept(conn)) <= later


def test_a_day_older_than_the_latest_is_dropped_unless_a_monday() -> None:
    assert thinned(MONDAY + timedelta(days=20), MONDAY + timedelta(days=22), daily=7) == [
        MONDAY + timedelta(days=15)  # the 14th, a Monday, stays
    ]
    assert thinned(MONDAY + timedelta(days=20), MONDAY + timedelta(days=20), daily=7) == []
    once = thinned(None, MONDAY + timedelta(days=20), daily=7)
    assert once[-1] == MONDAY + timedelta(days=13) and all(d.weekday() != 0 for d in once)
    assert date(2026, 4, 1) not in once and date(2026, 4, 2) in once  # the day Q1 closed at stays


def test_a_midnight_is_kept_for_the_periods_it_falls_in_or_closes() -> None:
    assert [p.code for p in running(date(2026, 5, 20))] == ["2026", "2026-H1", "2026-Q2"]
    assert [p.code for p in running(date(2026, 7, 1))] == ["2026", "2026-H1", "2026-H2", "2026-Q2", "2026-Q3"]
    assert [p.code for p in running(date(2027, 1, 1))] == ["2026", "2026-H2", "2026-Q4", "2027", "2027-H1", "2027-Q1"]


@pytest.fixture
def engine(service_settings: Callable[..., Any]) -> Iterator[Engine]:
    made = engine_for(service_settings(AppraisalSettings))
    yield made
    made.dispose()


def test_a_rebuild_keeps_the_midnights_it_passes_and_past_reads_find_them(engine: Engine) -> None:
    story, _ = county_year()
    projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
    clock = [datetime(2025, 1, 1, tzinfo=ZONE)]
    keeper = StrataKeeper(engine, ZONE, projection.known_until, daily=7, grace=GRACE, clock=lambda: clock[0])
    assert keeper.keep() == 0  # nothing projected yet: no day is over
    for batch in batches(story, 100):
        projection.apply(batch)
        clock[0] = max(clock[0], projection.known_until() or clock[0])  # the facts arrive as they happen
        keeper.keep()
    last = projection.known_until()
    assert last is not None

    with engine.begin() as conn:
        befores = {before for period, before in _kept(conn) if period == "2026"}
    recent = _midnight(last - GRACE) - timedelta(days=6)
    lasting = [b.astimezone(ZONE) for b in befores if b < recent]  # the others were dropped
    assert lasting and all(b.weekday() == 0 or b.day == 1 for b in lasting)

    period = Period.parse("2026")
    for as_of in (datetime(2026, 3, 4, 15, tzinfo=ZONE), datetime(2026, 11, 15, 10, tzinfo=ZONE)):
        with engine.begin() as conn:
            # the Monday's before it is kept: a read adds up a week's changes at most
            assert max(b for b in befores if b <= as_of) >= _midnight(as_of) - timedelta(days=6)
            assert totals_at(conn, CATALOGUE.for_period(period), "2026", as_of, ZONE) == figures_of(
                oracle(engine, period, as_of)
            )
    with engine.begin() as conn:  # the midnight 2026 closed at: kept (or nothing changed since the Monday's)
        assert not kept(conn, "2026", datetime(2027, 1, 1, tzinfo=ZONE))


def test_the_midnights_a_late_change_dropped_are_kept_again_at_the_next_pass(engine: Engine) -> None:
    story, _ = county_year()
    projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
    for batch in batches(story, 100):
        projection.apply(batch)
    last = projection.known_until()
    assert last is not None
    clock = [last]
    keeper = StrataKeeper(engine, ZONE, lambda: clock[0], daily=7, grace=GRACE, clock=lambda: clock[0])
    keeper.keep()
    with engine.begin() as conn:
        recent = {k for k in _kept(conn) if k[1] > _midnight(last) - timedelta(days=5)}
        assert recent
        conn.execute(delete(STRATUM_TOTALS).where(STRATUM_TOTALS.c.before > _midnight(last) - timedelta(days=5)))

    clock[0] += timedelta(days=1)  # another worker's late facts dropped them; the next midnight passes
    keeper.keep()

    with engine.begin() as conn:
        assert recent <= _kept(conn)


TODAY = date(2026, 12, 5)
MIDNIGHT = datetime.combine(TODAY, time(), ZONE)


def test_a_writer_of_today_s_changes_does_not_wait_for_a_keep_of_today_s_midnight(engine: Engine) -> None:
    with engine.connect() as keeping, engine.connect() as writing:
        assert kept(keeping, "2026", MIDNIGHT, if_changed=False, today=TODAY)  # a second at a million residents
        _impatient(writing)

        lock_totals(writing, {"2026": MIDNIGHT + timedelta(hours=9)}, MIDNIGHT)  # did not wait
        writing.rollback()

        _impatient(writing)
        with pytest.raises(OperationalError, match="lock timeout"):  # a change before it waits
            lock_totals(writing, {"2026": MIDNIGHT - timedelta(hours=1)}, MIDNIGHT)


def test_a_keep_waits_for_a_writer_that_began_before_its_midnight(engine: Engine) -> None:
    yesterday = MIDNIGHT - timedelta(days=1)
    with engine.connect() as writing, engine.connect() as keeping:
        lock_totals(writing, {"2026": MIDNIGHT - timedelta(hours=1)}, yesterday)  # yesterday's changes, uncommitted

        assert not kept(keeping, "2026", MIDNIGHT, if_changed=False, wait=False, today=TODAY)
        keeping.rollback()
        writing.rollback()
        assert kept(keeping, "2026", MIDNIGHT, if_changed=False, wait=False, today=TODAY)


def test_a_keep_ahead_of_the_clock_waits_for_today_s_writers(engine: Engine) -> None:
    """A simulation's reads keep midnights ahead of the clock, with today's live changes before them."""
    ahead = MIDNIGHT + timedelta(days=26)
    with engine.connect() as writing, engine.connect() as keeping:
        lock_totals(writing, {"2026": MIDNIGHT + timedelta(days=15)}, MIDNIGHT)

        assert not kept(keeping, "2026", ahead, if_changed=False, wait=False, today=TODAY)


def _impatient(conn: Connection) -> None:
    """Until the transaction ends: a wait for a lock fails after a second."""
    conn.execute(text("SET LOCAL lock_timeout = '1s'"))
