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

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ClauseElement,
    Connection,
    Engine,
    Integer,
    String,
    Table,
    bindparam,
    case,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from appraisal.adapters.projections.cases import WHOSE_ENDED, CasesProjection, Rows
from appraisal.adapters.projections.cases_tables import CASE_GROUPS, CASES_TABLES
from appraisal.adapters.projections.fact_rows import fact_of
from appraisal.adapters.projections.facts_tables import (
    APPLIED,
    CONTRACT_ENDS,
    CONTRACT_STARTS,
    FACT_TABLES,
    OF_A_RESIDENT,
    RESIDENT_WHERES,
    STREAM_POSITIONS,
)
from shared.messaging import Delivery
from shared.readmodels.arriving import copy_into
from shared.readmodels.together import together

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
            whose_ended = self._noted(conn, rows, deliveries)
            if self._cases is not None:
                self._cases.apply(conn, rows, whose_ended)
        latest = max((d.envelope.time for d in deliveries), default=None)
        if latest is not None and (self._known_until is None or latest > self._known_until):
            self._known_until = latest

    def _noted(self, conn: Connection, rows: Rows, deliveries: Sequence[Delivery]) -> dict[str, str]:
        """Where the batch's residents are noted and the streams' positions advanced, and (for the
        cases) whose contracts the batch's endings end: one round trip. The positions first, before
        any resident is locked: every worker takes its locks in the same order."""
        asked: list[ClauseElement] = []
        params: dict[str, Any] = {}
        if wheres := _wheres(rows):
            asked, params = [_NOTE], wheres
        if positions := _furthest(deliveries):
            asked, params = [*asked, _ADVANCE], params | positions
        ended = sorted({r["contract_id"] for r in rows.get(CONTRACT_ENDS, ())}) if self._cases is not None else []
        if ended:
            asked, params = [*asked, WHOSE_ENDED], params | {"ended": ended}
        found = together(conn, asked, params) if asked else []
        return dict(found[-1]) if ended else {}

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
"""Where the batch's facts say their residents are (`RESIDENT_WHERES`), those not yet noted: one
statement whatever the batch's size, four arrays, not a parameter a value."""


def _wheres(rows: Rows) -> dict[str, list[str]]:
    """`_NOTE`'s arrays, in key order: workers noting the same resident wait for each other in
    the same order. None if the batch's facts name no resident."""
    found = set()
    for table in OF_A_RESIDENT:
        for r in rows.get(table, ()):
            found.add((r["resident_ref"], r["team_id"], r["institution_id"], r["area_code"]))
            if table is CONTRACT_STARTS:  # the area the resident lives in: a case may be counted there
                found.add((r["resident_ref"], r["team_id"], r["institution_id"], r["resident_area_code"]))
    return dict(zip(WHERE, (list(c) for c in zip(*sorted(found), strict=True)), strict=True)) if found else {}


POSITION = ("topic", "partition", "offset")
_FURTHEST = bindparam("topics", type_=ARRAY(String)), bindparam("partitions", type_=ARRAY(Integer))
_ADVANCING = insert(STREAM_POSITIONS).from_select(
    POSITION,
    select(
        func.unnest(*_FURTHEST, bindparam("offsets", type_=ARRAY(BigInteger)))
        .table_valued(*POSITION)
        .render_derived("furthest")
    ),
)
_ADVANCE = _ADVANCING.on_conflict_do_update(
    index_elements=["topic", "partition"],
    set_={
        "offset": case(
            (_ADVANCING.excluded.offset > STREAM_POSITIONS.c.offset, _ADVANCING.excluded.offset),
            else_=STREAM_POSITIONS.c.offset,
        )
    },
)
"""The furthest offset applied per partition (the positions a result records), never moved back:
one statement, the partitions as three arrays in sorted order (workers lock the rows alike)."""


def _furthest(deliveries: Sequence[Delivery]) -> dict[str, list[Any]]:
    """`_ADVANCE`'s arrays; none if no delivery came from a partition (offsets below 0)."""
    furthest: dict[tuple[str, int], int] = {}
    for d in deliveries:
        if d.offset >= 0:
            furthest[(d.topic, d.partition)] = max(d.offset, furthest.get((d.topic, d.partition), -1))
    ordered = sorted(furthest.items())
    return (
        {
            "topics": [t for (t, _), _ in ordered],
            "partitions": [p for (_, p), _ in ordered],
            "offsets": [o for _, o in ordered],
        }
        if ordered
        else {}
    )
