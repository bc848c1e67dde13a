"""The rate of billing's contracts router on a broker (`billing_consumers.py` prints it): n
contracts published keyed by resident on a topic of the run's own, re-keyed by institution by
billing's `contracts_router` (in time order across partitions, acks=all and idempotent, its
offsets committed once the batch is acknowledged), timed from the group's first commit to the
commit of the last, so the group's join is not counted."""

from __future__ import annotations

import threading
import time
import uuid

from bench.appraisal_scale import kafka_servers
from bench.billing_capitation import contracts
from billing.bootstrap import contracts_router
from billing.settings import BillingSettings
from shared.contracts.topics import Topic
from shared.messaging import KafkaPublisher, Message, ensure_topics
from shared.messaging.positions import EVER, KafkaInputs


def router_rate(n: int, institutions: int, partitions: int) -> float:
    run = uuid.uuid4().hex[:8]
    with kafka_servers() as kafka:
        settings = BillingSettings(
            **{k.lower(): v for k, v in kafka.items()}, router_consumer_group=f"billing.bench-{run}"
        )
        source = Topic(f"bench.contracts.{run}", key="resident_ref", partitions=partitions)
        target = Topic(f"bench.billing.contracts.{run}", key="institution_id", partitions=partitions)
        ensure_topics(settings, [source, target])
        messages = [
            Message(source.name, d.envelope.data["resident_ref"], d.envelope.encode())
            for d in contracts(n, institutions)
        ]
        KafkaPublisher(settings).publish(messages)
        stop = threading.Event()
        worker = threading.Thread(target=contracts_router(settings, source, target).run, args=(stop,))
        worker.start()
        try:
            return _timed(KafkaInputs(settings, settings.router_consumer_group, [source.name]), n)
        finally:
            stop.set()
            worker.join()


def _timed(routed: KafkaInputs, n: int) -> float:
    """Events/s between the first commit seen and the last, from the group's committed offsets."""
    first: tuple[float, int] | None = None
    while True:
        behind = routed.behind(EVER)
        done = n - sum(p.end - p.applied for p in behind)
        if first is None and done > 0:
            first = (time.perf_counter(), done)
        if not behind and first is not None:
            took = time.perf_counter() - first[0]
            return (n - first[1]) / took if took > 0 and n > first[1] else float(n)
        time.sleep(0.05)
