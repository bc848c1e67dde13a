"""Appraisal periods ("2026", "2026-H1", "2026-Q3") and the window an appraisal looks through."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, cached_property
from typing import TypeVar

from appraisal.domain.errors import InvalidPeriod

_CODE = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>H[12]|Q[1-4]))?$")
_MONTHS = {"H": 6, "Q": 3}


@dataclass(frozen=True)
class Period:
    """A calendar year, half or quarter, reckoned in local days from `first` to `last`."""

    code: str
    first: date
    last: date
    months: int

    @property
    def year(self) -> int:
        return self.first.year

    @classmethod
    def parse(cls, code: str) -> Period:
        found = _CODE.match(code)
        if found is None:
            raise InvalidPeriod(f"a period is a year (2026), a half (2026-H1) or a quarter (2026-Q3), not {code!r}")
        year, part = int(found["year"]), found["part"]
        months = 12 if part is None else _MONTHS[part[0]]
        start_month = 1 if part is None else (int(part[1]) - 1) * months + 1
        first = date(year, start_month, 1)
        return cls(code, first, _month_after(first, months) - timedelta(days=1), months)

    def month_ends(self, zone: tzinfo) -> list[datetime]:
        """The last instant of each month of the period, in local time: a series' points."""
        firsts = [_month_after(self.first, k) for k in range(1, self.months + 1)]
        return [datetime.combine(first, time(), zone) - timedelta(microseconds=1) for first in firsts]


@cache
def periods_of(year: int) -> tuple[Period, ...]:
    """Every period of a year: the year, its halves, its quarters."""
    return tuple(Period.parse(f"{year}{part}") for part in ("", "-H1", "-H2", "-Q1", "-Q2", "-Q3", "-Q4"))


def _month_after(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def anniversary(day: date, years: int) -> date:
    """The same day `years` later; 29 February falls on 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


@dataclass(frozen=True)
class Window:
    """What an appraisal looks at: a period, only the facts recorded by `as_of`, and the
    zone in which instants become days. The same window over the same facts gives the same result."""

    period: Period
    as_of: datetime
    zone: tzinfo

    def day(self, instant: datetime) -> date:
        return local_day(instant, self.zone)

    def within(self, instant: datetime) -> bool:
        return self.period.first <= self.day(instant) <= self.period.last

    @cached_property
    def last_seen(self) -> date:
        """The last day of the period the appraisal can have seen (the period may still run)."""
        return min(self.period.last, self.day(self.as_of))

    @property
    def over(self) -> bool:
        """The period had ended by the as-of time: only then is a result final enough to publish."""
        return self.day(self.as_of) > self.period.last


def local_day(instant: datetime, zone: tzinfo) -> date:
    """The day `instant` falls on in `zone`. Remembered: a change asks it of each fact of the
    resident again for every period and indicator it reaches, and a conversion by the zone's
    rules costs about ten times a look-up (the same instants come back, so a look-up mostly
    finds the very object and hashes nothing)."""
    return _remembered(_DAYS, zone, instant, _day)


def midnight(day: date, zone: tzinfo) -> datetime:
    """The instant `day` begins in `zone`, in UTC: every change of every resident names the
    same few midnights, so one object each, whose hash is worked out once; and in UTC, as the
    times facts were known are, two compare without asking either zone its offset."""
    return _remembered(_MIDNIGHTS, zone, day, _midnight)


def _day(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _remembered(memo: dict[tzinfo, dict[K, V]], zone: tzinfo, key: K, work: Callable[[K, tzinfo], V]) -> V:
    """`work(key, zone)`, remembered per zone, up to _REMEMBERED keys a zone: then all forgotten
    at once (a worker's instants never stop coming)."""
    found = memo.get(zone)
    if found is None:
        found = memo[zone] = {}
    value = found.get(key)
    if value is None:
        if len(found) >= _REMEMBERED:
            found.clear()
        value = found[key] = work(key, zone)
    return value


K = TypeVar("K")
V = TypeVar("V")
_DAYS: dict[tzinfo, dict[datetime, date]] = {}
_MIDNIGHTS: dict[tzinfo, dict[date, datetime]] = {}
_REMEMBERED = 1 << 16
