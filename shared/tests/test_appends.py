"""A log's readers are woken by its appends' commits, not by asking it on a timer; they still
ask at least once a second, and a store no one can listen to keeps its timer."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

from shared.eventstore import EventStore, MemoryStore, open_store
from shared.eventstore.appends import LONGEST, wait_for_appends
from shared.testing.eventstore import event


def test_an_append_wakes_each_reader_and_the_signal_is_set_again_by_the_next(postgres_url: str) -> None:
    store = open_store(postgres_url, f"t_{uuid.uuid4().hex[:12]}")
    try:
        first, second = store.appends(), store.appends()
        assert first.is_set() and second.is_set()  # a reader's first look is at once
        first.clear()
        second.clear()
        time.sleep(0.3)  # the listener is listening
        store.append([event("s-1", 1)])  # the library's path
        assert first.wait(5) and second.wait(5)
        first.clear()
        asyncio.run(_append_async(store))  # the commands' batch path
        assert first.wait(5)
    finally:
        store.close()


async def _append_async(store: EventStore) -> None:
    await store.append_async([event("s-1", 2)])
    await store.close_batch_path()


def test_a_waiting_reader_returns_when_woken_when_stopped_or_after_the_longest_wait() -> None:
    stop, appended = threading.Event(), threading.Event()
    threading.Timer(0.05, appended.set).start()
    started = time.monotonic()
    wait_for_appends(stop, appended, 0.05)
    assert time.monotonic() - started < LONGEST / 2 and not appended.is_set()  # woken, and cleared for the next

    started = time.monotonic()
    wait_for_appends(stop, appended, 0.05)
    assert time.monotonic() - started >= LONGEST  # nothing appended: it asks the log anyway, once a second

    threading.Timer(0.05, stop.set).start()
    started = time.monotonic()
    wait_for_appends(stop, appended, 0.05)
    assert time.monotonic() - started < LONGEST / 2


def test_a_store_that_cannot_tell_leaves_its_readers_on_their_timer() -> None:
    stop = threading.Event()
    assert MemoryStore().appends() is None
    started = time.monotonic()
    wait_for_appends(stop, None, 0.05)
    assert 0.04 <= time.monotonic() - started < LONGEST / 2
