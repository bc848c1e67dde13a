"""The production back end: the library's PostgreSQL recorder, plus the async batch path."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal
from urllib.parse import unquote, urlsplit

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresProcessRecorder
from psycopg.sql import SQL, Composed, Identifier
from psycopg.sql import Literal as SQLLiteral

from shared.eventstore.alone import Alone
from shared.eventstore.records import NewEvent
from shared.eventstore.sealing import PersonalFields, Sealer
from shared.eventstore.snapshots import Snapshot
from shared.eventstore.statements import rendered
from shared.eventstore.store import PostgresStore, Row, StreamConflict, plain_url
from shared.eventstore.vault import Vault


def open_postgres(  # noqa: PLR0913
    url: str, schema: str, pool_size: int, create: bool, personal: PersonalFields | None, pre_ping: bool = True
) -> PostgresStore:
    parts = urlsplit(url)
    datastore = PostgresDatastore(
        dbname=parts.path.lstrip("/") or "postgres",
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        schema=schema,
        pool_size=1,  # opened at start; the rest on demand, so idle services hold few connections
        max_overflow=pool_size,
        originator_id_type="text",
        pre_ping=pre_ping,  # after the database restarted, a pooled connection is checked before use, not failed on
        connect_timeout=2,  # the longest a call waits for a pooled connection (the database away, or all busy)
    )
    recorder = PostgresProcessRecorder(datastore)
    recorder.lock_table_statements = [*writers_lock(schema, recorder.events_table_name, datastore.lock_timeout)]
    batch_path = BatchPath(plain_url(url), recorder)
    alone = Alone(plain_url(url), schema, recorder.events_table_name, recorder.tracking_table_name)
    vault = Vault(schema, personal.master_key, datastore, batch_path.connection, alone) if personal else None
    if create:
        with creating(url, schema):
            with datastore.transaction(commit=True) as cursor:
                cursor.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
                if vault:
                    cursor.execute(vault.create)
                cursor.execute(batch_path.create_snapshots)
            recorder.create_table()
    sealer = Sealer(vault, personal) if vault and personal else None
    return PostgresStore(recorder, url, schema, batch_path, alone, sealer)


SNAPSHOTS = "stream_snapshots"  # beside the library's events table, in the service's schema
WRITERS = 0x66646373  # "fdcs": the class of the writers' advisory locks, apart from every other key


def writers_lock(schema: str, table: str, timeout: int = 0) -> list[Composed]:
    """What every writer of the events table runs first in its transaction, holding it until
    the commit, so positions commit in the order they are given and a reader of the log never
    passes one that commits later. The library locks the table (EXCLUSIVE) instead, which
    autovacuum's lock conflicts with: each vacuum or analyse of the table held every writer
    for deadlock_timeout (1 s) until PostgreSQL cancelled it, and so a busy log was never
    vacuumed or analysed. An advisory lock orders the writers alike and holds nothing else."""
    return [_lock_timeout("SET LOCAL", timeout), SQL("SELECT {}").format(_writers_key(schema, table))]


def _writers_key(schema: str, table: str) -> Composed:
    return SQL("pg_advisory_xact_lock({}, hashtext({}))").format(WRITERS, f"{schema}.{table}")


def _lock_timeout(scope: Literal["SET", "SET LOCAL"], seconds: int) -> Composed:
    return SQL("{} lock_timeout = '{}s'").format(SQL(scope), SQL(str(int(seconds))))


@contextmanager
def creating(url: str, schema: str) -> Iterator[None]:
    """One process at a time creates a schema's tables: an API, its relay and its workers
    starting together would otherwise race in PostgreSQL's catalogue ("tuple concurrently
    updated"), and the loser would exit. The lock goes with its connection."""
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"fdcs-create:{schema}",))
        yield


