from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Column, Integer, MetaData, Table

from shared.eventstore import EventStore, MemoryStore, open_memory, open_store
from shared.readmodels import open_engine
from shared.testing.eventstore import EventStoreContract, InMemory, OnPostgres


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
