from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from sqlalchemy import Column, Integer, MetaData, Table

from shared.eventstore import EventStore, MemoryStore, open_memory, open_store
from shared.eventstore.postgres import writers_lock
from shared.eventstore.store import plain_url
from shared.readmodels import open_engine
from shared.testing.eventstore import EventStoreContract, InMemory, OnPostgres, event, on_a_loop


class TestMemoryStore(InMemory, EventStoreContract):
    pass


class TestPostgresStore(OnPostgres, EventStoreContract):
    pass


def test_both_stores_are_event_stores() -> None:
    """mypy checks each against the protocol here."""
    stores: list[EventStore] = [open_memory(), MemoryStore()]
    assert all(s.last_position() == 0 for s in stores)


def test_processes_starting_together_create_the_tables_once(postgres_url: str, schema: str) -> None:
    """An API, its relay and its workers start at once, each creating tables at start."""
    views = MetaData()
    Table("counted", views, Column("n", Integer, primary_key=True))
    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(lambda _: open_store(postgres_url, schema), range(6)))
        engines = list(pool.map(lambda _: open_engine(postgres_url, schema, views), range(6)))
    for store in stores:
        store.close()
    for engine in engines:
        engine.dispose()


@pytest.fixture
def log(postgres_url: str, schema: str) -> Iterator[EventStore]:
    store = open_store(postgres_url, schema)
    yield store
    store.close()


def _appending(store: EventStore, stream: str) -> threading.Thread:
    """Appends from a thread and from an event loop (the two paths), as writers elsewhere would."""

    def both() -> None:
        store.append([event(stream, 1)])
        on_a_loop(store, store.append_async([event(stream, 2)]))

    appending = threading.Thread(target=both, daemon=True)
    appending.start()
    return appending


def test_a_vacuum_of_the_log_holds_no_writer_back(log: EventStore, postgres_url: str, schema: str) -> None:
    """Autovacuum holds the table in SHARE UPDATE EXCLUSIVE mode while it vacuums or analyses
    it; a writer locking the table waited behind it until PostgreSQL cancelled the vacuum."""
    with psycopg.connect(plain_url(postgres_url)) as vacuum:
        vacuum.execute(f'LOCK TABLE "{schema}".stored_events IN SHARE UPDATE EXCLUSIVE MODE')
        appending = _appending(log, "a")
        appending.join(10)
        assert not appending.is_alive()
    assert [e.version for e in log.read("a")] == [1, 2]


def test_a_writer_waits_for_the_one_before_to_commit(log: EventStore, postgres_url: str, schema: str) -> None:
    """So positions commit in the order they are given: a reader of the log never passes a
    position that commits later."""
    with psycopg.connect(plain_url(postgres_url)) as before:
        for statement in writers_lock(schema, "stored_events"):
            before.execute(statement)  # a writer in its transaction, not yet committed
        appending = _appending(log, "a")
        appending.join(0.5)
        assert appending.is_alive()
    appending.join(10)  # the one before committed (the block's end)
    assert not appending.is_alive() and [e.version for e in log.read("a")] == [1, 2]


def test_the_log_is_read_on_a_new_connection_once_the_database_dropped_its_own(
    log: EventStore, postgres_url: str
) -> None:
    """Relays and read models read the log on a connection of their own, outside the pool: one
    the database dropped (a restart) is replaced, and no read fails for it."""
    log.append([event("a", 1)])
    assert log.last_position() == 1
    with psycopg.connect(plain_url(postgres_url), autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query ILIKE '%max(notification_id)%' AND pid <> pg_backend_pid()"
        ).fetchone()
    assert dropped == (1,)
    assert [e.stream_id for e in log.read_log(0, 10)] == ["a"]
    assert log.last_position() == 1


def test_a_readers_position_only_moves_on(log: EventStore) -> None:
    """As the library's recorder keeps it: a position not past the one recorded is refused."""
    log.track("relay", 5)
    with pytest.raises(IntegrityError):
        log.track("relay", 5)
    with pytest.raises(IntegrityError):
        log.track("relay", 3)
    assert log.tracked("relay") == 5
