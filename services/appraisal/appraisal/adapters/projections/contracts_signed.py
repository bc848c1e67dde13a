"""How many contracts each team has signed (the first slice's figure), read from the facts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Select, func, select

from appraisal.adapters.projections.facts_tables import CONTRACT_STARTS, TEAMS

_T = CONTRACT_STARTS


class ContractsSignedByTeam:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def for_team(self, team_id: str) -> dict[str, object] | None:
        with self._engine.connect() as conn:
            row = conn.execute(_counted().where(_T.c.team_id == team_id)).first()
        return dict(row._mapping) if row else None

    def in_area(
        self, area_prefix: str, after: str = "", limit: int = 500
    ) -> tuple[list[dict[str, object]], str | None]:
        """Of the area's next `limit` teams after `after` (as registered, by id), those that signed a
        contract; and the last team looked at, when more may follow. A page of teams, each counted
        by its own rows: grouping the area's every contract start read a city's millions at once."""
        teams = (
            select(TEAMS.c.team_id)
            .where(TEAMS.c.area_code.startswith(area_prefix), TEAMS.c.team_id > after)
            .distinct()
            .order_by(TEAMS.c.team_id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            page = list(conn.scalars(teams))
            found = conn.execute(_counted().where(_T.c.team_id.in_(page)).order_by(_T.c.team_id)).all()
            return [dict(r._mapping) for r in found], page[-1] if len(page) == limit else None


def _counted() -> Select[Any]:
    """Every contract signed with each team (renewals are not signings), whenever known."""
    return (
        select(
            _T.c.team_id,
            func.min(_T.c.institution_id).label("institution_id"),
            func.min(_T.c.area_code).label("area_code"),
            func.count().label("contracts_signed"),
        )
        .where(_T.c.kind == "signed")
        .group_by(_T.c.team_id)
    )
