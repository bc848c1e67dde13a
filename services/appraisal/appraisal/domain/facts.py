"""The facts an appraisal is computed from, as the other services published them.

Only what the indicators need; residents are pseudonymous refs. The adapters read them
from appraisal's own tables, keeping only those recorded by the appraisal's `as_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar

CONTRACTING_ROLES = frozenset({"family_doctor", "general_practitioner", "chinese_medicine_doctor"})


class Where(NamedTuple):
    """Who is accountable for a fact: the team, its institution and its area (a named tuple:
    an appraisal hashes and compares it for every case, and a tuple does that in C)."""

    team_id: str
    institution_id: str
    area_code: str


@dataclass(frozen=True)
class TeamFact:
    where: Where
    doctor_caps: tuple[int | None, ...] = ()
    """One entry per contracting doctor: their own cap, or None for the catalogue's default."""


@dataclass(frozen=True)
class Item:
    code: str
    times_per_year: int


@dataclass(frozen=True)
class Ending:
    kind: str  # "terminated" or "expired" (a reinstatement, its undoing, never reaches the domain)
    last_day: date
    reason: str | None = None


@dataclass(frozen=True)
class ContractFact:
    contract_id: str
    resident_ref: str
    resident_area_code: str
    where: Where
    items: tuple[Item, ...]
    key_populations: tuple[str, ...]
    starts_on: date
    ends_on: date
    signed_at: datetime
    renews: str | None = None
    ending: Ending | None = None

    @property
    def last_day(self) -> date:
        """The last day it covered: its term's end, or the day it was terminated."""
        return min(self.ends_on, self.ending.last_day) if self.ending else self.ends_on

    @property
    def cut_short(self) -> bool:
        return self.ending is not None and self.ending.kind == "terminated" and self.ending.last_day < self.ends_on

    def in_force(self, first: date, last: date) -> bool:
        return self.starts_on <= last and self.last_day >= first


@dataclass(frozen=True)
class Measurement:
    kind: str
    value: float


@dataclass(frozen=True)
class VisitFact:
    visit_id: str
    resident_ref: str
    contract_id: str | None
    where: Where
    fulfils: tuple[str, ...]
    measurements: tuple[Measurement, ...]
    occurred_at: datetime


@dataclass(frozen=True)
class RatingFact:
    rating_id: str
    resident_ref: str
    where: Where
    ability: int
    attitude: int
    responsiveness: int
    rated_at: datetime


@dataclass(frozen=True)
class ReferralStep:
    """One event of a referral's life; each carries when the referral was issued."""

    referral_id: str
    step: str  # issued, accepted, declined, completed, cancelled, expired, down_issued, down_acknowledged,
    # slot_booked, slot_released (a specialist-source place the family doctor booked for it)
    resident_ref: str
    where: Where
    issued_at: datetime
    at: datetime
    priority: str | None = None


@dataclass(frozen=True)
class CareFact:
    """A long prescription, or a family sickbed admitted or discharged."""

    kind: str  # long_prescription, sickbed_admitted, sickbed_discharged
    ref: str
    resident_ref: str
    where: Where
    on: date


@dataclass(frozen=True)
class AppointmentStep:
    """One event of an appointment with a doctor's team (health records' appointments topic)."""

    appointment_id: str
    step: str  # booked, rescheduled, cancelled, attended, missed
    resident_ref: str
    team_id: str
    starts_at: datetime  # the slot it was in after this step
    at: datetime  # when the step was taken
    contracted: bool = False  # booked (or moved) while contracted with the team


@dataclass(frozen=True)
class RemoteReading:
    """A plausible reading from a key-population resident's device (health records' ReadingForFollowUp),
    in a visit's measurement kinds: a blood-pressure monitor's systolic and diastolic share a device and instant."""

    reading_id: str
    resident_ref: str
    where: Where  # the team in charge on the reading's day
    device_id: str
    kind: str  # systolic_bp, diastolic_bp, fasting_glucose, glucose (not fasting)
    value: float
    measured_at: datetime


@dataclass(frozen=True)
class PopulationFigure:
    """The population register of an area for a year (reference data the health commission records)."""

    area_code: str
    year: int
    population: int
    key_population: int
    by_key_population: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Facts:
    teams: tuple[TeamFact, ...] = ()
    contracts: tuple[ContractFact, ...] = ()
    visits: tuple[VisitFact, ...] = ()
    ratings: tuple[RatingFact, ...] = ()
    referrals: tuple[ReferralStep, ...] = ()
    care: tuple[CareFact, ...] = ()
    appointments: tuple[AppointmentStep, ...] = ()
    readings: tuple[RemoteReading, ...] = ()
    register: tuple[PopulationFigure, ...] = ()
    _derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    """What several indicators work out alike from these facts (a period's visits, say): a
    resident's change asks it of the same facts for every indicator of a period, before and after."""

    def derived(self, key: Hashable, work: Callable[[], D]) -> D:
        """`work()`, once per key: the facts never change, so neither does what follows from them."""
        if (found := self._derived.get(key, _NONE)) is _NONE:
            found = self._derived[key] = work()
        return found  # type: ignore[no-any-return]


D = TypeVar("D")
_NONE = object()
