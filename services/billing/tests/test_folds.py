"""A stream read whole from the store folds to the state its events give one at a time (as a
command's cached state takes them): `StreamType.whole` is only the faster way there."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from billing.application.streams import BOOKS, MEMBER_YEARS
from billing.domain import book
from billing.domain import performance_year as py
from shared.eventstore.records import EventMeta, RecordedEvent
from shared.eventstore.streams import StreamType

META = EventMeta("e", datetime(2026, 1, 6, tzinfo=UTC), "c", "c", "test")


def stored(kind: StreamType[Any], events: list[object]) -> list[RecordedEvent]:
    return [RecordedEvent("s", n, *kind.events.encode(e), META) for n, e in enumerate(events, 1)]


def one_at_a_time(kind: StreamType[Any], events: list[object]) -> Any:
    state, version = kind.fold(stored(kind, events), kind.initial)  # a state given: `evolve` for each
    assert version == len(events)
    return state


def read_whole(kind: StreamType[Any], events: list[object]) -> Any:
    assert kind.whole is not None
    state, version = kind.fold(stored(kind, events))
    assert version == len(events)
    return state


def test_a_members_year_read_whole_is_its_services_credited_one_at_a_time() -> None:
    visit = py.ContributionNoted("ev-1", "visits", date(2025, 3, 1), "r_a")
    events: list[object] = [
        visit,
        py.ContributionNoted("ev-2", "follow_ups", date(2025, 3, 2), "r_b"),
        py.ContributionNoted("ev-3", "good_ratings", date(2025, 4, 1), "r_a"),
        py.ContributionNoted("ev-2", "follow_ups", date(2025, 3, 3), "r_b"),  # as `evolve_member`: the latest
    ]

    whole = read_whole(MEMBER_YEARS, events)

    assert whole == one_at_a_time(MEMBER_YEARS, events)
    assert list(whole.credited) == ["ev-1", "ev-2", "ev-3"]
    assert whole.credited["ev-1"] == visit
    assert whole.credited["ev-2"].on == date(2025, 3, 3)
    assert read_whole(MEMBER_YEARS, []) == MEMBER_YEARS.initial
    with pytest.raises(ValueError, match="member's year"):
        py.member_of([py.TeamInYear("T1")])


def test_the_book_read_whole_is_its_ledgers_registered_one_at_a_time_each_institutions_in_order() -> None:
    at = datetime(2026, 2, 1, tzinfo=UTC)
    events: list[object] = [
        book.LedgerRegistered("CHC-1~insurance_fund~MIB-1", "CHC-1"),
        book.LedgerRegistered("CHC-2~resident~-", "CHC-2"),
        book.PeriodsClosed("2026-01", at),
        book.LedgerRegistered("CHC-1~resident~-", "CHC-1"),
        book.LedgerRegistered("CHC-1~insurance_fund~MIB-1", "CHC-1"),  # registered again: nothing new
        book.PeriodsReopened("2026-01", "2025-12", "operator_error", at),
        book.LedgerRegistered("CHC-1~insurance_fund~MIB-2", "CHC-1"),
    ]

    whole = read_whole(BOOKS, events)

    assert whole == one_at_a_time(BOOKS, events)
    assert whole.closed_through == "2025-12"
    assert list(whole.ledgers) == [
        "CHC-1~insurance_fund~MIB-1",
        "CHC-2~resident~-",
        "CHC-1~resident~-",
        "CHC-1~insurance_fund~MIB-2",
    ]
    assert whole.of_institution("CHC-1") == [k for k, i in whole.ledgers.items() if i == "CHC-1"]  # the scan's answer
    assert whole.of_institution("CHC-1") == [
        "CHC-1~insurance_fund~MIB-1",
        "CHC-1~resident~-",
        "CHC-1~insurance_fund~MIB-2",
    ]
    assert (whole.of_institution("CHC-2"), whole.of_institution("CHC-9")) == (["CHC-2~resident~-"], [])
    assert read_whole(BOOKS, []) == BOOKS.initial
    with pytest.raises(ValueError, match="settlement book"):
        book.book_of([py.TeamInYear("T1")])
