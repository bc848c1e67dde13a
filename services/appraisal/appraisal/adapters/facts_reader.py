"""Reading the facts as they were known at a moment: only rows whose source recorded them by
`as_of`, all in one consistent snapshot together with the stream positions applied."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar

from psycopg.types.json import set_json_loads
from pydantic_core import from_json
from sqlalchemy import Connection, Engine, Select, Table, or_, select

from appraisal.adapters.facts_tables import (
    CARE,
    CONTRACT_ENDS,
    CONTRACT_STARTS,
    RATINGS,
    REFERRAL_STEPS,
    STREAM_POSITIONS,
    TEAM_CHANGES,
    TEAMS,
    VISITS,
)
from appraisal.adapters.own_views import register_as_of
from appraisal.application.appraising import Snapshot
from appraisal.domain import facts as f
from appraisal.domain.periods import Period
from appraisal.domain.results import StreamPosition

T = TypeVar("T")
YEAR = timedelta(days=366)


class FactsReader:
    def __init__(self, engine: Engine, zone: tzinfo) -> None:
        self._engine, self._zone = engine, zone

    def snapshot(self, as_of: datetime, period: Period, area: str = "") -> Snapshot:
        """The facts an appraisal of `period` needs, for teams in `area` (and residents living there)."""
        known = as_of.astimezone(UTC)
        since = datetime.combine(period.first, time(), UTC) - timedelta(days=1)  # a day's margin for zones
        until = datetime.combine(period.last + timedelta(days=1), time(), self._zone).astimezone(UTC)
        with self._consistent() as conn:
            facts = f.Facts(
                teams=_teams(conn, known, area, until),
                contracts=_contracts(conn, known, period, area),
                # a contract year that ends in the period began up to a year before it
                visits=_rows(conn, _visit, _known(VISITS, known, area, VISITS.c.occurred_at >= since - YEAR)),
                ratings=_rows(conn, _rating, _known(RATINGS, known, area, RATINGS.c.rated_at >= since)),
                referrals=_rows(conn, _step, _known(REFERRAL_STEPS, known, area, REFERRAL_STEPS.c.issued_at >= since)),
                care=_rows(conn, _care, _known(CARE, known, area, CARE.c.occurred_on >= period.first)),
                register=register_as_of(conn, known, period.year),
            )
            positions = tuple(StreamPosition(*r) for r in conn.execute(select(STREAM_POSITIONS)))
        return Snapshot(facts, positions)

    @contextmanager
    def _consistent(self) -> Iterator[Connection]:
        """One snapshot for every query (PostgreSQL's repeatable read; SQLite's read transaction)."""
        with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                # items, tags and readings are JSON: the standard parser was most of the read's time
                set_json_loads(from_json, conn.connection.driver_connection)
            with conn.begin():
                yield conn


def _rows(conn: Connection, convert: Callable[[Any], T], query: Select[Any]) -> tuple[T, ...]:
    return tuple(convert(r) for r in conn.execute(query))


def _known(table: Table, known: datetime, area: str, *more: Any) -> Select[Any]:
    query = select(table).where(table.c.known_at <= known, *more)
    if area:
        query = query.where(table.c.area_code.startswith(area))
    return query.order_by(table.c.event_id)


def _teams(conn: Connection, known: datetime, area: str, until: datetime) -> tuple[f.TeamFact, ...]:
    """Each team as registered, with the doctors who joined or left and the caps that changed
    before `until` (the period's end), as far as they were known by then."""
    registered = _known(TEAMS, known, area).order_by(None).order_by(TEAMS.c.known_at, TEAMS.c.event_id)
    members = {r.team_id: (_where(r), {m["member_id"]: m for m in r.members}) for r in conn.execute(registered)}
    changes = select(TEAM_CHANGES).where(
        TEAM_CHANGES.c.known_at <= known,
        TEAM_CHANGES.c.changed_at < until,
        TEAM_CHANGES.c.team_id.in_(registered.with_only_columns(TEAMS.c.team_id)),
    )
    for r in conn.execute(changes.order_by(TEAM_CHANGES.c.changed_at, TEAM_CHANGES.c.event_id)):
        _change(members[r.team_id][1], r)
    return tuple(f.TeamFact(where, _doctor_caps(team)) for _, (where, team) in sorted(members.items()))


def _change(team: dict[str, dict[str, Any]], r: Any) -> None:
    if r.change == "joined":
        team[r.member_id] = {"member_id": r.member_id, "role": r.role, "resident_cap": r.resident_cap}
    elif r.change == "left":
        team.pop(r.member_id, None)
    elif r.member_id in team:  # a doctor's cap; the team's own cap is signing's limit, not capacity
        team[r.member_id] = team[r.member_id] | {"resident_cap": r.resident_cap}


def _doctor_caps(team: dict[str, dict[str, Any]]) -> tuple[int | None, ...]:
    return tuple(m["resident_cap"] for _, m in sorted(team.items()) if m["role"] in f.CONTRACTING_ROLES)


def _contracts(conn: Connection, known: datetime, period: Period, area: str) -> tuple[f.ContractFact, ...]:
    """Contracts not over before the period began (a renewal names the one it continues),
    each with how it ended, if that was known by then."""
    t = CONTRACT_STARTS
    wanted = select(t).where(t.c.known_at <= known, t.c.ends_on >= period.first)
    if area:
        wanted = wanted.where(or_(t.c.area_code.startswith(area), t.c.resident_area_code.startswith(area)))
    ended = select(CONTRACT_ENDS).where(
        CONTRACT_ENDS.c.known_at <= known,
        CONTRACT_ENDS.c.contract_id.in_(wanted.with_only_columns(t.c.contract_id)),
    )
    endings: dict[str, f.Ending] = {}
    for r in conn.execute(ended.order_by(CONTRACT_ENDS.c.ended_at.desc(), CONTRACT_ENDS.c.event_id)):
        endings[r.contract_id] = f.Ending(r.kind, r.last_day, r.reason)  # the earliest wins
    started: dict[str, f.ContractFact] = {}
    for r in conn.execute(wanted.order_by(t.c.known_at.desc(), t.c.event_id)):
        started[r.contract_id] = _contract(r)
    return tuple(replace(c, ending=endings.get(i)) for i, c in sorted(started.items()))


def _where(r: Any) -> f.Where:
    return f.Where(r.team_id, r.institution_id, r.area_code)


def _aware(instant: datetime) -> datetime:
    """SQLite gives back naive times; they were written in UTC."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _contract(r: Any) -> f.ContractFact:
    items = tuple(f.Item(i["code"], i["times_per_year"]) for i in r.items)
    return f.ContractFact(
        r.contract_id, r.resident_ref, r.resident_area_code, _where(r), items, tuple(r.key_populations),
        r.starts_on, r.ends_on, _aware(r.signed_at), r.renews_contract_id,
    )  # fmt: skip


def _visit(r: Any) -> f.VisitFact:
    measured = tuple(f.Measurement(m["kind"], m["value"]) for m in r.measurements)
    fulfils = tuple(r.fulfils)
    return f.VisitFact(r.visit_id, r.resident_ref, r.contract_id, _where(r), fulfils, measured, _aware(r.occurred_at))


def _rating(r: Any) -> f.RatingFact:
    scores = (r.ability, r.attitude, r.responsiveness)
    return f.RatingFact(r.rating_id, r.resident_ref, _where(r), *scores, _aware(r.rated_at))


def _step(r: Any) -> f.ReferralStep:
    times = (_aware(r.issued_at), _aware(r.step_at))
    return f.ReferralStep(r.referral_id, r.step, r.resident_ref, _where(r), *times, r.priority)


def _care(r: Any) -> f.CareFact:
    return f.CareFact(r.kind, r.ref, r.resident_ref, _where(r), r.occurred_on)
