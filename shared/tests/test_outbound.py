"""From an internal event to its public one: only the fields the contract names leave the service."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shared.contracts.base import PublicEvent
from shared.messaging.outbound import contract_event, fields_of


@dataclass(frozen=True)
class Slot:
    starts_at: str


@dataclass(frozen=True)
class Booked:
    resident_ref: str
    phone: str
    slot: Slot


class Published(PublicEvent):
    TYPE = "test.Published.v1"
    resident_ref: str
    starts_at: str


def test_a_public_event_takes_only_the_fields_its_contract_names() -> None:
    fields = fields_of(Booked("r_1", "13800000000", Slot("09:00")))

    assert fields == {"resident_ref": "r_1", "phone": "13800000000", "slot": {"starts_at": "09:00"}}
    assert contract_event(Published, fields, starts_at="09:00") == Published(resident_ref="r_1", starts_at="09:00")


def test_what_is_not_an_event_has_no_fields() -> None:
    with pytest.raises(TypeError):
        fields_of(Booked)
    with pytest.raises(TypeError):
        fields_of({"resident_ref": "r_1"})
