"""A resident's trajectory: each case of every indicator, with the as-of times it holds in.

Every case is of one resident, so the cases of an appraisal are the union of each
resident's. A resident's cases, as a function of the appraisal's as-of time, change only
when one of its facts becomes known, when the day the window sees reaches a date its facts
name (a contract's start, its last day, a contract year's end, a day of care), or when a
method's own turn comes (a referral's deadline). The methods are asked at those instants,
and only there: they stay the rules, and the segments give their answer at every as-of,
exactly. (So no case may name the day seen itself: it would change every day.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from heapq import heapify, heappop, heappush

from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion, Indicator
from appraisal.domain.facts import ContractFact
from appraisal.domain.indicators import METHODS
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.known import ResidentHistory
from appraisal.domain.periods import Period, Window, anniversary


@dataclass(frozen=True)
class Segment:
    """A case of an indicator, holding for every as-of from `valid_from` until `valid_to`."""

    indicator_id: str
    case: Case
    valid_from: datetime
    valid_to: datetime | None = None
    """None: it holds at every later as-of (unless a fact known later changes it)."""

    def holds_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_to is None or moment < self.valid_to)


def segments(  # noqa: PLR0913
    catalogue: CatalogueVersion,
    period: Period,
    zone: tzinfo,
    history: ResidentHistory,
    since: datetime,
    indicators: Sequence[Indicator] | None = None,
) -> tuple[Segment, ...]:
    """The resident's cases of every indicator of the version (or of these), at every as-of from `since` on."""
    chosen = catalogue.indicators if indicators is None else indicators
    found = _follow(chosen, history, period, zone, _turns(history, period, zone, since))
    return tuple(sorted(found, key=lambda s: (s.valid_from, s.indicator_id, s.case.about, s.case.why)))


def _follow(
    indicators: Sequence[Indicator], history: ResidentHistory, period: Period, zone: tzinfo, turns: Iterable[datetime]
) -> list[Segment]:
    """Ask the methods at each turn (and at the turns they name), and keep when each case began and ended."""
    pending, last, found = list(turns), None, []
    heapify(pending)
    held: dict[str, dict[tuple[Case, int], datetime]] = {i.id: {} for i in indicators}
    answered: dict[str, list[Case]] = {i.id: [] for i in indicators}
    while pending:
        moment = heappop(pending)
        if moment == last:
            continue
        last, window = moment, Window(period, moment, zone)
        seen = Seen(history.as_of(moment), window)
        for i in indicators:
            method = METHODS[i.method]
            cases = method.compute(seen, i.parameters)
            if method.turns is not None and (turn := method.turns(seen, i.parameters)) is not None:
                heappush(pending, turn)
            if cases != answered[i.id]:  # most turns change a few indicators' cases, if any
                answered[i.id], was, now = cases, held[i.id], _numbered(cases)
                found += [Segment(i.id, key[0], was.pop(key), moment) for key in was.keys() - now]
                was |= {key: moment for key in now - was.keys()}
    return found + [Segment(i, key[0], began) for i, was in held.items() for key, began in was.items()]


def _numbered(cases: list[Case]) -> set[tuple[Case, int]]:
    """Each case, and which of its equals it is (a method could count one thing twice)."""
    return {(c, k) for c, n in Counter(cases).items() for k in range(n)}


def _turns(history: ResidentHistory, period: Period, zone: tzinfo, since: datetime) -> list[datetime]:
    """`since`, then every later moment a fact became known or the window's day reaches a date
    the facts name, until the day after the period's last: from then on the day seen stays its last."""
    after = period.last + timedelta(days=1)
    days = {period.first, after}
    for c in history.contracts.facts:
        days |= {c.starts_on, c.ends_on, *_years_last_days(c)}
    days |= {e.last_day for _, e in history.endings.facts}
    days |= {f.on for f in history.care.facts}
    starts = {datetime.combine(d, time(), zone) for day in days for d in (day, day + timedelta(days=1)) if d <= after}
    return sorted({since, *(t for t in (*history.known_at, *starts) if t > since)})


def _years_last_days(c: ContractFact) -> list[date]:
    k, last_days = 1, []
    while (start := anniversary(c.starts_on, k)) <= c.ends_on:
        last_days.append(start - timedelta(days=1))
        k += 1
    return last_days
