"""What a health record holds, and the events that add to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class BasicInformation:
    name: str
    sex: str
    birth_date: date
    identity_number: str | None = None
    phone: str | None = None
    address: str | None = None
    blood_type: str | None = None
    emergency_contact: str | None = None


@dataclass(frozen=True)
class Condition:
    code: str
    name: str
    diagnosed_on: date


@dataclass(frozen=True)
class Allergy:
    substance: str
    reaction: str
    severity: str


@dataclass(frozen=True)
class FamilyHistory:
    relative: str
    code: str
    name: str


@dataclass(frozen=True)
class RecentInformation:
    kind: str  # hospitalisation, surgery, medication, examination, other
    summary: str
    occurred_on: date


@dataclass(frozen=True)
class RecordOpened:
    resident_ref: str
    area_code: str
    contract_id: str
    opened_at: datetime


@dataclass(frozen=True)
class BasicInformationRecorded:
    information: BasicInformation


@dataclass(frozen=True)
class ConditionRecorded:
    condition: Condition


@dataclass(frozen=True)
class ConditionResolved:
    code: str
    resolved_on: date


@dataclass(frozen=True)
class AllergyRecorded:
    allergy: Allergy


@dataclass(frozen=True)
class FamilyHistoryRecorded:
    entry: FamilyHistory


@dataclass(frozen=True)
class RecentInformationRecorded:
    entry: RecentInformation
