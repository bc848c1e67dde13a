"""A consumer group's dead letters: what it gave up on, where from and why, and what an
operator decided of each once the cause was known.

- `list`: every letter with its status (open, replayed, discarded). The payload is kept on the
  topic for whoever replays it and never shown: where each came from and why it failed is
  what deciding needs.
- `replay`: each open letter (or those named) is handed to the group's own handler again, as
  its consumer would (handlers are idempotent by event id: replaying twice applies once), then
  marked replayed. One that fails again stays open, and the failure is reported.
- `discard`: the letters named are marked discarded (the event is not wanted).

A decision is a message on the dead-letter topic itself (headers `dlq-decision`, `dlq-letter`),
written with the group's own rights: Kafka keeps letters immutable, so the record of what was
done with them is appended beside them, and the consumer never reads that topic.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from confluent_kafka import Consumer, TopicPartition

from shared.contracts.envelope import Envelope
from shared.contracts.registry import parse_event
from shared.contracts.topics import dead_letters
from shared.messaging.delivery import Delivery
from shared.messaging.kafka import client_config
from shared.messaging.publisher import KafkaPublisher, Message
from shared.settings import ServiceSettings

Decision = Literal["replayed", "discarded"]
Status = Literal["open", "replayed", "discarded"]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    offset: int  # on the dead-letter topic
    source: str  # topic[partition]@offset it was read at
    reason: str
    attempts: str  # how many times the handler was given it; 0: it could not be decoded
    status: Status = "open"
    message: Any = field(default=None, repr=False, compare=False)  # the letter as read, for a replay

    def line(self) -> str:
        return f"{self.offset}\t{self.status}\t{self.source}\t{self.attempts}\t{self.reason}"


HEADING = "offset\tstatus\tsource\tattempts\treason"


def dead_letters_of(settings: ServiceSettings, group: str, timeout: float = 30) -> list[DeadLetter]:
    """Every dead letter of `group` up to the end the topic had when called, oldest first, with
    the latest decision of each."""
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


def replay(
    settings: ServiceSettings,
    group: str,
    handle: Callable[[Sequence[Any]], None],
    offsets: Collection[int] | None = None,
) -> tuple[list[int], dict[int, str]]:
    """Hand the open letters (those at `offsets`, else all) to `handle` one at a time; mark those
    it applied replayed. Returns them, and why each other one failed."""
    done: list[int] = []
    failed: dict[int, str] = {}
    for letter in _open(dead_letters_of(settings, group), offsets):
        message = letter.message
        try:
            envelope = Envelope.decode(message.value())
            headers = _headers(message)
            where = (
                headers.get("dlq-topic", ""),
                int(headers.get("dlq-partition", -1)),
                int(headers.get("dlq-offset", -1)),
            )
            handle([Delivery(envelope, parse_event(envelope), *where)])
        except Exception as reason:  # reported to the operator; the letter stays open
            failed[letter.offset] = f"{type(reason).__name__}: {reason}"[:500]
            continue
        done.append(letter.offset)
    decide(settings, group, done, "replayed")
    return done, failed


def discard(settings: ServiceSettings, group: str, offsets: Collection[int]) -> list[int]:
    """Mark the open letters at `offsets` discarded; returns those it marked."""
    chosen = [letter.offset for letter in _open(dead_letters_of(settings, group), offsets)]
    decide(settings, group, chosen, "discarded")
    return chosen


def decide(settings: ServiceSettings, group: str, offsets: Sequence[int], decision: Decision) -> None:
    if not offsets:
        return
    topic = dead_letters(group).name
    publisher = KafkaPublisher(settings)
    try:
        publisher.publish(
            [
                Message(
                    topic,
                    f"decision-{offset}",
                    b"",
                    [("dlq-decision", decision.encode()), ("dlq-letter", str(offset).encode())],
                )
                for offset in offsets
            ]
        )
    finally:
        publisher.close()


def _decision(decision: Decision, offset: int) -> list[tuple[str, str | bytes | None]]:
    return [("dlq-decision", decision.encode()), ("dlq-letter", str(offset).encode())]


def _open(letters: list[DeadLetter], offsets: Collection[int] | None) -> list[DeadLetter]:
    return [d for d in letters if d.status == "open" and (offsets is None or d.offset in offsets)]


def _read(consumer: Consumer, ends: dict[int, int], deadline: float) -> list[DeadLetter]:
    found: list[DeadLetter] = []
    decided: dict[int, Status] = {}
    while ends:
        if time.monotonic() > deadline:
            raise TimeoutError(f"dead letters not read to the end in time: partitions {sorted(ends)} left")
        for message in consumer.consume(500, timeout=0.2):
            if message.error() is not None:
                continue  # the end of a partition, say; the watermarks say when we are done
            partition, offset = int(message.partition() or 0), int(message.offset() or 0)
            end = ends.get(partition, 0)
            if offset < end:
                headers = _headers(message)
                if "dlq-decision" in headers:
                    decided[int(headers.get("dlq-letter", -1))] = headers["dlq-decision"]  # type: ignore[assignment]
                else:
                    found.append(_letter(message, headers))
            if offset + 1 >= end:
                ends.pop(partition, None)
    found = [
        DeadLetter(d.offset, d.source, d.reason, d.attempts, decided.get(d.offset, "open"), d.message) for d in found
    ]
    return sorted(found, key=lambda d: d.offset)


def _headers(message: Any) -> dict[str, str]:
    return {name: (value or b"").decode(errors="replace") for name, value in message.headers() or []}


def _letter(message: Any, headers: dict[str, str]) -> DeadLetter:
    source = f"{headers.get('dlq-topic', '?')}[{headers.get('dlq-partition', '?')}]@{headers.get('dlq-offset', '?')}"
    reason, attempts = headers.get("dlq-reason", ""), headers.get("dlq-attempts", "?")
    return DeadLetter(message.offset(), source, reason, attempts, "open", message)
