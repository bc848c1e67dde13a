"""Going back in a topic by time: a consumer group's offsets rewound after its store was
restored from a backup, and the envelopes a topic received since a moment (what a restore
must apply again)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient

from shared.contracts.envelope import Envelope
from shared.messaging.kafka import client_config
from shared.settings import ServiceSettings

_TIMEOUT = 15.0


class GroupActive(RuntimeError):
    """A rewind needs the group's members stopped: they would commit over it."""


def rewind(settings: ServiceSettings, group: str, topics: Sequence[str], to: datetime) -> dict[str, int]:
    """Move `group` back to the first offset at or after `to` on each partition of `topics`
    (names, or `^` patterns as subscriptions take them); never forward. Returns how many
    messages each topic will be given again."""
    admin = AdminClient(client_config(settings))
    _refuse_active(admin, group)
    consumer = Consumer(client_config(settings) | {"group.id": group, "enable.auto.commit": False})
    try:
        partitions = _partitions(consumer, topics)
        if not partitions:
            return {}
        committed = {(p.topic, p.partition): p.offset for p in consumer.committed(partitions, timeout=_TIMEOUT)}
        at = {(p.topic, p.partition): p.offset for p in consumer.offsets_for_times(_at(partitions, to), _TIMEOUT)}
        moved: list[TopicPartition] = []
        again: dict[str, int] = {}
        for p in partitions:
            where = (p.topic, p.partition)
            low, high = consumer.get_watermark_offsets(p, timeout=_TIMEOUT)
            target = at[where] if at[where] >= 0 else high  # nothing at or after `to`: from the end
            was = committed[where] if committed[where] >= 0 else low  # never committed: from the start
            if target < was:
                moved.append(TopicPartition(p.topic, p.partition, max(target, low)))
                again[p.topic] = again.get(p.topic, 0) + was - max(target, low)
        if moved:
            consumer.commit(offsets=moved, asynchronous=False)
        return again
    finally:
        consumer.close()


def envelopes_since(settings: ServiceSettings, topic: str, since: datetime, group: str) -> Iterator[Envelope]:
    """Every envelope `topic` received from `since` to its end when called (undecodable ones
    skipped). Nothing is committed, but librdkafka still finds `group`'s coordinator: one the
    reader's Kafka user may use."""
    consumer = Consumer(client_config(settings) | {"group.id": group, "enable.auto.commit": False})
    try:
        for value in _values_since(consumer, topic, since):
            try:
                yield Envelope.decode(value)
            except ValueError:
                continue
    finally:
        consumer.close()


def _values_since(consumer: Any, topic: str, since: datetime) -> Iterator[bytes]:
    partitions = _partitions(consumer, [topic])
    ends = {(p.topic, p.partition): consumer.get_watermark_offsets(p, timeout=_TIMEOUT)[1] for p in partitions}
    starts = [p for p in consumer.offsets_for_times(_at(partitions, since), _TIMEOUT) if p.offset >= 0]
    starts = [p for p in starts if p.offset < ends[(p.topic, p.partition)]]
    consumer.assign(starts)
    left = {(p.topic, p.partition) for p in starts}
    while left:
        messages = consumer.consume(500, timeout=1.0)
        if not messages:  # the end may be a transaction marker, never delivered: ask where we are
            reached = consumer.position([TopicPartition(t, n) for t, n in left])
            left -= {(p.topic, p.partition) for p in reached if p.offset >= ends[(p.topic, p.partition)]}
        for message in messages:
            where = (message.topic(), message.partition())
            if message.error() is not None:
                if message.error().code() != KafkaError._PARTITION_EOF:
                    raise RuntimeError(f"reading {topic}: {message.error()}")
            elif message.offset() >= ends[where]:  # came after the call
                left.discard(where)
            else:
                if message.offset() + 1 == ends[where]:
                    left.discard(where)
                yield message.value()


def _refuse_active(admin: Any, group: str) -> None:
    described = admin.describe_consumer_groups([group], request_timeout=_TIMEOUT)[group].result()
    if described.members:
        raise GroupActive(f"consumer group {group} has {len(described.members)} members: stop its processes first")


def _partitions(consumer: Any, topics: Sequence[str]) -> list[TopicPartition]:
    """The partitions of the named topics, and of those a `^pattern` matches."""
    listed = consumer.list_topics(timeout=_TIMEOUT).topics
    wanted = [
        name
        for name in sorted(listed)
        if any(re.fullmatch(t[1:], name) if t.startswith("^") else t == name for t in topics)
    ]
    return [TopicPartition(name, p) for name in wanted for p in sorted(listed[name].partitions)]


def _at(partitions: list[TopicPartition], moment: datetime) -> list[TopicPartition]:
    ms = int(moment.timestamp() * 1000)
    return [TopicPartition(p.topic, p.partition, ms) for p in partitions]
