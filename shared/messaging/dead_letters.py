"""Reading a consumer group's dead letters: what it gave up on, where from, and why.

The payload is kept on the topic for whoever replays it, and never shown here: an operator
sees where each letter came from and why it failed, which is what deciding needs."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from shared.contracts.topics import dead_letters
from shared.messaging.kafka import client_config
from shared.settings import ServiceSettings


@dataclass(frozen=True, slots=True)
class DeadLetter:
    offset: int  # on the dead-letter topic
    source: str  # topic[partition]@offset it was read at
    reason: str
    attempts: str  # how many times the handler was given it; 0: it could not be decoded

    def line(self) -> str:
        return f"{self.offset}\t{self.source}\t{self.attempts}\t{self.reason}"


def dead_letters_of(settings: ServiceSettings, group: str, timeout: float = 30) -> list[DeadLetter]:
    """Every dead letter of `group` up to the end the topic had when called, oldest first."""
    topic = dead_letters(group).name
    reader = f"fdcs.dead-letters.{uuid.uuid4().hex}"  # nothing is committed: reading changes nothing
    consumer = Consumer(
        client_config(settings) | {"group.id": reader, "enable.auto.commit": False, "auto.offset.reset": "earliest"}
    )
    try:
        described = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
        if described is None or described.error is not None:
            return []
        ends = {}
        for partition in described.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout)
            if high > low:
                ends[partition] = high
        consumer.assign([TopicPartition(topic, p, 0) for p in ends])  # 0: the earliest still kept
        return _read(consumer, ends, time.monotonic() + timeout)
    finally:
        consumer.close()


def _read(consumer: Consumer, ends: dict[int, int], deadline: float) -> list[DeadLetter]:
    found: list[DeadLetter] = []
    while ends:
        if time.monotonic() > deadline:
            raise TimeoutError(f"dead letters not read to the end in time: partitions {sorted(ends)} left")
        for message in consumer.consume(500, timeout=0.2):
            if message.error() is not None:
                continue  # the end of a partition, say; the watermarks say when we are done
            partition, offset = int(message.partition() or 0), int(message.offset() or 0)
            end = ends.get(partition, 0)
            if offset < end:
                found.append(_letter(message))
            if offset + 1 >= end:
                ends.pop(partition, None)
    return sorted(found, key=lambda d: d.offset)


def _letter(message: Any) -> DeadLetter:
    headers = {name: (value or b"").decode(errors="replace") for name, value in message.headers() or []}
    source = f"{headers.get('dlq-topic', '?')}[{headers.get('dlq-partition', '?')}]@{headers.get('dlq-offset', '?')}"
    return DeadLetter(message.offset(), source, headers.get("dlq-reason", ""), headers.get("dlq-attempts", "?"))
