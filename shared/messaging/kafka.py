"""Client settings for confluent-kafka (librdkafka), the fastest client measured here.

Code speaks the Kafka protocol only: the same settings serve Apache Kafka on Strimzi
(TLS, SCRAM users) and the embedded broker of `make run` and the tests.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from shared.contracts.topics import Topic
from shared.settings import ServiceSettings

_LIBRDKAFKA = logging.getLogger("librdkafka")


def client_config(s: ServiceSettings) -> dict[str, Any]:
    config: dict[str, Any] = {
        "bootstrap.servers": s.kafka_bootstrap_servers,
        "security.protocol": s.kafka_security_protocol,
        "log_level": 4,  # warnings and worse: librdkafka's notices fill a terminal with nothing to act on
        "logger": _LIBRDKAFKA,  # through Python's logging, so its lines are JSON like the rest
    }
    if s.kafka_security_protocol.startswith("SASL"):
        config |= {
            "sasl.mechanism": s.kafka_sasl_mechanism,
            "sasl.username": s.kafka_sasl_username,
            "sasl.password": s.kafka_sasl_password.get_secret_value(),
        }
    if s.kafka_ssl_ca_location:
        config["ssl.ca.location"] = s.kafka_ssl_ca_location
    return config


def producer_config(s: ServiceSettings) -> dict[str, Any]:
    idempotent = s.kafka_enable_idempotence
    return client_config(s) | {
        "acks": "all",
        "enable.idempotence": idempotent,
        # Without idempotence, one request in flight is what keeps a partition in order on retry.
        "max.in.flight.requests.per.connection": 5 if idempotent else 1,
        "linger.ms": 2,
    }


def consumer_config(s: ServiceSettings, group: str) -> dict[str, Any]:
    return client_config(s) | {
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "session.timeout.ms": s.kafka_session_timeout_ms,
        "heartbeat.interval.ms": s.kafka_heartbeat_interval_ms,
        "fetch.wait.max.ms": s.kafka_fetch_wait_max_ms,
        "max.poll.interval.ms": s.kafka_max_poll_interval_ms,
        # The same-numbered partitions of every subscribed topic to one member: topics keyed alike
        # (a resident's contracts, services and referrals) are then read by one worker.
        "partition.assignment.strategy": "range",
        # A topic created after the consumer subscribed (a new partner's) is noticed within
        # seconds rather than librdkafka's default five minutes.
        "topic.metadata.refresh.interval.ms": 10_000,
    }


def ensure_topics(s: ServiceSettings, topics: Sequence[Topic], timeout: float = 15) -> None:
    """Create the topics that are missing (auto-created ones would get the broker's defaults).

    Only what is missing: the broker checks the Create right before it checks existence, so
    a service user (who may not create) asking for a declared topic would be refused."""
    admin = AdminClient(client_config(s))
    existing = admin.list_topics(timeout=timeout).topics if topics else {}
    wanted = [
        NewTopic(
            t.name,
            num_partitions=t.partitions,
            replication_factor=s.kafka_topic_replication,
            config={"cleanup.policy": "compact"} if t.compacted else {},
        )
        for t in topics
        if t.name not in existing
    ]
    if not wanted:  # confluent-kafka refuses an empty list
        return
    for future in admin.create_topics(wanted, request_timeout=timeout).values():
        try:
            future.result(timeout)
        except KafkaException as failure:
            if failure.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
