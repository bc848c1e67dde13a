"""Who was under contract in a window, and the contract years that ended in it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from appraisal.domain.facts import ContractFact, Facts, VisitFact
from appraisal.domain.periods import Window, anniversary


def under_contract(facts: Facts, window: Window) -> dict[str, list[ContractFact]]:
    """Each resident with a contract in force on some day of the period seen so far,
    with those contracts in the order they started (the last one is the managing one)."""
    found: dict[str, list[ContractFact]] = defaultdict(list)
    for c in facts.contracts:
        if c.in_force(window.period.first, window.last_seen):
            found[c.resident_ref].append(c)
    return {r: sorted(cs, key=lambda c: (c.starts_on, c.contract_id)) for r, cs in sorted(found.items())}


def newly_contracted(contracts: list[ContractFact], window: Window, days: int) -> date | None:
    """The day care began, if it began fewer than `days` before the period's end (too late
    to be followed up as the year requires: QOF's "registered in the last three months")."""
    began = min(c.starts_on for c in contracts)
    return began if began > window.period.last - timedelta(days=days) else None


def visits_in_period(facts: Facts, window: Window) -> dict[str, list[VisitFact]]:
    """Each resident's visits in the period, in the order they happened (one per visit id)."""
    found: dict[str, dict[str, VisitFact]] = defaultdict(dict)
    for v in facts.visits:
        if window.within(v.occurred_at):
            found[v.resident_ref].setdefault(v.visit_id, v)
    return {r: sorted(vs.values(), key=lambda v: (v.occurred_at, v.visit_id)) for r, vs in found.items()}


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


def years_ended(facts: Facts, window: Window) -> Iterator[ContractYear]:
    """Contract years whose last day fell in the period, by the day the appraisal sees:
    they are complete, so what was delivered in them is final."""
    for c in sorted(facts.contracts, key=lambda c: c.contract_id):
        k = 0
        while (first := anniversary(c.starts_on, k)) <= c.ends_on:
            last = min(anniversary(c.starts_on, k + 1) - timedelta(days=1), c.ends_on)
            if window.period.first <= last <= window.last_seen and (c.ending is None or first <= c.last_day):
                yield ContractYear(c, first, last)
            k += 1


def visits_by_contract(facts: Facts) -> dict[str, list[VisitFact]]:
    """Visits delivered under each contract (health-records names it), one per visit id."""
    found: dict[str, dict[str, VisitFact]] = defaultdict(dict)
    for v in facts.visits:
        if v.contract_id is not None:
            found[v.contract_id].setdefault(v.visit_id, v)
    return {c: sorted(vs.values(), key=lambda v: (v.occurred_at, v.visit_id)) for c, vs in found.items()}
