"""Date rules every part of the record shares."""

from __future__ import annotations

from datetime import date, timedelta

from health_records.domain.errors import InFuture


def not_after(day: date, today: date, what: str) -> None:
    if day > today:
        raise InFuture(f"{what} cannot be dated after today ({day} > {today})")


def anniversary(start: date, years: int) -> date:
    """The same day `years` later; 29 February falls on 1 March in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def day_before(day: date) -> date:
    return day - timedelta(days=1)
