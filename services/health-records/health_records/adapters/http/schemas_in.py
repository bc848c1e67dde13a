"""Request bodies of the health-records API (documented in OpenAPI with examples)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from health_records.adapters.files.norms import MeasurementKind
from shared.contracts.health_records import Measurement

ItemCode = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$", examples=["hypertension_follow_up"])
Icd10 = Field(min_length=3, max_length=20, description="ICD-10 code", examples=["I10"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BasicInformationIn(_In):
    name: str = Field(min_length=1, max_length=50, examples=["Li Hua"])
    sex: Literal["male", "female", "unknown"]
    birth_date: date
    identity_number: str | None = Field(default=None, pattern=r"^\d{17}[\dXx]$", description="Must be the resident's")
    phone: str | None = Field(default=None, pattern=r"^\+?\d[\d -]{4,19}$", examples=["13800138000"])
    address: str | None = Field(default=None, max_length=200)
    blood_type: Literal["A", "B", "AB", "O", "unknown"] | None = None
    emergency_contact: str | None = Field(default=None, max_length=100)


class ConditionIn(_In):
    code: str = Icd10
    name: str = Field(min_length=1, max_length=100, examples=["Essential hypertension"])
    diagnosed_on: date


class ResolutionIn(_In):
    resolved_on: date | None = Field(default=None, description="Defaults to today")


class AllergyIn(_In):
    substance: str = Field(min_length=1, max_length=100, examples=["penicillin"])
    reaction: str = Field(min_length=1, max_length=200, examples=["rash"])
    severity: Literal["mild", "moderate", "severe"]


class FamilyHistoryIn(_In):
    relative: Literal["father", "mother", "sibling", "child", "grandparent", "other"]
    code: str = Icd10
    name: str = Field(min_length=1, max_length=100, examples=["Type 2 diabetes"])


class RecentInformationIn(_In):
    kind: Literal["hospitalisation", "surgery", "medication", "examination", "other"]
    summary: str = Field(min_length=1, max_length=1000)
    occurred_on: date


class PlannedServiceIn(_In):
    item_code: str = ItemCode
    times_per_year: int = Field(ge=1, le=366)
    measurements: list[MeasurementKind] = Field(default=[], max_length=8)


class PlanRevision(_In):
    services: list[PlannedServiceIn] = Field(max_length=50)
    reason: str = Field(min_length=1, max_length=500, examples=["blood pressure not controlled: monthly follow-up"])


class VisitCreate(_In):
    member_id: str = Field(min_length=1, max_length=64, examples=["doc-1"], description="The team member who served")
    place: Literal["clinic", "home", "family_sickbed", "online"]
    fulfils: list[str] = Field(default=[], max_length=20, examples=[["hypertension_follow_up"]])
    measurements: list[Measurement] = Field(default=[], max_length=8)
    summary: str = Field(default="", max_length=2000, description="The clinical note; never leaves the service")
    occurred_at: AwareDatetime | None = Field(default=None, description="Defaults to now")


class LongPrescriptionCreate(_In):
    member_id: str = Field(min_length=1, max_length=64, examples=["doc-1"])
    condition: Literal["hypertension", "diabetes", "other_chronic"]
    days: int = Field(ge=28, le=62, description="One to two months")
    medicines: list[str] = Field(min_length=1, max_length=20, examples=[["amlodipine 5 mg daily"]])
    issued_on: date | None = Field(default=None, description="Defaults to today")


class SickbedCreate(_In):
    reason: str = Field(min_length=1, max_length=500, examples=["post-stroke care"])
    admitted_on: date | None = Field(default=None, description="Defaults to today")


class DischargeIn(_In):
    discharged_on: date | None = Field(default=None, description="Defaults to today")


class RatingCreate(_In):
    team_id: str = Field(min_length=1, max_length=64, examples=["T-440106-001"])
    ability: int = Field(ge=1, le=5)
    attitude: int = Field(ge=1, le=5)
    responsiveness: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500, description="Kept in the service, never published")
