"""Kafka for the platform: the outbox relay, the publisher, subscriptions with dead letters."""

from shared.messaging.delivery import Delivery
from shared.messaging.kafka import ensure_topics
from shared.messaging.publisher import KafkaPublisher, Message, Publisher, PublishFailed
from shared.messaging.relay import Relay
from shared.messaging.subscription import KafkaSubscription

__all__ = [
    "Delivery",
    "KafkaPublisher",
    "KafkaSubscription",
    "Message",
    "PublishFailed",
    "Publisher",
    "Relay",
    "ensure_topics",
]
