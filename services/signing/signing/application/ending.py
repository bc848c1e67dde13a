"""What ending a contract does to the other streams, shared by the lifecycle's commands:
an ended contract gives back its team place and frees its resident."""

from __future__ import annotations

from typing import Any

from shared.commands import Session
from signing.application.streams import CONTRACTS, ENROLMENTS, TEAMS
from signing.application.views import contract_view
from signing.domain import enrolment, team
from signing.domain.contract import Contract, ContractTerminated
from signing.domain.errors import ContractNotFound


def load(session: Session, contract_id: str, expected: int | None) -> Contract:
    current, _ = session.load(CONTRACTS, contract_id, expected)
    if current is None:
        raise ContractNotFound(f"no contract {contract_id}")
    return current


def previous(session: Session, predecessor: Contract | None) -> Contract | None:
    return load(session, predecessor.contract_id, None) if predecessor else None


def end(session: Session, current: Contract, terminations: list[ContractTerminated]) -> None:
    for terminated in terminations:
        session.record(CONTRACTS, terminated.contract_id, terminated)
    release(session, current)


def release(session: Session, ended: Contract) -> None:
    """An ended contract gives back its place in the team and frees its resident."""
    release_place(session, ended)
    ref = ended.signed.resident_ref
    session.record(ENROLMENTS, ref, *enrolment.release(session.load(ENROLMENTS, ref).state, ended.contract_id))


def release_place(session: Session, ended: Contract) -> None:
    s = ended.signed
    session.record(TEAMS, s.team_id, team.release_place(s.contract_id, s.doctor_id))


def streams(old: Contract, new_team_id: str | None, predecessor: Contract | None = None) -> list[Any]:
    s = old.signed
    reads = [(CONTRACTS, s.contract_id), (TEAMS, s.team_id), (ENROLMENTS, s.resident_ref)]
    if new_team_id and new_team_id != s.team_id:
        reads.append((TEAMS, new_team_id))
    if predecessor is not None:
        reads.append((CONTRACTS, predecessor.contract_id))
    return reads


def new_id(contract: Contract | None) -> str:
    assert contract is not None
    return contract.contract_id


def view(contract: Contract | None, version: int) -> dict[str, Any]:
    assert contract is not None
    return contract_view(contract, version)
