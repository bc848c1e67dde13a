"""Handlers of schedules: an institution's staff publish its family doctors' weekly sessions, and a
hospital opens its clinics' specialist sources; each day's sessions go to the doctor's agenda."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from health_records.application import access
from health_records.application.appointment_views import agenda_key
from health_records.application.commands import PublishSchedule
from health_records.application.streams import AGENDAS, ROSTERS
from health_records.domain import agendas, roster, schedules
from health_records.domain.schedules import WeeklySchedule
from shared.commands import Session, Work
from shared.domain import Forbidden
from shared.eventstore.streams import StreamType
from shared.principal import Principal

Read = tuple[StreamType[Any], str]


@dataclass(frozen=True)
class Schedules:
    zone: ZoneInfo
    reserved_percent: int  # for a schedule that does not say (an institution's setting)
    cutoff_minutes: int

    def publish_schedule(self, who: Principal, command: PublishSchedule) -> Work:
        """A family doctor's weekly sessions, published by the staff of the doctor's institution."""
        s = command.schedule
        access.may_publish_schedules(who, s.institution_id)

        def doctor_of_the_institution(session: Session) -> None:
            team = session.load(ROSTERS, s.team_id).state
            if team is not None and team.institution_id != s.institution_id:
                raise Forbidden(f"team {s.team_id} belongs to another institution")
            roster.role_of(team, s.team_id, s.doctor_id)

        return self._publish(s, doctor_of_the_institution, [(ROSTERS, s.team_id)])

    def open_sources(self, who: Principal, command: PublishSchedule) -> Work:
        """A hospital clinic's specialist source: its places are for family doctors' referrals."""
        s = command.schedule
        access.may_open_sources(who, s.institution_id)
        return self._publish(s, lambda _: None, [])

    def _publish(self, s: WeeklySchedule, check: Callable[[Session], None], reads: list[Read]) -> Work:
        days = schedules.sessions(s, self.zone)
        keys = {day: agenda_key(s.institution_id, s.doctor_id, day) for day in days}

        def handle(session: Session) -> dict[str, Any]:
            check(session)
            for day, published in days.items():
                agenda = session.load(AGENDAS, keys[day]).state
                session.record(AGENDAS, keys[day], agendas.publish(agenda, s.doctor_id, day, (published,)))
            sessions = [p.session_id for p in days.values()]
            return {"schedule_id": s.schedule_id, "doctor_id": s.doctor_id, "sessions": sessions}

        return Work(handle, reads=[*reads, *((AGENDAS, key) for key in keys.values())])
