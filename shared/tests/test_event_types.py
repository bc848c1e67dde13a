"""Stored event names: apart from the public ones, stable across class renames, versioned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shared.eventstore.streams import EventTypes


@dataclass(frozen=True)
class Signed:
    contract_id: str
    fee_fen: int


@dataclass(frozen=True)
class Renamed:  # was `Ended` when its events were stored
    contract_id: str


def types() -> EventTypes:
    events = EventTypes("signing")
    events.register(Signed, version=2, upcasters={1: lambda d: d | {"fee_fen": 0}})
    events.register(Renamed, stored_as="Ended")
    return events


def test_an_event_is_stored_under_an_internal_name_apart_from_the_public_event() -> None:
    stored = ("signing.internal.Signed.v2", {"contract_id": "c1", "fee_fen": 12_000})
    assert types().encode(Signed("c1", 12_000)) == stored


def test_events_stored_before_internal_names_and_older_versions_still_read() -> None:
    events = types()
    assert events.decode("signing.Signed.v1", {"contract_id": "c1"}) == Signed("c1", 0)
    assert events.decode("signing.internal.Signed.v1", {"contract_id": "c1"}) == Signed("c1", 0)
    assert events.decode("signing.Ended.v1", {"contract_id": "c1"}) == Renamed("c1")
    assert events.encode(Renamed("c1"))[0] == "signing.internal.Ended.v1", "a renamed class keeps its stored name"


def test_a_new_version_without_an_upcaster_for_each_older_one_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match=r"upcasters from versions \[2\]"):
        EventTypes("x").register(Signed, version=3, upcasters={1: lambda d: d})


def test_names_of_lists_every_name_a_class_may_be_stored_under() -> None:
    assert types().names_of(Signed) == {
        "signing.internal.Signed.v1", "signing.internal.Signed.v2", "signing.Signed.v1", "signing.Signed.v2"
    }  # fmt: skip


def test_schemas_are_of_the_current_names() -> None:
    schemas: dict[str, Any] = types().schemas()
    assert set(schemas) == {"signing.internal.Signed.v2", "signing.internal.Ended.v1"}
    assert set(schemas["signing.internal.Signed.v2"]["properties"]) == {"contract_id", "fee_fen"}
