from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from shared.eventstore import EventMeta, EventStore, NewEvent, StreamConflict, open_store
from shared.readmodels import open_engine

META = EventMeta("e", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), "corr", "cause", "tester")


def event(stream: str, version: int, n: int = 0) -> NewEvent:
    return NewEvent(stream, version, "test.Happened.v1", {"n": n}, META)


def test_a_stream_reads_back_in_order_with_data_and_metadata(store: EventStore) -> None:
    store.append([event("a", 1, 10), event("a", 2, 20), event("b", 1, 30)])

    read = store.read("a")

    assert [(e.version, e.data["n"]) for e in read] == [(1, 10), (2, 20)]
    assert read[0].meta == META
    assert [e.version for e in store.read("a", after=1)] == [2]


def test_appending_an_existing_version_conflicts_and_writes_nothing(store: EventStore) -> None:
    store.append([event("a", 1)])

    with pytest.raises(StreamConflict):
        store.append([event("b", 1), event("a", 1, 99)])

    assert store.read("b") == []
    assert [e.data["n"] for e in store.read("a")] == [0]


def test_the_log_is_ordered_and_resumable_by_position(store: EventStore) -> None:
    store.append([event("a", 1), event("b", 1)])
    store.append([event("a", 2)])

    log = store.read_log(after=0, limit=10)

    assert [(e.stream_id, e.version) for e in log] == [("a", 1), ("b", 1), ("a", 2)]
    positions = [e.position for e in log]
    assert positions == sorted(positions)
    assert [(e.stream_id, e.version) for e in store.read_log(after=log[1].position or 0, limit=10)] == [("a", 2)]
    assert store.last_position() == log[-1].position


def test_a_reader_keeps_its_position(store: EventStore) -> None:
    assert store.tracked("relay") == 0
    store.track("relay", 5)
    store.track("relay", 9)
    assert store.tracked("relay") == 9
    assert store.tracked("other") == 0


def test_the_batch_path_closes_its_connection_and_reopens_on_demand(store: EventStore) -> None:
    async def append_close_append() -> None:
        await store.append_async([event("a", 1)])
        await store.close_batch_path()
        await store.append_async([event("a", 2)])
        await store.close_batch_path()

    asyncio.run(append_close_append())

    assert [e.version for e in store.read("a")] == [1, 2]


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
