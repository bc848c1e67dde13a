"""An up-referral carries the specialist-source place its family doctor booked in health records:
referral follows the appointments topic, and the hospital sees the slot on its topic, its feed
and the referral."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from referral.adapters.consumers import appointments_from_health_records
from referral.adapters.publishing import to_public
from referral.bootstrap import create_workers
from referral.settings import ReferralSettings
from shared.commands import CommandProcessor
from shared.contracts import Envelope, parse_event, topics
from shared.messaging import Delivery
from shared.testing.kafka import eventually, produce_raw

Api = Any  # the `api` fixture (conftest.Api)
HOSPITAL = "H3-4401"
BOOKED_AT = "2026-04-01T09:05:00+08:00"


def appointment(api: Any, type_name: str, referral: dict[str, Any], appointment_id: str, **data: Any) -> Delivery:
    return api.appointment_event(type_name, referral, appointment_id, data.pop("at", BOOKED_AT), **data)


def booked(api: Api, referral: dict[str, Any], appointment_id: str, **data: Any) -> Delivery:
    fields = {"contracted": False, "booked_at": BOOKED_AT, "referral_id": referral["referral_id"]}
    return appointment(api, "health_records.AppointmentBooked.v1", referral, appointment_id, **(fields | data))


def hospital_events(api: Api) -> list[Any]:
    topic = topics.hospital(HOSPITAL).name
    messages = [m for e in api.store.read_log(0, 10_000) for m in to_public(e) if m.topic == topic]
    return [parse_event(Envelope.model_validate(json.loads(m.value))) for m in messages]


def test_a_booked_moved_then_cancelled_place_is_carried_then_released_and_the_hospital_sees_each(
    api: Api, team: str
) -> None:
    api.contract(api.signed(1, team))
    referral = api.issued(team, 1)
    consumer = appointments_from_health_records(CommandProcessor(api.store))
    appointment_id = str(uuid.uuid4())
    first = booked(api, referral, appointment_id)

    consumer.handle([first, first])  # redelivered: carried once
    path, as_hospital = f"/referrals/{referral['referral_id']}", api.hospital(HOSPITAL)
    slot = api.get(path, as_hospital).json()["specialist_slot"]
    moved = appointment(
        api,
        "health_records.AppointmentRescheduled.v1",
        referral,
        appointment_id,
        starts_at="2026-04-04T09:00:00+08:00",
        ends_at="2026-04-04T09:20:00+08:00",
        previous_starts_at="2026-04-03T14:20:00+08:00",
        contracted=False,
        rescheduled_at="2026-04-01T10:00:00+08:00",
        at="2026-04-01T10:00:00+08:00",
    )
    consumer.handle([moved])
    after_move = api.get(path, as_hospital).json()
    cancelled = appointment(
        api,
        "health_records.AppointmentCancelled.v1",
        referral,
        appointment_id,
        cancelled_at="2026-04-01T11:00:00+08:00",
        at="2026-04-01T11:00:00+08:00",
    )
    consumer.handle([cancelled])

    assert slot["appointment_id"] == appointment_id and slot["starts_at"] == "2026-04-03T14:20:00+08:00"
    assert after_move["specialist_slot"]["starts_at"] == "2026-04-04T09:00:00+08:00"
    assert after_move["status"] == "issued"  # a slot is no step of the referral's lifecycle
    api.catch_up()
    [listed] = api.get(f"/hospitals/{HOSPITAL}/referrals", as_hospital).json()
    now = api.get(path, as_hospital).json()["version"]
    assert (listed["status"], listed["version"]) == ("issued", now) and now == 4  # If-Match from the list
    assert api.get(path, as_hospital).json()["specialist_slot"] is None
    events = hospital_events(api)
    names = [type(e).__name__ for e in events]
    assert names == ["ReferralIssued", "SpecialistSlotBooked", "SpecialistSlotBooked", "SpecialistSlotReleased"]
    assert all(e.referral_id == referral["referral_id"] for e in events)
    assert [e.starts_at.isoformat() for e in events[1:3]] == ["2026-04-03T14:20:00+08:00", "2026-04-04T09:00:00+08:00"]

    api.catch_up()  # the hospital's HTTP feed: the very messages of its topic
    feed = api.get(f"/hospitals/{HOSPITAL}/feed?after=0&limit=100", as_hospital).json()["items"]
    assert [m["event"]["type"] for m in feed][1:] == [
        "referral.SpecialistSlotBooked.v1",
        "referral.SpecialistSlotBooked.v1",
        "referral.SpecialistSlotReleased.v1",
    ]
    assert feed[1]["event"]["data"]["appointment_id"] == appointment_id


def test_a_place_that_does_not_fit_the_referral_is_ignored(api: Api, team: str) -> None:
    api.contract(api.signed(2, team), api.signed(3, team))
    referral = api.issued(team, 2)
    consumer = appointments_from_health_records(CommandProcessor(api.store))

    consumer.handle(
        [
            booked(api, referral, str(uuid.uuid4()), institution_id="H2-440106"),  # another hospital's source
            booked(api, referral, str(uuid.uuid4()), resident_ref=api.ref(3)),  # someone else
            booked(api, referral, str(uuid.uuid4()), referral_id=str(uuid.uuid4())),  # no such referral
            booked(api, referral, str(uuid.uuid4()), referral_id=None),  # a family doctor's agenda
        ]
    )
    cancelled = api.post(f"/referrals/{referral['referral_id']}/cancel", {"reason": "better"}, api.doctor(team))
    consumer.handle([booked(api, referral, str(uuid.uuid4()), at="2026-04-01T12:00:00+08:00")])  # over

    assert cancelled.status_code == 200, cancelled.text
    assert api.get(f"/referrals/{referral['referral_id']}", api.hospital(HOSPITAL)).json()["specialist_slot"] is None
    assert [type(e).__name__ for e in hospital_events(api)] == ["ReferralIssued", "ReferralCancelled"]


def test_the_project_worker_reads_the_appointments_topic_on_kafka(
    api: Api, team: str, service_settings: Callable[..., Any], kafka_client: dict[str, Any]
) -> None:
    settings: ReferralSettings = service_settings(
        ReferralSettings, consumer_group=f"referral-{uuid.uuid4().hex[:8]}", database_pool_size=1
    )
    api.contract(api.signed(4, team))
    referral = api.issued(team, 4)
    message = booked(api, referral, str(uuid.uuid4()))
    produce_raw(kafka_client, topics.APPOINTMENTS.name, [(referral["resident_ref"], message.envelope.encode())])
    consumer = create_workers(settings)[0]
    stop = threading.Event()
    worker = threading.Thread(target=consumer.run, args=(stop,))
    worker.start()
    try:
        path = f"/referrals/{referral['referral_id']}"
        assert eventually(lambda: api.get(path, api.hospital(HOSPITAL)).json()["specialist_slot"] is not None)
    finally:
        stop.set()
        worker.join()
    assert hospital_events(api)[-1].booked_at == api.start + timedelta(minutes=5)


def test_a_cancelled_referral_has_its_place_freed_by_health_records_and_then_released(api: Api, team: str) -> None:
    """Referral publishes the end; health records (its consumer of `fdcs.referral.referrals`) cancels
    the place and says so; the referral, over, no longer carries it."""
    api.contract(api.signed(5, team))
    referral = api.issued(team, 5)
    consumer = appointments_from_health_records(CommandProcessor(api.store))
    appointment_id = str(uuid.uuid4())
    consumer.handle([booked(api, referral, appointment_id)])
    ended = api.post(f"/referrals/{referral['referral_id']}/cancel", {"reason": "better"}, api.doctor(team))
    messages = [m for e in api.store.read_log(0, 10_000) for m in to_public(e) if m.topic == topics.REFERRALS.name]
    told = parse_event(Envelope.model_validate(json.loads(messages[-1].value)))
    freed = appointment(
        api, "health_records.AppointmentCancelled.v1", referral, appointment_id, cancelled_at=api.start.isoformat()
    )

    consumer.handle([freed, freed])

    assert ended.status_code == 200, ended.text
    assert type(told).__name__ == "ReferralCancelled"  # what health records acts on: the referral and resident
    assert (told.referral_id, told.resident_ref) == (referral["referral_id"], referral["resident_ref"])  # type: ignore[attr-defined]
    assert api.get(f"/referrals/{referral['referral_id']}", api.hospital(HOSPITAL)).json()["specialist_slot"] is None
    names = [type(e).__name__ for e in hospital_events(api)]
    assert names == ["ReferralIssued", "SpecialistSlotBooked", "ReferralCancelled", "SpecialistSlotReleased"]
