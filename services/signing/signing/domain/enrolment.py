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
        raise AlreadyContracted(f"the resident already has active contract {enrolment.active_contract_id}")
    return ResidentEnrolled(contract_id)


def evolve(enrolment: Enrolment, event: object) -> Enrolment:
    match event:
        case ResidentEnrolled(contract_id=contract_id):
            return Enrolment(contract_id)
        case ResidentReleased():
            return Enrolment(None)
    raise ValueError(f"{type(event).__name__} does not apply to an enrolment")
