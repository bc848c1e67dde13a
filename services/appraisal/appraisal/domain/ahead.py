"""The as-ofs from a moment on, over facts that no longer change: only the day the window sees
moves on. A method's own steps (`Method.steps`) state its cases there as a few changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from appraisal.domain.facts import Where
from appraisal.domain.periods import Period

Step = tuple[datetime, Where, tuple[str, ...], int, int]
"""From this as-of on, the cases of this team (or area) and key populations add this much
more numerator and denominator (less, when negative)."""


@dataclass(frozen=True)
class Ahead:
    """The as-ofs from `since` on, in a period: what the window sees of its days as they pass."""

    period: Period
    zone: tzinfo
    since: datetime
    first_seen: date = field(init=False)
    """The last day the window sees at `since` (before the period begins, a day before it)."""
    _midnights: dict[date, datetime] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # asked for every case held: worked out once
        object.__setattr__(self, "first_seen", min(self.period.last, self.since.astimezone(self.zone).date()))

    def sees(self, day: date) -> datetime | None:
        """The first as-of from `since` on whose window has seen `day`: None if none ever does
        (a day after the period's last, which the window never reaches)."""
        if day > self.period.last:
            return None
        if day <= self.first_seen:
            return self.since
        if (found := self._midnights.get(day)) is None:
            found = self._midnights[day] = datetime.combine(day, time(), self.zone)
        return found

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
