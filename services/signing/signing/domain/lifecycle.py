"""How a contract ends or continues: renewal, early termination (a switch is one), expiry.

A renewal agreed before the end continues the contract without a gap: the new contract
starts the day after the old one's last day, and the old one stays in force until then
(status `renewed`). Ending such a chain early ends both: the old one on the day given,
and the new one before it started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from signing.domain.contract import Contract, ContractContinued, ContractExpired, ContractTerminated
from signing.domain.errors import (
    AsOfInTheFuture,
    ContractNotActive,
    ContractNotEnded,
    ContractNotRenewable,
    ContractWasRenewed,
    InvalidLastDay,
    RenewalNotOpen,
)

RENEWAL_OPENS_DAYS = 90  # before the last day: doctors plan renewals in the last quarter
RENEWAL_GRACE_DAYS = 90  # after it: a late renewal still continues the lineage
EARLY_END_REASONS = ("resident_request", "death", "moved_away")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Ending:
    """Why and when a chain of contracts ends early, and what replaces it (a switch)."""

    reason: str
    last_day: date
    replaced_by: str | None
    at: datetime


def renewal_start(old: Contract, today: date) -> date:
    """The day a renewal of `old` agreed today starts; refuses when it cannot be renewed."""
    if old.successor_id is not None or old.status not in ("active", "expired"):
        raise ContractNotRenewable(f"contract {old.contract_id} is {old.status} and cannot be renewed")
    ends_on = old.signed.ends_on
    if today < ends_on - timedelta(days=RENEWAL_OPENS_DAYS):
        raise RenewalNotOpen(f"renewal opens {RENEWAL_OPENS_DAYS} days before {ends_on}")
    if today > ends_on + timedelta(days=RENEWAL_GRACE_DAYS):
        raise RenewalNotOpen(f"renewal closed {RENEWAL_GRACE_DAYS} days after {ends_on}: sign a new contract")
    return max(ends_on + _DAY, today)


def continued(old: Contract, by_contract_id: str, at: datetime) -> ContractContinued:
    return ContractContinued(old.contract_id, by_contract_id, at)


def end_early(current: Contract, predecessor: Contract | None, ending: Ending) -> list[ContractTerminated]:
    """The terminations that end `current` (and the renewed contract it continues, if
    that one still covers days after the ending) on `ending.last_day`."""
    _check_active(current)
    if ending.last_day > current.signed.ends_on:
        raise InvalidLastDay(f"contract {current.contract_id} ends on {current.signed.ends_on}; it will expire")
    chain = [current]
    if predecessor is not None and predecessor.status == "renewed" and ending.last_day < predecessor.signed.ends_on:
        chain.insert(0, predecessor)
    return [_terminated(c, ending) for c in chain]


def expire(contract: Contract, as_of: date, at: datetime) -> ContractExpired:
    """A contract still active the day after its last day expires (the daily job's rule)."""
    if contract.status != "active":
        raise ContractNotActive(f"contract {contract.contract_id} is {contract.status}")
    s = contract.signed
    if as_of <= s.ends_on:
        raise ContractNotEnded(f"contract {s.contract_id} covers up to {s.ends_on}")
    return ContractExpired(s.contract_id, s.resident_ref, s.team_id, s.institution_id, s.area_code, s.ends_on, at)


def expiry_run(as_of: date, today: date) -> date:
    """The day the expiry job runs for, once it has come: a later one would end running contracts."""
    if as_of > today:
        raise AsOfInTheFuture(f"as_of {as_of} is later than today ({today}): expire only what is over")
    return as_of


def _check_active(contract: Contract) -> None:
    if contract.status == "renewed":
        raise ContractWasRenewed(
            f"contract {contract.contract_id} is continued by {contract.successor_id}: act on that one"
        )
    if contract.status != "active":
        raise ContractNotActive(f"contract {contract.contract_id} is {contract.status}")


def _terminated(contract: Contract, ending: Ending) -> ContractTerminated:
    s = contract.signed
    return ContractTerminated(
        s.contract_id,
        s.resident_ref,
        s.team_id,
        s.institution_id,
        s.area_code,
        ending.reason,
        max(ending.last_day, s.starts_on - _DAY),  # one not started yet covered nothing
        ending.replaced_by,
        ending.at,
    )
