"""A partner not onboarded yet never stalls a relay: its copies are skipped (the main stream
and its HTTP feed hold the events) until its topic is declared; the others flow meanwhile."""

from __future__ import annotations

import uuid

from shared.contracts import topics
from shared.messaging import KafkaPublisher, Message
from shared.messaging.partner_topics import PartnerTopics
from shared.servers.broker import PlatformKafka
from shared.testing.kafka import read_topic


def test_copies_for_a_partner_without_a_topic_are_skipped_until_it_is_onboarded(broker: PlatformKafka) -> None:
    known, unknown = f"H-{uuid.uuid4().hex[:8]}", f"H-{uuid.uuid4().hex[:8]}"
    broker.onboard("hospital", known)
    settings = broker.settings("referral")  # as production: it may not create topics
    hospitals = PartnerTopics(KafkaPublisher(settings), settings, topics.HOSPITAL_PREFIX, topics.hospital)
    hospitals.recheck_seconds = 0

    def copy(hospital: str, n: int) -> Message:
        return Message(topics.hospital(hospital).name, f"r-{n}", f"{n}".encode())

    hospitals.publish([copy(known, 1), copy(unknown, 2)])
    broker.onboard("hospital", unknown)
    hospitals.publish([copy(known, 3), copy(unknown, 4)])

    def values(hospital: str, n: int) -> list[bytes]:
        read = read_topic(broker.client(), topics.hospital(hospital).name, lambda ms: len(ms) >= n)
        return sorted(m.value() for m in read)

    assert values(known, 2) == [b"1", b"3"]
    assert values(unknown, 1) == [b"4"], "skipped before its onboarding, delivered after"
