"""Reading a topic in tests: poll until the expected messages arrived (or fail saying so)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient


def read_topic(
    client: dict[str, Any],
    topic: str,
    until: Callable[[list[Any]], bool],
    timeout: float = 20,
    group: str = "test",
) -> list[Any]:
    """Messages of `topic` from the beginning, once `until(messages)` holds; `client` is the
    reader's confluent-kafka settings (a partner reads in a group named after itself)."""
    consumer = Consumer(
        client
        | {
            "group.id": f"{group}.{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 2000,
            "heartbeat.interval.ms": 500,
            "fetch.wait.max.ms": 50,
            "topic.metadata.refresh.interval.ms": 500,  # the topic may appear after we subscribed
        }
    )
    consumer.subscribe([topic])
    seen: list[Any] = []
    errors: set[str] = set()  # an authorization error, say, must not pass for an empty topic
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for m in consumer.consume(500, timeout=0.2):
                (errors.add(str(m.error())) if m.error() else seen.append(m))
            if until(seen):
                return seen
    finally:
        consumer.close()
    raise AssertionError(f"{topic}: condition not met within {timeout}s; got {len(seen)} messages; errors {errors}")


def read_everything(client: dict[str, Any], prefix: str = "fdcs.", timeout: float = 60) -> dict[str, list[bytes]]:
    """Every message (key, headers and value together) of every topic named `prefix…`, up to
    the end each partition had when called; `client` must be allowed to read them all."""
    described = AdminClient(client).list_topics(timeout=10).topics
    settings = {"group.id": f"test.{uuid.uuid4().hex}", "enable.auto.commit": False, "auto.offset.reset": "earliest"}
    consumer = Consumer(client | settings)
    try:
        ends = _ends(
            consumer, [TopicPartition(t, p) for t in described if t.startswith(prefix) for p in described[t].partitions]
        )
        found: dict[str, list[bytes]] = {topic: [] for topic, _ in ends}
        consumer.assign([TopicPartition(topic, p, 0) for topic, p in ends])
        deadline = time.monotonic() + timeout
        while ends and time.monotonic() < deadline:
            for m in consumer.consume(500, timeout=0.2):
                assert not m.error(), m.error()
                found[str(m.topic())].append(_whole(m))
            at = consumer.position([TopicPartition(topic, p) for topic, p in ends])
            ends = {
                (tp.topic, tp.partition): ends[tp.topic, tp.partition]
                for tp in at
                if tp.offset < ends[tp.topic, tp.partition]
            }
        assert not ends, f"not read to the end within {timeout}s: {sorted(ends)}"
        return found
    finally:
        consumer.close()


def _ends(consumer: Consumer, partitions: list[TopicPartition]) -> dict[tuple[str, int], int]:
    """Each non-empty partition's end offset."""
    marks = {(tp.topic, tp.partition): consumer.get_watermark_offsets(tp, timeout=10) for tp in partitions}
    return {where: high for where, (low, high) in marks.items() if high > low}


def _whole(message: Any) -> bytes:
    headers = b"".join(name.encode() + _bytes(value) for name, value in message.headers() or [])
    return _bytes(message.key()) + headers + _bytes(message.value())


def _bytes(part: str | bytes | None) -> bytes:
    return part.encode() if isinstance(part, str) else part or b""


def produce_raw(client: dict[str, Any], topic: str, messages: list[tuple[str, bytes]]) -> None:
    producer = Producer(client | {"acks": "all"})
    for key, value in messages:
        producer.produce(topic, key=key.encode(), value=value)
    assert producer.flush(10) == 0


def eventually(check: Callable[[], Any], timeout: float = 20, interval: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy; the assertion of end-to-end tests."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout}s (last value: {last!r})")
