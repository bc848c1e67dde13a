"""Indexes a read model's table gains after a database was first made."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Connection, Index, MetaData, String, Table, event
from sqlalchemy.schema import CreateIndex, DropIndex


def kept_up(metadata: MetaData, table: Table, retired: Iterable[str] = ()) -> None:
    """`create_all` makes a table's indexes only with the table: a database from before gets
    the table's indexes when `create_all` next runs (the migrate Job, before the followers and
    consumers start; building one on a province's rows takes a while, once), and loses those
    `retired`, by name (an index no read uses still costs every write)."""
    gone = tuple(retired)

    @event.listens_for(metadata, "after_create")
    def upgrade(target: MetaData, connection: Connection, **_: Any) -> None:
        for index in table.indexes:
            connection.execute(CreateIndex(index, if_not_exists=True))
        former = Table(table.name, MetaData(), Column("former", String))  # only to name them in the schema
        for name in gone:
            connection.execute(DropIndex(Index(name, former.c.former), if_exists=True))
