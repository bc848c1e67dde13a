"""What a health record holds, and the events that add to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from shared.domain import Personal


@dataclass(frozen=True)
class BasicInformation:
    name: Personal
    sex: str
    birth_date: date
    identity_number: Personal | None = None
    phone: Personal | None = None
    address: Personal | None = None
    blood_type: str | None = None
    emergency_contact: Personal | None = None


@dataclass(frozen=True)
class Condition:
    code: str
    name: Personal  # as the doctor wrote it
    diagnosed_on: date


@dataclass(frozen=True)
class Allergy:
    substance: Personal
    reaction: Personal
    severity: str


@dataclass(frozen=True)
class FamilyHistory:
    relative: str
    code: str
    name: Personal


@dataclass(frozen=True)
class RecentInformation:
    kind: str  # hospitalisation, surgery, medication, examination, other
    summary: Personal
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
