"""What callers ask of the signing service. Ids and times come in with the command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from signing.domain.contract import CombinedSigning, ResidentParty
from signing.domain.team import TeamRegistered


@dataclass(frozen=True)
class RegisterTeam:
    registration: TeamRegistered


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
