"""The contract lifecycle after signing: renew, switch team, terminate, expire.

These commands act on a contract that exists: the route reads it first (its team and
resident never change), so each command declares every stream it needs and the batch
loads them in one query; the handler then decides on the batch's fresh state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from shared.commands import Session, Work
from shared.domain import ERASED
from shared.principal import Principal
from signing.application import access, ending
from signing.application.commands import Changes, ExpireContract, RenewContract, SwitchTeam, TerminateContract
from signing.application.starting import Start, Starts
from signing.application.streams import CONTRACTS, ENROLMENTS, TEAMS
from signing.domain import enrolment, lifecycle
from signing.domain.contract import Contract
from signing.domain.errors import InvalidLastDay, InvalidTerminationReason, ResidentErased, SameTeam
from signing.domain.populations import without_age_tags


class Lifecycle:
    def __init__(self, starts: Starts) -> None:
        self.starts = starts

    def renew(self, who: Principal, c: RenewContract, old: Contract) -> Work:
        access.may_renew(who, old)
        starts_on = lifecycle.renewal_start(old, c.today)
        start = self._continuation(old, c.new_contract_id, old.signed.team_id, starts_on, c.changes)
        start = replace(
            start,
            agreement_id=old.signed.agreement_id,  # a family's renewal stays in the family's agreement
            agreement_kind=old.signed.agreement_kind,
            doctor_id=c.changes.doctor_id or old.signed.doctor_id,
            renews_contract_id=old.contract_id,
        )

        def handle(session: Session) -> dict[str, Any]:
            current = ending.load(session, old.contract_id, c.expected_version)
            lifecycle.renewal_start(current, c.today)  # still renewable in this batch's state
            held = session.load(ENROLMENTS, start.resident_ref).state
            if current.status == "active":  # renewed before its end: it hands over its place
                ending.release_place(session, current)
                moves = enrolment.transfer(held, current.contract_id, start.contract_id)
            else:
                moves = [enrolment.enrol(held, start.contract_id)]
            new, version = self.starts.start(session, start)
            session.record(ENROLMENTS, start.resident_ref, *moves)
            session.record(
                CONTRACTS, current.contract_id, lifecycle.continued(current, ending.new_id(new), session.context.now)
            )
            return ending.view(new, version)

        return Work(handle, reads=ending.streams(old, start.team_id))

    def switch(self, who: Principal, c: SwitchTeam, old: Contract, predecessor: Contract | None) -> Work:
        access.may_switch(who, old)
        if c.team_id == old.signed.team_id and c.changes.doctor_id == old.signed.doctor_id:
            raise SameTeam(f"contract {old.contract_id} is already with team {c.team_id} and that doctor")
        start = self._continuation(old, c.new_contract_id, c.team_id, c.starts_on, c.changes)
        start = replace(start, replaces_contract_id=old.contract_id)
        day_before = c.starts_on - timedelta(days=1)

        def handle(session: Session) -> dict[str, Any]:
            current = ending.load(session, old.contract_id, c.expected_version)
            why = lifecycle.Ending("switched_team", day_before, start.contract_id, session.context.now)
            ending.end(session, current, lifecycle.end_early(current, ending.previous(session, predecessor), why))
            new, version = self.starts.start(session, start)
            held = session.load(ENROLMENTS, start.resident_ref).state
            session.record(ENROLMENTS, start.resident_ref, enrolment.enrol(held, start.contract_id))
            return ending.view(new, version)

        return Work(handle, reads=ending.streams(old, c.team_id, predecessor))

    def terminate(self, who: Principal, c: TerminateContract, old: Contract, predecessor: Contract | None) -> Work:
        access.may_terminate(who, old, c.reason)
        if c.reason not in lifecycle.EARLY_END_REASONS:
            raise InvalidTerminationReason(
                f"a contract is terminated for one of {', '.join(lifecycle.EARLY_END_REASONS)}"
            )
        last_day = c.last_day or c.today
        if last_day > c.today:
            raise InvalidLastDay(f"a termination takes effect at the latest today ({c.today})")

        def handle(session: Session) -> dict[str, Any]:
            current = ending.load(session, old.contract_id, c.expected_version)
            why = lifecycle.Ending(c.reason, last_day, None, session.context.now)
            ending.end(session, current, lifecycle.end_early(current, ending.previous(session, predecessor), why))
            return ending.view(*session.load(CONTRACTS, old.contract_id))

        return Work(handle, reads=ending.streams(old, None, predecessor))

    @staticmethod
    def expire(who: Principal, c: ExpireContract) -> Work:
        access.may_run_schedules(who)

        def handle(session: Session) -> dict[str, Any]:
            current = ending.load(session, c.contract_id, None)
            expired = lifecycle.expire(current, c.as_of, session.context.now)
            session.record(CONTRACTS, c.contract_id, expired)
            ending.release(session, current)
            return ending.view(*session.load(CONTRACTS, c.contract_id))

        return Work(handle, reads=[(CONTRACTS, c.contract_id), (TEAMS, c.team_id), (ENROLMENTS, c.resident_ref)])

    def _continuation(self, old: Contract, contract_id: str, team_id: str, starts_on: date, ch: Changes) -> Start:
        """The contract that follows `old`: the same resident and terms, except the changes."""
        s = old.signed
        if s.resident.identity_number == ERASED:
            raise ResidentErased(f"the resident of {old.contract_id} was erased")
        declared = (
            ch.key_populations if ch.key_populations is not None else without_age_tags(s.resident.key_populations)
        )
        assistance = s.resident.medical_assistance if ch.medical_assistance is None else ch.medical_assistance
        resident, ref = self.starts.party(
            replace(s.resident, key_populations=declared, medical_assistance=assistance), starts_on
        )
        term_years = s.term_years if ch.term_years is None else ch.term_years
        return Start(
            contract_id=contract_id,
            agreement_id=contract_id,  # switching, the resident makes an agreement of their own
            agreement_kind="individual",
            resident=resident,
            resident_ref=ref,
            team_id=team_id,
            doctor_id=ch.doctor_id,
            package_codes=ch.package_codes or tuple(p.code for p in s.packages),
            term_years=term_years,
            starts_on=starts_on,
            ends_on=self.starts.ends_on(starts_on, term_years),
            combined_signing=ch.combined_signing or s.combined_signing,
        )
