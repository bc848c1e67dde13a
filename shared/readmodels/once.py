"""Exactly-once effect from at-least-once delivery: remember applied event ids."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Connection, MetaData, String, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert

from shared.readmodels.together import together


class AppliedEvents:
    """A table of (reader, event id); `claim` keeps only the ids not applied before."""

    def __init__(self, metadata: MetaData, table_name: str = "applied_events") -> None:
        self.table = Table(
            table_name,
            metadata,
            Column("reader", String(100), primary_key=True),
            Column("event_id", String(100), primary_key=True),
        )
        # The ids as one array parameter: the same statement for any batch, made once. Sent in
        # psycopg's pipeline, with the transaction's BEGIN where it is the first: one round trip.
        ids = select(bindparam("reader", type_=String), func.unnest(bindparam("event_ids", type_=ARRAY(String))))
        self._claiming = (
            insert(self.table)
            .from_select(["reader", "event_id"], ids)
            .on_conflict_do_nothing()
            .returning(self.table.c.event_id)
        )

    def claim(self, conn: Connection, reader: str, event_ids: Iterable[str]) -> set[str]:
        """Record the ids, in the caller's transaction; returns those seen for the first time."""
        fresh = list(dict.fromkeys(event_ids))
        if not fresh:
            return set()
        (claimed,) = together(conn, [self._claiming], {"reader": reader, "event_ids": fresh})
        return {event_id for (event_id,) in claimed}
