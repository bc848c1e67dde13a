"""Public events of the health-records service (topic `fdcs.health_records.services`).

They say what was done for whom, never who the resident is: `resident_ref` only; no name,
identity number, phone, address or free-text comment ever leaves the service.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.base import PublicEvent
from shared.contracts.vocabulary import AreaCode, MemberRole, ResidentRef


class _ByTeam(PublicEvent):
    """Every health-records fact names the resident and the team that served them."""

    resident_ref: ResidentRef
    contract_id: str | None = Field(description="The contract the service was delivered under, if any")
    team_id: str
    institution_id: str
    area_code: AreaCode


class Measurement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal[
        "systolic_bp", "diastolic_bp", "fasting_glucose", "hba1c", "weight", "height", "heart_rate", "temperature"
    ]
    value: float = Field(description="In `unit`; plausibility is checked before it is recorded")
    unit: Literal["mmHg", "mmol/L", "%", "kg", "cm", "bpm", "°C"]


class VisitCompleted(_ByTeam):
    """A service delivered to a resident: what the appraisal counts as performance."""

    TYPE: ClassVar[str] = "health_records.VisitCompleted.v1"

    visit_id: str
    member_id: str
    member_role: MemberRole
    place: Literal["clinic", "home", "family_sickbed", "online"]
    fulfils: list[str] = Field(description="Package service item codes this visit delivers")
    measurements: list[Measurement]
    occurred_at: AwareDatetime


class LongPrescriptionIssued(_ByTeam):
    TYPE: ClassVar[str] = "health_records.LongPrescriptionIssued.v1"

    prescription_id: str
    member_id: str
    days: int = Field(ge=28, le=62, description="One to two months for a stable chronic patient")
    condition: Literal["hypertension", "diabetes", "other_chronic"]
    issued_on: date


class FamilySickbedAdmitted(_ByTeam):
    TYPE: ClassVar[str] = "health_records.FamilySickbedAdmitted.v1"

    sickbed_id: str
    admitted_on: date


class FamilySickbedDischarged(_ByTeam):
    TYPE: ClassVar[str] = "health_records.FamilySickbedDischarged.v1"

    sickbed_id: str
    admitted_on: date
    discharged_on: date


class ServiceRated(_ByTeam):
    """A contracted resident's rating of the team (the comment stays in the service)."""

    TYPE: ClassVar[str] = "health_records.ServiceRated.v1"

    rating_id: str
    member_id: str | None = Field(
        default=None, description="The member who last served the resident for the team (credited in performance pay)"
    )
    member_role: MemberRole | None = None
    ability: int = Field(ge=1, le=5)
    attitude: int = Field(ge=1, le=5)
    responsiveness: int = Field(ge=1, le=5)
    rated_at: AwareDatetime


class ReadingOutOfTarget(_ByTeam):
    """A reading from a resident's device at or above their target: for the team's worklist.

    Implausible readings (a faulty sensor) never alert. The reading's id is stable: a reading
    sent again is not kept again, and does not alert again.
    """

    TYPE: ClassVar[str] = "health_records.ReadingOutOfTarget.v1"

    reading_id: str = Field(description="`{device_id}:{kind}@{measured_at}`")
    device_id: str
    kind: Literal["systolic", "diastolic", "heart_rate", "glucose", "steps"]
    value: float
    unit: Literal["mmHg", "bpm", "mmol/L", "steps"]
    measured_at: AwareDatetime
    limit: float = Field(description="The target's bound the value reached, in `unit`")


class ReadingForFollowUp(_ByTeam):
    """A plausible blood-pressure or glucose reading from the device of a resident followed for
    hypertension or diabetes, for the team in charge on the reading's day: what the appraisal's
    follow-up and control indicators may count (as its catalogue says).

    Pseudonymous like every event here: the ref, the team, the values; no identity. A reading sent
    again is not kept again, so it is published once; its id is stable.
    """

    TYPE: ClassVar[str] = "health_records.ReadingForFollowUp.v1"

    reading_id: str = Field(description="`{device_id}:{kind}@{measured_at}`")
    device_id: str
    device_kind: Literal["bp_monitor", "glucose_meter", "wearable"]
    kind: Literal["systolic", "diastolic", "glucose"]
    value: float
    unit: Literal["mmHg", "mmol/L"]
    fasting: bool = Field(description="A glucose reading taken fasting (false for blood pressure)")
    measured_at: AwareDatetime
