"""The facts seen through a window, and what several indicators ask of them: who was under
contract, their visits, the contract years that ended. Each is worked out once per appraisal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from functools import cached_property, lru_cache

from appraisal.domain.facts import ContractFact, Facts, RemoteReading, VisitFact
from appraisal.domain.periods import Period, Window, anniversary, local_day


@dataclass(frozen=True)
class ContractYear:
    contract: ContractFact
    first: date
    last: date

    @property
    def label(self) -> str:
        return f"contract year {self.first} to {self.last}"

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Seen:
    facts: Facts
    window: Window

    @cached_property
    def contracts(self) -> tuple[ContractFact, ...]:
        """Every contract, by id (the order each indicator's cases come in)."""
        return tuple(sorted(self.facts.contracts, key=lambda c: c.contract_id))

    @cached_property
    def under_contract(self) -> dict[str, list[ContractFact]]:
        """Each resident with a contract in force on some day of the period seen so far,
        with those contracts in the order they started (the last one is the managing one)."""
        return under_contract(self.facts.contracts, self.window.period.first, self.window.last_seen)

    @cached_property
    def managing(self) -> list[ContractFact]:
        """Each resident's managing contract of the period seen so far (their last one)."""
        return [contracts[-1] for contracts in self.under_contract.values()]

    @cached_property
    def visits_in_period(self) -> dict[str, list[VisitFact]]:
        """Each resident's visits in the period, in the order they happened (one per visit id)."""
        return visits_in(self.facts.visits, self.window.period, self.window.zone)

    @cached_property
    def readings_in_period(self) -> dict[str, list[RemoteReading]]:
        """Each resident's remote readings on the period's local days, in the order they were taken."""
        return readings_in(self.facts.readings, self.window.period, self.window.zone)

    @cached_property
    def visits_by_contract(self) -> dict[str, list[VisitFact]]:
        """Visits delivered under each contract (health-records names it), one per visit id."""
        found = by_contract(self.facts.visits)
        return {c: sorted(vs.values(), key=lambda v: (v.occurred_at, v.visit_id)) for c, vs in found.items()}

    @cached_property
    def years_ended(self) -> tuple[ContractYear, ...]:
        """Contract years whose last day fell in the period, by the day the appraisal sees:
        they are complete, so what was delivered in them is final."""
        first, last_seen = self.window.period.first, self.window.last_seen
        years = []
        for c in self.contracts:
            if c.ends_on >= first:
                years += [
                    ContractYear(c, start, last) for start, last in contract_years(c) if first <= last <= last_seen
                ]
        return tuple(years)


def under_contract(contracts: Iterable[ContractFact], first: date, last: date) -> dict[str, list[ContractFact]]:
    """Each resident with a contract in force on some day from `first` to `last`, with those
    contracts in the order they started (the last one is the managing one)."""
    found: dict[str, list[ContractFact]] = defaultdict(list)
    for c in contracts:
        if c.in_force(first, last):
            found[c.resident_ref].append(c)
    return {r: sorted(cs, key=lambda c: (c.starts_on, c.contract_id)) for r, cs in sorted(found.items())}


def visits_in(visits: Iterable[VisitFact], period: Period, zone: tzinfo) -> dict[str, list[VisitFact]]:
    """Each resident's visits on the period's local days, in the order they happened (one per visit id)."""
    found: dict[str, dict[str, VisitFact]] = defaultdict(dict)
    for v in visits:
        if period.first <= local_day(v.occurred_at, zone) <= period.last:
            found[v.resident_ref].setdefault(v.visit_id, v)
    return {r: sorted(vs.values(), key=lambda v: (v.occurred_at, v.visit_id)) for r, vs in found.items()}


def readings_in(readings: Iterable[RemoteReading], period: Period, zone: tzinfo) -> dict[str, list[RemoteReading]]:
    """Each resident's remote readings on the period's local days, in the order taken (one per reading id)."""
    found: dict[str, dict[str, RemoteReading]] = defaultdict(dict)
    for r in readings:
        if period.first <= local_day(r.measured_at, zone) <= period.last:
            found[r.resident_ref].setdefault(r.reading_id, r)
    return {ref: sorted(rs.values(), key=lambda r: (r.measured_at, r.reading_id)) for ref, rs in found.items()}


def by_contract(visits: Iterable[VisitFact]) -> dict[str, dict[str, VisitFact]]:
    """Visits delivered under each contract (health-records names it), one per visit id (the first given)."""
    found: dict[str, dict[str, VisitFact]] = defaultdict(dict)
    for v in visits:
        if v.contract_id is not None:
            found[v.contract_id].setdefault(v.visit_id, v)
    return found


def contract_years(c: ContractFact) -> tuple[tuple[date, date], ...]:
    """The first and last day of each year of a contract's term (the last one cut at the term's
    end) that began by the last day it covered: a terminated contract's later years never began."""
    return _years(c.starts_on, c.ends_on, c.last_day)


@lru_cache(maxsize=4096)
def _years(starts_on: date, ends_on: date, covered: date) -> tuple[tuple[date, date], ...]:
    """Remembered: every change of a resident asks it of each of their contracts, for each period."""
    found, k, start = [], 0, starts_on
    while start <= covered:
        following = anniversary(starts_on, k + 1)
        found.append((start, min(following - _DAY, ends_on)))
        k, start = k + 1, following
    return tuple(found)


_DAY = timedelta(days=1)


def newly_contracted(contracts: list[ContractFact], period: Period, days: int) -> date | None:
    """The day care began, if it began fewer than `days` before the period's end (too late
    to be followed up as the year requires: QOF's "registered in the last three months")."""
    began = min(c.starts_on for c in contracts)
    return began if began > period.last - timedelta(days=days) else None
