"""Number of contracted services: contracts signed, coverage, key-population coverage, workload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appraisal.domain.cases import Case, counted
from appraisal.domain.facts import ContractFact, Where
from appraisal.domain.indicators.residents import Seen


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


def coverage(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Each resident under contract in the period, counted once, where they live."""
    return [_where_they_live(c) for c in seen.managing]


def key_population_coverage(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Each resident under contract in the period carrying any key-population tag, where they live."""
    return [_where_they_live(c) for c in seen.managing if c.key_populations]


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


def _where_they_live(c: ContractFact) -> Case:
    lives = Where(c.where.team_id, c.where.institution_id, c.resident_area_code)
    why = f"contract {c.contract_id} in force {c.starts_on} to {c.last_day}; lives in {c.resident_area_code}"
    return counted(lives, c.resident_ref, c.contract_id, why, c.key_populations)
