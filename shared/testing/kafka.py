"""Reading a topic in tests: poll until the expected messages arrived (or fail saying so)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, Producer


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