class BatchPath:
    """Loads and appends a batch of commands from the event loop on one async connection.

    It writes exactly as the recorder does: in one transaction, take the writers' lock
    (`writers_lock`: positions commit in order, the log has no gaps), notify its listeners, insert.
    The columns travel as four plain arrays, which psycopg sends far faster than the
    recorder's array of composite values, and in binary (`%b`): psycopg escapes a text
    array element by element in Python, 27 times slower for a batch of 40 states.

    Two connections per event loop: the append has one to itself (with the writers' lock
    timeout); every other statement (the batches' loads, the APIs' reads, the vault's keys) is a
    statement alone on the other, from any task. Tasks sharing a connection share its
    transaction, so no statement of theirs may come inside another's transaction.
    """

    def __init__(self, conninfo: str, recorder: PostgresApplicationRecorder) -> None:
        schema, table = Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        self._conninfo, self._datastore = conninfo, recorder.datastore
        self._lock = [statement.as_bytes() for statement in recorder.lock_table_statements]  # type: ignore[union-attr]
        self._notify = rendered("NOTIFY {}", Identifier(recorder.channel_name))
        self._insert = rendered(
            "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::text[], %b::bigint[], %b::text[], %b::bytea[])",
            schema,
            table,
        )
        # The async append is one statement, its own transaction (the connection is the append's
        # alone, its lock timeout set when it connects): the writers' lock and the notification
        # (sent at the commit) in a CTE every inserted row is joined with, so the lock is held
        # before the first row takes its position. As BEGIN, lock, notify, insert and COMMIT in
        # a pipeline, each statement was a flush and a turn of the event loop.
        self._timeout = _lock_timeout("SET", recorder.datastore.lock_timeout).as_bytes()
        key = _writers_key(recorder.datastore.schema, recorder.events_table_name)
        self._write = rendered(
            "WITH writer AS MATERIALIZED (SELECT {}, pg_notify({}, '')) "
            "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
            "SELECT e.* FROM writer, unnest(%b::text[], %b::bigint[], %b::text[], %b::bytea[]) AS e",
            key,
            SQLLiteral(recorder.channel_name),
            schema,
            table,
        )
        self.select = rendered(
            "SELECT originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE originator_id = ANY(%b::text[]) ORDER BY originator_id, originator_version",
            schema,
            table,
        )
        # Each stream looked up in the index by itself: as a plain join, a table without fresh
        # statistics (a new schema, a new partition, a table grown since autovacuum's last
        # ANALYZE) was hashed whole, a sequential scan per batch that grew with the log.
        # OFFSET 0 keeps the planner from flattening the lookup into such a join.
        self.select_after = rendered(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%b::text[], %b::bigint[]) AS k(id, after) CROSS JOIN LATERAL ("
            "SELECT * FROM {}.{} s WHERE s.originator_id = k.id AND s.originator_version > k.after OFFSET 0) e "
            "ORDER BY e.originator_id, e.originator_version",
            schema,
            table,
        )
        snapshots = Identifier(recorder.datastore.schema, SNAPSHOTS)
        self.create_snapshots = SQL(
            "CREATE TABLE IF NOT EXISTS {} (stream_id text PRIMARY KEY, version bigint NOT NULL, "
            "shape text NOT NULL, state bytea NOT NULL)"
        ).format(snapshots)
        self._snapshots = rendered(
            "SELECT stream_id, version, shape, state FROM {} WHERE stream_id = ANY(%b::text[])", snapshots
        )
        self._keep = rendered(
            "INSERT INTO {} AS kept SELECT * FROM unnest(%b::text[], %b::bigint[], %b::text[], %b::bytea[]) "
            "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, shape = excluded.shape, "
            "state = excluded.state WHERE kept.version < excluded.version OR kept.shape <> excluded.shape",
            snapshots,
        )
        # An async connection belongs to the event loop that opened it: two per loop.
        self._conns: dict[tuple[asyncio.AbstractEventLoop, str], psycopg.AsyncConnection[tuple[object, ...]]] = {}

    async def select_many(self, stream_ids: list[str], after: list[int] | None = None) -> list[Row]:
        conn = await self._connection()
        query = (self.select, (stream_ids,)) if after is None else (self.select_after, (stream_ids, after))
        try:
            cursor = await conn.execute(*query, prepare=True)
            return [(str(a), int(b), str(c), bytes(d)) for a, b, c, d in await cursor.fetchall()]  # type: ignore[call-overload]
        except psycopg.OperationalError:
            await self._reset()
            raise

    def select_many_now(self, stream_ids: list[str], after: list[int] | None = None) -> list[Row]:
        query = (self.select, (stream_ids,)) if after is None else (self.select_after, (stream_ids, after))
        with self._datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(*query, prepare=True)
            return [(r["originator_id"], r["originator_version"], r["topic"], r["state"]) for r in cursor.fetchall()]

    async def append(self, events: Sequence[NewEvent]) -> None:
        columns = _columns(events)
        conn = await self._connection("append")
        try:
            await conn.execute(self._write, columns, prepare=True)
        except psycopg.errors.UniqueViolation as conflict:
            raise StreamConflict(str(conflict)) from conflict  # the statement's transaction rolled back
        except BaseException:
            await self._reset()  # a statement cancelled midway leaves the connection unusable
            raise

    def append_now(self, events: Sequence[NewEvent]) -> None:
        """The same, from a thread outside the event loop, on a connection of the pool."""
        columns = _columns(events)
        with self._datastore.get_connection() as conn:
            try:
                with conn.pipeline(), conn.transaction():
                    for statement in self._lock:
                        conn.execute(statement, prepare=True)
                    conn.execute(self._notify)
                    conn.execute(self._insert, columns, prepare=True)
            except psycopg.errors.UniqueViolation as conflict:
                raise StreamConflict(str(conflict)) from conflict

    async def close(self) -> None:
        await self._reset()

    async def snapshots(self, stream_ids: list[str]) -> list[Snapshot]:
        conn = await self._connection()
        try:
            cursor = await conn.execute(self._snapshots, (stream_ids,), prepare=True)
            return [Snapshot(str(a), int(b), str(c), bytes(d)) for a, b, c, d in await cursor.fetchall()]  # type: ignore[call-overload]
        except psycopg.OperationalError:
            await self._reset()
            raise

    def snapshots_now(self, stream_ids: list[str]) -> list[Snapshot]:
        with self._datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(self._snapshots, (stream_ids,), prepare=True)
            return [Snapshot(r["stream_id"], r["version"], r["shape"], bytes(r["state"])) for r in cursor.fetchall()]

    async def keep(self, snapshots: list[Snapshot]) -> None:
        # Sorted: two writers upserting the same rows in another order could deadlock.
        ordered = sorted(snapshots)
        columns = (
            [s.stream_id for s in ordered],
            [s.version for s in ordered],
            [s.shape for s in ordered],
            [s.state for s in ordered],
        )
        conn = await self._connection()
        try:
            await conn.execute(self._keep, columns, prepare=True)
        except psycopg.OperationalError:
            await self._reset()
            raise

    async def connection(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        """This event loop's connection for statements alone (autocommit), opened on demand."""
        return await self._connection()

    async def _connection(self, role: str = "statements") -> psycopg.AsyncConnection[tuple[object, ...]]:
        key = (asyncio.get_running_loop(), role)
        conn = self._conns.get(key)
        if conn is None or conn.closed:
            conn = self._conns[key] = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
            if role == "append":
                await conn.execute(self._timeout)
        return conn

    async def _reset(self) -> None:
        loop = asyncio.get_running_loop()
        for role in ("statements", "append"):
            conn = self._conns.pop((loop, role), None)
            if conn is not None:
                await conn.close()


def _columns(events: Sequence[NewEvent]) -> tuple[list[str], list[int], list[str], list[bytes]]:
    streams, versions = [e.stream_id for e in events], [e.version for e in events]
    return streams, versions, [e.type for e in events], [e.encode() for e in events]
