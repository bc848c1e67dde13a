"""A resident's enrolment: at most one active contract at a time, whatever the team."""

from __future__ import annotations

from dataclasses import dataclass

from signing.domain.errors import AlreadyContracted


@dataclass(frozen=True)
class ResidentEnrolled:
    contract_id: str


@dataclass(frozen=True)
class ResidentReleased:
    contract_id: str


@dataclass(frozen=True)
class Enrolment:
    active_contract_id: str | None = None


def enrol(enrolment: Enrolment, contract_id: str) -> ResidentEnrolled:
    if enrolment.active_contract_id is not None:
        raise AlreadyContracted("the resident already has an active contract")  # whose, the caller may not know
    return ResidentEnrolled(contract_id)


def release(enrolment: Enrolment, contract_id: str) -> list[ResidentReleased]:
    """Free the resident when `contract_id` ends (nothing to do if another one holds them)."""
    return [ResidentReleased(contract_id)] if enrolment.active_contract_id == contract_id else []


def transfer(enrolment: Enrolment, from_id: str, to_id: str) -> list[ResidentEnrolled | ResidentReleased]:
    """From one contract to the one that renews or replaces it, in one step."""
    if enrolment.active_contract_id != from_id:
        raise AlreadyContracted(f"the resident's active contract is not {from_id}")
    return [ResidentReleased(from_id), ResidentEnrolled(to_id)]


def evolve(enrolment: Enrolment, event: object) -> Enrolment:
    match event:
        case ResidentEnrolled(contract_id=contract_id):
            return Enrolment(contract_id)
        case ResidentReleased():
            return Enrolment(None)
    raise ValueError(f"{type(event).__name__} does not apply to an enrolment")
