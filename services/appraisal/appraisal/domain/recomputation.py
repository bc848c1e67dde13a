"""What a resident's new facts change in the figures, in every period of every year their
facts name (under the catalogue version in force for it), from the time they were known on:
per period and indicator, the changes by instant, team (or area) and key populations (a
`steps.Net`; the strata follow from them). Only the periods the new facts reach, and there
only the indicators reading their kinds, can change.

- `in_turn`: every other fact of the resident was known before the new ones (facts arrive as
  they happen: the common case). Then, one known instant at a time, the change is each
  method's steps over the facts with the new ones less its steps over the facts before them.
- `late`: a new fact was recorded after others of the resident known since. Then the
  resident's trajectory before and with the new facts is asked anew from when it was known.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from appraisal.domain.ahead import Ahead
from appraisal.domain.catalogue import Catalogue, CatalogueVersion, Indicator
from appraisal.domain.errors import NoCatalogueInForce
from appraisal.domain.indicators import METHODS, Method
from appraisal.domain.known import KINDS, ResidentHistory
from appraisal.domain.periods import Period, periods_of
from appraisal.domain.steps import Net, changed, held, net
from appraisal.domain.trajectory import segments


@dataclass(frozen=True)
class Arrived:
    """What is new of a resident: the earliest time one of the new facts became known, their
    kinds and, unless one is a contract or its ending, the days they name."""

    since: datetime
    kinds: frozenset[str] = frozenset(KINDS)
    days: frozenset[date] | None = None

    def reaches(self, period: Period, counts_for: timedelta = timedelta(0)) -> bool:
        """Whether the new facts can change a case of the period, of a method counting a fact
        for so long after its day (`Method.counts_for`); a contract or its ending reaches every period."""
        return self.days is None or any(day <= period.last and period.first <= day + counts_for for day in self.days)


_TICK = timedelta(microseconds=1)


Changes = dict[tuple[str, str], Net]
"""Per period code and indicator, the changes to its figures."""


def in_turn(catalogue: Catalogue, zone: tzinfo, history: ResidentHistory, arrivals: Sequence[Arrived]) -> Changes:
    """`arrivals`: the new facts by the instant they were known, in order; every other fact of
    `history` known before the first."""
    found: Changes = {}
    for arrived in arrivals:
        before, now = history.as_of(arrived.since - _TICK), history.as_of(arrived.since)
        for version, period, chosen in _reached(catalogue, zone, history, arrived):
            ahead = Ahead(period, zone, arrived.since)
            for i in chosen:
                if change := changed(version, i, before, now, ahead):
                    _add(found, (period.code, i.id), change)
    return found


def late(
    catalogue: Catalogue, zone: tzinfo, before: ResidentHistory, after: ResidentHistory, arrived: Arrived
) -> Changes:
    """`before`: the resident's facts without the new ones; `after`: with them."""
    changes: Changes = {}
    since = arrived.since
    for version, period, chosen in _reached(catalogue, zone, after, arrived):
        old = segments(version, period, zone, before, since, chosen)
        new = segments(version, period, zone, after, since, chosen)
        for i in chosen:
            was, now = ([s for s in found if s.indicator_id == i.id] for found in (old, new))
            if change := net(held(was, since), -1, net(held(now, since))):
                _add(changes, (period.code, i.id), change)
    return changes


def _add(found: Changes, key: tuple[str, str], change: Net) -> None:
    if key in found:
        change = net(((*k, *sums) for k, sums in change.items()), 1, found[key])
    found[key] = change


def _reached(
    catalogue: Catalogue, zone: tzinfo, history: ResidentHistory, arrived: Arrived
) -> Iterator[tuple[CatalogueVersion, Period, list[Indicator]]]:
    longest = max(METHODS[i].counts_for for i in METHODS)
    for year in sorted(history.years(zone)):
        for period in periods_of(year):
            if not arrived.reaches(period, longest):
                continue
            try:
                version = catalogue.for_period(period)
            except NoCatalogueInForce:
                continue  # no appraisal of such a period exists
            chosen = [i for i in version.indicators if _reads(METHODS[i.method], arrived, period)]
            if chosen:
                yield version, period, chosen


def _reads(method: Method, arrived: Arrived, period: Period) -> bool:
    return bool(method.reads & arrived.kinds) and arrived.reaches(period, method.counts_for)
