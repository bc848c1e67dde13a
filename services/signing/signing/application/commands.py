"""What callers ask of the signing service. Ids, times and today's date come in with the command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from signing.domain.agreement import Community
from signing.domain.contract import CombinedSigning, ResidentParty
from signing.domain.team import Member, TeamRegistered


@dataclass(frozen=True)
class RegisterTeam:
    registration: TeamRegistered


@dataclass(frozen=True)
class JoinTeam:
    team_id: str
    member: Member
    expected_version: int | None = None


@dataclass(frozen=True)
class LeaveTeam:
    team_id: str
    member_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ChangeCap:
    """The team's cap when `member_id` is None, else that doctor's."""

    team_id: str
    member_id: str | None
    resident_cap: int
    expected_version: int | None = None


@dataclass(frozen=True)
class SignContract:
    contract_id: str
    agreement_id: str
    agreement_kind: str
    resident: ResidentParty
    team_id: str
    doctor_id: str | None
    package_codes: tuple[str, ...]
    term_years: int
    starts_on: date
    combined_signing: CombinedSigning | None = None


@dataclass(frozen=True)
class AgreementMember:
    contract_id: str
    resident: ResidentParty
    package_codes: tuple[str, ...]


@dataclass(frozen=True)
class SignAgreement:
    agreement_id: str
    kind: str
    community: Community | None
    team_id: str
    doctor_id: str | None
    members: tuple[AgreementMember, ...]
    term_years: int
    starts_on: date
    combined_signing: CombinedSigning | None = None


@dataclass(frozen=True)
class Changes:
    """What a renewal or a switch may change of the resident's contract (None: keep it)."""

    doctor_id: str | None = None
    package_codes: tuple[str, ...] | None = None
    term_years: int | None = None
    key_populations: tuple[str, ...] | None = None
    medical_assistance: bool | None = None
    combined_signing: CombinedSigning | None = None


@dataclass(frozen=True)
class RenewContract:
    contract_id: str
    new_contract_id: str
    changes: Changes
    today: date
    expected_version: int | None = None


@dataclass(frozen=True)
class SwitchTeam:
    contract_id: str
    new_contract_id: str
    team_id: str
    starts_on: date
    changes: Changes
    expected_version: int | None = None


@dataclass(frozen=True)
class TerminateContract:
    contract_id: str
    reason: str
    last_day: date | None
    today: date
    expected_version: int | None = None


@dataclass(frozen=True)
class ExpireContract:
    contract_id: str
    team_id: str
    resident_ref: str
    as_of: date


@dataclass(frozen=True)
class ReinstateContract:
    contract_id: str
    reason: str
    today: date
    expected_version: int | None = None
