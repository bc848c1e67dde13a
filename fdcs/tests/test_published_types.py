"""A relay reads only the stored types its service's `to_public` publishes, their personal values
withheld (`EventStore.read_log_of`): for an event of every class each service stores, `to_public`
gives nothing for a type left out, and the same messages with the personal values withheld; the
fields it takes from an event are `dataclasses.asdict`'s."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fdcs import stored_events
from fdcs.services import SERVICES
from shared.eventstore import EventMeta, RecordedEvent
from shared.eventstore.cipher import ERASED
from shared.eventstore.personal import rewrite
from shared.messaging import Message
from shared.messaging.outbound import fields_of

CASES = [
    (service, cls)
    for service in sorted(SERVICES)
    for cls in sorted(stored_events.events_of(SERVICES[service]).classes(), key=lambda c: c.__qualname__)
]
# The domain's numbers are finite, its times aware (no test draws these types but this one).
st.register_type_strategy(datetime, st.datetimes(timezones=st.just(UTC)))
st.register_type_strategy(Decimal, st.decimals(allow_nan=False, allow_infinity=False, places=2))
st.register_type_strategy(float, st.floats(allow_nan=False, allow_infinity=False))
META = EventMeta("e-1", datetime(2026, 3, 1, 8, tzinfo=UTC), "c-1", "c-1", "tester")


@pytest.mark.parametrize(("service", "cls"), CASES, ids=[f"{s}-{c.__name__}" for s, c in CASES])
def test_to_public_publishes_only_its_types_and_no_personal_value(service: str, cls: type) -> None:
    package = SERVICES[service].package
    publishing = importlib.import_module(f"{package}.adapters.publishing")
    events = stored_events.events_of(SERVICES[service])

    @settings(max_examples=4, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_type(cls))
    def check(event: Any) -> None:
        assert fields_of(event) == asdict(event)  # the fields a contract takes from, as the dataclass has them
        type_name, data = events.encode(event)
        plain = outcome(publishing.to_public, RecordedEvent("s-1", 1, type_name, data, META, 1))
        withheld = rewrite(data, events.personal_paths(type_name), lambda _, v: ERASED)
        assert outcome(publishing.to_public, RecordedEvent("s-1", 1, type_name, withheld, META, 1)) == plain
        assert type_name in publishing.PUBLISHES or plain == []  # a refusal too: the type was on its way out

    check()


def outcome(to_public: Callable[[RecordedEvent], list[Message]], recorded: RecordedEvent) -> list[Message] | str:
    """The messages, or the refusal of a drawn value its public contract does not allow (an empty
    area code): the event was on its way to a topic all the same."""
    try:
        return to_public(recorded)
    except ValueError as refused:
        return type(refused).__name__
