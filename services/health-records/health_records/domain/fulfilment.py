"""Package fulfilment in a contract year: which planned services are done, due or overdue.

A service planned n times a year is spread evenly: the i-th is due by the last day of the
i-th n-th of the contract year. On a date, the deadlines already past are what should have
been done; fewer deliveries than that is overdue. This is what shows "signed but not served".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from health_records.domain.dates import anniversary, day_before


@dataclass(frozen=True)
class Planned:
    item_code: str
    times_per_year: int
    in_package: bool


@dataclass(frozen=True)
class ItemFulfilment:
    item_code: str
    times_per_year: int
    in_package: bool
    done: int
    expected_by_now: int
    overdue: int
    status: str  # done, due, overdue
    next_due_by: date | None


@dataclass(frozen=True)
class ContractYear:
    starts_on: date
    ends_on: date  # the year's last day (or the contract's, if it ended sooner)
    full_length: int  # days in the whole year, over which the deadlines are spread

    def deadlines(self, times: int) -> list[date]:
        return [self.starts_on + timedelta(days=-(-i * self.full_length // times) - 1) for i in range(1, times + 1)]


def contract_year(starts_on: date, last_day: date, as_of: date) -> ContractYear:
    """The year of the contract `as_of` falls in (the first before it starts, the last after it ends)."""
    day = max(min(as_of, last_day), starts_on)
    k = day.year - starts_on.year
    while k > 0 and anniversary(starts_on, k) > day:
        k -= 1
    while anniversary(starts_on, k + 1) <= day:
        k += 1
    start, next_start = anniversary(starts_on, k), anniversary(starts_on, k + 1)
    return ContractYear(start, min(day_before(next_start), last_day), (next_start - start).days)


def fulfilment(
    year: ContractYear, planned: Iterable[Planned], delivered: Iterable[tuple[str, date]], as_of: date
) -> list[ItemFulfilment]:
    """`delivered`: (item code, local date) of each visit's fulfilled items."""
    done = Counter(code for code, day in delivered if year.starts_on <= day <= year.ends_on)
    cutoff = min(as_of, year.ends_on + timedelta(days=1))
    return [_item(p, year.deadlines(p.times_per_year), done[p.item_code], cutoff) for p in planned]


def _item(p: Planned, deadlines: list[date], done: int, cutoff: date) -> ItemFulfilment:
    passed = sum(d < cutoff for d in deadlines)
    status = "done" if done >= p.times_per_year else "overdue" if done < passed else "due"
    next_due = deadlines[done] if done < p.times_per_year else None
    return ItemFulfilment(
        p.item_code, p.times_per_year, p.in_package, done, passed, max(0, passed - done), status, next_due
    )
