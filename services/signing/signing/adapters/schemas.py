"""Request and response bodies of the signing API (documented in OpenAPI with examples)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import AreaCode, Fen, InstitutionKind, KeyPopulation, MemberRole, PackageCode


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MemberIn(_In):
    member_id: str = Field(min_length=1, max_length=64, examples=["doc-1"])
    role: MemberRole
    resident_cap: int | None = Field(default=None, ge=1, le=10_000, examples=[2000])


class TeamCreate(_In):
    team_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", examples=["T-440106-001"])
    name: str = Field(min_length=1, max_length=100, examples=["Shipai community team 1"])
    institution_id: str = Field(min_length=1, max_length=64, examples=["CHC-440106-01"])
    institution_kind: InstitutionKind
    area_code: AreaCode = Field(examples=["440106"])
    members: list[MemberIn] = Field(min_length=1)
    resident_cap: int = Field(ge=1, le=100_000, examples=[4000])


class MemberPublic(BaseModel):
    member_id: str
    role: str


class TeamPublic(BaseModel):
    team_id: str
    version: int
    name: str
    institution_id: str
    area_code: str
    resident_cap: int
    places_taken: int
    members: list[MemberPublic]


class ResidentIn(_In):
    identity_number: str = Field(pattern=r"^\d{17}[\dXx]$", examples=["11010519491231002X"])
    name: str = Field(min_length=1, max_length=50, examples=["Li Hua"])
    area_code: AreaCode = Field(examples=["440106"])
    key_populations: list[KeyPopulation] = Field(default=[], examples=[["elderly", "hypertension"]])
    medical_assistance: bool = False
    insurance_bureau_id: str | None = Field(default=None, examples=["MIB-440106"])


class CombinedSigningIn(_In):
    secondary_hospital_id: str = Field(min_length=1, max_length=64)
    tertiary_hospital_id: str = Field(min_length=1, max_length=64)


class ContractCreate(_In):
    resident: ResidentIn
    team_id: str = Field(min_length=1, max_length=64, examples=["T-440106-001"])
    doctor_id: str | None = Field(default=None, examples=["doc-1"])
    packages: list[PackageCode] = Field(min_length=1, max_length=20, examples=[["basic", "hypertension"]])
    term_years: Literal[1, 2, 3] = 1
    starts_on: date | None = Field(default=None, description="Defaults to today")
    combined_signing: CombinedSigningIn | None = None


class PackagePublic(BaseModel):
    code: str
    annual_fee_fen: Fen


class ContractPublic(BaseModel):
    contract_id: str
    version: int
    status: Literal["active", "terminated", "expired"]
    agreement_id: str
    agreement_kind: Literal["individual", "family", "community"]
    resident_ref: str
    resident_name: str
    team_id: str
    doctor_id: str | None
    institution_id: str
    packages: list[PackagePublic]
    key_populations: list[str]
    term_years: int
    starts_on: date
    ends_on: date
    signed_at: datetime
