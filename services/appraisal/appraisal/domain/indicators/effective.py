"""Effective contracting and package fulfilment (over completed contract years), and renewals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appraisal.domain.cases import Case, excluded, met, missed
from appraisal.domain.facts import ContractFact, VisitFact, Where
from appraisal.domain.indicators.residents import ContractYear, Seen
from appraisal.domain.periods import Window


def renewal_rate(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Contracts whose term ended in the period: renewed, or not; those terminated early never reached expiry."""
    window = seen.window
    renewed_by = {c.renews: c.contract_id for c in seen.facts.contracts if c.renews is not None}
    cases = []
    for c in seen.contracts:
        if not window.period.first <= c.ends_on <= window.last_seen:
            continue
        args = (c.where, c.resident_ref, c.contract_id)
        if c.cut_short:
            assert c.ending is not None
            cases.append(
                excluded(*args, f"terminated on {c.ending.last_day} ({c.ending.reason}): never reached expiry")
            )
        elif c.contract_id in renewed_by:
            cases.append(
                met(*args, f"term ended {c.ends_on}; renewed by {renewed_by[c.contract_id]}", c.key_populations)
            )
        else:
            cases.append(missed(*args, f"term ended {c.ends_on} without renewal", c.key_populations))
    return cases


def effective_contracting(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """A completed contract year is effective when at least one package service was delivered in it."""
    visits, window = seen.visits_by_contract, seen.window
    cases = []
    for year in seen.years_ended:
        c, args = year.contract, _args(year)
        codes = {item.code for item in c.items}
        delivered = [v for v in visits.get(c.contract_id, []) if _in_year(v, year, window) and codes & set(v.fulfils)]
        if _cut_short(year):
            cases.append(excluded(*args, f"{year.label} cut short on {c.last_day}", c.key_populations))
        elif delivered:
            first = delivered[0]
            why = f"{year.label}: {first.visit_id} on {window.day(first.occurred_at)} delivered a package service"
            cases.append(met(*args, why, c.key_populations))
        else:
            cases.append(missed(*args, f"{year.label}: no package service delivered", c.key_populations))
    return cases


def package_fulfilment(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Items delivered ÷ items due in each completed contract year (extra visits of one item
    do not make up for another; an item in several packages is due as often as the most asks)."""
    visits, window = seen.visits_by_contract, seen.window
    cases = []
    for year in seen.years_ended:
        c, args = year.contract, _args(year)
        if _cut_short(year):
            cases.append(excluded(*args, f"{year.label} cut short on {c.last_day}", c.key_populations))
            continue
        due = _due(c)
        done = [v for v in visits.get(c.contract_id, []) if _in_year(v, year, window)]
        delivered = {code: min(times, sum(code in v.fulfils for v in done)) for code, times in due.items()}
        why = f"{year.label}: " + ", ".join(f"{code} {delivered[code]}/{times}" for code, times in due.items())
        where, resident, about = args
        cases.append(Case(where, resident, about, sum(delivered.values()), sum(due.values()), why, c.key_populations))
    return cases


def _due(c: ContractFact) -> dict[str, int]:
    due: dict[str, int] = {}
    for item in c.items:
        due[item.code] = max(due.get(item.code, 0), item.times_per_year)
    return dict(sorted(due.items()))


def _args(year: ContractYear) -> tuple[Where, str, str]:
    c = year.contract
    return (c.where, c.resident_ref, f"{c.contract_id}@{year.first}")


def _in_year(visit: VisitFact, year: ContractYear, window: Window) -> bool:
    return year.covers(window.day(visit.occurred_at))


def _cut_short(year: ContractYear) -> bool:
    return year.contract.cut_short and year.contract.last_day < year.last
