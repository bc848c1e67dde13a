"""A doctor's weekly schedule, as an institution publishes it, expanded into dated sessions.

Times are the institution's local wall-clock times; the zone comes from the caller, so that a
session starts at 08:00 local on each day whatever the offset. Exceptions name the days the
doctor does not sit (a holiday, a training day): no session is published on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from health_records.domain.agendas import Session
from health_records.domain.errors import InvalidSchedule

MAX_DAYS = 92  # a quarter at a time: a schedule far ahead would be rewritten anyway


@dataclass(frozen=True)
class WeeklySchedule:
    schedule_id: str
    institution_id: str
    team_id: str
    doctor_id: str
    weekdays: tuple[int, ...]  # ISO: 1 is Monday
    starts: time
    ends: time
    slot_minutes: int
    capacity: int
    reserved_percent: int
    cutoff_minutes: int
    first_day: date
    last_day: date
    cancelled_days: tuple[date, ...] = ()
    for_referrals: bool = False  # a hospital's specialist source (no team: the hospital's clinic)


def sessions(schedule: WeeklySchedule, zone: ZoneInfo) -> dict[date, Session]:
    """The session of each day the schedule covers, by local date."""
    _check(schedule)
    s, days = schedule, (schedule.last_day - schedule.first_day).days + 1
    found = {}
    for day in (s.first_day + timedelta(days=i) for i in range(days)):
        if day.isoweekday() in s.weekdays and day not in s.cancelled_days:
            found[day] = _session(s, day, zone)
    return found


def _session(s: WeeklySchedule, day: date, zone: ZoneInfo) -> Session:
    starts_at = datetime.combine(day, s.starts, zone)
    return Session(
        session_id=f"{s.institution_id}/{s.doctor_id}:{starts_at.isoformat()}",
        schedule_id=s.schedule_id,
        institution_id=s.institution_id,
        team_id=s.team_id,
        starts_at=starts_at,
        ends_at=datetime.combine(day, s.ends, zone),
        slot_minutes=s.slot_minutes,
        capacity=s.capacity,
        reserved_percent=s.reserved_percent,
        cutoff_minutes=s.cutoff_minutes,
        for_referrals=s.for_referrals,
    )


def _check(s: WeeklySchedule) -> None:
    if s.last_day < s.first_day or (s.last_day - s.first_day).days >= MAX_DAYS:
        raise InvalidSchedule(f"a schedule covers 1 to {MAX_DAYS} days")
    if not s.weekdays or any(not 1 <= d <= 7 for d in s.weekdays):
        raise InvalidSchedule("weekdays are 1 (Monday) to 7 (Sunday)")
    minutes = (datetime.combine(s.first_day, s.ends) - datetime.combine(s.first_day, s.starts)).total_seconds() // 60
    if s.slot_minutes <= 0 or minutes < s.slot_minutes or minutes % s.slot_minutes:
        raise InvalidSchedule("a session holds a whole number of slots, at least one")
    if s.capacity < 1 or not 0 <= s.reserved_percent <= 100 or s.cutoff_minutes < 0:
        raise InvalidSchedule("capacity is at least 1, the reserved share 0 to 100 %, the cut-off not negative")
