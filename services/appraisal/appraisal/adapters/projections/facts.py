"""The projection of the public streams into appraisal's fact tables (a KafkaSubscription handler).

One transaction per batch: claim the event ids, insert the facts of the new ones, and
advance the stream positions; a redelivered event changes nothing, so the projection is
idempotent and a replay from the beginning into empty tables rebuilds the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Connection, Engine, String, Table, bindparam, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.cases_tables import CASE_GROUPS, CASES_TABLES
from appraisal.adapters.projections.fact_rows import fact_of
from appraisal.adapters.projections.facts_tables import (
    APPLIED,
    CONTRACT_STARTS,
    FACT_TABLES,
    OF_A_RESIDENT,
    RESIDENT_WHERES,
    STREAM_POSITIONS,
)
from shared.messaging import Delivery
from shared.readmodels.arriving import copy_into

READER = "appraisal-facts"


class FactsProjection:
    def __init__(self, engine: Engine, cases: CasesProjection | None = None) -> None:
        """`cases`: the step keeping the residents' cases and the strata's changes, if any."""
        self._engine, self._cases = engine, cases
        self._known_until: datetime | None = None

    def known_until(self) -> datetime | None:
        """When the latest event this projection committed was known (the strata keeper's clock)."""
        return self._known_until

    def apply(self, deliveries: Sequence[Delivery]) -> None:
        with self._engine.begin() as conn:
            fresh = APPLIED.claim(conn, READER, (d.envelope.id for d in deliveries))
            rows: dict[Table, list[dict[str, Any]]] = defaultdict(list)
            for d in deliveries:
                if d.envelope.id in fresh and (fact := fact_of(d)) is not None:
                    fresh.discard(d.envelope.id)  # once, even if the batch holds it twice
                    rows[fact[0]].append(fact[1])
            for table, values in rows.items():
                copy_into(conn, table, values)  # new by their claimed ids
            _note_wheres(conn, rows)
            if self._cases is not None:
                self._cases.apply(conn, rows)
            _advance(conn, deliveries)
        latest = max((d.envelope.time for d in deliveries), default=None)
        if latest is not None and (self._known_until is None or latest > self._known_until):
            self._known_until = latest

    def forget_everything(self) -> None:
        """Empty the facts and what was projected of them, the applied ids, the positions and the
        version: a rebuild then replays the streams from the beginning (with a new consumer group)
        into empty tables."""
        with self._engine.begin() as conn:
            for table in (*FACT_TABLES, RESIDENT_WHERES, *CASES_TABLES, CASE_GROUPS):
                conn.execute(delete(table))
            conn.execute(delete(APPLIED.table).where(APPLIED.table.c.reader == READER))


WHERE = ("resident_ref", "team_id", "institution_id", "area_code")
_NOTE = (
    insert(RESIDENT_WHERES)
    .from_select(
        WHERE,
        select(
            func.unnest(*(bindparam(c, type_=ARRAY(String)) for c in WHERE))
            .table_valued(*WHERE)
            .render_derived("noted")
        ),
    )
    .on_conflict_do_nothing()
)
"""One statement whatever the batch's size: four arrays, not a parameter a value."""


def _note_wheres(conn: Connection, rows: dict[Table, list[dict[str, Any]]]) -> None:
    """Where the batch's facts say their residents are (`RESIDENT_WHERES`), those not yet noted.
    In key order: workers noting the same resident wait for each other in the same order."""
    found = set()
    for table in OF_A_RESIDENT:
        for r in rows.get(table, ()):
            found.add((r["resident_ref"], r["team_id"], r["institution_id"], r["area_code"]))
            if table is CONTRACT_STARTS:  # the area the resident lives in: a case may be counted there
                found.add((r["resident_ref"], r["team_id"], r["institution_id"], r["resident_area_code"]))
    if found:
        conn.execute(_NOTE, dict(zip(WHERE, (list(c) for c in zip(*sorted(found), strict=True)), strict=True)))


def _advance(conn: Connection, deliveries: Sequence[Delivery]) -> None:
    """Remember the furthest offset applied per partition (the positions a result records)."""
    furthest: dict[tuple[str, int], int] = {}
    for d in deliveries:
        if d.offset >= 0:
            furthest[(d.topic, d.partition)] = max(d.offset, furthest.get((d.topic, d.partition), -1))
    if not furthest:
        return
    t = STREAM_POSITIONS
    rows = [{"topic": topic, "partition": partition, "offset": offset}
            for (topic, partition), offset in sorted(furthest.items())]  # fmt: skip
    statement = insert(t).values(rows)  # one statement, in sorted order: workers lock the rows alike
    later = case((statement.excluded.offset > t.c.offset, statement.excluded.offset), else_=t.c.offset)
    conn.execute(statement.on_conflict_do_update(index_elements=["topic", "partition"], set_={"offset": later}))
