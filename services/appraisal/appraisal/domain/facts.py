"""The facts an appraisal is computed from, as the other services published them.

Only what the indicators need; residents are pseudonymous refs. The adapters read them
from appraisal's own tables, keeping only those recorded by the appraisal's `as_of`.

The classes a resident's history is made of, per row read and per instant asked, write their
`__init__` out (`init=False`): compiled, it sets the fields in C, where the dataclass's generated
one stays Python even in the compiled module (0.57 against 0.12 µs a fact of seven fields).
Their equality, hash and repr are still the dataclass's.
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


@dataclass(frozen=True, init=False)
class Item:
    code: str
    times_per_year: int

    def __init__(self, code: str, times_per_year: int) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "times_per_year", times_per_year)


@dataclass(frozen=True, init=False)
class Ending:
    kind: str  # "terminated" or "expired" (a reinstatement, its undoing, never reaches the domain)
    last_day: date
    reason: str | None = None

    def __init__(self, kind: str, last_day: date, reason: str | None = None) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "last_day", last_day)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, init=False)
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

    def __init__(  # noqa: PLR0913
        self,
        contract_id: str,
        resident_ref: str,
        resident_area_code: str,
        where: Where,
        items: tuple[Item, ...],
        key_populations: tuple[str, ...],
        starts_on: date,
        ends_on: date,
        signed_at: datetime,
        renews: str | None = None,
        ending: Ending | None = None,
    ) -> None:
        object.__setattr__(self, "contract_id", contract_id)
        object.__setattr__(self, "resident_ref", resident_ref)
        object.__setattr__(self, "resident_area_code", resident_area_code)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "key_populations", key_populations)
        object.__setattr__(self, "starts_on", starts_on)
        object.__setattr__(self, "ends_on", ends_on)
        object.__setattr__(self, "signed_at", signed_at)
        object.__setattr__(self, "renews", renews)
        object.__setattr__(self, "ending", ending)

    @property
    def last_day(self) -> date:
        """The last day it covered: its term's end, or the day it was terminated."""
        return min(self.ends_on, self.ending.last_day) if self.ending else self.ends_on

    @property
    def cut_short(self) -> bool:
        return self.ending is not None and self.ending.kind == "terminated" and self.ending.last_day < self.ends_on

    def in_force(self, first: date, last: date) -> bool:
        return self.starts_on <= last and self.last_day >= first


@dataclass(frozen=True, init=False)
class Measurement:
    kind: str
    value: float

    def __init__(self, kind: str, value: float) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "value", value)


@dataclass(frozen=True, init=False)
class VisitFact:
    visit_id: str
    resident_ref: str
    contract_id: str | None
    where: Where
    fulfils: tuple[str, ...]
    measurements: tuple[Measurement, ...]
    occurred_at: datetime

    def __init__(  # noqa: PLR0913
        self,
        visit_id: str,
        resident_ref: str,
        contract_id: str | None,
        where: Where,
        fulfils: tuple[str, ...],
        measurements: tuple[Measurement, ...],
        occurred_at: datetime,
    ) -> None:
        object.__setattr__(self, "visit_id", visit_id)
        object.__setattr__(self, "resident_ref", resident_ref)
        object.__setattr__(self, "contract_id", contract_id)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "fulfils", fulfils)
        object.__setattr__(self, "measurements", measurements)
        object.__setattr__(self, "occurred_at", occurred_at)


@dataclass(frozen=True, init=False)
class RatingFact:
    rating_id: str
    resident_ref: str
    where: Where
    ability: int
    attitude: int
    responsiveness: int
    rated_at: datetime

    def __init__(  # noqa: PLR0913
        self,
        rating_id: str,
        resident_ref: str,
        where: Where,
        ability: int,
        attitude: int,
        responsiveness: int,
        rated_at: datetime,
    ) -> None:
        object.__setattr__(self, "rating_id", rating_id)
        object.__setattr__(self, "resident_ref", resident_ref)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "ability", ability)
        object.__setattr__(self, "attitude", attitude)
        object.__setattr__(self, "responsiveness", responsiveness)
        object.__setattr__(self, "rated_at", rated_at)


