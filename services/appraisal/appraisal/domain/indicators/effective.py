"""Effective contracting and package fulfilment (over completed contract years), and renewals.

Each rule's steps (`domain/steps.py`) follow from the facts alone: a case appears once the
window has seen the day a term or contract year ends, and nothing later changes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, tzinfo
from typing import Any

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.cases import Case, excluded, met, missed
from appraisal.domain.facts import ContractFact, Facts, VisitFact, Where
from appraisal.domain.indicators.residents import ContractYear, Seen, by_contract, contract_years
from appraisal.domain.periods import Period, local_day


def renewal_rate(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Contracts whose term ended in the period: renewed, or not; those terminated early never reached expiry."""
    window = seen.window
    renewed_by = _renewed_by(seen.facts.contracts)
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


def renewal_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    """renewal_rate's cases from an as-of on: each term ending in the period, from the day it ends."""
    renewed_by = _renewed_by(facts.contracts)
    out: list[Step] = []
    for c in facts.contracts:
        if c.ends_on >= ahead.period.first and not c.cut_short:
            ahead.holds(out, c.where, c.key_populations, int(c.contract_id in renewed_by), 1, first=c.ends_on)
    return out


def effective_contracting(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """A completed contract year is effective when at least one package service was delivered in it."""
    visits, window = seen.visits_by_contract, seen.window
    cases = []
    for year in seen.years_ended:
        c, args = year.contract, _args(year)
        delivered = _package_services(c, _in_year(visits.get(c.contract_id, []), year.first, year.last, window.zone))
        if _cut_short(c, year.last):
            cases.append(excluded(*args, f"{year.label} cut short on {c.last_day}", c.key_populations))
        elif delivered:
            first = delivered[0]
            why = f"{year.label}: {first.visit_id} on {window.day(first.occurred_at)} delivered a package service"
            cases.append(met(*args, why, c.key_populations))
        else:
            cases.append(missed(*args, f"{year.label}: no package service delivered", c.key_populations))
    return cases


def effective_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    """effective_contracting's cases from an as-of on: each year, from the day it ends."""
    out: list[Step] = []
    for c, last, done in _years_ending(facts, ahead):
        ahead.holds(out, c.where, c.key_populations, int(bool(_package_services(c, done))), 1, first=last)
    return out


def package_fulfilment(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Items delivered ÷ items due in each completed contract year (extra visits of one item
    do not make up for another; an item in several packages is due as often as the most asks)."""
    visits, window = seen.visits_by_contract, seen.window
    cases = []
    for year in seen.years_ended:
        c, args = year.contract, _args(year)
        if _cut_short(c, year.last):
            cases.append(excluded(*args, f"{year.label} cut short on {c.last_day}", c.key_populations))
            continue
        due = _due(c)
        delivered = _delivered(due, _in_year(visits.get(c.contract_id, []), year.first, year.last, window.zone))
        why = f"{year.label}: " + ", ".join(f"{code} {delivered[code]}/{times}" for code, times in due.items())
        where, resident, about = args
        cases.append(Case(where, resident, about, sum(delivered.values()), sum(due.values()), why, c.key_populations))
    return cases


def package_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    """package_fulfilment's cases from an as-of on: each year, from the day it ends."""
    out: list[Step] = []
    for c, last, done in _years_ending(facts, ahead):
        due = _due(c)
        ahead.holds(out, c.where, c.key_populations, sum(_delivered(due, done).values()), sum(due.values()), first=last)
    return out


def _renewed_by(contracts: Iterable[ContractFact]) -> dict[str, str]:
    return {c.renews: c.contract_id for c in contracts if c.renews is not None}


def _years_ending(facts: Facts, ahead: Ahead) -> list[tuple[ContractFact, date, list[VisitFact]]]:
    """Each contract year ending in the period and not cut short, by its last day, with the
    visits delivered in it: a year's case holds from the day the window sees it end (the same
    for effective contracting and package fulfilment: worked out once)."""
    period, zone = ahead.period, ahead.zone
    return facts.derived(("years_ending", period.code, zone), lambda: _ending(facts, period, zone))


def _ending(facts: Facts, period: Period, zone: tzinfo) -> list[tuple[ContractFact, date, list[VisitFact]]]:
    years = [
        (c, first, last)
        for c in facts.contracts
        if c.starts_on <= period.last and c.ends_on >= period.first  # its years' last days are in its term
        for first, last in contract_years(c)
        if period.first <= last <= period.last and not _cut_short(c, last)
    ]
    visits = by_contract(facts.visits) if years else {}
    return [(c, last, _in_year(visits.get(c.contract_id, {}).values(), first, last, zone)) for c, first, last in years]


def _package_services(c: ContractFact, visits: list[VisitFact]) -> list[VisitFact]:
    codes = {item.code for item in c.items}
    return [v for v in visits if codes & set(v.fulfils)]


def _due(c: ContractFact) -> dict[str, int]:
    due: dict[str, int] = {}
    for item in c.items:
        due[item.code] = max(due.get(item.code, 0), item.times_per_year)
    return dict(sorted(due.items()))


def _delivered(due: dict[str, int], visits: list[VisitFact]) -> dict[str, int]:
    """Each item's visits, up to the times it is due."""
    done: dict[str, int] = {}
    for v in visits:
        for code in set(v.fulfils):
            done[code] = done.get(code, 0) + 1
    return {code: min(times, done.get(code, 0)) for code, times in due.items()}


def _args(year: ContractYear) -> tuple[Where, str, str]:
    c = year.contract
    return (c.where, c.resident_ref, f"{c.contract_id}@{year.first}")


def _in_year(visits: Iterable[VisitFact], first: date, last: date, zone: tzinfo) -> list[VisitFact]:
    """The visits whose local day falls from `first` through `last`, in the order given."""
    return [v for v in visits if first <= local_day(v.occurred_at, zone) <= last]


def _cut_short(c: ContractFact, last: date) -> bool:
    """Terminated before the year's last day."""
    return c.cut_short and c.last_day < last
