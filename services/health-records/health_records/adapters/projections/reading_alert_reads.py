"""The reading alerts as the API reads them: a team's worklist, page by page, and each team's
counts of a period for an area's officials (`reading_alert_tables`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, func, select, true, tuple_

from health_records.adapters.projections.reading_alert_tables import ALERTS, GROUP, TEAM_DAYS, TEAMS
from shared.readmodels.areas import within


class ReadingAlerts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def worklist(self, team_id: str, open_only: bool, before: int | None, limit: int) -> dict[str, Any]:
        """A page of the team's alerts, newest first; `next_before` asks for the next page."""
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(worklist_query(team_id, open_only, before, limit))]
        items = [_item(r) for r in rows]
        return {"team_id": team_id, "items": items, "next_before": rows[-1]["position"] if len(rows) == limit else None}

    def find(self, team_id: str, alert: str) -> dict[str, Any] | None:
        a = ALERTS.c
        with self.engine.connect() as conn:
            found = conn.execute(select(ALERTS).where(a.alert_id == alert, a.team_id == team_id)).first()
        return _item(dict(found._mapping)) if found else None

    def per_team(self, asked: CountsAsked) -> list[dict[str, Any]]:
        """Each team's readings of the period: out of target, flagged implausible, and the alerts
        still open; a page of the teams, in order (team, institution, area). Counts only: no resident."""
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(per_team_query(asked))]


Team = tuple[str, str, str]
"""A team as the counts are per (`GROUP`): where a page of them ends."""


@dataclass(frozen=True)
class CountsAsked:
    """The teams of an area (a code or its prefix) with alerts on the local days `first` to
    `last`: those after `after`, at most `limit`; `team_id`, that team's alone (a doctor's own)."""

    area_code: str
    first: date
    last: date
    team_id: str | None = None
    after: Team | None = None
    limit: int = 500


def per_team_query(asked: CountsAsked) -> Select[Any]:
    """A page of the area's teams in the order of its level's index, each summing its days of the
    period from the days' key: the teams read, and their days of the period, not the area's history."""
    t, d, area = TEAMS.c, TEAM_DAYS.c, asked.area_code
    period = select(
        func.count().label("days"),
        func.coalesce(func.sum(d.out_of_target), 0).label("out_of_target"),
        func.coalesce(func.sum(d.flagged), 0).label("flagged"),
        func.coalesce(func.sum(d.open_alerts), 0).label("open_alerts"),
    ).where(*(d[c] == t[c] for c in GROUP), d.measured_on.between(asked.first, asked.last))
    sums = period.lateral("period")
    query = select(*(t[c] for c in GROUP), sums.c.out_of_target, sums.c.flagged, sums.c.open_alerts)
    query = query.select_from(TEAMS.join(sums, true())).where(sums.c.days > 0)  # no alert that period: not listed
    query = query.where(*within(t.area_code, area))
    if asked.team_id is not None:
        query = query.where(t.team_id == asked.team_id)
    if asked.after is not None:
        query = query.where(tuple_(*(t[c] for c in GROUP)) > tuple_(*asked.after))
    return query.order_by(*(t[c] for c in GROUP)).limit(asked.limit)


def worklist_query(team_id: str, open_only: bool, before: int | None, limit: int) -> Select[Any]:
    """A page of the worklist, read in the order of an index (`OPEN_ALERTS` for the open ones)."""
    a = ALERTS.c
    query = select(ALERTS).where(a.team_id == team_id)
    if open_only:
        query = query.where(a.acknowledged_at.is_(None))
    if before is not None:
        query = query.where(a.position < before)
    return query.order_by(a.position.desc()).limit(limit)


def _item(row: dict[str, Any]) -> dict[str, Any]:
    acknowledged = row["acknowledged_at"]
    return {
        "alert_id": row["alert_id"],
        "reason": row["reason"],
        "status": "open" if acknowledged is None else "acknowledged",
        "resident_ref": row["resident_ref"],
        "device_id": row["device_id"],
        "kind": row["kind"],
        "value": row["value"],
        "unit": row["unit"],
        "target": row["target"],
        "measured_at": row["measured_at"].isoformat(),
        "readings": row["readings"],
        "institution_id": row["institution_id"],
        "area_code": row["area_code"],
        "acknowledged_by": row["acknowledged_by"],
        "acknowledged_at": acknowledged.isoformat() if acknowledged else None,
    }
