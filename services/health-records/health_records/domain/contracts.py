"""Signing's contract lifecycle, noted in a resident's care (each fact once, however often told)."""

from __future__ import annotations

from datetime import date

from health_records.domain.care import Care
from health_records.domain.care_events import ContractEnded, ContractReinstated, ContractStarted
from health_records.domain.errors import UnknownContract


def note_started(care: Care | None, started: ContractStarted) -> list[ContractStarted]:
    if care is not None and care.contract(started.contract_id) is not None:
        return []
    return [started]


def note_ended(care: Care | None, contract_id: str, reason: str, last_day: date) -> list[ContractEnded]:
    contract = care.contract(contract_id) if care is not None else None
    if contract is None:
        raise UnknownContract(f"contract {contract_id} was never noted for this resident")
    if contract.end_reason is not None:
        return []
    return [ContractEnded(contract_id, reason, last_day)]


def note_reinstated(care: Care | None, contract_id: str, last_day: date) -> list[ContractReinstated]:
    """Undo a noted expiry (nothing to undo if none was noted: told twice, or never expired here)."""
    contract = care.contract(contract_id) if care is not None else None
    if contract is None:
        raise UnknownContract(f"contract {contract_id} was never noted for this resident")
    return [ContractReinstated(contract_id, last_day)] if contract.end_reason == "expired" else []
