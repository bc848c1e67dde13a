"""Partners' topics (one per hospital, one per insurance bureau) appear as partners join."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from confluent_kafka.admin import AdminClient

from shared.contracts.topics import Topic
from shared.messaging.kafka import client_config, ensure_topics
from shared.messaging.publisher import Message, Publisher
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)
RECHECK_SECONDS = 60  # how soon a partner onboarded after its first events gets its copies


class PartnerTopics:
    """Publishes each partner's copy to its topic, first creating the topic where this service
    may (a message must not land in a topic the broker invents with its own defaults).

    Production declares a partner's topic when provincial IT onboards it, and services may not
    create topics. A copy for a partner not onboarded yet is skipped, with an error in the log,
    rather than stalling the relay for everyone: the event is on the service's main stream and
    in the partner's HTTP feed, which is where a partner onboarded later reads its history."""

    def __init__(
        self, publisher: Publisher, settings: ServiceSettings, prefix: str, topic_of: Callable[[str], Topic]
    ) -> None:
        self._publisher, self._settings = publisher, settings
        self._prefix, self._topic_of = prefix, topic_of
        self.recheck_seconds = RECHECK_SECONDS
        self._known: set[str] = set()
        self._missing: dict[str, float] = {}  # topic -> when it was last found missing

    def publish(self, messages: Sequence[Message]) -> None:
        now = time.monotonic()
        unsure = {
            m.topic
            for m in messages
            if m.topic.startswith(self._prefix)
            and m.topic not in self._known
            and now - self._missing.get(m.topic, -self.recheck_seconds) >= self.recheck_seconds
        }
        if unsure:
            self._check(sorted(unsure), now)
        self._publisher.publish([m for m in messages if m.topic not in self._missing])

    def _check(self, names: list[str], now: float) -> None:
        try:
            ensure_topics(self._settings, [self._topic_of(name[len(self._prefix) :]) for name in names])
        except Exception as refused:  # without the Create right, they must have been declared
            log.info("could not create partner topics %s: %s", names, refused)
        existing = AdminClient(client_config(self._settings)).list_topics(timeout=15).topics
        for name in names:
            if name in existing:
                self._known.add(name)
                self._missing.pop(name, None)
            else:
                self._missing[name] = now
                log.error("%s does not exist (partner not onboarded?): its copies are skipped", name)
