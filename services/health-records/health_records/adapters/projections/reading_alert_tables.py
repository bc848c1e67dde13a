"""The tables of the read model "reading alerts" (`reading_alerts` keeps them, `reading_alert_reads`
reads them): the contracts that name the team in charge, the alerts, and each team's counts per
local day with the teams that have any, indexed by their area at each official's level."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, Float, Index, Integer, String, Table

from health_records.adapters.projections.fulfilment import METADATA
from shared.readmodels.areas import LEVELS, prefix
from shared.readmodels.indexes import kept_up

TEAMS_IN_CHARGE = Table(
    "reading_alert_contracts",
    METADATA,
    Column("contract_id", String(64), primary_key=True),
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("team_id", String(64), nullable=False),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("position", BigInteger, nullable=False),  # the later started wins a day two contracts cover
)
ALERTS = Table(
    "reading_alerts_v2",
    METADATA,
    Column("alert_id", String(36), primary_key=True),
    # In the log, of the last reading counted: the worklist's order (newest first), and what a
    # replayed event is recognised by (it is not after it).
    Column("position", BigInteger, nullable=False),
    Column("reason", String(16), nullable=False),  # out_of_target, implausible
    Column("team_id", String(64), nullable=False),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("device_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("target", Float),  # the limit an out-of-target reading reached
    Column("measured_at", DateTime(timezone=True), nullable=False),
    Column("measured_on", Date, nullable=False),  # the local day, for periods
    Column("readings", Integer, nullable=False),  # counted: 1 out of target, the day's implausible ones
    Column("acknowledged_by", String(100)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Index("reading_alerts_v2_team", "team_id", "position"),
)
# The open worklist, newest first, a page read from the index alone: by (team, position) with the
# acknowledged alerts, most of a team's in time, a page of the open ones read and sorted them all.
OPEN_ALERTS = Index(
    "reading_alerts_v2_open", ALERTS.c.team_id, ALERTS.c.position, postgresql_where=ALERTS.c.acknowledged_at.is_(None)
)
TEAM_DAYS = Table(
    "reading_alert_days",
    METADATA,
    Column("team_id", String(64), primary_key=True),
    Column("institution_id", String(64), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("measured_on", Date, primary_key=True),  # the alerts' local day, as in ALERTS
    Column("out_of_target", Integer, nullable=False),  # alerts out of target
    Column("flagged", Integer, nullable=False),  # readings flagged implausible (the implausible alerts' counts)
    Column("open_alerts", Integer, nullable=False),  # alerts of the day not acknowledged now
)
GROUP = ("team_id", "institution_id", "area_code")
"""What the counts are per: a team, as its contracts name its institution and area."""
TEAMS = Table(
    "reading_alert_teams",  # the groups with a day in TEAM_DAYS: where a page of an area's teams is read
    METADATA,
    *(Column(c, String(64 if c != "area_code" else 12), primary_key=True) for c in GROUP),
)
BY_AREA = [  # a finer area is read from its county's, narrowed (`areas.within`)
    Index(
        f"reading_alert_teams_{digits}",
        prefix(TEAMS.c.area_code, digits),
        TEAMS.c.team_id,
        TEAMS.c.institution_id,
        TEAMS.c.area_code,
    )
    for digits in LEVELS.values()
]
TABLES = (TEAMS_IN_CHARGE, ALERTS, TEAM_DAYS, TEAMS)
FOLLOWER = "reading_alerts_v2"
COUNTED = "reading_alert_days"
"""In the followers' positions: how far in the log `TEAM_DAYS` and `TEAMS` hold the alerts' counts."""
RETIRED_INDEXES = ("reading_alerts_v2_area",)
"""The alerts by area and day until 2026-12-06: an area's period read the area's alerts of every day."""

DAY = (*GROUP, "measured_on")

kept_up(METADATA, ALERTS, RETIRED_INDEXES)
