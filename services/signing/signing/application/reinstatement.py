"""Reinstating a wrongly expired contract: it takes back its team place and its resident,
in the same transaction as the compensating event (the expiry gave both back)."""

from __future__ import annotations

from typing import Any

from shared.commands import Session, Work
from shared.principal import Principal
from signing.application import access, ending
from signing.application.commands import ReinstateContract
from signing.application.streams import CONTRACTS, ENROLMENTS, TEAMS
from signing.domain import enrolment, reinstatement, team
from signing.domain.contract import Contract


def reinstate(who: Principal, c: ReinstateContract, old: Contract) -> Work:
    access.may_reinstate(who, old)

    def handle(session: Session) -> dict[str, Any]:
        current = ending.load(session, c.contract_id, c.expected_version)
        s = current.signed
        held = session.load(ENROLMENTS, s.resident_ref).state
        reinstated = reinstatement.reinstate(current, held, c.reason, c.today, session.context.now)
        place = team.take_place(session.load(TEAMS, s.team_id).state, s.team_id, s.contract_id, s.doctor_id)
        session.record(TEAMS, s.team_id, place)
        session.record(ENROLMENTS, s.resident_ref, enrolment.enrol(held, s.contract_id))
        session.record(CONTRACTS, s.contract_id, reinstated)
        return ending.view(*session.load(CONTRACTS, s.contract_id))

    return Work(handle, reads=ending.streams(old, None))
