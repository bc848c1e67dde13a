"""The as-ofs from a moment on, over facts that no longer change: only the day the window sees
moves on. A method's own steps (`Method.steps`) state its cases there as a few changes."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from appraisal.domain.facts import Where
from appraisal.domain.periods import Period, local_day, midnight

Step = tuple[datetime, Where, tuple[str, ...], int, int]
"""From this as-of on, the cases of this team (or area) and key populations add this much
more numerator and denominator (less, when negative)."""


class Ahead:
    """The as-ofs from `since` on, in a period: what the window sees of its days as they pass.

    A plain class, not a frozen dataclass: one is made for every period and instant of each
    change, and mypyc compiles a plain class's `__init__` (a dataclass's stays Python)."""

    def __init__(self, period: Period, zone: tzinfo, since: datetime) -> None:
        self.period = period
        self.zone = zone
        self.since = since
        self.first_seen: date = min(period.last, local_day(since, zone))  # asked for every case held
        """The last day the window sees at `since` (before the period begins, a day before it)."""

    def sees(self, day: date) -> datetime | None:
        """The first as-of from `since` on whose window has seen `day`: None if none ever does
        (a day after the period's last, which the window never reaches)."""
        if day > self.period.last:
            return None
        if day <= self.first_seen:
            return self.since
        return midnight(day, self.zone)

    def holds(  # noqa: PLR0913
        self,
        out: list[Step],
        where: Where,
        tags: tuple[str, ...],
        numerator: int,
        denominator: int,
        first: date | None = None,
        last: date | None = None,
    ) -> None:
        """A case holding while the last day seen is from `first` through `last` (None: no bound)."""
        begins = self.since if first is None else self.sees(first)
        if begins is None or not (numerator or denominator):
            return
        ends = None if last is None else self.sees(last + _DAY)
        if ends is not None and ends <= begins:
            return
        out.append((begins, where, tags, numerator, denominator))
        if ends is not None:
            out.append((ends, where, tags, -numerator, -denominator))


_DAY = date.resolution
