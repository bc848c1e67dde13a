"""What referral knows of a resident's contracts: which team, which "1+1+1" hospitals, until when.

Learnt from signing's public events (a local command each). Events of different contracts
arrive in any order (a switch of team ends one contract and starts another, on different
keys), so an end may be known before its start: both are kept, and the fold sorts it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from referral.domain.errors import NotContracted


@dataclass(frozen=True)
class Coverage:
    contract_id: str
    team_id: str
    institution_id: str
    area_code: str
    starts_on: date
    ends_on: date
    hospitals: tuple[str, ...] = ()  # the secondary and tertiary hospital of combined signing


@dataclass(frozen=True)
class ContractNoted:
    coverage: Coverage


@dataclass(frozen=True)
class ContractEnded:
    contract_id: str
    last_day: date


@dataclass(frozen=True)
class ContractReinstated:
    """Signing undid a wrong expiry: the contract runs to its term's end again."""

    contract_id: str


@dataclass(frozen=True)
class ResidentReferred:
    """Recorded with every referral, so the decision is appended against this stream's
    latest version: a contract change committed meanwhile makes it conflict and re-run."""

    referral_id: str


@dataclass(frozen=True)
class ResidentContracts:
    contracts: dict[str, Coverage] = field(default_factory=dict)
    ended: dict[str, date] = field(default_factory=dict)
    referrals: int = 0

    def contract_with(self, team_id: str, on: date) -> Coverage:
        """The resident's contract with `team_id` in force on `on`, or NotContracted."""
        for c in self.contracts.values():
            last = min(c.ends_on, self.ended.get(c.contract_id, c.ends_on))
            if c.team_id == team_id and c.starts_on <= on <= last:
                return c
        raise NotContracted(f"the resident has no contract with team {team_id} in force on {on}")


def note(contracts: ResidentContracts, coverage: Coverage) -> list[ContractNoted]:
    return [] if coverage.contract_id in contracts.contracts else [ContractNoted(coverage)]


def end(contracts: ResidentContracts, contract_id: str, last_day: date) -> list[ContractEnded]:
    known = contracts.ended.get(contract_id)
    return [] if known is not None and known <= last_day else [ContractEnded(contract_id, last_day)]


def reinstate(contracts: ResidentContracts, contract_id: str) -> list[ContractReinstated]:
    return [ContractReinstated(contract_id)] if contract_id in contracts.ended else []


def evolve(contracts: ResidentContracts, event: object) -> ResidentContracts:
    match event:
        case ContractNoted(coverage=c):
            return replace(contracts, contracts={**contracts.contracts, c.contract_id: c})
        case ContractEnded(contract_id=contract_id, last_day=last_day):
            return replace(contracts, ended={**contracts.ended, contract_id: last_day})
        case ContractReinstated(contract_id=contract_id):
            return replace(contracts, ended={i: d for i, d in contracts.ended.items() if i != contract_id})
        case ResidentReferred():
            return replace(contracts, referrals=contracts.referrals + 1)
    raise ValueError(f"{type(event).__name__} does not apply to a resident's contracts")
