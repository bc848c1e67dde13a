"""Public events of the signing service (topics `fdcs.signing.teams`, `fdcs.signing.contracts`;
a resident's erasure travels on the contracts topic, keyed by the resident)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.base import PublicEvent
from shared.contracts.vocabulary import (
    AreaCode,
    Fen,
    InstitutionKind,
    KeyPopulation,
    MemberRole,
    PackageCode,
    ResidentRef,
)


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TeamMember(_Part):
    member_id: str
    role: MemberRole
    resident_cap: int | None = Field(default=None, ge=1, description="This member's own cap, if a contracting doctor")


class TeamRegistered(PublicEvent):
    """A family doctor team (or a single contracting doctor) starts taking contracts.

    v2 dropped v1's `name`: written by hand, it often names the doctor; read it over the API."""

    TYPE: ClassVar[str] = "signing.TeamRegistered.v2"

    team_id: str
    institution_id: str
    institution_kind: InstitutionKind
    area_code: AreaCode
    members: list[TeamMember]
    resident_cap: int = Field(ge=1)
    registered_at: AwareDatetime


class TeamMemberJoined(PublicEvent):
    """A member joins a team (a doctor then takes residents up to their own cap)."""

    TYPE: ClassVar[str] = "signing.TeamMemberJoined.v1"

    team_id: str
    member: TeamMember
    joined_at: AwareDatetime


class TeamMemberLeft(PublicEvent):
    """A member leaves a team (a doctor only once no resident is contracted with them)."""

    TYPE: ClassVar[str] = "signing.TeamMemberLeft.v1"

    team_id: str
    member_id: str
    left_at: AwareDatetime


class ResidentCapChanged(PublicEvent):
    """The most residents a team (`member_id` null), or one of its doctors, may hold."""

    TYPE: ClassVar[str] = "signing.ResidentCapChanged.v1"

    team_id: str
    member_id: str | None = Field(description="The doctor whose cap changed; null for the team's")
    resident_cap: int = Field(ge=1)
    changed_at: AwareDatetime


class PackageItem(_Part):
    """A service the package promises, and how often a year (what the health plan is made of)."""

    code: str
    times_per_year: int = Field(ge=1, le=366)


class ContractedPackage(_Part):
    code: PackageCode
    annual_fee_fen: Fen
    items: list[PackageItem]


class CombinedSigning(_Part):
    """The "1+1+1" choice: one secondary and one tertiary hospital besides the team."""

    secondary_hospital_id: str
    tertiary_hospital_id: str


class _ContractStarted(PublicEvent):
    """What every start of a contract says (signed, or renewed)."""

    contract_id: str
    agreement_id: str
    agreement_kind: Literal["individual", "family", "community"]
    resident_ref: ResidentRef
    resident_area_code: AreaCode
    team_id: str
    doctor_id: str | None
    institution_id: str
    area_code: AreaCode
    insurance_bureau_id: str | None
    packages: list[ContractedPackage] = Field(min_length=1)
    key_populations: list[KeyPopulation]
    medical_assistance: bool = Field(description="Assistance pays the resident's share")
    term_years: Literal[1, 2, 3]
    starts_on: date
    ends_on: date = Field(description="The last day covered")
    combined_signing: CombinedSigning | None = None


class ContractSigned(_ContractStarted):
    """A resident's contract with a team starts. A family or community agreement is one
    contract per resident sharing an `agreement_id`."""

    TYPE: ClassVar[str] = "signing.ContractSigned.v1"

    replaces_contract_id: str | None = Field(default=None, description="Set when switching team")
    signed_at: AwareDatetime


class ContractRenewed(_ContractStarted):
    """A new contract continues one that reached (or is about to reach) its end."""

    TYPE: ClassVar[str] = "signing.ContractRenewed.v1"

    renews_contract_id: str
    renewed_at: AwareDatetime


TerminationReason = Literal["resident_request", "death", "moved_away", "switched_team", "team_dissolved"]


class ContractTerminated(PublicEvent):
    """A contract ends before its term; fees for the unused days are refunded pro rata."""

    TYPE: ClassVar[str] = "signing.ContractTerminated.v1"

    contract_id: str
    resident_ref: ResidentRef
    team_id: str
    institution_id: str
    area_code: AreaCode
    reason: TerminationReason
    last_day: date = Field(description="The last day the contract covered")
    replaced_by_contract_id: str | None = Field(default=None, description="The new contract, when switching team")
    terminated_at: AwareDatetime


class ContractExpired(PublicEvent):
    """A contract reached the end of its term without being renewed."""

    TYPE: ClassVar[str] = "signing.ContractExpired.v1"

    contract_id: str
    resident_ref: ResidentRef
    team_id: str
    institution_id: str
    area_code: AreaCode
    last_day: date
    expired_at: AwareDatetime


class ResidentErased(PublicEvent):
    """A resident's personal data was erased (at their request or an administrator's decision):
    every service shreds its own key for the resident. Their contracts, referrals and money stay."""

    TYPE: ClassVar[str] = "signing.ResidentErased.v1"

    resident_ref: ResidentRef
    erased_at: AwareDatetime


ReinstatementReason = Literal["wrong_run_date", "clock_error", "operator_error"]


class ContractReinstated(PublicEvent):
    """An expiry undone (an operator's mistake: the job ran for a day not yet come, a wrong
    clock): the contract is in force again to `last_day`, its term's end. Whoever followed
    the `ContractExpired` of this contract undoes what it did."""

    TYPE: ClassVar[str] = "signing.ContractReinstated.v1"

    contract_id: str
    resident_ref: ResidentRef
    team_id: str
    institution_id: str
    area_code: AreaCode
    reason: ReinstatementReason
    last_day: date = Field(description="The last day the contract covers again: its term's end")
    reinstated_at: AwareDatetime
