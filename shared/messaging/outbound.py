"""Turning a stored internal event into the public message other services read."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import is_dataclass
from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter

from shared.contracts.base import PublicEvent
from shared.contracts.envelope import Envelope
from shared.contracts.topics import Topic
from shared.eventstore import RecordedEvent
from shared.eventstore.streams import EventTypes
from shared.messaging.publisher import Message

P = TypeVar("P", bound=PublicEvent)

_IDS = uuid.UUID("0f6c1f8e-3a51-4b47-9a36-5b7d6f0d2c11")


def public_message(  # noqa: PLR0913
    source: str, recorded: RecordedEvent, event: PublicEvent, topic: Topic, key: str, subject: str | None = None
) -> Message:
    """An enveloped message; its id is derived from the stored event, so re-publishing
    the same event gives the same id (consumers deduplicate on it). `key` orders it (the
    topic's key), `subject` names what it is about (the key, unless given)."""
    meta = recorded.meta
    envelope = Envelope(
        id=str(uuid.uuid5(_IDS, f"{meta.event_id}/{event.TYPE}")),
        source=source,
        type=event.TYPE,
        subject=subject or key,
        time=meta.occurred_at,
        correlationid=meta.correlation_id,
        causationid=meta.causation_id,
        traceparent=meta.traceparent,
        data=event.model_dump(mode="json"),
    )
    return Message(topic.name, key, envelope.encode())


def internal_event(events: EventTypes, recorded: RecordedEvent) -> object | None:
    """The stored event as one of the service's own, or None for a command receipt (it stays inside)."""
    return events.decode(recorded.type, recorded.data) if events.knows(recorded.type) else None


def fields_of(event: object) -> dict[str, Any]:
    """An internal event's fields, those of its parts as dicts (every internal event is a dataclass):
    `dataclasses.asdict`'s, by pydantic's serializer, which does not deep-copy each value as it
    goes (asdict was half a relay's CPU)."""
    if not is_dataclass(event) or isinstance(event, type):
        raise TypeError(f"{type(event).__name__} is not an event")
    fields: dict[str, Any] = _adapter(type(event)).dump_python(event)
    return fields


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def contract_event(model: type[P], fields: Mapping[str, Any], **extra: Any) -> P:
    """The public event from an internal event's fields: only those its contract names (the others,
    personal data among them, never leave the service), and `extra`."""
    named = model.model_fields  # once: a property of pydantic's, a tenth of a relay's CPU asked for each field
    return model.model_validate({k: v for k, v in fields.items() if k in named} | extra)
