"""A resident's read log of years: logging a read folds a count, not the log, and the resident
lists it a page at a time, newest first, from reads stored before the count was the state."""

from __future__ import annotations

from functools import reduce
from typing import Any

from health_records.application.streams import EVENTS, READS
from health_records.domain import reads
from health_records.domain.reads import RecordRead
from shared.eventstore import EventMeta, NewEvent

from .conftest import NOW, REF

Api = Any  # the `api` fixture (conftest.Api)
STORED = 250


def read_of(n: int) -> RecordRead:
    """The n-th read of the log, told apart by its reader."""
    return RecordRead(f"nurse-{n}", "nurse", "T1", "CHC-1", "record", NOW, NOW)


def store_reads(api: Api, count: int) -> None:
    """Reads logged before: stored as the read log's events always were, in one append."""
    meta = EventMeta("stored", NOW, "c", "c", "nurse")
    logged = [NewEvent(READS.stream_id(REF), n, *EVENTS.encode(read_of(n)), meta) for n in range(1, count + 1)]
    api.world.store.append(logged)


def pages(api: Api, limit: int) -> list[list[str]]:
    """Each page's readers, following `next_cursor` to the last page."""
    found, cursor = [], ""
    while cursor is not None:
        answer = api.get(f"/record/reads?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), api.resident)
        assert answer.status_code == 200
        found.append([r["reader"] for r in answer.json()["items"]])
        cursor = answer.json()["next_cursor"]
    return found


def test_the_read_log_s_state_is_how_many_reads_it_holds() -> None:
    assert reduce(reads.evolve, [read_of(n) for n in range(5000)], 0) == 5000


def test_a_read_is_logged_after_a_long_log_and_the_resident_pages_through_it(api: Api) -> None:
    store_reads(api, STORED)

    assert api.get("/record").status_code == 200  # the doctor's read: the log's 251st

    newest_first = ["doc-1", *(f"nurse-{n}" for n in range(STORED, 0, -1))]
    found = pages(api, limit=100)
    assert [len(page) for page in found] == [100, 100, 51]
    assert [reader for page in found for reader in page] == newest_first
    assert pages(api, limit=251) == [newest_first]


def test_a_cursor_this_api_did_not_return_is_refused(api: Api) -> None:
    for cursor in ("abc", "0", "-3", "²", "9" * 20):
        answer = api.get(f"/record/reads?cursor={cursor}", api.resident)
        assert (answer.status_code, answer.json()["type"]) == (400, "/problems/bad-cursor"), cursor


def test_an_empty_log_is_one_empty_page(api: Api) -> None:
    assert api.get("/record/reads", api.resident).json() == {"resident_ref": REF, "items": [], "next_cursor": None}
