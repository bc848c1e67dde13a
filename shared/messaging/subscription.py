"""Consuming public events: at-least-once, in batches, with a dead-letter topic.

The handler receives decoded, validated events and must be idempotent: it records the
event ids it applied in the same transaction as its own write. Offsets are committed
only after the handler succeeded, so a crash redelivers and never loses.

A plain consumer rather than faust-streaming: every consumer here writes its state to
its own database in one transaction with the ids it applied, which faust's tables and
changelog topics would only duplicate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException
from pydantic import ValidationError

from shared.contracts.base import PublicEvent
from shared.contracts.envelope import Envelope
from shared.contracts.registry import parse_event
from shared.contracts.topics import dead_letters
from shared.messaging.kafka import consumer_config, ensure_topics
from shared.messaging.publisher import Message, Publisher
from shared.settings import ServiceSettings

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


Handle = Callable[[Sequence[Delivery]], None]


class KafkaSubscription:
    def __init__(  # noqa: PLR0913
        self,
        settings: ServiceSettings,
        group: str,
        topics: Sequence[str],
        handle: Handle,
        dead_letter_publisher: Publisher,
        batch_size: int = 500,
    ) -> None:
        self._settings, self._group = settings, group
        self._consumer: Any = None  # made by run(): a subscription that never runs connects to nothing
        self._topics, self._handle, self._batch_size = list(topics), handle, batch_size
        self._dead_letters, self._dlq_topic = dead_letter_publisher, dead_letters(group).name

    @property
    def group(self) -> str:
        """The consumer group (deployment grants it and declares its dead-letter topic)."""
        return self._group

    @property
    def topics(self) -> list[str]:
        return list(self._topics)

    def run(self, stop: threading.Event) -> None:
        try:
            ensure_topics(self._settings, [dead_letters(self._group)])
        except Exception as refused:  # a service user may lack the right to create topics
            log.warning("could not ensure dead-letter topic %s: %s", self._dlq_topic, refused)
        self._consumer = Consumer(consumer_config(self._settings, self._group))
        self._consumer.subscribe(self._topics)
        try:
            while not stop.is_set():
                raw = self._consumer.consume(self._batch_size, timeout=0.1)
                if raw:
                    self._process(raw, stop)
        finally:
            self._consumer.close()

    def _process(self, raw: list[Any], stop: threading.Event) -> None:
        deliveries, rejected = self._decode(raw)
        if rejected:
            self._dead_letters.publish(rejected)
        failures = 0
        while deliveries and not stop.is_set():
            try:
                self._handle(deliveries)
                break
            except Exception:  # the database is down, say: keep the batch, try again
                failures += 1
                log.exception("handler failed (%d in a row); retrying the batch", failures)
                stop.wait(min(0.1 * 2**failures, 5.0))
        if not stop.is_set():
            try:
                self._consumer.commit(asynchronous=False)
            except KafkaException as failed:
                # The broker was away long enough for the group to forget this member, say: the
                # consumer rejoins on its next poll, and a later commit covers this batch or the
                # batch comes again from the committed offsets (the handler deduplicates).
                log.warning("commit failed, carrying on: %s", failed)

    def _decode(self, raw: list[Any]) -> tuple[list[Delivery], list[Message]]:
        deliveries: list[Delivery] = []
        rejected: list[Message] = []
        for message in raw:
            if message.error() is not None:
                if message.error().code() != KafkaError._PARTITION_EOF:
                    log.warning("consumer error: %s", message.error())
                continue
            try:
                envelope = Envelope.decode(message.value())
                event = parse_event(envelope)
                deliveries.append(Delivery(envelope, event, message.topic(), message.partition(), message.offset()))
            except (ValidationError, ValueError) as reason:
                rejected.append(self._dead_letter(message, reason))
        return deliveries, rejected

    def _dead_letter(self, message: Any, reason: Exception) -> Message:
        key = (message.key() or b"").decode(errors="replace")
        headers = [
            ("dlq-reason", str(reason)[:2000].encode()),
            ("dlq-topic", message.topic().encode()),
            ("dlq-partition", str(message.partition()).encode()),
            ("dlq-offset", str(message.offset()).encode()),
        ]
        log.warning("dead-lettered %s@%s: %s", message.topic(), message.offset(), reason)
        return Message(self._dlq_topic, key, message.value() or b"", headers)
