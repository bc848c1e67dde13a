"""Queries over published results: the current ones, one with its history and basis, the public disclosure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, exists, literal, select, tuple_

from appraisal.adapters.projections.own_views import BASES, RESULTS

_LATER = RESULTS.alias("later")
PUBLIC_FIELDS = (
    "result_id", "period", "subject_kind", "subject_id", "institution_id", "area_code",
    "score", "grade", "rank_in_county", "rank_in_city", "dimensions", "catalogue_version", "published_at",
)  # fmt: skip


Position = tuple[str, str, int, str]
"""A result's place in the order they are listed: subject kind, area, rank in county, subject."""


class PublishedResults:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def current(  # noqa: PLR0913
        self, period: str, area: str = "", kind: str | None = None, team: str | None = None,
        after: Position | None = None, limit: int = 1000,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """The results that stand (published, and not restated since), the next `limit` after
        `after`: a province's period is tens of thousands of them."""
        query = _current(period, area)
        if kind is not None:
            query = query.where(RESULTS.c.subject_kind == kind)
        if team is not None:
            query = query.where(RESULTS.c.subject_kind == "team", RESULTS.c.subject_id == team)
        if after is not None:
            query = query.where(tuple_(*_ORDER) > tuple_(*(literal(v) for v in after)))
        with self._engine.connect() as conn:
            return [_shown(r._mapping) for r in conn.execute(query.limit(limit))]

    def disclosure(
        self, period: str, area: str = "", after: Position | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """What the public sees: scores, grades, ranks and indicator values; no resident, no count."""
        shown = []
        for row in self.current(period, area, after=after, limit=limit):
            values = [{"indicator_id": i["indicator_id"], "value": i["value"]} for i in row["indicators"]]
            shown.append({k: row[k] for k in PUBLIC_FIELDS} | {"indicators": values})
        return shown

    def result(self, result_id: str) -> dict[str, Any] | None:
        """One result, the basis it was computed from, and the results that restate it, if any."""
        with self._engine.connect() as conn:
            row = conn.execute(select(RESULTS).where(RESULTS.c.result_id == result_id)).first()
            if row is None:
                return None
            later = conn.execute(select(RESULTS.c.result_id).where(RESULTS.c.restates_result_id == result_id))
            basis = conn.execute(select(BASES).where(BASES.c.period == row.period, BASES.c.revision == row.revision))
            found = basis.first()
            return _shown(row._mapping) | {
                "restated_by": list(later.scalars()),
                "basis": _shown(found._mapping) if found else None,
            }

    def publications(self, period: str) -> list[dict[str, Any]]:
        query = select(BASES).where(BASES.c.period == period).order_by(BASES.c.revision)
        with self._engine.connect() as conn:
            return [_shown(r._mapping) for r in conn.execute(query)]


def position(result: dict[str, Any]) -> Position:
    return (result["subject_kind"], result["area_code"], result["rank_in_county"], result["subject_id"])


_ORDER = (RESULTS.c.subject_kind, RESULTS.c.area_code, RESULTS.c.rank_in_county, RESULTS.c.subject_id)


def _current(period: str, area: str) -> Select[Any]:
    restated = exists().where(_LATER.c.restates_result_id == RESULTS.c.result_id)
    return (
        select(RESULTS)
        .where(RESULTS.c.period == period, RESULTS.c.area_code.startswith(area), ~restated)
        .order_by(*_ORDER)
    )


def _shown(row: Any) -> dict[str, Any]:
    return {k: _json(v) for k, v in row.items()}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value
