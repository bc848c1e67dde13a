"""Another service's events, each published again unchanged under the key its reader's writes
need: a reader that writes streams of another key than the topic's (billing charges a contract
to its institution's ledgers, signing keys contracts by resident) meets itself on those streams
from every partition, so its replicas take turns instead of sharing the work. Re-keyed, each
replica owns whole keys.

The envelope is the one read (same id, time and data), so the id stays the idempotency key
downstream. A `KafkaSubscription` hands the events over, in the order they were recorded when
it reads `in_time_order` (what a reader judging the re-keyed topic by its events' times needs:
`shared/messaging/positions.py`), and commits its offsets only after `handle` returned, which
`KafkaPublisher` does only once every message is acknowledged (acks=all, idempotent): at least
once, in order, a redelivery absorbed by the event id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from shared.contracts.topics import Topic
from shared.messaging.delivery import Delivery
from shared.messaging.publisher import Message, Publisher, PublishFailed

KeyOf = Callable[[Delivery], str | None]
"""The event's new key, or None: not the reader's business, not published again."""


class Rekeying:
    def __init__(self, publisher: Publisher, topic: Topic, key_of: KeyOf) -> None:
        self._publisher, self._topic, self._key_of = publisher, topic, key_of

    def handle(self, deliveries: Sequence[Delivery]) -> None:
        messages = [self.message(d) for d in deliveries]
        try:
            self._publisher.publish([m for m in messages if m is not None])
        except PublishFailed as away:
            # The broker's failure, not the events': retried without bound, never dead-lettered.
            raise ConnectionError(f"re-keying to {self._topic.name}: {away}") from away

    def message(self, delivery: Delivery) -> Message | None:
        key = self._key_of(delivery)
        return None if key is None else Message(self._topic.name, key, delivery.envelope.encode())
