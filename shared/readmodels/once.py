"""Exactly-once effect from at-least-once delivery: remember applied event ids."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Connection, MetaData, String, Table, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, insert


class AppliedEvents:
    """A table of (reader, event id); `claim` keeps only the ids not applied before."""

    def __init__(self, metadata: MetaData, table_name: str = "applied_events") -> None:
        self.table = Table(
            table_name,
            metadata,
            Column("reader", String(100), primary_key=True),
            Column("event_id", String(100), primary_key=True),
        )

    def claim(self, conn: Connection, reader: str, event_ids: Iterable[str]) -> set[str]:
        """Record the ids, in the caller's transaction; returns those seen for the first time."""
        fresh = list(dict.fromkeys(event_ids))
        if not fresh:
            return set()
        # The ids as one array parameter: the same statement for any batch, compiled once.
        ids = select(literal(reader, String), func.unnest(literal(fresh, ARRAY(String))))
        statement = (
            insert(self.table)
            .from_select(["reader", "event_id"], ids)
            .on_conflict_do_nothing()
            .returning(self.table.c.event_id)
        )
        return set(conn.execute(statement).scalars())
