"""A consumer group's lag, measured by the consumer itself: for each partition it holds, the
messages between the group's committed offset and the partition's high watermark.

Measured from the consumer's own thread (its client is not shared) every CONSUMER_LAG_SECONDS,
also while it waits to retry a failing batch, so a stuck consumer shows its lag growing. A
partition handed to another replica is no longer reported here: that replica reports it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from confluent_kafka import KafkaException

from shared.metrics import CONSUMER_LAG

log = logging.getLogger(__name__)


class LagGauge:
    def __init__(self, group: str, every_seconds: float, timeout: float = 2.0) -> None:
        self._group, self._every, self._timeout = group, every_seconds, timeout
        self._measured = 0.0
        self._reported: set[tuple[str, int]] = set()

    def measure(self, consumer: Any, fresh: bool = False) -> None:
        """At most once per interval; a broker that does not answer leaves the last figures.
        The ends of partitions are those the last fetches brought (no round trip a partition,
        which would hold up the consumer's own loop), or, `fresh`, asked of the broker: a
        consumer stuck retrying fetches no more, and has the time to ask."""
        now = time.monotonic()
        if consumer is None or now - self._measured < self._every:
            return
        self._measured = now
        try:
            held = consumer.assignment()  # empty while the group is (re)balancing
            self._report(consumer.committed(held, timeout=self._timeout) if held else [], consumer, fresh)
        except KafkaException as failed:
            log.warning("consumer lag of %s not measured: %s", self._group, failed)

    def _report(self, committed: list[Any], consumer: Any, fresh: bool) -> None:
        held: set[tuple[str, int]] = set()
        for position in committed:
            low, high = consumer.get_watermark_offsets(position, timeout=self._timeout, cached=not fresh)
            if high < 0:
                continue  # not fetched yet: its end is not known without asking
            done = position.offset if position.offset >= 0 else max(low, 0)  # nothing committed: from the start
            CONSUMER_LAG.labels(self._group, position.topic, str(position.partition)).set(max(0, high - done))
            held.add((position.topic, position.partition))
        for topic, partition in self._reported - held:
            CONSUMER_LAG.remove(self._group, topic, str(partition))
        self._reported = held
