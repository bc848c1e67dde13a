"""Readings a resident's device sends: kept once per (device, kind, time), checked, compared.

Plausible ranges (and a time not in the future) catch a faulty sensor, a misplaced cuff or a
wrong clock, not illness: an implausible reading
is kept, flagged, and never alerts (a systolic pressure of 20 is a broken cuff, not a patient).
Targets are the resident's: only the key populations named by a target are alerted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard

from health_records.domain.care_events import Delivered

MAX_BATCH = 500  # items in one request: a day of a wearable's minutes comes in three
CLOCK_SKEW = timedelta(minutes=5)  # a reading from later than this is from a device with a wrong clock

# kind -> (unit, lowest plausible, highest plausible)
RANGES: dict[str, tuple[str, float, float]] = {
    "systolic": ("mmHg", 50, 300),
    "diastolic": ("mmHg", 20, 200),
    "heart_rate": ("bpm", 20, 250),
    "glucose": ("mmol/L", 1.0, 40.0),
    "steps": ("steps", 0, 100_000),
}


@dataclass(frozen=True)
class Target:
    """A reading at or above `limit` is out of target for a resident of `population`."""

    population: str
    kind: str
    limit: float
    fasting: bool | None  # glucose: only a fasting (True) or only a non-fasting (False) reading
    source: str


TARGETS: tuple[Target, ...] = (
    Target("hypertension", "systolic", 140, None, "Chinese hypertension guideline 2018; follow-up target < 140/90"),
    Target("hypertension", "diastolic", 90, None, "Chinese hypertension guideline 2018; follow-up target < 140/90"),
    Target("diabetes", "glucose", 7.0, True, "Chinese Diabetes Society guideline 2020: fasting 4.4-7.0 mmol/L"),
    Target("diabetes", "glucose", 10.0, False, "Chinese Diabetes Society guideline 2020: non-fasting < 10.0 mmol/L"),
)


@dataclass(frozen=True)
class Reading:
    kind: str
    value: float
    unit: str
    measured_at: datetime
    fasting: bool = False

    @property
    def key(self) -> str:
        """What makes a reading the same reading, sent twice: its kind and the instant measured."""
        return f"{self.kind}@{self.measured_at.isoformat()}"


@dataclass(frozen=True)
class ReadingRecorded:
    device_id: str
    resident_ref: str
    kind: str
    value: float
    unit: str
    measured_at: datetime
    fasting: bool
    implausible: bool
    received_at: datetime


@dataclass(frozen=True)
class ReadingOutOfTarget:
    reading_id: str
    under: Delivered
    device_id: str
    kind: str
    value: float
    unit: str
    measured_at: datetime
    limit: float


@dataclass(frozen=True)
class ReadingForFollowUp:
    """A plausible blood-pressure or glucose reading of a resident followed for hypertension or
    diabetes, for the team in charge that day: published for the appraisal's follow-up indicators."""

    reading_id: str
    under: Delivered
    device_id: str
    device_kind: str
    kind: str
    value: float
    unit: str
    fasting: bool
    measured_at: datetime


# the key populations whose follow-up and control a reading of these kinds may count for
FOLLOWED_UP: dict[str, frozenset[str]] = {
    "systolic": frozenset({"hypertension"}),
    "diastolic": frozenset({"hypertension"}),
    "glucose": frozenset({"diabetes"}),
}


@dataclass(frozen=True)
class DayReadings:
    """The keys of a device-day's readings: all a repeat needs to be recognised.

    Each reading is recorded on the state the one before left, and a wearable sends 2,880 a day:
    one set copied for each grew with the square of the day (a day folded in 41 ms). The keys
    are kept in levels, each larger than the next, and a new key's level of one merges into the
    levels before it while they are no larger, as a binary counter carries: a key is copied about
    log2(readings) times, and a lookup asks a dozen sets at most. Every state stays whole, as a
    batch that fails must find the state it started from.
    """

    levels: tuple[frozenset[str], ...] = ()

    def __contains__(self, key: str) -> bool:
        return any(key in level for level in self.levels)

    def __len__(self) -> int:
        return sum(len(level) for level in self.levels)

    def with_key(self, key: str) -> DayReadings:
        if key in self:
            return self
        levels = (*self.levels, frozenset((key,)))
        while len(levels) > 1 and len(levels[-2]) <= len(levels[-1]):
            levels = (*levels[:-2], levels[-2] | levels[-1])
        return DayReadings(levels)


NO_READINGS = DayReadings()


def evolve(seen: DayReadings, event: object) -> DayReadings:
    """A device-day's readings, by key."""
    return seen.with_key(_key(event)) if _records_a_reading(event) else seen


def day_readings(events: list[object]) -> DayReadings:
    """A whole stream's at once: one set, each key copied once."""
    keys = frozenset(_key(e) for e in events if _records_a_reading(e))
    return DayReadings((keys,) if keys else ())


def _records_a_reading(event: object) -> TypeGuard[ReadingRecorded]:
    """A reading, else an event about one recorded before it; nothing else is a device-day's."""
    if isinstance(event, ReadingRecorded):
        return True
    if isinstance(event, ReadingOutOfTarget | ReadingForFollowUp):
        return False
    raise ValueError(f"{type(event).__name__} does not apply to a device's readings")


def _key(recorded: ReadingRecorded) -> str:
    """As `Reading.key`: its kind and the instant measured."""
    return f"{recorded.kind}@{recorded.measured_at.isoformat()}"


def plausible(r: Reading) -> bool:
    unit, low, high = RANGES[r.kind]
    return r.unit == unit and low <= r.value <= high  # written so that NaN is implausible


def record(device_id: str, resident_ref: str, r: Reading, received_at: datetime) -> ReadingRecorded:
    implausible = not plausible(r) or r.measured_at > received_at + CLOCK_SKEW
    return ReadingRecorded(
        device_id, resident_ref, r.kind, r.value, r.unit, r.measured_at, r.fasting, implausible, received_at
    )


def out_of_target(
    recorded: ReadingRecorded, populations: frozenset[str], under: Delivered | None
) -> ReadingOutOfTarget | None:
    """An alert for the team in charge when the reading was taken, if it breaches one of the
    resident's targets; none for an implausible reading, nor without a team to tell."""
    if recorded.implausible or under is None:
        return None
    for t in TARGETS:
        fits = t.fasting is None or t.fasting == recorded.fasting
        if t.population in populations and t.kind == recorded.kind and fits and recorded.value >= t.limit:
            reading_id = f"{recorded.device_id}:{recorded.kind}@{recorded.measured_at.isoformat()}"
            r = recorded
            return ReadingOutOfTarget(reading_id, under, r.device_id, r.kind, r.value, r.unit, r.measured_at, t.limit)
    return None


def for_follow_up(
    recorded: ReadingRecorded, device_kind: str, populations: frozenset[str], under: Delivered | None
) -> ReadingForFollowUp | None:
    """The reading for the appraisal, if it is one the follow-up of one of the resident's key
    populations counts (blood pressure for hypertension, glucose for diabetes): plausible, and
    with a team in charge to count it for. Steps, heart rates and the elderly's readings stay here."""
    if recorded.implausible or under is None or not FOLLOWED_UP.get(recorded.kind, frozenset()) & populations:
        return None
    r = recorded
    reading_id = f"{r.device_id}:{r.kind}@{r.measured_at.isoformat()}"
    return ReadingForFollowUp(
        reading_id, under, r.device_id, device_kind, r.kind, r.value, r.unit, r.fasting, r.measured_at
    )
