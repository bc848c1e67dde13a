"""Undoing a wrong expiry: an operator's mistake (the job run for a day not yet come, a wrong
clock) is corrected by a compensating event, never by rewriting the expiry.

A contract is reinstated only while its term is still running, so the expiry was wrong by
construction, and only if nothing has taken its place since: no renewal continues it and the
resident holds no other contract. It then covers its days again, to the same last day.
"""

from __future__ import annotations

from datetime import date, datetime

from signing.domain.contract import Contract, ContractReinstated
from signing.domain.enrolment import Enrolment
from signing.domain.errors import (
    ContractContinuedSince,
    ContractNotExpired,
    ExpiryStands,
    InvalidReinstatementReason,
    ResidentContractedSince,
)

REINSTATEMENT_REASONS = ("wrong_run_date", "clock_error", "operator_error")


def reinstate(contract: Contract, held: Enrolment, reason: str, today: date, at: datetime) -> ContractReinstated:
    if reason not in REINSTATEMENT_REASONS:
        raise InvalidReinstatementReason(f"a contract is reinstated for one of {', '.join(REINSTATEMENT_REASONS)}")
    s = contract.signed
    if contract.status != "expired":
        raise ContractNotExpired(f"contract {s.contract_id} is {contract.status}: only an expiry is undone")
    if today > s.ends_on:
        raise ExpiryStands(f"contract {s.contract_id} covered up to {s.ends_on}: its expiry stands")
    if contract.successor_id is not None:
        raise ContractContinuedSince(f"contract {s.contract_id} is continued by {contract.successor_id}")
    if held.active_contract_id is not None:
        raise ResidentContractedSince("the resident holds another contract since")  # whose, the caller may not know
    return ContractReinstated(
        s.contract_id, s.resident_ref, s.team_id, s.institution_id, s.area_code, reason, s.ends_on, at
    )
