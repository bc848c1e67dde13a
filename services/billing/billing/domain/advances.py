"""The insurance fund's monthly capitation advances to each institution (issue 19, item 1).

An institution's advance for a month is the rule's `advance_share` of its capitation budget
for that month: the budget the year-end reconciliation computes (`year_budget`), restricted
to the residents' contracted days in the month. The exact amounts are rounded cumulatively
over the months: month m gets round(share × budget of months 1..m) − round(share × budget of
months 1..m−1). The advances of the year then add up to round(share × the year's exact budget)
to the fen (the year's budget itself at a 100% share), as a largest-remainder split over the
months would; unlike one, a month's advance does not depend on the later months, whose
residents are not known when it is paid, nor on the order the months are booked in.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from billing.domain.capitation import Coverage, days_of
from billing.domain.capitation_rules import CapitationRule, CapitationRules
from billing.domain.errors import MonthNotDue, NotMonthlyAdvances
from billing.domain.money import round_half_up

MONTHS = range(1, 13)


def first_day(year: int, month: int) -> date:
    return date(year, month, 1)


def last_day(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def days_in_month(coverage: Coverage, year: int, month: int) -> int:
    first = max(coverage.starts_on, first_day(year, month))
    last = min(coverage.ends_on, last_day(year, month))
    return max(0, (last - first).days + 1)


def exact_month_budget(coverages: Iterable[Coverage], rules: CapitationRules, year: int, month: int) -> Fraction:
    """The exact (unrounded) budget of the month: `annual × weight × days ÷ days of the year`
    for each resident's contracted days in it, as `year_budget` computes the year's."""
    total = Fraction(0)
    for coverage in coverages:
        days = days_in_month(coverage, year, month)
        if days:
            rule = rules.for_(coverage.area_code, year)
            total += rule.annual_fen * rule.weight(coverage.key_populations) * Fraction(days, days_of(year))
    return total


@dataclass(frozen=True)
class Advance:
    month: int
    residents: int  # contracted some day of the month
    budget_fen: int  # the month's budget (rounded cumulatively, as the advance)
    amount_fen: int  # the share of it advanced


def monthly_advance(
    coverages: list[Coverage], rules: CapitationRules, rule: CapitationRule, year: int, month: int
) -> Advance:
    """The advance of one month; `rule` is the institution's (its share and schedule)."""
    if rule.advance_months != len(MONTHS):
        raise NotMonthlyAdvances(f"the rule pays advances in {rule.advance_months} parts, not monthly")
    exact = [exact_month_budget(coverages, rules, year, m) for m in MONTHS]
    before, through = sum(exact[: month - 1], Fraction(0)), sum(exact[:month], Fraction(0))
    residents = len({c.resident_ref for c in coverages if days_in_month(c, year, month)})
    return Advance(
        month,
        residents,
        round_half_up(through) - round_half_up(before),
        round_half_up(through * rule.advance_share) - round_half_up(before * rule.advance_share),
    )


def check_due(year: int, month: int, today: date) -> None:
    """An advance is paid ahead, from the first day of its month; not before."""
    if not 1 <= month <= len(MONTHS) or today < first_day(year, month):
        raise MonthNotDue(f"the advance of {year}-{month:02d} is due from {year}-{month:02d}-01, not on {today}")
