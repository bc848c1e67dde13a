"""Contracts and agreements: request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import AreaCode, Fen, KeyPopulation, PackageCode
from shared.web.bounds import BusinessDate
from signing.adapters.http.schemas import In

TeamId = Field(min_length=1, max_length=64, examples=["T-440106-001"])
Packages = Field(min_length=1, max_length=20, examples=[["basic", "hypertension"]])
RESIDENT = {"identity_number": "11010519491231002X", "name": "Li Hua", "area_code": "440106001"}


class ResidentIn(In):
    identity_number: str = Field(
        min_length=1,
        max_length=32,
        examples=["11010519491231002X"],
        description="18 characters (GB 11643), checked to its check digit: `invalid-identity-number` if not",
    )
    name: str = Field(min_length=1, max_length=50, examples=["Li Hua"])
    area_code: AreaCode = Field(examples=["440106001"], description="Where the resident lives (any area)")
    key_populations: list[KeyPopulation] = Field(
        default=[], examples=[["hypertension"]], description="Declared; elderly and children follow from the age"
    )
    medical_assistance: bool = Field(default=False, description="Low-income: assistance pays the resident's share")
    insurance_bureau_id: str | None = Field(default=None, examples=["MIB-440106"])


class CombinedSigningIn(In):
    """ "1+1+1": one secondary and one tertiary hospital besides the team."""

    secondary_hospital_id: str = Field(min_length=1, max_length=64, examples=["H2-440106"])
    tertiary_hospital_id: str = Field(min_length=1, max_length=64, examples=["H3-4401"])


class ContractCreate(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "resident": RESIDENT | {"key_populations": ["hypertension"]},
                    "team_id": "T-440106-001",
                    "doctor_id": "doc-1",
                    "packages": ["basic", "hypertension"],
                    "term_years": 1,
                    "combined_signing": {"secondary_hospital_id": "H2-440106", "tertiary_hospital_id": "H3-4401"},
                }
            ]
        }
    )

    resident: ResidentIn
    team_id: str = TeamId
    doctor_id: str | None = Field(default=None, examples=["doc-1"])
    packages: list[PackageCode] = Packages
    term_years: int = Field(default=1, examples=[1], description="1, 2 or 3 years")
    starts_on: BusinessDate | None = Field(default=None, description="Defaults to today")
    combined_signing: CombinedSigningIn | None = None


class CommunityIn(In):
    name: str = Field(min_length=1, max_length=100, examples=["Shipai Primary School"])
    kind: Literal["school", "employer", "care_home", "other"]


class AgreementMemberIn(In):
    resident: ResidentIn
    packages: list[PackageCode] | None = Field(default=None, description="Defaults to the agreement's packages")


class AgreementCreate(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "family",
                    "team_id": "T-440106-001",
                    "packages": ["basic"],
                    "members": [
                        {
                            "resident": RESIDENT | {"key_populations": ["hypertension"]},
                            "packages": ["basic", "hypertension"],
                        },
                        {
                            "resident": {
                                "identity_number": "440106201901010027",
                                "name": "Li Ming",
                                "area_code": "440106001",
                            }
                        },
                    ],
                }
            ]
        }
    )

    kind: Literal["family", "community"]
    community: CommunityIn | None = Field(default=None, description="Required for a community agreement")
    team_id: str = TeamId
    doctor_id: str | None = None
    members: list[AgreementMemberIn] = Field(min_length=2, max_length=1000)
    packages: list[PackageCode] = Packages
    term_years: int = 1
    starts_on: BusinessDate | None = Field(default=None, description="Defaults to today")
    combined_signing: CombinedSigningIn | None = None


class PackagePublic(BaseModel):
    code: str
    annual_fee_fen: Fen


class ContractPublic(BaseModel):
    contract_id: str
    version: int
    status: Literal["active", "renewed", "terminated", "expired"] = Field(
        description="renewed: in force to its end, then continued by `successor_id`"
    )
    agreement_id: str
    agreement_kind: Literal["individual", "family", "community"]
    resident_ref: str
    resident_name: str
    resident_area_code: str
    team_id: str
    doctor_id: str | None
    institution_id: str
    area_code: str
    packages: list[PackagePublic]
    key_populations: list[str]
    medical_assistance: bool
    term_years: int
    starts_on: date
    ends_on: date
    last_day: date = Field(description="The last day it covers (earlier than ends_on if terminated)")
    combined_signing: CombinedSigningIn | None
    renews_contract_id: str | None
    replaces_contract_id: str | None
    successor_id: str | None = Field(description="The contract that renews or replaced it")
    termination_reason: str | None
    signed_at: datetime


class CommunityPublic(BaseModel):
    name: str
    kind: str


class AgreementPublic(BaseModel):
    agreement_id: str
    version: int
    kind: Literal["family", "community"]
    team_id: str
    community: CommunityPublic | None
    concluded_at: datetime
    contracts: list[ContractPublic]
