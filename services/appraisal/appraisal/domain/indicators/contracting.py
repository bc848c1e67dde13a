"""Number of contracted services: contracts signed, coverage, key-population coverage, workload."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.cases import Case, counted
from appraisal.domain.facts import ContractFact, Facts, Where
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import local_day


def contracts_signed(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Every contract that started in the period, a new signing or a renewal, by its signing day."""
    return [
        counted(
            c.where,
            c.resident_ref,
            c.contract_id,
            f"{'renewed' if c.renews else 'signed'} on {seen.window.day(c.signed_at)}",
            c.key_populations,
        )
        for c in seen.contracts
        if seen.window.within(c.signed_at)
    ]


def contracts_signed_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    """contracts_signed's cases from an as-of on, the same at every later one, without the drill-down's words."""
    out: list[Step] = []
    first, last, zone = ahead.period.first, ahead.period.last, ahead.zone
    for c in facts.contracts:
        if first <= local_day(c.signed_at, zone) <= last:
            ahead.holds(out, c.where, c.key_populations, 1, 0)
    return out


def coverage(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Each resident under contract in the period, counted once, where they live."""
    return [_where_they_live(c) for c in seen.managing]


def coverage_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    return _managing_steps(facts, ahead, tagged_only=False)


def key_population_coverage(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Each resident under contract in the period carrying any key-population tag, where they live."""
    return [_where_they_live(c) for c in seen.managing if c.key_populations]


def key_population_coverage_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    return _managing_steps(facts, ahead, tagged_only=True)


def workload(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Each resident under contract with the team on the last day the appraisal sees. Its
    drill-down names the contract's term, not the day: a case then changes only when the day
    seen enters or leaves the term, not every day. Before the period begins the appraisal has
    seen none of its days, so no one yet (else a period's cases would depend on every year before it)."""
    day = seen.window.last_seen
    return [
        counted(c.where, c.resident_ref, c.contract_id, f"in force {c.starts_on} to {c.last_day}", c.key_populations)
        for c in seen.contracts
        if c.in_force(day, day) and day >= seen.window.period.first
    ]


def workload_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    """Each contract from the day seen reaches its start (or the period's first day, if later) through its last day."""
    out: list[Step] = []
    first = ahead.period.first
    for c in facts.contracts:
        ahead.holds(out, c.where, c.key_populations, 1, 0, max(c.starts_on, first), c.last_day)
    return out


def _managing_steps(facts: Facts, ahead: Ahead, *, tagged_only: bool) -> list[Step]:
    """A contract lasting into the period is under contract once the day seen reaches its start,
    and manages until the day seen reaches the start of the resident's next one (same start: the later id)."""
    first = ahead.period.first
    held = sorted(
        (c for c in facts.contracts if c.last_day >= first), key=lambda c: (c.resident_ref, c.starts_on, c.contract_id)
    )
    out: list[Step] = []
    for k, c in enumerate(held, 1):
        if tagged_only and not c.key_populations:
            continue
        until: date | None = None
        if k < len(held) and (after := held[k]).resident_ref == c.resident_ref:
            until = after.starts_on - _DAY
        lives = Where(c.where.team_id, c.where.institution_id, c.resident_area_code)
        ahead.holds(out, lives, c.key_populations, 1, 0, c.starts_on, until)
    return out


def _where_they_live(c: ContractFact) -> Case:
    lives = Where(c.where.team_id, c.where.institution_id, c.resident_area_code)
    why = f"contract {c.contract_id} in force {c.starts_on} to {c.last_day}; lives in {c.resident_area_code}"
    return counted(lives, c.resident_ref, c.contract_id, why, c.key_populations)


_DAY = date.resolution
