"""Hospitals as subscribers: each reads its own referrals, on its Kafka topic or its HTTP feed,
and nothing of any other hospital's."""

from __future__ import annotations

import json
import uuid
from typing import Any

from confluent_kafka.admin import AdminClient

from referral.adapters.publishing import PUBLISHES, to_public
from referral.settings import ReferralSettings
from shared.contracts import Envelope, parse_event, topics
from shared.messaging import KafkaPublisher, Relay
from shared.messaging.partner_topics import PartnerTopics
from shared.testing.kafka import read_topic

Api = Any  # the `api` fixture (conftest.Api)


def lifecycle(api: Api, team: str, hospital_id: str, serial: int = 1) -> dict[str, Any]:
    """A referral accepted and completed: three events."""
    referral = api.issued(team, serial, hospital_id=hospital_id)
    assert api.accept(referral).status_code == 200
    path = f"/referrals/{referral['referral_id']}/complete"
    body = {"summary_kind": "consultation", "summary": "Titrated; review in a month"}
    assert api.post(path, body, api.hospital(hospital_id)).status_code == 200
    return referral


def hospital_messages(api: Api, hospital_id: str) -> list[dict[str, Any]]:
    """What the relay sends to the hospital's topic, in log order (the truth to compare with)."""
    topic = topics.hospital(hospital_id).name
    log = api.store.read_log(0, 10_000)
    return [json.loads(m.value) for e in log for m in to_public(e) if m.topic == topic]


def test_every_event_goes_to_the_referrals_topic_by_resident_and_its_hospital_s_by_referral(
    api: Api, team: str
) -> None:
    api.contract(api.signed(1, team))
    referral = lifecycle(api, team, "H3-4401")

    messages = [m for e in api.store.read_log(0, 10_000) for m in to_public(e)]
    by_topic = {
        topic: [json.loads(m.value) for m in messages if m.topic == topic] for topic in {m.topic for m in messages}
    }

    assert set(by_topic) == {topics.REFERRALS.name, "fdcs.referral.hospital.H3-4401"}
    assert by_topic[topics.REFERRALS.name] == by_topic["fdcs.referral.hospital.H3-4401"]
    keys = {topic: {m.key for m in messages if m.topic == topic} for topic in by_topic}
    assert keys == {topics.REFERRALS.name: {api.ref(1)}, "fdcs.referral.hospital.H3-4401": {referral["referral_id"]}}
    assert {m["subject"] for m in by_topic[topics.REFERRALS.name]} == {referral["referral_id"]}
    events = [parse_event(Envelope.model_validate(m)) for m in by_topic[topics.REFERRALS.name]]
    assert [type(e).__name__ for e in events] == ["ReferralIssued", "ReferralAccepted", "ReferralCompleted"]
    assert all(e.resident_ref == api.ref(1) and e.issued_at == events[0].issued_at for e in events)  # type: ignore[attr-defined]
    assert not any(api.identity(1) in m.value.decode() or "Li Hua" in m.value.decode() for m in messages)


def test_what_doctors_write_stays_in_the_service_and_the_hospital_reads_it_over_the_api(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))
    referral = lifecycle(api, team, "H3-4401")
    written = ["Uncontrolled hypertension", "BP 168/102", "cardiology", "Dr Wang", "Titrated; review"]

    sent = [m.value.decode() for e in api.store.read_log(0, 10_000) for m in to_public(e)]
    read = api.get(f"/referrals/{referral['referral_id']}", api.hospital("H3-4401")).json()

    assert [text for text in written if any(text in message for message in sent)] == []
    assert read["clinical_summary"] == "BP 168/102 on amlodipine and losartan."
    assert read["appointment"]["doctor"] == "Dr Wang"
    assert read["outcome"]["summary"] == "Titrated; review in a month"


def test_a_feed_reader_stopped_midway_resumes_with_no_gap_and_no_duplicate(api: Api, team: str) -> None:
    hospital = f"H-{uuid.uuid4().hex[:8]}"
    api.contract(api.signed(1, team))
    for _ in range(3):
        lifecycle(api, team, hospital)
    api.catch_up()
    who = api.hospital(hospital)

    first = api.get(f"/hospitals/{hospital}/feed?limit=4", who).json()
    cursor = first["next_after"]  # the reader stops here (downtime), keeping its cursor
    for _ in range(2):
        lifecycle(api, team, hospital)  # meanwhile, more happens
    api.catch_up()
    resumed, after = [], cursor
    while page := api.get(f"/hospitals/{hospital}/feed?after={after}&limit=3", who).json()["items"]:
        resumed += page
        after = page[-1]["position"]
    replay = api.get(f"/hospitals/{hospital}/feed?after=0&limit=1000", who).json()["items"]

    read = [item["event"] for item in first["items"] + resumed]
    assert len(first["items"]) == 4
    assert read == hospital_messages(api, hospital)  # every event once, in order
    assert len(read) == 15
    assert [item["event"] for item in replay] == read
    positions = [item["position"] for item in first["items"] + resumed]
    assert positions == sorted(set(positions))


def test_hospital_b_sees_none_of_hospital_a_s_referrals_on_kafka_or_over_http(
    api: Api, team: str, settings: ReferralSettings, kafka_client: dict[str, Any]
) -> None:
    a, b = f"HA-{uuid.uuid4().hex[:8]}", f"HB-{uuid.uuid4().hex[:8]}"
    api.contract(api.signed(1, team))
    of_a = [lifecycle(api, team, a)["referral_id"] for _ in range(2)]
    of_b = lifecycle(api, team, b)["referral_id"]
    kafka = KafkaPublisher(settings)
    hospitals = PartnerTopics(kafka, settings, topics.HOSPITAL_PREFIX, topics.hospital)
    relay = Relay(api.store, hospitals, to_public, PUBLISHES)  # as create_relay wires it
    while relay.relay_once():
        pass
    kafka.close()
    api.catch_up()
    as_b = api.hospital(b)

    on_b = read_topic(kafka_client, topics.hospital(b).name, lambda ms: len(ms) >= 3)
    on_a = read_topic(kafka_client, topics.hospital(a).name, lambda ms: len(ms) >= 6)
    feed_b = api.get(f"/hospitals/{b}/feed?after=0&limit=1000", as_b).json()["items"]
    listed_b = api.get(f"/hospitals/{b}/referrals", as_b).json()

    assert {m.key().decode() for m in on_b} == {of_b} and len(on_b) == 3
    described = AdminClient(kafka_client).list_topics(topics.hospital(b).name, timeout=10)
    assert len(described.topics[topics.hospital(b).name].partitions) == 3  # created by the relay, as declared
    assert {m.key().decode() for m in on_a} == set(of_a) and len(on_a) == 6
    assert {item["event"]["subject"] for item in feed_b} == {of_b}
    assert [r["referral_id"] for r in listed_b] == [of_b]
    assert api.get(f"/hospitals/{a}/feed", as_b).status_code == 403
    assert api.get(f"/hospitals/{a}/referrals", as_b).status_code == 403
    for referral_id in of_a:
        for path in (f"/referrals/{referral_id}", f"/referrals/{referral_id}/fhir"):
            seen = api.get(path, as_b)
            assert seen.status_code == 404, seen.text
            assert a not in seen.text and api.identity(1) not in seen.text  # nothing of A's referral
        refused = api.post(f"/referrals/{referral_id}/down-refer", {"purpose": "follow_up", "instructions": "x"}, as_b)
        assert refused.status_code == 404
