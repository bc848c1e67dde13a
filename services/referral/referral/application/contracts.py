"""Signing's contract events as local commands: referral learns who is contracted with whom."""

from __future__ import annotations

from typing import Any

from referral.application.commands import EndContract, NoteContract, ReinstateContract
from referral.application.streams import RESIDENTS
from referral.domain import contracts
from shared.commands import Session, Work


def note_contract(command: NoteContract) -> Work:
    def handle(session: Session) -> dict[str, Any]:
        known, _ = session.load(RESIDENTS, command.resident_ref)
        session.record(RESIDENTS, command.resident_ref, *contracts.note(known, command.coverage))
        return {"contract_id": command.coverage.contract_id}

    return Work(handle, reads=[(RESIDENTS, command.resident_ref)])


def reinstate_contract(command: ReinstateContract) -> Work:
    def handle(session: Session) -> dict[str, Any]:
        known, _ = session.load(RESIDENTS, command.resident_ref)
        session.record(RESIDENTS, command.resident_ref, *contracts.reinstate(known, command.contract_id))
        return {"contract_id": command.contract_id}

    return Work(handle, reads=[(RESIDENTS, command.resident_ref)])


def end_contract(command: EndContract) -> Work:
    def handle(session: Session) -> dict[str, Any]:
        known, _ = session.load(RESIDENTS, command.resident_ref)
        session.record(RESIDENTS, command.resident_ref, *contracts.end(known, command.contract_id, command.last_day))
        return {"contract_id": command.contract_id}

    return Work(handle, reads=[(RESIDENTS, command.resident_ref)])
