"""Partners' topics (one per hospital, one per insurance bureau) appear as partners join."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from shared.contracts.topics import Topic
from shared.messaging.kafka import ensure_topics
from shared.messaging.publisher import Message, Publisher
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


class PartnerTopics:
    """Publishes, first creating the topic of a partner it has not published to yet: a message
    for a newly onboarded hospital or bureau must not stall the relay on a missing topic, nor
    land in a topic the broker invents with its own defaults."""

    def __init__(
        self, publisher: Publisher, settings: ServiceSettings, prefix: str, topic_of: Callable[[str], Topic]
    ) -> None:
        self._publisher, self._settings = publisher, settings
        self._prefix, self._topic_of = prefix, topic_of
        self._known: set[str] = set()

    def publish(self, messages: Sequence[Message]) -> None:
        new = {m.topic for m in messages if m.topic.startswith(self._prefix)} - self._known
        if new:
            try:
                ensure_topics(self._settings, [self._topic_of(name[len(self._prefix) :]) for name in sorted(new)])
            except Exception as refused:  # without the Create right, the topics must exist already
                log.warning("could not ensure partner topics %s: %s", sorted(new), refused)
        self._publisher.publish(messages)
        self._known |= new
