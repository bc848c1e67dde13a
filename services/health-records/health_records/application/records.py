"""Handlers of the record and the plan: the team in charge amends them; every read is logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from health_records.application import access
from health_records.application.clock import today
from health_records.application.commands import (
    AmendRecord,
    RecordAllergy,
    RecordAmendment,
    RecordBasicInformation,
    RecordCondition,
    RecordFamilyHistory,
    RecordRecentInformation,
    ResolveCondition,
    RevisePlan,
)
from health_records.application.streams import CARE, PLANS, READS, RECORDS
from health_records.application.views import plan_view, record_view
from health_records.domain import plan as plans
from health_records.domain import record as records
from health_records.domain.errors import IdentityMismatch, RecordNotFound
from health_records.domain.reads import RecordRead
from shared.commands import Session, Work
from shared.principal import Principal
from shared.pseudonyms import resident_ref


@dataclass(frozen=True)
class Records:
    zone: ZoneInfo
    pseudonym_key: str

    def amend_record(self, who: Principal, command: AmendRecord) -> Work:
        ref = command.resident_ref
        access.screen(who, ref)
        self._same_person(command.amendment, ref)

        def handle(session: Session) -> dict[str, Any]:
            day = today(session, self.zone)
            care, _ = session.load(CARE, ref)
            access.may_serve(who, care, day)
            record, _ = session.load(RECORDS, ref, expected_version=command.expected_version)
            if record is None:
                raise RecordNotFound(f"no record for resident {ref}")
            amended, version = session.record(RECORDS, ref, _decide(command.amendment, record, day))
            assert amended is not None
            return record_view(amended, version, care)

        return Work(handle, reads=[(CARE, ref), (RECORDS, ref)])

    def _same_person(self, amendment: RecordAmendment, ref: str) -> None:
        """An identity number on the record must be the resident's: its pseudonym is their ref."""
        if not isinstance(amendment, RecordBasicInformation) or not amendment.information.identity_number:
            return
        if resident_ref(amendment.information.identity_number, self.pseudonym_key) != ref:
            raise IdentityMismatch("this identity number is not the resident's whose record this is")

    def revise_plan(self, who: Principal, command: RevisePlan) -> Work:
        ref = command.resident_ref
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care, _ = session.load(CARE, ref)
            access.may_serve(who, care, today(session, self.zone))
            plan, _ = session.load(PLANS, ref, expected_version=command.expected_version)
            if plan is None:
                raise RecordNotFound(f"no plan for resident {ref}")
            revised = plans.revise(plan, command.services, command.reason, session.context.now)
            updated, version = session.record(PLANS, ref, revised)
            assert updated is not None
            return plan_view(updated, version)

        return Work(handle, reads=[(CARE, ref), (PLANS, ref)])

    @staticmethod
    def log_read(who: Principal, ref: str, what: str, really_at: datetime) -> Work:
        """A professional read the record (access was decided by the query that read it), at
        the platform's time and at `really_at`, the real time, which no request can set."""

        def handle(session: Session) -> dict[str, Any]:
            now = session.context.now
            read = RecordRead(who.subject, who.role, who.team_id, who.institution_id, what, now, really_at)
            _, version = session.record(READS, ref, read)
            return {"logged": version}

        return Work(handle, reads=[(READS, ref)])


def _decide(amendment: RecordAmendment, record: records.HealthRecord, day: date) -> object:
    match amendment:
        case RecordBasicInformation(information=info):
            return records.record_basic(info, day)
        case RecordCondition(condition=condition):
            return records.record_condition(record, condition, day)
        case ResolveCondition(code=code, resolved_on=resolved_on):
            return records.resolve_condition(record, code, resolved_on, day)
        case RecordAllergy(allergy=allergy):
            return records.record_allergy(record, allergy)
        case RecordFamilyHistory(entry=entry):
            return records.record_family_history(record, entry)
        case RecordRecentInformation(entry=entry):
            return records.record_recent(entry, day)
    raise TypeError(f"unknown amendment {amendment!r}")
