"""Response bodies of the health-records API (for OpenAPI; the application builds the bodies)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from health_records.adapters.http.schemas_in import (
    AllergyIn,
    BasicInformationIn,
    ConditionIn,
    FamilyHistoryIn,
    RecentInformationIn,
)
from shared.contracts.health_records import Measurement

T = TypeVar("T")


class PastConditionPublic(ConditionIn):
    resolved_on: date | None


class MeasuredPublic(Measurement):
    measured_at: datetime


class RecordPublic(BaseModel):
    resident_ref: str
    version: int
    opened_at: datetime
    key_populations: list[str]
    basic_information: BasicInformationIn | None
    conditions: list[PastConditionPublic]
    allergies: list[AllergyIn]
    family_history: list[FamilyHistoryIn]
    recent_information: list[RecentInformationIn]
    latest_measurements: list[MeasuredPublic]


class ChangePublic(BaseModel):
    version: int
    change: str
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]


class HistoryPublic(BaseModel):
    resident_ref: str
    version: int
    changes: list[ChangePublic]


class PlannedServicePublic(BaseModel):
    item_code: str
    times_per_year: int
    measurements: list[str]
    contracted: int
    in_package: bool
    packages: list[str]
    populations: list[str]


class PlanPublic(BaseModel):
    resident_ref: str
    version: int
    contract_id: str
    key_populations: list[str]
    drawn_at: datetime
    updated_at: datetime
    services: list[PlannedServicePublic]


class _Under(BaseModel):
    contract_id: str
    team_id: str
    institution_id: str


class VisitPublic(_Under):
    visit_id: str
    resident_ref: str
    member_id: str
    member_role: str
    place: str
    fulfils: list[str]
    measurements: list[Measurement]
    summary: str
    occurred_at: datetime
    occurred_on: date


class PrescriptionPublic(_Under):
    prescription_id: str
    member_id: str
    condition: str
    days: int
    medicines: list[str]
    issued_on: date


class SickbedPublic(_Under):
    sickbed_id: str
    reason: str
    admitted_on: date
    discharged_on: date | None


class RatingPublic(_Under):
    rating_id: str
    ability: int
    attitude: int
    responsiveness: int
    rated_at: datetime


class ReadPublic(BaseModel):
    reader: str
    role: str
    team_id: str | None
    institution_id: str | None
    what: str
    read_at: datetime
    recorded_at: datetime | None = Field(description="The real time of the read, where read_at was simulated")


class ReadLogPublic(BaseModel):
    """A page of who read a resident's record, latest first."""

    resident_ref: str
    items: list[ReadPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class ItemFulfilmentPublic(BaseModel):
    item_code: str
    times_per_year: int
    in_package: bool
    done: int
    expected_by_now: int
    overdue: int
    status: str
    next_due_by: date | None


class FulfilmentPublic(BaseModel):
    resident_ref: str
    contract_id: str
    team_id: str
    year_starts_on: date
    year_ends_on: date
    as_of: date
    items: list[ItemFulfilmentPublic]


class ResidentFulfilmentPublic(BaseModel):
    """A resident's services this contract year: delivered, expected by now, and overdue."""

    resident_ref: str
    contract_id: str
    expected_by_now: int
    done: int
    overdue: int


class Listing(BaseModel, Generic[T]):
    """A resident's list of items."""

    resident_ref: str
    items: list[T]
