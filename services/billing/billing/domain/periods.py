"""Settlement periods: runs of months (monthly by default), named by their first month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from billing.domain.errors import InvalidPeriod

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_APPRAISAL = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?$")
_SPANS = {"H1": (1, 6), "H2": (7, 12), "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12)}


@dataclass(frozen=True)
class Calendar:
    """`months` per period: 1, 2, 3, 4, 6 or 12, so that periods tile the year."""

    months: int = 1

    def __post_init__(self) -> None:
        if 12 % self.months:
            raise ValueError(f"a settlement period is 1, 2, 3, 4, 6 or 12 months, not {self.months}")

    def period_of(self, day: date) -> str:
        first = (day.month - 1) // self.months * self.months + 1
        return f"{day.year:04d}-{first:02d}"

    def check(self, period: str) -> str:
        """The period if it names the first month of a period of this calendar."""
        match = _PERIOD.match(period)
        if not match or not 1 <= int(match[2]) <= 12 or self.period_of(self.first_day(period)) != period:
            raise InvalidPeriod(f"{period!r} is not a {self.months}-month settlement period (YYYY-MM, its first month)")
        return period

    @staticmethod
    def first_day(period: str) -> date:
        year, month = period.split("-")
        return date(int(year), int(month), 1)

    def next(self, period: str) -> str:
        first = self.first_day(period)
        month = first.month - 1 + self.months
        return f"{first.year + month // 12:04d}-{month % 12 + 1:02d}"

    def last_over(self, today: date) -> str:
        """The latest period that is over by `today` (the one before today's)."""
        return self.period_of(self.first_day(self.period_of(today)) - timedelta(days=1))

    def last_day(self, period: str) -> date:
        return self.first_day(self.next(period)) - timedelta(days=1)


def within(appraisal_period: str, settlement_period: str) -> bool:
    """Whether a settlement period (by its first month) lies in an appraisal period:
    "2026" (the year), "2026-H1", "2026-Q3" or "2026-03"."""
    match = _APPRAISAL.match(appraisal_period)
    if not match:
        raise InvalidPeriod(f"{appraisal_period!r} is not an appraisal period (YYYY, YYYY-H1, YYYY-Q1, YYYY-MM)")
    year, month = int(settlement_period[:4]), int(settlement_period[5:7])
    part = match[2] or "year"
    first, last = _SPANS[part] if part in _SPANS else (1, 12) if part == "year" else (int(part), int(part))
    return year == int(match[1]) and first <= month <= last


def appraisal_year(appraisal_period: str) -> int:
    return int(appraisal_period[:4])
