from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from shared.eventstore import EventStore, MemoryStore, open_memory, open_store
from shared.eventstore.sealing import PersonalFields
from shared.readmodels import open_engine
from shared.testing.eventstore import EventStoreContract, OpenStore


class TestMemoryStore(EventStoreContract):
    @pytest.fixture
    def stores(self) -> Iterator[OpenStore]:
        yield lambda personal=None: open_memory(personal)


class TestPostgresStore(EventStoreContract):
    @pytest.fixture
    def stores(self, postgres_url: str) -> Iterator[OpenStore]:
        opened: list[EventStore] = []

        def open_one(personal: PersonalFields | None = None) -> EventStore:
            opened.append(open_store(postgres_url, f"t_{uuid.uuid4().hex[:12]}", personal=personal))
            return opened[-1]

        yield open_one
        for store in opened:
            store.close()


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
