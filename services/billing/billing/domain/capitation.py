"""A team's or institution's capitation budget for a year: the outpatient fund of its residents.

Each resident brings the annual amount of the rule (weighted by age band and key population)
for each day they were contracted to the subject that year: `annual × weight × days ÷ days of
the year`. The exact sum is rounded once, half up, to the fen; the per-resident drill-down is
that total split by largest remainder over the exact amounts, so it adds up to the budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from billing.domain.capitation_rules import CapitationRule, CapitationRules
from billing.domain.money import round_half_up, split


@dataclass(frozen=True)
class Coverage:
    """A resident contracted to a team from `starts_on` to `ends_on` (the last day covered);
    `area_code` is the team's, whose capitation rule applies."""

    resident_ref: str
    team_id: str
    institution_id: str
    area_code: str
    key_populations: frozenset[str]
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Budget:
    year: int
    total_fen: int
    by_resident: dict[str, int]
    contracted_days: dict[str, int]


def days_of(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def days_in(coverage: Coverage, year: int) -> int:
    first = max(coverage.starts_on, date(year, 1, 1))
    last = min(coverage.ends_on, date(year, 12, 31))
    return max(0, (last - first).days + 1)


def exact_amount(coverage: Coverage, rule: CapitationRule, year: int) -> Fraction:
    days = days_in(coverage, year)
    return rule.annual_fen * rule.weight(coverage.key_populations) * Fraction(days, days_of(year))


def year_budget(coverages: Iterable[Coverage], rules: CapitationRules, year: int) -> Budget:
    """The budget of the residents' coverages (already those of one team or institution)."""
    exact: dict[str, Fraction] = {}
    days: dict[str, int] = {}
    for coverage in coverages:
        if days_in(coverage, year) == 0:
            continue
        rule = rules.for_(coverage.area_code, year)
        ref = coverage.resident_ref
        exact[ref] = exact.get(ref, Fraction(0)) + exact_amount(coverage, rule, year)
        days[ref] = days.get(ref, 0) + days_in(coverage, year)
    total = round_half_up(sum(exact.values(), Fraction(0)))
    by_resident = split(total, exact) if total else {ref: 0 for ref in exact}
    return Budget(year, total, by_resident, days)


def covering(coverages: Iterable[Coverage], resident_ref: str, on: date) -> Coverage | None:
    """The coverage holding the resident on a day (the team their claims are charged to)."""
    return next((c for c in coverages if c.resident_ref == resident_ref and c.starts_on <= on <= c.ends_on), None)


def monthly_advances(expected_budget_fen: int, rule: CapitationRule) -> list[int]:
    """The payer's advances: `advance_share` of the expected budget in equal monthly parts
    (largest remainder: the first months take the odd fen); the rest is paid at year end."""
    advanced = round_half_up(expected_budget_fen * rule.advance_share)
    parts = split(advanced, dict.fromkeys(range(rule.advance_months), 1))
    return [parts[m] for m in range(rule.advance_months)]
