"""A worker of `fdcs project appraisal`: the strata kept by each midnight as the projection
passes it, so a past as-of's first read adds up a day's changes, not the months since the
latest strata a read happened to keep (`totals.kept`).

A day is over for the appraisal once the facts projected were known past its midnight by a
grace: facts known before it may still come on other partitions, or to another worker. A
change for an instant before a kept midnight drops what was kept by it, so each pass looks
again at the latest weeks' midnights. Each is kept from the one before. Every midnight of the
latest days by the clock stays; before them, Mondays' (a read there adds up a week at most)
and the midnight each period closed at. A rebuild keeps nothing while it replays the past (its
writers would wait on each keep), then those once it has caught up with the clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import ARRAY, DateTime, Engine, any_, bindparam, delete
from sqlalchemy.exc import SQLAlchemyError

from appraisal.adapters.projections.cases_tables import STRATUM_TOTALS
from appraisal.adapters.projections.totals import kept, midnight
from appraisal.domain.periods import Period, periods_of

log = logging.getLogger(__name__)

CAUGHT_UP = timedelta(hours=1)
"""How close to the clock the facts projected must have been known for the projection to keep
strata: a rebuild keeps none while it replays (its writers would wait on each keep), then the
whole year's from one to the next once it has caught up."""
FIRST_LOOK = timedelta(days=400)
"""How far back a worker's first pass keeps Mondays' strata (each later pass, the days since)."""


def due(after: date | None, last: date, daily: int, today: date) -> list[date]:
    """The days whose midnights to keep, in order: those after `after` up to `last`, every one
    of the latest `daily` by `today` (or `last`, if later: a simulation ahead of the clock), and
    before them Mondays and quarters' first."""
    first = after + timedelta(days=1) if after is not None else last - FIRST_LOOK
    recent = max(last, today) - timedelta(days=daily - 1)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if d >= recent or _lasting(d)]


def thinned(was: date | None, now: date, daily: int) -> list[date]:
    """The days whose strata to drop once the latest `daily` end at `now` (at `was` the pass
    before): those no longer among them, but Mondays and quarters' first."""
    recent = now - timedelta(days=daily - 1)
    first = (was - timedelta(days=daily - 1)) if was is not None else now - FIRST_LOOK
    days = (first + timedelta(days=n) for n in range(max((recent - first).days, 0)))
    return [d for d in days if not _lasting(d)]


def _lasting(day: date) -> bool:
    """A Monday, or the first day of a quarter (every period closes at the midnight that begins one)."""
    return day.weekday() == 0 or (day.day == 1 and day.month % 3 == 1)


def running(day: date) -> list[Period]:
    """The periods a day's midnight falls in or ends (the strata by the day after a period's
    last: as it closed). Others' strata are kept by the reads that ask them: one of a period
    over is kept from the one it closed with, and few changes come after."""
    periods = (*periods_of(day.year - 1), *periods_of(day.year))
    return [p for p in periods if p.first <= day <= p.last + timedelta(days=1)]


class StrataKeeper:
    def __init__(  # noqa: PLR0913
        self,
        engine: Engine,
        zone: tzinfo,
        known_until: Callable[[], datetime | None],
        daily: int,
        grace: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        every: float = 30.0,
    ) -> None:
        """`known_until`: when the latest fact projected (by this process) was known, if any.
        `every`: seconds between passes (a replay passes a day a second: each pass looks again
        at three weeks' midnights, and a keep holds the writers of its period back)."""
        self._engine, self._zone, self._known_until, self._clock = engine, zone, known_until, clock
        self._daily, self._grace, self._every = daily, grace, every
        self._last: date | None = None
        self._recent: date | None = None  # the last pass's end of the latest days

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self._every):
            try:
                self.keep(stop)
            except SQLAlchemyError as e:  # the database away, say: the next pass keeps the same days
                log.warning("strata not kept: %s", type(e).__name__)

    def keep(self, stop: threading.Event | None = None) -> int:
        """Keep the midnights passed since the last pass (if any); how many periods' strata were
        kept. Asked to `stop`, it leaves the rest to the next pass (a first one after a rebuild
        keeps a year's Mondays)."""
        known, now = self._known_until(), self._clock()
        if known is None or known < now - CAUGHT_UP:
            return 0  # replaying the past: kept once caught up, not competing with the replay
        last = midnight(min(known, now) - self._grace, self._zone).date()  # an event's clock ahead: not a day over
        if self._last is not None and last <= self._last:
            return 0
        today = now.astimezone(self._zone).date()
        recent = max(last, today)
        count, again = 0, None if self._last is None else min(self._last, last - timedelta(days=self._daily + 7))
        for day in due(again, last, self._daily, recent):
            if stop is not None and stop.is_set():
                return count
            before = self._midnight(day)
            for period in running(day):
                # A day that lasts is kept even if unchanged: reads start from it. Not waiting for
                # the writers (they would queue behind): a later pass looks at the day again.
                with self._engine.begin() as conn:
                    count += kept(conn, period.code, before, not _lasting(day), wait=False, today=today)
        dropped = [self._midnight(d) for d in thinned(self._recent, recent, self._daily)]
        if dropped:
            t = STRATUM_TOTALS
            with self._engine.begin() as conn:
                conn.execute(delete(t).where(t.c.before == any_(bindparam("b", dropped, ARRAY(DateTime(True))))))
        log.info("strata kept by the midnights to %s: %d kept, %d midnights dropped", last, count, len(dropped))
        self._last, self._recent = last, recent
        return count

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), self._zone)
