"""Read models of appraisal's own events (followed from its log, position kept in the same
transaction): published results with their history, what each publication was computed
from, and the population register as it stood at every moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Connection, DateTime, Integer, Numeric, String, Table, Text
from sqlalchemy.dialects.postgresql import insert

from appraisal.adapters.projections.facts_tables import METADATA
from appraisal.application.streams import EVENTS
from appraisal.domain.population import PopulationRecorded
from appraisal.domain.results import IndicatorResult, PeriodPublished, PeriodRestated, ResultPublished, ResultRestated
from shared.eventstore import RecordedEvent

FOLLOWER = "appraisal-own-views"
RESULTS = Table(
    "published_results",
    METADATA,
    Column("result_id", String(200), primary_key=True),
    Column("period", String(10), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("subject_kind", String(20), nullable=False),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False, index=True),
    Column("score", Numeric(5, 2), nullable=False),
    Column("grade", String(20), nullable=False),
    Column("rank_in_county", Integer, nullable=False),
    Column("rank_in_city", Integer, nullable=False),
    Column("dimensions", JSON, nullable=False),
    Column("indicators", JSON, nullable=False),
    Column("catalogue_version", String(20), nullable=False),
    Column("computed_as_of", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("restates_result_id", String(200), index=True),
    Column("reason", Text),
)
BASES = Table(
    "publication_bases",
    METADATA,
    Column("period", String(10), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("catalogue_version", String(20), nullable=False),
    Column("computed_as_of", DateTime(timezone=True), nullable=False),
    Column("positions", JSON, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
    Column("results", Integer, nullable=False),
)
REGISTER = Table(
    "population_register",
    METADATA,
    Column("area_code", String(12), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("population", Integer, nullable=False),
    Column("key_population", Integer, nullable=False),
    Column("by_key_population", JSON, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
OWN_VIEWS = (RESULTS, BASES, REGISTER)


def apply(conn: Connection, events: Sequence[RecordedEvent]) -> None:
    """Add what each event says; inserting what is already there changes nothing."""
    for recorded in events:
        if not EVENTS.knows(recorded.type):
            continue  # command receipts
        match EVENTS.decode(recorded.type, recorded.data):
            case ResultPublished() as e:
                _insert(conn, RESULTS, _result_row(e))
            case PeriodPublished() | PeriodRestated() as e:
                _insert(conn, BASES, _basis_row(e))
            case PopulationRecorded() as e:
                _insert(conn, REGISTER, _register_row(e, recorded.version))


def _insert(conn: Connection, table: Table, row: dict[str, Any]) -> None:
    conn.execute(insert(table).values(row).on_conflict_do_nothing())


def _result_row(e: ResultPublished) -> dict[str, Any]:
    r = e.result
    restated = {"restates_result_id": e.restates_result_id, "reason": e.reason} if isinstance(e, ResultRestated) else {}
    return {
        "result_id": r.result_id,
        "period": e.period,
        "revision": e.revision,
        "subject_kind": r.subject_kind,
        "subject_id": r.subject_id,
        "institution_id": r.institution_id,
        "area_code": r.area_code,
        "score": r.score,
        "grade": r.grade,
        "rank_in_county": r.rank_in_county,
        "rank_in_city": r.rank_in_city,
        "dimensions": {d: None if s is None else str(s) for d, s in r.dimensions},
        "indicators": [_indicator(i) for i in r.indicators],
        "catalogue_version": e.catalogue_version,
        "computed_as_of": _utc(e.computed_as_of),
        "published_at": _utc(e.published_at),
    } | restated


def _indicator(i: IndicatorResult) -> dict[str, Any]:
    shown = (None if v is None else str(v) for v in (i.value, i.points))
    return dict(zip(("value", "points"), shown, strict=True)) | {
        "indicator_id": i.indicator_id,
        "numerator": i.numerator,
        "denominator": i.denominator,
    }


def _basis_row(e: PeriodPublished | PeriodRestated) -> dict[str, Any]:
    b = e.basis
    return {
        "period": e.period,
        "revision": b.revision,
        "catalogue_version": b.catalogue_version,
        "computed_as_of": _utc(b.computed_as_of),
        "positions": [vars(p) for p in b.positions],
        "published_at": _utc(e.published_at if isinstance(e, PeriodPublished) else e.restated_at),
        "reason": e.reason if isinstance(e, PeriodRestated) else None,
        "results": len(e.entries),
    }


def _register_row(e: PopulationRecorded, version: int) -> dict[str, Any]:
    return {
        "area_code": e.area_code,
        "year": e.year,
        "version": version,
        "population": e.population,
        "key_population": e.key_population,
        "by_key_population": dict(e.by_key_population),
        "recorded_at": _utc(e.recorded_at),
    }


def _utc(instant: datetime) -> datetime:
    """Stored in UTC, so comparisons agree whatever zone an instant came in."""
    return instant.astimezone(UTC)
