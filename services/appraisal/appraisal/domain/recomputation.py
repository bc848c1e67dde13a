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

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TypeVar

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.catalogue import Catalogue, CatalogueVersion, Indicator
from appraisal.domain.errors import NoCatalogueInForce
from appraisal.domain.facts import AppointmentStep, Facts
from appraisal.domain.indicators import METHODS, Method
from appraisal.domain.indicators.residents import contract_years
from appraisal.domain.known import ResidentHistory
from appraisal.domain.periods import Period, local_day, periods_of
from appraisal.domain.steps import Net, changed, from_since, held, net, own_steps
from appraisal.domain.trajectory import segments


@dataclass(frozen=True)
class Reach:
    """Where new facts can change cases: the kinds of facts they are, and the periods
    overlapping a span of days they name (a contract's term and its signing, an ending's lost
    days, the day of a visit, rating, referral, care or slot attended). A method whose cases
    are contract years (`Method.by_contract_year`) counts a visit only in the periods holding
    the end of the year the visit fell in; the other methods, only in those holding its day."""

    kinds: frozenset[str]
    spans: tuple[tuple[date, date], ...] = ()
    visit_days: tuple[date, ...] = ()
    year_ends: tuple[date, ...] = ()

    def of(self, method: Method, period: Period) -> bool:
        return bool(method.reads & self.kinds) and self.within(period)[2 if method.by_contract_year else 1]

    def __or__(self, other: Reach) -> Reach:
        return Reach(
            self.kinds | other.kinds,
            self.spans + other.spans,
            self.visit_days + other.visit_days,
            self.year_ends + other.year_ends,
        )

    def years(self) -> list[int]:
        """In order, every year a day of theirs falls in: only those years' periods can they reach."""
        found = {year for a, b in self.spans for year in range(a.year, b.year + 1)}
        return sorted(found | {day.year for day in self.visit_days} | {day.year for day in self.year_ends})

    def within(self, period: Period) -> tuple[bool, bool, bool]:
        """Whether a span, a span or a visit's day, a span or a visit's year's end falls in the period."""
        first, last = period.first, period.last
        spanned = any(a <= last and first <= b for a, b in self.spans)
        return (
            spanned,
            spanned or any(first <= day <= last for day in self.visit_days),
            spanned or any(first <= day <= last for day in self.year_ends),
        )


def reach(before: Facts, after: Facts, zone: tzinfo, *, shared: bool = False) -> Reach:
    """Of the facts in `after` that `before` lacks (a contract's ending, or its undoing, counts as
    new). `shared`: the two are one history's facts as of two moments, the same objects, so a
    fact is new unless it is one of before's (no fact hashed by value; a fact recorded again,
    equal to one known before, is then new too: it may reach more, never less)."""
    kinds, spans = _contracts(before, after, zone)
    visit_days: list[date] = []
    year_ends: list[date] = []
    now = {c.contract_id: c for c in after.contracts}
    for v in _new(before.visits, after.visits, shared):
        day = local_day(v.occurred_at, zone)
        visit_days.append(day)
        if v.contract_id in now:
            year_ends += [last for first, last in contract_years(now[v.contract_id]) if first <= day <= last]
    kinds |= {"visits"} if visit_days else set()
    days = {
        "ratings": [local_day(r.rated_at, zone) for r in _new(before.ratings, after.ratings, shared)],
        "referrals": [local_day(s.issued_at, zone) for s in _new(before.referrals, after.referrals, shared)],
        "care": [c.on for c in _new(before.care, after.care, shared)],
        "readings": [local_day(r.measured_at, zone) for r in _new(before.readings, after.readings, shared)],
    }
    kinds |= {kind for kind, named in days.items() if named}
    spans += [(day, day) for named in days.values() for day in named]
    if booked := _new(before.appointments, after.appointments, shared):
        kinds.add("appointments")
        spans += _attended(after.appointments, {s.appointment_id for s in booked}, zone)
    return Reach(frozenset(kinds), tuple(spans), tuple(visit_days), tuple(year_ends))


def _attended(steps: Sequence[AppointmentStep], changed: set[str], zone: tzinfo) -> list[tuple[date, date]]:
    """An appointment step changes a case only through its appointment's attendance: the visit
    with its team on the day of the slot attended (`indicators.appointments`). Of the appointments
    changed, the days of the slots their attended steps name (after.appointments holds the
    before's): none while an appointment is booked, moved or missed, most of its steps."""
    days = {local_day(s.starts_at, zone) for s in steps if s.step == "attended" and s.appointment_id in changed}
    return [(day, day) for day in sorted(days)]


