"""A resident's contract with a team: its parties, packages, term and state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from signing.domain.errors import InvalidTerm

TERMS = (1, 2, 3)


@dataclass(frozen=True)
class ResidentParty:
    identity_number: str
    name: str
    area_code: str
    key_populations: tuple[str, ...] = ()
    medical_assistance: bool = False
    insurance_bureau_id: str | None = None


@dataclass(frozen=True)
class ContractedItem:
    code: str
    times_per_year: int


@dataclass(frozen=True)
class ContractedPackage:
    code: str
    annual_fee_fen: int
    items: tuple[ContractedItem, ...] = ()


@dataclass(frozen=True)
class CombinedSigning:
    secondary_hospital_id: str
    tertiary_hospital_id: str


@dataclass(frozen=True)
class ContractSigned:
    contract_id: str
    agreement_id: str
    agreement_kind: str
    resident_ref: str
    resident: ResidentParty
    team_id: str
    doctor_id: str | None
    institution_id: str
    area_code: str
    packages: tuple[ContractedPackage, ...]
    term_years: int
    starts_on: date
    ends_on: date
    combined_signing: CombinedSigning | None
    replaces_contract_id: str | None
    signed_at: datetime


@dataclass(frozen=True)
class Contract:
    signed: ContractSigned
    status: str = "active"


def term_end(starts_on: date, term_years: int) -> date:
    """The last day covered: a 1-year term from 1 March ends on the last day of February."""
    if term_years not in TERMS:
        raise InvalidTerm(f"a contract term is 1, 2 or 3 years, not {term_years}")
    try:
        anniversary = starts_on.replace(year=starts_on.year + term_years)
    except ValueError:  # 29 February: the anniversary in a common year is 1 March
        anniversary = date(starts_on.year + term_years, 3, 1)
    return anniversary - timedelta(days=1)


def evolve(contract: Contract | None, event: object) -> Contract:
    match event:
        case ContractSigned():
            return Contract(event)
    raise ValueError(f"{type(event).__name__} does not apply to contract {contract}")
