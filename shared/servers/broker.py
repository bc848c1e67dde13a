"""The Kafka that `make run` and the tests start, with the platform's users, ACLs and topics.

Apache Kafka gets exactly what deploy/k8s gives Strimzi: a SCRAM user per service and per
partner with the manifests' ACLs, and the manifests' KafkaTopics. Services run as their own
users and may not create topics; partners join as provincial IT onboards them (their topic
and user). Where Java is absent (or FDCS_KAFKA=tansu), the embedded Tansu broker stands in:
in memory, with no users and no ACLs, said so on screen.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from shared.contracts.topics import Topic
from shared.messaging.kafka import client_config, ensure_topics
from shared.servers import kafka, kafka_jars
from shared.servers.principals import K8S, MANIFESTS, PARTNER_TOPICS, Partner, partner_acls, partner_user, principals
from shared.servers.tansu import EmbeddedBroker
from shared.settings import ServiceSettings


@dataclass
class PlatformKafka:
    bootstrap: str
    server: kafka.ApacheKafka | EmbeddedBroker
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def enforces_acls(self) -> bool:
        return isinstance(self.server, kafka.ApacheKafka)

    @property
    def name(self) -> str:
        if isinstance(self.server, kafka.ApacheKafka):
            return f"Apache Kafka {kafka_jars.VERSION}, SCRAM users and ACLs from deploy/k8s"
        return "embedded Tansu: in memory, no users, no ACLs (the fallback without Java)"

    def environment(self, user: str | None = None) -> dict[str, str]:
        """The KAFKA_* settings of a process running as `user` (None: the harness's super user)."""
        env = {"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap}
        if not isinstance(self.server, kafka.ApacheKafka):
            return env
        name = user or self.server.admin.name
        password = self.passwords[user] if user else self.server.admin.password
        return env | {
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": name,
            "KAFKA_SASL_PASSWORD": password,
        }

    def timing(self) -> dict[str, str]:
        """Consumer group timing for `make run` and the tests: short sessions, so a restarted
        consumer is back in seconds. An idle fetch waits half a second on Apache Kafka (data
        ends the wait at once); Tansu joins groups slowly unless fetches are short (50 ms)."""
        fetch_wait = "500" if isinstance(self.server, kafka.ApacheKafka) else "50"
        return {
            "KAFKA_SESSION_TIMEOUT_MS": "2000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "KAFKA_FETCH_WAIT_MAX_MS": fetch_wait,
        }

    def settings(self, user: str | None = None) -> ServiceSettings:
        return ServiceSettings.model_validate({k.lower(): v for k, v in self.environment(user).items()})

    def client(self, user: str | None = None) -> dict[str, Any]:
        """confluent-kafka settings for `user` (None: the super user)."""
        return client_config(self.settings(user))

    def declare(self, *topics: Topic) -> None:
        """Create topics as provincial IT's KafkaTopics do (services may not)."""
        ensure_topics(self.settings(), topics)

    def onboard(self, kind: Partner, partner_id: str) -> str:
        """A hospital or bureau joins (deploy/k8s/README, "Adding a partner"): its topic and its
        user, with the ACLs the example partner manifests give. Returns the user's name."""
        self.declare(PARTNER_TOPICS[kind](partner_id))
        user = partner_user(kind, partner_id)
        if isinstance(self.server, kafka.ApacheKafka):
            self.passwords[user] = self.server.add_user(user, acls=partner_acls(kind, partner_id)).password
        return user

    def kill(self) -> None:
        self.server.kill() if isinstance(self.server, kafka.ApacheKafka) else self.server.stop()

    def restart(self) -> None:
        """Stopped or killed before: the same ports, and (Apache Kafka) the same data."""
        if isinstance(self.server, kafka.ApacheKafka):
            self.server.restart()
        else:
            self.server.start()


@contextmanager
def platform_kafka(folder: Path, port: int | None = None) -> Iterator[PlatformKafka]:
    """Apache Kafka with its data in `folder` (Tansu where it cannot run), stopped on exit."""
    if os.environ.get("FDCS_KAFKA", "apache") == "tansu" or not kafka_jars.available():
        folder.mkdir(parents=True, exist_ok=True)
        tansu = EmbeddedBroker(port, folder / "tansu.log").start()
        try:
            yield _prepared(PlatformKafka(tansu.bootstrap, tansu))
        finally:
            tansu.stop()
        return
    with kafka.ApacheKafka(folder, port) as apache:
        yield _prepared(PlatformKafka(apache.bootstrap, apache))


def _prepared(platform: PlatformKafka) -> PlatformKafka:
    """The manifests' users (each with a password of this run) and topics."""
    if isinstance(platform.server, kafka.ApacheKafka):
        users = principals(MANIFESTS)
        platform.passwords |= {user: secrets.token_hex(16) for user in users}
        platform.server.add_users(users, platform.passwords)
    platform.declare(*declared_topics())
    return platform


def declared_topics() -> list[Topic]:
    """Every KafkaTopic of the manifests (the platform's topics and its groups' dead letters)."""
    found = []
    for doc in yaml.safe_load_all((K8S / "base" / "kafka" / "topics.yaml").read_text()):
        if doc and doc.get("kind") == "KafkaTopic":
            spec = doc["spec"]
            compacted = spec.get("config", {}).get("cleanup.policy") == "compact"
            found.append(Topic(spec["topicName"], key="", partitions=spec["partitions"], compacted=compacted))
    return found
