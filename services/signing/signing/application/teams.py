"""Teams: registration and changes (members joining and leaving, caps), as commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.commands import Session, Work
from shared.principal import Principal
from signing.application import access
from signing.application.commands import ChangeCap, JoinTeam, LeaveTeam, RegisterTeam
from signing.application.streams import TEAMS
from signing.application.views import team_view
from signing.domain import team_changes
from signing.domain.errors import TeamNotFound
from signing.domain.team import Team


class Teams:
    def register(self, who: Principal, command: RegisterTeam) -> Work:
        registration = command.registration
        access.may_register_team(who, registration.area_code)

        def handle(session: Session) -> dict[str, Any]:
            existing, _ = session.load(TEAMS, registration.team_id)
            event = team_changes.register(existing, registration)
            registered, version = session.record(TEAMS, registration.team_id, event)
            assert registered is not None
            return team_view(registered, version)

        return Work(handle, reads=[(TEAMS, registration.team_id)])

    def join(self, who: Principal, c: JoinTeam) -> Work:
        return self._change(who, c.team_id, c.expected_version, lambda t, s: team_changes.join(t, c.member, s))

    def leave(self, who: Principal, c: LeaveTeam) -> Work:
        return self._change(who, c.team_id, c.expected_version, lambda t, s: team_changes.leave(t, c.member_id, s))

    def change_cap(self, who: Principal, c: ChangeCap) -> Work:
        return self._change(
            who,
            c.team_id,
            c.expected_version,
            lambda t, s: team_changes.change_cap(t, c.member_id, c.resident_cap, s),
        )

    @staticmethod
    def _change(who: Principal, team_id: str, expected: int | None, decide: Callable[[Team, Any], object]) -> Work:
        """Load the team (at the version the caller read), let the rule decide, record it."""

        def handle(session: Session) -> dict[str, Any]:
            current, _ = session.load(TEAMS, team_id)
            if current is None:
                raise TeamNotFound(f"no team {team_id} is registered")
            access.may_change_team(who, current.registration.area_code)
            session.load(TEAMS, team_id, expected)  # the version only to whom may change it
            changed, version = session.record(TEAMS, team_id, decide(current, session.context.now))
            assert changed is not None
            return team_view(changed, version)

        return Work(handle, reads=[(TEAMS, team_id)])
