"""The residents' keys (one per resident, the "subject"), kept beside the store, never in it.

A key is made on first use and kept wrapped by the service's master key. Erasing a
resident deletes the key and keeps a tombstone (when, why): whatever was sealed with the
key no longer opens, and nothing is sealed for that resident again. Keys are read for a
whole batch of subjects in one query, without a cache, so an erasure is seen by every
replica at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from shared.eventstore.alone import Alone
from shared.eventstore.cipher import new_key, seal, unseal
from shared.eventstore.statements import rendered

Keys = dict[str, bytes | None]  # None: the resident was erased
AsyncConnect = Callable[[], Awaitable[psycopg.AsyncConnection[tuple[object, ...]]]]


class KeyVault(Protocol):
    """Where the residents' keys are kept: `Vault` beside the PostgreSQL store, `MemoryVault` in tests."""

    def keys(self, subjects: Sequence[str], create: bool) -> Keys:
        """The subjects' keys; with `create`, a subject without one (and not erased) gets one."""

    async def keys_async(self, subjects: Sequence[str], create: bool) -> Keys: ...

    def erase(self, subject: str, reason: str, at: datetime) -> None:
        """Shred the subject's key (or, if it has none yet, make sure it never gets one)."""


class Vault:
    def __init__(
        self,
        schema: str,
        master: bytes,
        datastore: PostgresDatastore,
        connect: AsyncConnect,
        alone: Alone,
    ) -> None:
        """`alone`: where a thread's read of keys goes (one round trip, not the pool's four)."""
        self._master, self._datastore, self._connect, self._alone = master, datastore, connect, alone
        table = (Identifier(schema), Identifier("personal_keys"))
        self.create = SQL(
            "CREATE TABLE IF NOT EXISTS {}.{} (subject text PRIMARY KEY, wrapped_key bytea, "
            "created_at timestamptz NOT NULL, erased_at timestamptz, erased_reason text)"
        ).format(*table)
        self._select = rendered("SELECT subject, wrapped_key FROM {}.{} WHERE subject = ANY(%b::text[])", *table)
        # Made where missing and kept where found, in one statement: its SELECT sees the table as
        # it was when the statement began (without the rows it inserts), so no subject comes twice,
        # and a key another writer commits after that moment is in neither: read again. A key
        # costs microseconds to make, so one is made for every subject asked. Its commit does not
        # wait for the disk (`synchronous_commit` off for this statement alone): the WAL is flushed
        # in order, so whatever is sealed with the key, committed after it and durably, makes the
        # key durable too, and a key lost in a crash sealed nothing that survived.
        self._made_or_kept = rendered(
            "WITH made AS (INSERT INTO {0}.{1} (subject, wrapped_key, created_at) "
            "SELECT subject, wrapped_key, now() FROM unnest(%b::text[], %b::bytea[]) AS fresh(subject, wrapped_key) "
            "WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL "
            "ON CONFLICT (subject) DO NOTHING RETURNING subject, wrapped_key) "
            "SELECT subject, wrapped_key FROM made UNION ALL "
            "SELECT subject, wrapped_key FROM {0}.{1} WHERE subject = ANY(%b::text[])",
            *table,
        )
        self._erase = SQL(
            "INSERT INTO {0}.{1} AS p (subject, wrapped_key, created_at, erased_at, erased_reason) "
            "VALUES (%s, NULL, %s, %s, %s) ON CONFLICT (subject) DO UPDATE SET wrapped_key = NULL, "
            "erased_at = coalesce(p.erased_at, excluded.erased_at), "
            "erased_reason = coalesce(p.erased_reason, excluded.erased_reason)"
        ).format(*table)

    def keys(self, subjects: Sequence[str], create: bool) -> Keys:
        """The subjects' keys; with `create`, a subject without one (and not erased) gets one."""
        wanted = sorted(set(subjects))
        if not create:
            return self._unwrap(self._alone.fetch(self._select, (wanted,)))
        with self._datastore.get_connection() as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            found = self._unwrap(cur.execute(self._made_or_kept, (*self._fresh(wanted), wanted)).fetchall())
            if missing := [s for s in wanted if s not in found]:  # committed by another meanwhile
                found |= self._unwrap(cur.execute(self._select, (missing,)).fetchall())
        return found

    async def keys_async(self, subjects: Sequence[str], create: bool) -> Keys:
        wanted = sorted(set(subjects))
        conn = await self._connect()
        if not create:
            return self._unwrap(await (await conn.execute(self._select, (wanted,))).fetchall())
        found = self._unwrap(await (await conn.execute(self._made_or_kept, (*self._fresh(wanted), wanted))).fetchall())
        if missing := [s for s in wanted if s not in found]:  # committed by another meanwhile
            found |= self._unwrap(await (await conn.execute(self._select, (missing,))).fetchall())
        return found

    def erase(self, subject: str, reason: str, at: datetime) -> None:
        """Shred the subject's key (or, if it has none yet, make sure it never gets one)."""
        with self._datastore.get_connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute(self._erase, (subject, at, at, reason))

    def _fresh(self, subjects: list[str]) -> tuple[list[str], list[bytes]]:
        return subjects, [seal(self._master, _place(s), new_key()) for s in subjects]

    def _unwrap(self, rows: Sequence[tuple[object, ...]]) -> Keys:
        keys: Keys = {}
        for subject, wrapped in rows:
            assert isinstance(subject, str) and (wrapped is None or isinstance(wrapped, bytes | memoryview))
            keys[subject] = None if wrapped is None else unseal(self._master, _place(subject), bytes(wrapped))
        return keys


class MemoryVault:
    """The same keys in a dict of this process: made on first use, shredded for good on erasure."""

    def __init__(self) -> None:
        self._keys: Keys = {}
        self.erased: dict[str, tuple[datetime, str]] = {}  # the tombstones: when, why

    def keys(self, subjects: Sequence[str], create: bool) -> Keys:
        wanted = sorted(set(subjects))
        if create:
            for subject in wanted:
                self._keys.setdefault(subject, new_key())
        return {s: self._keys[s] for s in wanted if s in self._keys}

    async def keys_async(self, subjects: Sequence[str], create: bool) -> Keys:
        return self.keys(subjects, create)

    def erase(self, subject: str, reason: str, at: datetime) -> None:
        self._keys[subject] = None
        self.erased.setdefault(subject, (at, reason))


def _place(subject: str) -> str:
    return f"personal-key:{subject}"
