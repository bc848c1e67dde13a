"""Billing's contract workers on the broker for the tests: the charging group's subscription on
a store, and workers run in threads for the length of a `with`."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from confluent_kafka import TopicPartition

from billing.adapters.consumers import Inbound, inputs
from billing.application.streams import ACCOUNTS
from billing.application.views import account_view
from billing.bootstrap import applications, capitation_for
from billing.settings import BillingSettings
from shared.commands import CommandProcessor
from shared.contracts import topics
from shared.eventstore import EventStore
from shared.messaging import Delivery, KafkaPublisher, KafkaSubscription


class Charging:
    """One replica of the charging group (a process of its own in production: a processor of its own)."""

    def __init__(self, settings: BillingSettings, store: EventStore, group: str, topic: topics.Topic) -> None:
        charging, settlement = applications(settings)
        self.processor, self.group, self.applied = CommandProcessor(store), group, 0
        self._inputs = inputs(
            self.processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings))
        )
        self.subscription = Watched(settings, group, [topic.name], self._handle, KafkaPublisher(settings))

    def _handle(self, deliveries: Sequence[Delivery]) -> None:
        self._inputs.handle(deliveries)
        self.applied += len(deliveries)

    def close(self) -> None:
        self.processor.close()


class Watched(KafkaSubscription):
    """The partitions the group gave it, as librdkafka hands them over."""

    owned: set[int]

    def _assigned(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        self.owned = getattr(self, "owned", set()) | {p.partition for p in partitions}
        super()._assigned(consumer, partitions)

    def _revoked(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        self.owned = getattr(self, "owned", set()) - {p.partition for p in partitions}
        super()._revoked(consumer, partitions)


def account(store: EventStore, contract_id: str) -> dict[str, Any]:
    found, version = ACCOUNTS.fold(store.read(ACCOUNTS.stream_id(contract_id)))
    return account_view(contract_id, found, version)


@contextmanager
def running(*workers: KafkaSubscription) -> Iterator[None]:
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()
