"""What happens in a resident's care under their contracts: the events of the `Care` stream.

Each service event carries the contract, team, institution and area it was delivered under,
decided when it happened, so publishing it needs nothing but the event itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from shared.domain import Personal


@dataclass(frozen=True)
class ContractedItem:
    code: str
    times_per_year: int


@dataclass(frozen=True)
class ContractedPackage:
    code: str
    items: tuple[ContractedItem, ...]


@dataclass(frozen=True)
class ContractStarted:
    """A contract signed or renewed in signing, as this service keeps it."""

    contract_id: str
    resident_ref: str
    team_id: str
    institution_id: str
    area_code: str
    packages: tuple[ContractedPackage, ...]
    key_populations: tuple[str, ...]
    starts_on: date
    ends_on: date
    renews_contract_id: str | None
    started_at: datetime


@dataclass(frozen=True)
class ContractEnded:
    contract_id: str
    reason: str  # signing's termination reason, or "expired"
    last_day: date


@dataclass(frozen=True)
class ContractReinstated:
    """Signing undid a wrong expiry: the contract covers its days again, to `last_day`."""

    contract_id: str
    last_day: date


@dataclass(frozen=True)
class Delivered:
    """Under which contract, by which team, a service was delivered."""

    resident_ref: str
    contract_id: str
    team_id: str
    institution_id: str
    area_code: str


@dataclass(frozen=True)
class Measurement:
    kind: str
    value: float
    unit: str


@dataclass(frozen=True)
class VisitCompleted:
    visit_id: str
    under: Delivered
    member_id: str
    member_role: str
    place: str  # clinic, home, family_sickbed, online
    fulfils: tuple[str, ...]
    measurements: tuple[Measurement, ...]
    summary: Personal  # the clinical note: stays in this service
    occurred_at: datetime
    occurred_on: date  # the local date, for contract years and plans


@dataclass(frozen=True)
class LongPrescriptionIssued:
    prescription_id: str
    under: Delivered
    member_id: str
    condition: str  # hypertension, diabetes, other_chronic
    days: int
    medicines: tuple[Personal, ...]
    issued_on: date


@dataclass(frozen=True)
class FamilySickbedAdmitted:
    sickbed_id: str
    under: Delivered
    reason: Personal
    admitted_on: date


@dataclass(frozen=True)
class FamilySickbedDischarged:
    sickbed_id: str
    under: Delivered
    admitted_on: date
    discharged_on: date


@dataclass(frozen=True)
class Scores:
    ability: int
    attitude: int
    responsiveness: int


@dataclass(frozen=True)
class ServiceRated:
    rating_id: str
    under: Delivered
    scores: Scores
    comment: Personal | None  # never leaves the service
    rated_at: datetime
    rated_on: date
    # The member who last served the resident for the team: credited with the rating in
    # performance pay (None before a visit, and in ratings recorded before this was kept).
    member_id: str | None = None
    member_role: str | None = None
