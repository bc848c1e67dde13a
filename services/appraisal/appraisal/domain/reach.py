"""Where a resident's new facts can change cases: the kinds of facts they are, and for each
period whether a day they name falls in it that the indicators count their cases on
(`Method.counted_on`). Only those (period, indicator) pairs are worked out: a contract's term
overlaps up to 14 periods, but its signing, its term's end and its years' ends fall in three
or four of them (the year's, a half's, a quarter's), and the indicators counting on those days
have no case of it elsewhere, before or after it (a census of a county's year: a third of the
pairs a change worked out had no steps on either side)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TypeVar

from appraisal.domain.facts import AppointmentStep, Facts
from appraisal.domain.indicators import Method
from appraisal.domain.indicators.residents import contract_years
from appraisal.domain.periods import Period, local_day

Within = tuple[bool, bool, bool, bool]
"""Per `Method.counted_on`, in `ON`'s order, whether the new facts name a day of the period."""
ON = {"days": 0, "contract_years": 1, "term_ends": 2, "signings": 3}


@dataclass(frozen=True)
class Reach:
    """The kinds of the new facts and the days they name: the spans a contract's term and its
    signing, an ending's lost days, a renewed term's end, the day of a rating, referral, care,
    reading or slot attended; a visit's day; the last days of the contract years a visit falls
    in, a new contract has or an ending cuts or restores; the ends of the terms of new or
    changed contracts and of those they renew; the days new contracts were signed on."""

    kinds: frozenset[str]
    spans: tuple[tuple[date, date], ...] = ()
    visit_days: tuple[date, ...] = ()
    year_ends: tuple[date, ...] = ()
    term_ends: tuple[date, ...] = ()
    signings: tuple[date, ...] = ()

    def of(self, method: Method, period: Period) -> bool:
        return bool(method.reads & self.kinds) and self.within(period)[ON[method.counted_on]]

    def __or__(self, other: Reach) -> Reach:
        return Reach(
            self.kinds | other.kinds,
            self.spans + other.spans,
            self.visit_days + other.visit_days,
            self.year_ends + other.year_ends,
            self.term_ends + other.term_ends,
            self.signings + other.signings,
        )

    def years(self) -> list[int]:
        """In order, every year a day of theirs falls in: only those years' periods can they reach."""
        found = {year for a, b in self.spans for year in range(a.year, b.year + 1)}
        for days in (self.visit_days, self.year_ends, self.term_ends, self.signings):
            found |= {day.year for day in days}
        return sorted(found)

    def within(self, period: Period) -> Within:
        first, last = period.first, period.last
        spanned = any(a <= last and first <= b for a, b in self.spans)
        return (
            spanned or any(first <= day <= last for day in self.visit_days),
            any(first <= day <= last for day in self.year_ends),
            any(first <= day <= last for day in self.term_ends),
            any(first <= day <= last for day in self.signings),
        )


def reach(before: Facts, after: Facts, zone: tzinfo, *, shared: bool = False) -> Reach:
    """Of the facts in `after` that `before` lacks (a contract's ending, or its undoing, counts as
    new). `shared`: the two are one history's facts as of two moments, the same objects, so a
    fact is new unless it is one of before's (no fact hashed by value; a fact recorded again,
    equal to one known before, is then new too: it may reach more, never less)."""
    found = _contracts(before, after, zone)
    kinds, spans, year_ends = found.kinds, found.spans, found.year_ends
    visit_days: list[date] = []
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
    return Reach(frozenset(kinds), tuple(spans), tuple(visit_days), tuple(year_ends), found.term_ends, found.signings)


def _attended(steps: Sequence[AppointmentStep], changed: set[str], zone: tzinfo) -> list[tuple[date, date]]:
    """An appointment step changes a case only through its appointment's attendance: the visit
    with its team on the day of the slot attended (`indicators.appointments`). Of the appointments
    changed, the days of the slots their attended steps name (after.appointments holds the
    before's): none while an appointment is booked, moved or missed, most of its steps."""
    days = {local_day(s.starts_at, zone) for s in steps if s.step == "attended" and s.appointment_id in changed}
    return [(day, day) for day in sorted(days)]


@dataclass
class _Contracts:
    kinds: set[str]
    spans: list[tuple[date, date]]
    year_ends: list[date]
    term_ends: tuple[date, ...]
    signings: tuple[date, ...]


def _contracts(before: Facts, after: Facts, zone: tzinfo) -> _Contracts:
    """A new contract reaches its term, its signing and the end of the one it renews (whose
    renewal it is); a new ending, or its undoing, the days between the last day covered and the
    term's end: there, the last days of its years (either way's) and its term's end."""
    kinds: set[str] = set()
    spans: list[tuple[date, date]] = []
    year_ends: list[date] = []
    term_ends: list[date] = []
    signings: list[date] = []
    was, now = {c.contract_id: c for c in before.contracts}, {c.contract_id: c for c in after.contracts}
    for c in after.contracts:
        if (old := was.get(c.contract_id)) is None:
            kinds.add("contracts")
            signed = local_day(c.signed_at, zone)
            spans.append((min(c.starts_on, signed), c.ends_on))
            year_ends += [last for _, last in contract_years(c)]
            term_ends.append(c.ends_on)
            signings.append(signed)
            if c.renews in now:
                renewed = now[c.renews].ends_on
                spans.append((renewed, renewed))
                term_ends.append(renewed)
        elif old.ending != c.ending:
            kinds.add("endings")
            lost = (min(old.last_day, c.last_day), c.ends_on)
            spans.append(lost)
            year_ends += [last for k in (old, c) for _, last in contract_years(k) if lost[0] <= last <= lost[1]]
            term_ends.append(c.ends_on)
    return _Contracts(kinds, spans, year_ends, tuple(term_ends), tuple(signings))


def _new(before: Sequence[T], after: Sequence[T], shared: bool) -> list[T]:
    if shared:
        ids = {id(x) for x in before}
        return [x for x in after if id(x) not in ids]
    known = set(before)
    return [x for x in after if x not in known]


T = TypeVar("T", bound=Hashable)
