"""The log's reads from threads (relays, read models), and the relay's position, each one statement
on a connection of its own.

A relay or a process's followers ask the log every 50 ms whether anything is new, and read it
when it is: the county year's busiest statements by count (bench/README.md, "The main job").
Through the library's pool (autocommit) each was two round trips, the pool's check of the
connection and the statement; the residents' keys to unseal a batch and the relay's position
after each batch it published four (the check, BEGIN, the statement, COMMIT). A lone statement
needs no transaction around it: in autocommit it is one round trip and its own transaction,
seeing what was committed when it began, and a write is durable when it returns, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import OperationalError
from psycopg.sql import Identifier

from shared.eventstore.statements import rendered


class Alone:
    """One autocommit connection, opened on first use and shared by the process's threads in
    turn. A connection the database dropped (a restart) is replaced and the statement asked
    again, once, as the pool's check did before handing one out; a new connection that fails
    raises the library's `OperationalError`, as the pool's did (the API answers 503)."""

    def __init__(self, conninfo: str, schema: str, table: str, tracking: str) -> None:
        self._conninfo = conninfo
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        names = Identifier(schema), Identifier(table)
        # The library's single-row tracking, as its recorder writes it: a position only ever moves on.
        self.track = rendered(
            "INSERT INTO {0}.{1} VALUES (%s, %s) ON CONFLICT (application_name) DO UPDATE "
            "SET notification_id = excluded.notification_id WHERE {0}.{1}.notification_id < excluded.notification_id "
            "RETURNING notification_id",
            Identifier(schema),
            Identifier(tracking),
        )
        self.log = rendered(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
            *names,
        )
        # A relay's read: the state (the bulk of a row, and its TOAST) only of the types it publishes.
        self.log_of = rendered(
            "SELECT notification_id, originator_id, originator_version, topic, "
            "CASE WHEN topic = ANY(%s::text[]) THEN state END FROM {}.{} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
            *names,
        )
        self.head = rendered("SELECT max(notification_id) FROM {}.{}", *names)

    def fetch(self, statement: bytes, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            for _ in range(2):
                conn, fresh = self._conn, self._conn is None or self._conn.closed
                if conn is None or fresh:
                    conn = self._conn = self._connect()
                try:
                    return conn.execute(statement, params, prepare=True).fetchall()
                except psycopg.OperationalError as lost:
                    self._conn = None
                    conn.close()
                    if fresh:
                        raise OperationalError(str(lost)) from lost
            raise AssertionError("unreachable: a fresh connection returns or raises")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        try:
            return psycopg.connect(self._conninfo, autocommit=True, connect_timeout=2)
        except psycopg.OperationalError as away:
            raise OperationalError(str(away)) from away
