"""Publishing to Kafka and waiting for the broker's acknowledgement of every message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from confluent_kafka import Producer

from shared.contracts.envelope import CONTENT_TYPE
from shared.messaging.kafka import producer_config
from shared.settings import ServiceSettings


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    key: str
    value: bytes
    headers: list[tuple[str, str | bytes | None]] = field(
        default_factory=lambda: [("content-type", CONTENT_TYPE.encode())]
    )


class PublishFailed(Exception):
    """Some message was not acknowledged: the caller must not record progress."""


class Publisher(Protocol):
    def publish(self, messages: Sequence[Message]) -> None: ...


class KafkaPublisher:
    """acks=all; `publish` returns only when every message is acknowledged, else raises."""

    def __init__(self, settings: ServiceSettings, timeout: float = 30) -> None:
        self._config, self._timeout = producer_config(settings), timeout
        self._made: Any = None

    @property
    def _producer(self) -> Any:
        # Made on first use: a publisher that never publishes (a quiet dead-letter topic)
        # opens no connection to the brokers.
        if self._made is None:
            self._made = Producer(self._config)
        return self._made

    def publish(self, messages: Sequence[Message]) -> None:
        failures: list[str] = []

        def delivered(error: Any, _message: Any) -> None:
            if error is not None:
                failures.append(str(error))

        for m in messages:
            self._produce(m, delivered)
        if self._producer.flush(self._timeout) > 0:
            raise PublishFailed("timed out waiting for acknowledgements")
        if failures:
            raise PublishFailed(f"{len(failures)} messages failed: {failures[0]}")

    def _produce(self, m: Message, delivered: Any) -> None:
        while True:
            try:
                self._producer.produce(
                    m.topic, key=m.key.encode(), value=m.value, headers=m.headers, on_delivery=delivered
                )
                return
            except BufferError:  # the local queue is full: let it drain
                self._producer.poll(0.05)

    def close(self) -> None:
        if self._made is not None:
            self._made.flush(self._timeout)
