"""Queries over published results: the current ones, one with its history and basis, the public disclosure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, exists, select

from appraisal.adapters.projections.own_views import BASES, RESULTS

_LATER = RESULTS.alias("later")
PUBLIC_FIELDS = (
    "result_id", "period", "subject_kind", "subject_id", "institution_id", "area_code",
    "score", "grade", "rank_in_county", "rank_in_city", "dimensions", "catalogue_version", "published_at",
)  # fmt: skip


class PublishedResults:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def current(
        self, period: str, area: str = "", kind: str | None = None, team: str | None = None
    ) -> list[dict[str, Any]]:
        """The results that stand: published, and not restated since."""
        query = _current(period, area)
        if kind is not None:
            query = query.where(RESULTS.c.subject_kind == kind)
        if team is not None:
            query = query.where(RESULTS.c.subject_kind == "team", RESULTS.c.subject_id == team)
        with self._engine.connect() as conn:
            return [_shown(r._mapping) for r in conn.execute(query)]

    def disclosure(self, period: str, area: str = "") -> list[dict[str, Any]]:
        """What the public sees: scores, grades, ranks and indicator values; no resident, no count."""
        shown = []
        for row in self.current(period, area):
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


def _current(period: str, area: str) -> Select[Any]:
    restated = exists().where(_LATER.c.restates_result_id == RESULTS.c.result_id)
    return (
        select(RESULTS)
        .where(RESULTS.c.period == period, RESULTS.c.area_code.startswith(area), ~restated)
        .order_by(RESULTS.c.subject_kind, RESULTS.c.area_code, RESULTS.c.rank_in_county, RESULTS.c.subject_id)
    )


def _shown(row: Any) -> dict[str, Any]:
    return {k: _json(v) for k, v in row.items()}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value
