"""Handlers of the services the team delivers (visits, long prescriptions, family sickbeds)
and of the resident's rating of them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from health_records.application import access
from health_records.application.clock import today
from health_records.application.commands import (
    AdmitToSickbed,
    CompleteVisit,
    DischargeFromSickbed,
    IssueLongPrescription,
    RateService,
)
from health_records.application.streams import CARE, PLANS, RECORDS, ROSTERS
from health_records.application.views import prescription_view, rating_view, sickbed_view, visit_view
from health_records.domain import feedback, prescriptions, roster, sickbeds, visits
from health_records.domain.care import Care
from health_records.domain.errors import NoRecentContract, RecordNotFound
from shared.commands import Session, Work
from shared.principal import Principal


@dataclass(frozen=True)
class Delivery:
    zone: ZoneInfo
    rating_window_days: int

    def _serve(self, session: Session, who: Principal, ref: str) -> tuple[Care, str]:
        """The resident's care, and the caller's team, which must be in charge of them."""
        care = session.load(CARE, ref).state
        team_id = access.may_serve(who, care, today(session, self.zone))
        assert care is not None  # a team is in charge only of a resident with a contract
        return care, team_id

    def complete_visit(self, who: Principal, command: CompleteVisit) -> Work:
        ref = command.resident_ref
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care, team_id = self._serve(session, who, ref)
            report = replace(command.report, team_id=team_id)
            role = roster.role_of(session.load(ROSTERS, team_id).state, team_id, report.member_id)
            plan = session.load(PLANS, ref).state
            done = visits.complete_visit(care, plan, role, report, session.context.now)
            session.record(CARE, ref, done)
            return visit_view(done)

        return Work(handle, reads=[(CARE, ref), (PLANS, ref), (ROSTERS, who.team_id or "")])

    def issue_long_prescription(self, who: Principal, command: IssueLongPrescription) -> Work:
        ref = command.resident_ref
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care, team_id = self._serve(session, who, ref)
            p = replace(command.prescription, team_id=team_id)
            roster.role_of(session.load(ROSTERS, team_id).state, team_id, p.member_id)
            record = session.load(RECORDS, ref).state
            if record is None:
                raise RecordNotFound(f"no record for resident {ref}")
            issued = prescriptions.issue(care, record.active_categories(), p, today(session, self.zone))
            session.record(CARE, ref, issued)
            return prescription_view(issued)

        return Work(handle, reads=[(CARE, ref), (RECORDS, ref), (ROSTERS, who.team_id or "")])

    def admit_to_sickbed(self, who: Principal, command: AdmitToSickbed) -> Work:
        ref = command.resident_ref
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care, team_id = self._serve(session, who, ref)
            admission = replace(command.admission, team_id=team_id)
            admitted = sickbeds.admit(care, admission, today(session, self.zone))
            updated, _ = session.record(CARE, ref, admitted)
            assert updated is not None
            return sickbed_view(updated.sickbeds[-1])

        return Work(handle, reads=[(CARE, ref)])

    def discharge_from_sickbed(self, who: Principal, command: DischargeFromSickbed) -> Work:
        ref = command.resident_ref
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care, team_id = self._serve(session, who, ref)
            day = today(session, self.zone)
            discharged = sickbeds.discharge(care, team_id, command.sickbed_id, command.discharged_on, day)
            updated, _ = session.record(CARE, ref, discharged)
            bed = updated.sickbed(command.sickbed_id) if updated else None
            assert bed is not None
            return sickbed_view(bed)

        return Work(handle, reads=[(CARE, ref)])

    def rate_service(self, who: Principal, command: RateService) -> Work:
        ref = command.resident_ref
        access.may_act_as_resident(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care = session.load(CARE, ref).state
            if care is None:
                raise NoRecentContract("you have no contract to rate")
            now, day = session.context.now, today(session, self.zone)
            rated = feedback.rate(care, command.rating, now, day, self.rating_window_days)
            session.record(CARE, ref, rated)
            return rating_view(rated)

        return Work(handle, reads=[(CARE, ref)])
