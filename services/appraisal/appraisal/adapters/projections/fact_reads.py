"""The queries behind a read of the facts: each table's rows known by a moment, with when
each was known, as the facts the indicators read. Each is a `Read`, run alone or sent with
others in one round trip (`Read.together`).

Only the columns the facts need; JSON comes as text and is parsed here (the driver's
per-value JSON loading was most of a read's time), and each team's `Where` is made once a read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic_core import from_json
from sqlalchemy import ARRAY, Column, Connection, Select, String, Table, any_, bindparam, cast, select

from appraisal.adapters.projections.facts_history import TeamChange, TeamRow
from appraisal.adapters.projections.facts_tables import (
    APPOINTMENT_STEPS,
    CARE,
    CONTRACT_ENDS,
    CONTRACT_STARTS,
    RATINGS,
    READINGS,
    REFERRAL_STEPS,
    TEAM_CHANGES,
    TEAMS,
    VISITS,
    city_of,
)
from appraisal.adapters.projections.own_views import REGISTER
from appraisal.domain import facts as f
from appraisal.domain.known import Known
from shared.readmodels.together import together

T = TypeVar("T")


class _Wheres(dict[tuple[str, str, str], f.Where]):
    def __missing__(self, key: tuple[str, str, str]) -> f.Where:
        self[key] = where = f.Where(*key)
        return where


@dataclass(frozen=True)
class Read(Generic[T]):
    """A query whose rows start with when each was known, and the fact each of its rows is."""

    query: Select[Any]
    fact: Callable[[Any, _Wheres], T]

    def run(self, conn: Connection) -> list[Known[T]]:
        return self.known(conn.execute(self.query).all())

    def known(self, rows: Sequence[Any]) -> list[Known[T]]:
        wheres = _Wheres()
        return [(aware(r[0]), self.fact(r, wheres)) for r in rows]

    @staticmethod
    def together(conn: Connection, reads: Sequence[Read[Any]], params: Mapping[str, Any]) -> list[list[Known[Any]]]:
        """Each read's facts, its query sent with the others at once (reads made once, with named
        parameters: `shared/readmodels/together.py`)."""
        found = together(conn, [r.query for r in reads], params)
        return [read.known(rows) for read, rows in zip(reads, found, strict=True)]


def teams(known: datetime, area: str) -> Read[TeamRow]:
    t = TEAMS
    query = _where_known(select(t.c.known_at, t.c.team_id, t.c.institution_id, t.c.area_code, _text(t.c.members)),
                         t, known, area).order_by(t.c.known_at, t.c.event_id)  # fmt: skip
    return Read(query, lambda r, wheres: TeamRow(r[1], wheres[r[1], r[2], r[3]], tuple(from_json(r[4]))))


def team_changes(known: datetime, until: datetime, team_ids: Collection[str]) -> Read[TeamChange]:
    """Changes before `until` (the period's end) of these teams, in the order they happened.
    The teams as one array: as a list, a city's thousands were written into the query's text at
    each read (9 ms of a read's 60 at a million residents)."""
    t = TEAM_CHANGES
    teams = bindparam("teams", sorted(team_ids), ARRAY(String))
    query = select(t.c.known_at, t.c.team_id, t.c.change, t.c.member_id, t.c.role, t.c.resident_cap).where(
        t.c.known_at <= known, t.c.changed_at < until, t.c.team_id == any_(teams)
    )
    return Read(query.order_by(t.c.changed_at, t.c.event_id), lambda r, _: TeamChange(*r[1:]))


def contracts(known: Any, area: str, *more: Any) -> Read[f.ContractFact]:
    """Contracts with teams in the area or residents living there; latest known first (a
    contract's earliest known start wins)."""
    t = CONTRACT_STARTS
    query = select(t.c.known_at, t.c.contract_id, t.c.resident_ref, t.c.resident_area_code, t.c.team_id,
                   t.c.institution_id, t.c.area_code, _text(t.c["items"]), _text(t.c.key_populations), t.c.starts_on,
                   t.c.ends_on, t.c.signed_at, t.c.renews_contract_id)  # fmt: skip
    query = query.where(t.c.known_at <= known, *more)
    if area:
        query = query.where(t.c.area_code.startswith(area) | t.c.resident_area_code.startswith(area))
    return Read(query.order_by(t.c.known_at.desc(), t.c.event_id), _contract)


def _contract(r: Any, wheres: _Wheres) -> f.ContractFact:
    items = tuple(f.Item(i["code"], i["times_per_year"]) for i in from_json(r[7]))
    return f.ContractFact(r[1], r[2], r[3], wheres[r[4], r[5], r[6]], items, tuple(from_json(r[8])), r[9], r[10],
                          aware(r[11]), r[12])  # fmt: skip


def endings(known: Any, *more: Any) -> Read[tuple[str, f.Ending]]:
    """How contracts ended (by contract id); latest ended first (a contract's earliest known ending wins)."""
    t = CONTRACT_ENDS
    query = select(t.c.known_at, t.c.contract_id, t.c.kind, t.c.last_day, t.c.reason)
    query = query.where(t.c.known_at <= known, *more)
    return Read(query.order_by(t.c.ended_at.desc(), t.c.event_id), lambda r, _: (r[1], f.Ending(r[2], r[3], r[4])))


def visits(known: Any, area: str, *more: Any) -> Read[f.VisitFact]:
    t = VISITS
    columns = (t.c.visit_id, t.c.resident_ref, t.c.contract_id, *_at(t), _text(t.c.measurements), _text(t.c.fulfils))
    return _by_id(_where_known(select(t.c.known_at, *columns, t.c.occurred_at), t, known, area, *more), t, _visit)


def _visit(r: Any, wheres: _Wheres) -> f.VisitFact:
    measured = tuple(f.Measurement(m["kind"], m["value"]) for m in from_json(r[7]))
    return f.VisitFact(r[1], r[2], r[3], wheres[r[4], r[5], r[6]], tuple(from_json(r[8])), measured, aware(r[9]))


def ratings(known: Any, area: str, *more: Any) -> Read[f.RatingFact]:
    t = RATINGS
    columns = (t.c.rating_id, t.c.resident_ref, *_at(t), t.c.ability, t.c.attitude, t.c.responsiveness, t.c.rated_at)
    return _by_id(
        _where_known(select(t.c.known_at, *columns), t, known, area, *more),
        t,
        lambda r, wheres: f.RatingFact(r[1], r[2], wheres[r[3], r[4], r[5]], r[6], r[7], r[8], aware(r[9])),
    )


def referral_steps(known: Any, area: str, *more: Any) -> Read[f.ReferralStep]:
    t = REFERRAL_STEPS
    columns = (t.c.referral_id, t.c.step, t.c.resident_ref, *_at(t), t.c.issued_at, t.c.step_at, t.c.priority)
    return _by_id(
        _where_known(select(t.c.known_at, *columns), t, known, area, *more),
        t,
        lambda r, wheres: f.ReferralStep(r[1], r[2], r[3], wheres[r[4], r[5], r[6]], aware(r[7]), aware(r[8]), r[9]),
    )


def care(known: Any, area: str, *more: Any) -> Read[f.CareFact]:
    t = CARE
    columns = (t.c.kind, t.c.ref, t.c.resident_ref, *_at(t), t.c.occurred_on)
    return _by_id(
        _where_known(select(t.c.known_at, *columns), t, known, area, *more),
        t,
        lambda r, wheres: f.CareFact(r[1], r[2], r[3], wheres[r[4], r[5], r[6]], r[7]),
    )


def readings(known: Any, area: str, *more: Any) -> Read[f.RemoteReading]:
    t = READINGS
    columns = (t.c.reading_id, t.c.resident_ref, *_at(t), t.c.device_id, t.c.kind, t.c.value, t.c.measured_at)
    return _by_id(
        _where_known(select(t.c.known_at, *columns), t, known, area, *more),
        t,
        lambda r, wheres: f.RemoteReading(r[1], r[2], wheres[r[3], r[4], r[5]], r[6], r[7], r[8], aware(r[9])),
    )


def appointment_steps(known: Any, area: str, *more: Any) -> Read[f.AppointmentStep]:
    """An appointment names no area: in an area, those of the residents with a visit there (it counts beside one)."""
    t = APPOINTMENT_STEPS
    columns = (t.c.appointment_id, t.c.step, t.c.resident_ref, t.c.team_id, t.c.starts_at, t.c.step_at, t.c.contracted)
    query = select(t.c.known_at, *columns).where(t.c.known_at <= known, *more)
    if area:
        visited = select(VISITS.c.resident_ref).where(*_in(VISITS, area))
        query = query.where(t.c.resident_ref.in_(visited))
    return _by_id(query, t, lambda r, _: f.AppointmentStep(r[1], r[2], r[3], r[4], aware(r[5]), aware(r[6]), r[7]))


def register(known: datetime, year: int) -> Read[f.PopulationFigure]:
    """Each area's figures for the year, by version: the latest known by a moment counts."""
    t = REGISTER
    query = select(t.c.recorded_at, t.c.area_code, t.c.year, t.c.population, t.c.key_population,
                   _text(t.c.by_key_population)).where(t.c.year == year, t.c.recorded_at <= known)  # fmt: skip
    return Read(
        query.order_by(t.c.area_code, t.c.version),
        lambda r, _: f.PopulationFigure(r[1], r[2], r[3], r[4], tuple(sorted(from_json(r[5]).items()))),
    )


def aware(instant: datetime) -> datetime:
    """Columns without a zone give back naive times; they were written in UTC."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _at(t: Table) -> tuple[Column[str], ...]:
    return (t.c.team_id, t.c.institution_id, t.c.area_code)


def _text(column: Column[Any]) -> Any:
    return cast(column, String)


def _where_known(query: Select[Any], t: Table, known: Any, area: str, *more: Any) -> Select[Any]:
    query = query.where(t.c.known_at <= known, *more)
    return query.where(*_in(t, area)) if area else query


def _in(t: Table, area: str) -> tuple[Any, ...]:
    """Facts of teams in the area: of a city or inside one, in its partition only."""
    within = t.c.area_code.startswith(area)
    return (t.c.city == city_of(area), within) if len(area) >= len("4401") and "city" in t.c else (within,)


def _by_id(query: Select[Any], t: Table, fact: Callable[[Any, _Wheres], T]) -> Read[T]:
    """By event id: the same order whatever order the events were applied in."""
    return Read(query.order_by(t.c.event_id), fact)
