"""Signing's public events as local commands: a contract opens the record and draws the plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from health_records.application.commands import (
    NoteContractEnded,
    NoteContractReinstated,
    NoteContractStarted,
    NoteRoster,
)
from health_records.application.streams import CARE, PLANS, RECORDS, ROSTERS
from health_records.domain import contracts, plan, record, roster
from health_records.domain.norms import PlanNorms
from health_records.domain.record_events import RecordOpened
from shared.commands import Session, Work


@dataclass(frozen=True)
class Inbound:
    norms: PlanNorms

    def note_contract_started(self, command: NoteContractStarted) -> Work:
        started = command.started
        ref = started.resident_ref

        def handle(session: Session) -> dict[str, Any]:
            noted = contracts.note_started(session.load(CARE, ref).state, started)
            if noted:
                session.record(CARE, ref, *noted)
                opened = RecordOpened(ref, started.area_code, started.contract_id, started.started_at)
                session.record(RECORDS, ref, *record.open_record(session.load(RECORDS, ref).state, opened))
                session.record(PLANS, ref, *plan.draw(session.load(PLANS, ref).state, self.norms, started))
            return {"resident_ref": ref, "contract_id": started.contract_id, "noted": bool(noted)}

        return Work(handle, reads=[(CARE, ref), (RECORDS, ref), (PLANS, ref)])

    @staticmethod
    def note_contract_ended(command: NoteContractEnded) -> Work:
        ref = command.resident_ref

        def handle(session: Session) -> dict[str, Any]:
            care = session.load(CARE, ref).state
            ended = contracts.note_ended(care, command.contract_id, command.reason, command.last_day)
            session.record(CARE, ref, *ended)
            return {"resident_ref": ref, "contract_id": command.contract_id, "noted": bool(ended)}

        return Work(handle, reads=[(CARE, ref)])

    @staticmethod
    def note_contract_reinstated(command: NoteContractReinstated) -> Work:
        ref = command.resident_ref

        def handle(session: Session) -> dict[str, Any]:
            care = session.load(CARE, ref).state
            undone = contracts.note_reinstated(care, command.contract_id, command.last_day)
            session.record(CARE, ref, *undone)
            return {"resident_ref": ref, "contract_id": command.contract_id, "noted": bool(undone)}

        return Work(handle, reads=[(CARE, ref)])

    @staticmethod
    def note_roster(command: NoteRoster) -> Work:
        team_id = command.roster.team_id

        def handle(session: Session) -> dict[str, Any]:
            noted = roster.note(session.load(ROSTERS, team_id).state, command.roster)
            session.record(ROSTERS, team_id, *noted)
            return {"team_id": team_id, "noted": bool(noted)}

        return Work(handle, reads=[(ROSTERS, team_id)])
