"""Turning a stored internal event into the public message other services read."""

from __future__ import annotations

import uuid

from shared.contracts.base import PublicEvent
from shared.contracts.envelope import Envelope
from shared.contracts.topics import Topic
from shared.eventstore import RecordedEvent
from shared.messaging.publisher import Message

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