@dataclass(frozen=True, init=False)
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

    def __init__(  # noqa: PLR0913
        self,
        referral_id: str,
        step: str,
        resident_ref: str,
        where: Where,
        issued_at: datetime,
        at: datetime,
        priority: str | None = None,
    ) -> None:
        object.__setattr__(self, "referral_id", referral_id)
        object.__setattr__(self, "step", step)
        object.__setattr__(self, "resident_ref", resident_ref)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "issued_at", issued_at)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "priority", priority)


@dataclass(frozen=True, init=False)
class CareFact:
    """A long prescription, or a family sickbed admitted or discharged."""

    kind: str  # long_prescription, sickbed_admitted, sickbed_discharged
    ref: str
    resident_ref: str
    where: Where
    on: date

    def __init__(self, kind: str, ref: str, resident_ref: str, where: Where, on: date) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "ref", ref)
        object.__setattr__(self, "resident_ref", resident_ref)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "on", on)


@dataclass(frozen=True, init=False)
class AppointmentStep:
    """One event of an appointment with a doctor's team (health records' appointments topic)."""

    appointment_id: str
    step: str  # booked, rescheduled, cancelled, attended, missed
    resident_ref: str
    team_id: str
    starts_at: datetime  # the slot it was in after this step
    at: datetime  # when the step was taken
    contracted: bool = False  # booked (or moved) while contracted with the team

    def __init__(  # noqa: PLR0913
        self,
        appointment_id: str,
        step: str,
        resident_ref: str,
        team_id: str,
        starts_at: datetime,
        at: datetime,
        contracted: bool = False,
    ) -> None:
        object.__setattr__(self, "appointment_id", appointment_id)
        object.__setattr__(self, "step", step)
        object.__setattr__(self, "resident_ref", resident_ref)
        object.__setattr__(self, "team_id", team_id)
        object.__setattr__(self, "starts_at", starts_at)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "contracted", contracted)


@dataclass(frozen=True, init=False)
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

    def __init__(  # noqa: PLR0913
        self,
        reading_id: str,
        resident_ref: str,
        where: Where,
        device_id: str,
        kind: str,
        value: float,
        measured_at: datetime,
    ) -> None:
        object.__setattr__(self, "reading_id", reading_id)
        object.__setattr__(self, "resident_ref", resident_ref)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "device_id", device_id)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "measured_at", measured_at)


@dataclass(frozen=True)
class PopulationFigure:
    """The population register of an area for a year (reference data the health commission records)."""

    area_code: str
    year: int
    population: int
    key_population: int
    by_key_population: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, init=False)
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

    def __init__(  # noqa: PLR0913
        self,
        teams: tuple[TeamFact, ...] = (),
        contracts: tuple[ContractFact, ...] = (),
        visits: tuple[VisitFact, ...] = (),
        ratings: tuple[RatingFact, ...] = (),
        referrals: tuple[ReferralStep, ...] = (),
        care: tuple[CareFact, ...] = (),
        appointments: tuple[AppointmentStep, ...] = (),
        readings: tuple[RemoteReading, ...] = (),
        register: tuple[PopulationFigure, ...] = (),
    ) -> None:
        object.__setattr__(self, "teams", teams)
        object.__setattr__(self, "contracts", contracts)
        object.__setattr__(self, "visits", visits)
        object.__setattr__(self, "ratings", ratings)
        object.__setattr__(self, "referrals", referrals)
        object.__setattr__(self, "care", care)
        object.__setattr__(self, "appointments", appointments)
        object.__setattr__(self, "readings", readings)
        object.__setattr__(self, "register", register)
        object.__setattr__(self, "_derived", {})

    def derived(self, key: Hashable, work: Callable[[], D]) -> D:
        """`work()`, once per key: the facts never change, so neither does what follows from them."""
        if (found := self._derived.get(key, _NONE)) is _NONE:
            found = self._derived[key] = work()
        return found  # type: ignore[no-any-return]


D = TypeVar("D")
_NONE = object()
