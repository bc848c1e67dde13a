"""Renewal, switch, termination, expiry and searches: request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import KeyPopulation, PackageCode
from shared.web.bounds import EARLIEST, BusinessDate
from signing.adapters.http.schemas import In
from signing.adapters.http.schemas.contracts import CombinedSigningIn


class _Changes(In):
    doctor_id: str | None = Field(default=None, examples=["doc-2"])
    packages: list[PackageCode] | None = Field(default=None, min_length=1, max_length=20, examples=[["basic"]])
    term_years: int | None = Field(default=None, examples=[2], description="1, 2 or 3 years")
    key_populations: list[KeyPopulation] | None = Field(
        default=None, description="Declared key populations from the new start (default: as before)"
    )
    medical_assistance: bool | None = None
    combined_signing: CombinedSigningIn | None = None


class RenewalCreate(_Changes):
    """What changes at renewal; everything else continues (doctor, packages, term, 1+1+1)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{}, {"term_years": 3, "packages": ["basic"]}]})


class SwitchCreate(_Changes):
    """The team (and doctor) the resident switches to; the old contract ends the day before."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"team_id": "T-440106-002", "doctor_id": "doc-7", "starts_on": "2026-06-01"}]}
    )

    team_id: str = Field(min_length=1, max_length=64, examples=["T-440106-002"])
    starts_on: BusinessDate | None = Field(default=None, description="The new contract's first day; defaults to today")


class TerminationCreate(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "moved_away", "last_day": "2026-06-30"}]})

    reason: Literal["resident_request", "death", "moved_away"]
    last_day: BusinessDate | None = Field(
        default=None, description="The last day covered; defaults to today, never later"
    )


class ReinstatementCreate(In):
    """Why an expiry is undone: a code, never text (it travels on the public event)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "wrong_run_date"}]})

    reason: Literal["wrong_run_date", "clock_error", "operator_error"] = Field(
        description="wrong_run_date: the job ran for a day not yet come; clock_error: the scheduler's "
        "clock was wrong; operator_error: any other mistake of whoever ran it"
    )


class ExpiryRun(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2027-03-01"}]})

    # Not bounded above here: the job refuses a day to come itself, and says so.
    as_of: date = Field(
        ge=EARLIEST, description="Contracts whose last day is before this date expire; today at the latest"
    )
    limit: int = Field(default=500, ge=1, le=5000, description="Most contracts expired by this call")


class Skipped(BaseModel):
    contract_id: str
    reason: str


class ExpiryReport(BaseModel):
    as_of: date
    expired: list[str]
    skipped: list[Skipped] = Field(description="Found due but refused (changed meanwhile)")
    more: bool = Field(description="The limit was reached: call again")


class ContractSummary(BaseModel):
    contract_id: str
    version: int
    status: Literal["active", "renewed", "terminated", "expired"]
    agreement_id: str
    agreement_kind: str
    resident_ref: str
    resident_name: str
    team_id: str
    doctor_id: str | None
    institution_id: str
    area_code: str
    key_populations: list[str]
    packages: list[str]
    term_years: int
    starts_on: date
    ends_on: date
    last_day: date
    renews_contract_id: str | None
    replaces_contract_id: str | None
    successor_id: str | None
    signed_at: datetime


class ContractPage(BaseModel):
    items: list[ContractSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")
