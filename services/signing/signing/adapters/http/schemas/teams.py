"""Teams and packages: request and response bodies."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import AreaCode, Fen, InstitutionKind, KeyPopulation, MemberRole
from signing.adapters.http.schemas import In


class MemberIn(In):
    member_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", examples=["doc-1"])
    role: MemberRole
    resident_cap: int | None = Field(
        default=None, ge=1, le=10_000, examples=[2000], description="Defaults to DOCTOR_RESIDENT_CAP for doctors"
    )


class TeamCreate(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "team_id": "T-440106-001",
                    "name": "Shipai community team 1",
                    "institution_id": "CHC-440106-01",
                    "institution_kind": "community_health_centre",
                    "area_code": "440106",
                    "members": [
                        {"member_id": "doc-1", "role": "family_doctor", "resident_cap": 2000},
                        {"member_id": "nurse-1", "role": "community_nurse"},
                        {"member_id": "ph-1", "role": "public_health_doctor"},
                    ],
                    "resident_cap": 4000,
                }
            ]
        }
    )

    team_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", examples=["T-440106-001"])
    subject: Literal["team", "doctor"] = Field(
        default="team", description="`doctor`: a single doctor is the contracting subject (one member)"
    )
    name: str = Field(min_length=1, max_length=100, examples=["Shipai community team 1"])
    institution_id: str = Field(min_length=1, max_length=64, examples=["CHC-440106-01"])
    institution_kind: InstitutionKind
    area_code: AreaCode = Field(examples=["440106"])
    members: list[MemberIn] = Field(min_length=1, max_length=50)
    resident_cap: int = Field(ge=1, le=100_000, examples=[4000])


class CapChange(In):
    resident_cap: int = Field(ge=1, le=100_000, examples=[2500])


class MemberPublic(BaseModel):
    member_id: str
    role: str
    resident_cap: int | None
    residents: int | None = Field(description="Residents contracted with this doctor (None for other roles)")


class TeamPublic(BaseModel):
    team_id: str
    version: int
    subject: Literal["team", "doctor"]
    name: str
    institution_id: str
    institution_kind: str
    area_code: str
    resident_cap: int
    places_taken: int
    members: list[MemberPublic]


class ItemPublic(BaseModel):
    code: str
    name: str
    times_per_year: int


class PackageOffer(BaseModel):
    """A package as the catalogue sets it for an area and a period."""

    code: str = Field(examples=["hypertension"])
    name: str
    area_prefix: str = Field(description='The areas it applies to ("" everywhere, "4401" a city)')
    valid_from: date
    valid_to: date | None
    annual_fee_fen: Fen = Field(examples=[6000])
    key_populations: list[KeyPopulation] = Field(description="Who it is for (empty: everyone)")
    items: list[ItemPublic]
