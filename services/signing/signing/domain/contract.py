"""A resident's contract with a team: its parties, packages, term, lineage and state."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from shared.domain import Personal
from signing.domain.errors import InvalidCombinedSigning, InvalidTerm

TERMS = (1, 2, 3)
AGREEMENT_KINDS = ("individual", "family", "community")


@dataclass(frozen=True)
class ResidentParty:
    identity_number: Personal
    name: Personal
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
    """ "1+1+1": the resident also names one secondary and one tertiary hospital."""

    secondary_hospital_id: str
    tertiary_hospital_id: str

    def __post_init__(self) -> None:
        if self.secondary_hospital_id == self.tertiary_hospital_id:
            raise InvalidCombinedSigning("combined signing names two different hospitals")


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
class ContractRenewed(ContractSigned):
    """The start of a contract that continues another one: the lineage names it."""

    renews_contract_id: str


@dataclass(frozen=True)
class ContractContinued:
    """Recorded on the renewed contract: which contract continues it."""

    contract_id: str
    by_contract_id: str
    continued_at: datetime


@dataclass(frozen=True)
class ContractTerminated:
    contract_id: str
    resident_ref: str
    team_id: str
    institution_id: str
    area_code: str
    reason: str
    last_day: date
    replaced_by_contract_id: str | None
    terminated_at: datetime


@dataclass(frozen=True)
class ContractExpired:
    contract_id: str
    resident_ref: str
    team_id: str
    institution_id: str
    area_code: str
    last_day: date
    expired_at: datetime


@dataclass(frozen=True)
class ContractReinstated:
    """An expiry undone: the job expired the contract before its term was over (an operator's
    mistake), so it is in force again, to the same last day; `reason` is a code, never text."""

    contract_id: str
    resident_ref: str
    team_id: str
    institution_id: str
    area_code: str
    reason: str
    last_day: date
    reinstated_at: datetime


@dataclass(frozen=True)
class Contract:
    """`status`: active, renewed (in force to its end, continued by `successor_id`),
    terminated or expired. `last_day` is the last day it covers."""

    signed: ContractSigned
    status: str = "active"
    last_day: date | None = None
    successor_id: str | None = None
    termination_reason: str | None = None

    @property
    def contract_id(self) -> str:
        return self.signed.contract_id

    @property
    def renews_contract_id(self) -> str | None:
        return self.signed.renews_contract_id if isinstance(self.signed, ContractRenewed) else None


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
    if isinstance(event, ContractSigned):
        return Contract(event, last_day=event.ends_on)
    if contract is None:
        raise ValueError(f"{type(event).__name__} does not apply before a contract is signed")
    match event:
        case ContractContinued(by_contract_id=successor):
            status = "renewed" if contract.status == "active" else contract.status
            return replace(contract, status=status, successor_id=successor)
        case ContractTerminated():
            return replace(
                contract,
                status="terminated",
                last_day=event.last_day,
                successor_id=event.replaced_by_contract_id or contract.successor_id,
                termination_reason=event.reason,
            )
        case ContractExpired():
            return replace(contract, status="expired", last_day=event.last_day)
        case ContractReinstated():
            return replace(contract, status="active", last_day=event.last_day)
    raise ValueError(f"{type(event).__name__} does not apply to contract {contract.contract_id}")