def _contracts(before: Facts, after: Facts, zone: tzinfo) -> tuple[set[str], list[tuple[date, date]]]:
    """A new contract reaches its term, its signing and the end of the one it renews (whose
    renewal it is); a new ending, or its undoing, the days between the last day covered and the term's end."""
    kinds: set[str] = set()
    spans: list[tuple[date, date]] = []
    was, now = {c.contract_id: c for c in before.contracts}, {c.contract_id: c for c in after.contracts}
    for c in after.contracts:
        if (old := was.get(c.contract_id)) is None:
            kinds.add("contracts")
            spans.append((min(c.starts_on, local_day(c.signed_at, zone)), c.ends_on))
            if c.renews in now:
                spans.append((now[c.renews].ends_on, now[c.renews].ends_on))
        elif old.ending != c.ending:
            kinds.add("endings")
            spans.append((min(old.last_day, c.last_day), c.ends_on))
    return kinds, spans


def _new(before: Sequence[T], after: Sequence[T], shared: bool) -> list[T]:
    if shared:
        ids = {id(x) for x in before}
        return [x for x in after if id(x) not in ids]
    known = set(before)
    return [x for x in after if x not in known]


T = TypeVar("T", bound=Hashable)


_TICK = timedelta(microseconds=1)


Changes = dict[tuple[str, str], Net]
"""Per period code and indicator, the changes to its figures."""


def in_turn(catalogue: Catalogue, zone: tzinfo, history: ResidentHistory, instants: Sequence[datetime]) -> Changes:
    """`instants`: when the new facts were known, in order; every other fact of `history` known before the first."""
    found: Changes = {}
    stated: dict[tuple[str, str], list[Step]] = {}  # per pair, the steps over the last facts
    last: Facts | None = None
    for since in instants:
        before, now = history.as_of(since - _TICK), history.as_of(since)
        if before != last:  # else no other fact was known between: steps stated over them hold from `since` on,
            stated = {}  # and a pair the last instant's facts did not reach has the same steps as before them
        elif last is not None:
            before = last  # the same facts: what the indicators worked out from them holds too (`Facts.derived`)
        new = reach(before, now, zone, shared=True)
        for version, period, chosen in _reached(catalogue, new.years(), new, now):
            ahead = Ahead(period, zone, since)
            for i in chosen:
                key = (period.code, i.id)
                old = from_since(stated[key], since) if key in stated else before
                change, steps = changed(version, i, old, now, ahead)
                if change:
                    _add(found, key, change)
                if own_steps(i):
                    stated[key] = steps
        last = now
    return found


def late(
    catalogue: Catalogue, zone: tzinfo, before: ResidentHistory, after: ResidentHistory, since: datetime
) -> Changes:
    """`before`: the resident's facts without the new ones; `after`: with them, the earliest known at `since`."""
    changes: Changes = {}
    latest = after.as_of(_EVER)
    # The new facts, and what the resident is known by `since` that they were not before: a
    # fact the same as one known later (a step recorded twice) is no new fact, but is known sooner.
    new = reach(before.as_of(_EVER), latest, zone) | reach(before.as_of(since), after.as_of(since), zone)
    for version, period, chosen in _reached(catalogue, new.years(), new, latest):
        old_ones = segments(version, period, zone, before, since, chosen)
        new_ones = segments(version, period, zone, after, since, chosen)
        for i in chosen:
            was, now = ([s for s in found if s.indicator_id == i.id] for found in (old_ones, new_ones))
            if change := net(held(was, since), -1, net(held(now, since))):
                _add(changes, (period.code, i.id), change)
    return changes


_EVER = datetime.max.replace(tzinfo=UTC)


def _add(found: Changes, key: tuple[str, str], change: Net) -> None:
    if key in found:
        change = net(((*k, *sums) for k, sums in change.items()), 1, found[key])
    found[key] = change


def _reached(
    catalogue: Catalogue, years: Sequence[int], new: Reach, facts: Facts
) -> Iterator[tuple[CatalogueVersion, Period, list[Indicator]]]:
    """`years`: those the new facts name a day of, in order (`Reach.years`: any period they reach is
    in one, so they, not all the resident's facts, are where to look); `facts`: theirs with the new
    ones (an indicator they do not concern has no case of them)."""
    readers: dict[int, list[tuple[Indicator, bool]]] = {}  # per version: the same for each period
    for year in years:
        for period in periods_of(year):
            _, days, year_ends = new.within(period)
            if not (days or year_ends):
                continue
            try:
                version = catalogue.for_period(period)
            except NoCatalogueInForce:
                continue  # no appraisal of such a period exists
            if (found := readers.get(id(version))) is None:
                found = readers[id(version)] = _readers(version, new.kinds, facts)
            if chosen := [i for i, by_year in found if (year_ends if by_year else days)]:
                yield version, period, chosen


def _readers(version: CatalogueVersion, kinds: frozenset[str], facts: Facts) -> list[tuple[Indicator, bool]]:
    """The version's indicators reading a kind of the new facts and concerning the resident,
    each with whether its cases are contract years (`Method.by_contract_year`)."""
    found = []
    for i in version.indicators:
        m = METHODS[i.method]
        if m.reads & kinds and (m.concerns is None or m.concerns(facts, i.parameters)):
            found.append((i, m.by_contract_year))
    return found
