"""A resident's cases and figure changes anew once new facts of theirs are known: in every
period of every year their facts name, under the catalogue version in force for it, from the
earliest time a new fact was known on (what held before stays as it was)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from appraisal.domain.catalogue import Catalogue
from appraisal.domain.deltas import Delta, deltas
from appraisal.domain.errors import NoCatalogueInForce
from appraisal.domain.indicators import METHODS
from appraisal.domain.known import KINDS, ResidentHistory
from appraisal.domain.periods import Period, periods_of
from appraisal.domain.trajectory import Segment, segments, spliced


@dataclass(frozen=True)
class Arrived:
    """What is new of a resident: the earliest time one of the new facts became known, their
    kinds and, unless one is a contract or its ending, the days they name."""

    since: datetime
    kinds: frozenset[str] = frozenset(KINDS)
    days: frozenset[date] | None = None

    def reaches(self, period: Period) -> bool:
        """A visit, rating, referral or day of care counts in the periods holding its day; a visit
        also in the one where the contract year it fell in ends, less than a year later (one
        reach for them all: a few more periods for the rarer kinds, one rule to check)."""
        return self.days is None or any(day <= period.last and period.first <= day + _YEAR for day in self.days)


_YEAR = timedelta(days=366)


@dataclass(frozen=True)
class Recomputed:
    period: Period
    segments: tuple[Segment, ...]
    """All of the resident's segments in the period, the kept ones and the new."""
    deltas: list[Delta]


def recomputed(
    catalogue: Catalogue,
    zone: tzinfo,
    history: ResidentHistory,
    arrived: Arrived,
    stored: Mapping[str, Sequence[Segment]],
) -> Iterator[Recomputed]:
    """`stored`: the resident's segments by period code, as computed before the new facts.
    Only the periods the new facts reach, and there only the indicators reading their kinds,
    are recomputed: the others' segments, computed over facts that did not change, hold at
    every as-of as they were (the passage of time was already in them)."""
    since = arrived.since
    for year in sorted(history.years(zone)):
        for period in filter(arrived.reaches, periods_of(year)):
            try:
                version = catalogue.for_period(period)
            except NoCatalogueInForce:
                continue  # no appraisal of such a period exists
            chosen = [i for i in version.indicators if METHODS[i.method].reads & arrived.kinds]
            if not chosen:
                continue
            ids = {i.id for i in chosen}
            old = [s for s in stored.get(period.code, ()) if s.indicator_id in ids]
            kept = tuple(s for s in stored.get(period.code, ()) if s.indicator_id not in ids)
            new = segments(version, period, zone, history, since, chosen)
            yield Recomputed(period, (*kept, *spliced(old, new, since)), deltas(version, old, new, since))
