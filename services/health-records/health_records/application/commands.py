"""What callers (and signing's events) ask of health records. Ids and times come with the command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from health_records.domain.care_events import ContractStarted
from health_records.domain.devices import DeviceLinked
from health_records.domain.feedback import Rating
from health_records.domain.plan import PlannedService
from health_records.domain.prescriptions import Prescription
from health_records.domain.readings import Reading
from health_records.domain.record_events import (
    Allergy,
    BasicInformation,
    Condition,
    FamilyHistory,
    RecentInformation,
)
from health_records.domain.roster import RosterNoted
from health_records.domain.schedules import WeeklySchedule
from health_records.domain.sickbeds import Admission
from health_records.domain.visits import VisitReport


@dataclass(frozen=True)
class NoteContractStarted:
    started: ContractStarted


@dataclass(frozen=True)
class NoteContractEnded:
    resident_ref: str
    contract_id: str
    reason: str
    last_day: date


@dataclass(frozen=True)
class NoteContractReinstated:
    resident_ref: str
    contract_id: str
    last_day: date


@dataclass(frozen=True)
class NoteRoster:
    roster: RosterNoted


@dataclass(frozen=True)
class RecordBasicInformation:
    information: BasicInformation


@dataclass(frozen=True)
class RecordCondition:
    condition: Condition


@dataclass(frozen=True)
class ResolveCondition:
    code: str
    resolved_on: date


@dataclass(frozen=True)
class RecordAllergy:
    allergy: Allergy


@dataclass(frozen=True)
class RecordFamilyHistory:
    entry: FamilyHistory


@dataclass(frozen=True)
class RecordRecentInformation:
    entry: RecentInformation


RecordAmendment = (
    RecordBasicInformation
    | RecordCondition
    | ResolveCondition
    | RecordAllergy
    | RecordFamilyHistory
    | RecordRecentInformation
)


@dataclass(frozen=True)
class AmendRecord:
    """One change to a resident's record, if the record is still at `expected_version`."""

    resident_ref: str
    amendment: RecordAmendment
    expected_version: int | None = None


@dataclass(frozen=True)
class RevisePlan:
    resident_ref: str
    services: tuple[PlannedService, ...]
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteVisit:
    resident_ref: str
    report: VisitReport


@dataclass(frozen=True)
class IssueLongPrescription:
    resident_ref: str
    prescription: Prescription


@dataclass(frozen=True)
class AdmitToSickbed:
    resident_ref: str
    admission: Admission


@dataclass(frozen=True)
class DischargeFromSickbed:
    resident_ref: str
    sickbed_id: str
    discharged_on: date


@dataclass(frozen=True)
class RateService:
    resident_ref: str
    rating: Rating


@dataclass(frozen=True)
class LinkDevice:
    resident_ref: str
    linked: DeviceLinked


@dataclass(frozen=True)
class UnlinkDevice:
    resident_ref: str
    device_id: str


@dataclass(frozen=True)
class RecordReadings:
    """A device's batch; `resident_ref` is the one its credential was checked against."""

    device_id: str
    resident_ref: str
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class PublishSchedule:
    schedule: WeeklySchedule


@dataclass(frozen=True)
class BookAppointment:
    """The place at `starts_at` with the doctor, for the resident; the id comes with the request.
    A specialist source's place names the referral it is for."""

    resident_ref: str
    appointment_id: str
    institution_id: str
    doctor_id: str
    starts_at: datetime
    referral_id: str | None = None


@dataclass(frozen=True)
class RescheduleAppointment:
    resident_ref: str
    appointment_id: str
    institution_id: str
    doctor_id: str
    starts_at: datetime
    expected_version: int | None = None


@dataclass(frozen=True)
class CancelAppointment:
    resident_ref: str
    appointment_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class FreeReferralPlaces:
    """The up-referral ended without the visit: free the specialist-source places booked for it."""

    resident_ref: str
    referral_id: str
    ended: str  # cancelled, declined, expired


@dataclass(frozen=True)
class RecordAppointmentOutcome:
    resident_ref: str
    appointment_id: str
    attended: bool
    expected_version: int | None = None


@dataclass(frozen=True)
class RemindDue:
    """Remind the listed appointments whose lead time is over at `as_of` (others are left alone)."""

    due: tuple[tuple[str, str], ...]  # (resident_ref, appointment_id)
    as_of: datetime


@dataclass(frozen=True)
class AcknowledgeAlert:
    """A doctor of the team closes an alert of its worklist (or, `withdraw`, reopens it)."""

    team_id: str
    alert_id: str
    resident_ref: str
    withdraw: bool = False
