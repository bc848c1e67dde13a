"""Whether a kept read still holds (`FiguresReader.unchanged`), asked in one round trip.

A dashboard polls the same view every few seconds; at a million residents the polls were
about a quarter of the API's time, most of it this check: two statements for how far the
streams had been applied, four more for a change between the two as-ofs, each built,
compiled and sent in turn. Here they are made once and sent together (`together`).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, select

from appraisal.adapters.projections.cases_tables import CASE_CHANGES
from appraisal.adapters.projections.facts_tables import FOLLOWERS, STREAM_POSITIONS, TEAM_CHANGES, TEAMS
from appraisal.adapters.projections.own_views import REGISTER
from appraisal.adapters.projections.totals import reach, within
from shared.readmodels.together import together

_STAMP = (
    select(STREAM_POSITIONS).order_by(*STREAM_POSITIONS.primary_key),
    select(FOLLOWERS.table).order_by(FOLLOWERS.table.c.follower),
)
"""How far the streams and appraisal's own log had been applied."""


def stamp(conn: Connection) -> Hashable:
    """How far the streams and appraisal's own log had been applied."""
    streams, own = together(conn, _STAMP, {})
    return tuple(streams), tuple(own)


def still(conn: Connection, period: str, area: str, since: datetime, until: datetime) -> tuple[Hashable, bool]:
    """The stamp now, and whether anything counted in the area (a change of its cases, a team,
    a team's change, a register figure) is at an instant in (since, until]: one round trip."""
    changes = _CHANGES[reach(area)]
    params = {"period": period, "since": since, "until": until, "city": area[:4], "area": area}
    streams, own, *changed = together(conn, [*_STAMP, changes, *_OTHERS], params)
    return (tuple(streams), tuple(own)), any(changed)


def _between(instant: ColumnElement[Any]) -> tuple[ColumnElement[bool], ...]:
    return instant > bindparam("since"), instant <= bindparam("until")


def _changes(*inside: ColumnElement[bool]) -> Select[Any]:
    c = CASE_CHANGES
    return select(c.c.period).where(c.c.period == bindparam("period"), *_between(c.c.instant), *inside).limit(1)


_CHANGES = {how: _changes(*within(how, bindparam("area"), bindparam("city"))) for how in ("city", "wider", "inside")}
_OTHERS = (
    select(TEAMS.c.team_id).where(*_between(TEAMS.c.known_at)).limit(1),
    select(TEAM_CHANGES.c.team_id).where(*_between(TEAM_CHANGES.c.known_at)).limit(1),
    select(REGISTER.c.area_code).where(*_between(REGISTER.c.recorded_at)).limit(1),
)
