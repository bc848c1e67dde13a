"""What a consumer makes of a message it read: a decoded event to hand over (`Delivery`), or a
dead letter for the group's dead-letter topic, saying where it came from and why, never what
it held."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError
from pydantic import ValidationError

from shared.contracts.base import PublicEvent
from shared.contracts.envelope import Envelope
from shared.contracts.registry import parse_event
from shared.messaging.publisher import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A decoded event and where it was read: a reader that records the positions it applied
    can tell which part of each stream a figure was computed from (-1: not read from Kafka)."""

    envelope: Envelope
    event: PublicEvent
    topic: str
    partition: int = -1
    offset: int = -1


def decoded_from(raw: list[Any], dlq_topic: str) -> tuple[list[tuple[Delivery, Any]], list[Message]]:
    """The messages read that decode, each with its message; those that do not, as dead letters
    at once (no handler could take them however often tried). Errors the consumer reports are
    logged, a partition's end left unsaid."""
    deliveries: list[tuple[Delivery, Any]] = []
    rejected: list[Message] = []
    for message in raw:
        if message.error() is not None:
            if message.error().code() != KafkaError._PARTITION_EOF:
                log.warning("consumer error: %s", message.error())
            continue
        try:
            envelope = Envelope.decode(message.value())
            event = parse_event(envelope)
            delivery = Delivery(envelope, event, message.topic(), message.partition(), message.offset())
            deliveries.append((delivery, message))
        except (ValidationError, ValueError) as reason:
            rejected.append(dead_letter(message, reason, 0, dlq_topic))
    return deliveries, rejected


def dead_letter(message: Any, reason: Exception, attempts: int, dlq_topic: str) -> Message:
    """`attempts`: how many times the handler was given the event (0: it could not be decoded)."""
    key = (message.key() or b"").decode(errors="replace")
    why = reason_of(reason) if attempts else str(reason)[:2000]
    headers: list[tuple[str, str | bytes | None]] = [
        ("dlq-reason", why.encode()),
        ("dlq-topic", message.topic().encode()),
        ("dlq-partition", str(message.partition()).encode()),
        ("dlq-offset", str(message.offset()).encode()),
        ("dlq-attempts", str(attempts).encode()),
    ]
    # Where and why, never the payload.
    log.warning(
        "dead-lettered %s[%s]@%s after %d attempts: %s",
        message.topic(),
        message.partition(),
        message.offset(),
        attempts,
        why,
    )
    return Message(dlq_topic, key, message.value() or b"", headers)


def reason_of(failure: Exception) -> str:
    """The exception's type and message: handlers' events carry no personal data, and the
    payload itself is never quoted."""
    return f"{type(failure).__name__}: {failure}"[:2000]
