"""Appointments through the HTTP API, on the real store: publishing schedules, booking, moving,
cancelling, attended and missed, and the reminder run. (The reserved share and its cut-off, and
concurrent bookings of one slot, are tested on the handlers: `test_handlers.py`.)"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fdcs.scheduler import SchedulerSettings, run
from health_records.adapters.consumers import referral_events
from health_records.adapters.projections import appointment_book
from health_records.adapters.projections.appointment_book import TO_REMIND, follower
from health_records.adapters.publishing import to_public
from health_records.bootstrap import create_app, create_workers
from health_records.settings import HealthRecordsSettings
from shared.contracts import Envelope, parse_event, topics
from shared.messaging import ensure_topics
from shared.messaging.delivery import Delivery as Message
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.kafka import eventually, produce_raw

from .conftest import FIXTURES, NOW, REF, Api, World

MONDAY_8 = datetime(2026, 4, 13, 0, 0, tzinfo=UTC)  # 08:00 in China; NOW is the Friday before
SLOTS = [MONDAY_8 + timedelta(minutes=15 * i) for i in range(4)]
SCHEDULE = {
    "team_id": "T1",
    "doctor_id": "doc-1",
    "weekdays": [1, 2, 3, 4, 5],
    "starts": "08:00",
    "ends": "09:00",
    "slot_minutes": 15,
    "capacity": 1,
    "reserved_percent": 50,
    "cutoff_minutes": 24 * 60,
    "first_day": "2026-04-13",
    "last_day": "2026-04-17",
}
THIRD = resident_ref("440106198001010001", DEV_PSEUDONYM_KEY)


class Clinic(Api):
    """The API with a clock the test moves, and the institution's schedule published."""

    clock: list[datetime]

    def publish(self, body: dict[str, Any] = SCHEDULE, who: dict[str, str] | None = None) -> Any:
        return self.post("/institutions/CHC-1/schedules", body, who)

    def post(self, path: str, body: Any, who: dict[str, str] | None = None, **headers: str) -> Any:
        sent = {**(who or self.doctor), "Idempotency-Key": str(uuid.uuid4()), **headers}
        return self.client.post(path, json=body, headers=sent)

    def book(self, ref: str, at: datetime, who: dict[str, str] | None = None) -> Any:
        body = {"institution_id": "CHC-1", "doctor_id": "doc-1", "starts_at": at.isoformat()}
        return self.post(f"/residents/{ref}/appointments", body, who or self.as_("resident", resident=ref))

    def act(self, ref: str, appointment_id: str, step: str, who: dict[str, str], body: Any = None, **h: str) -> Any:
        return self.post(f"/residents/{ref}/appointments/{appointment_id}/{step}", body, who, **h)

    def slots(self, who: dict[str, str] | None = None, day: str = "2026-04-13") -> Any:
        headers = who or self.resident
        return self.client.get(f"/institutions/CHC-1/doctors/doc-1/slots?from={day}&to={day}", headers=headers).json()[
            "sessions"
        ]


@pytest.fixture
def clinic(
    settings: HealthRecordsSettings, seeded: Callable[..., World], mint_token: Callable[..., str]
) -> Iterator[Clinic]:
    clock = [NOW]
    world, app = seeded(), create_app(settings, clock=lambda: clock[-1])
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Clinic(client, mint_token, world)
        api.clock = clock
        assert api.publish().status_code == 201
        yield api
    app.state.store.close()
    app.state.fulfilment.engine.dispose()


def test_staff_publish_a_weekly_schedule_once(clinic: Clinic) -> None:
    sessions = clinic.slots()
    assert [s["starts_at"] for s in sessions] == ["2026-04-13T08:00:00+08:00"]
    assert [s["free"] for s in sessions[0]["slots"]] == [1, 1, 1, 1] and sessions[0]["reserved"] == 2
    again = clinic.publish()
    assert (again.status_code, again.json()["type"].rsplit("/", 1)[-1]) == (409, "sessions-overlap")
    assert clinic.publish(SCHEDULE, clinic.resident).status_code == 403
    other_institution = clinic.as_("family_doctor", sub="doc-9", team="T9", institution="CHC-9")
    assert clinic.publish(SCHEDULE, other_institution).status_code == 403
    not_a_member = clinic.publish(SCHEDULE | {"doctor_id": "doc-7", "weekdays": [6]})
    assert (not_a_member.status_code, not_a_member.json()["type"].rsplit("/", 1)[-1]) == (422, "not-a-team-member")
    wall_clock = clinic.publish(SCHEDULE | {"weekdays": [6], "starts": "08:00+05:00", "last_day": "2026-04-18"})
    assert wall_clock.json()["sessions"] == ["CHC-1/doc-1:2026-04-18T08:00:00+08:00"]  # the institution's time
    bad = clinic.publish(SCHEDULE | {"weekdays": [7], "slot_minutes": 25})
    assert (bad.status_code, bad.json()["type"].rsplit("/", 1)[-1]) == (422, "invalid-schedule")


def test_a_slot_is_booked_once_and_a_resident_books_only_for_themselves(clinic: Clinic) -> None:
    first = clinic.book(REF, SLOTS[0])
    assert first.status_code == 201 and first.headers["ETag"] == '"1"'
    full = clinic.book(THIRD, SLOTS[0])
    assert (full.status_code, full.json()["type"].rsplit("/", 1)[-1]) == (409, "slot-full")
    assert clinic.book(REF, SLOTS[0] + timedelta(days=1)).status_code == 201  # Tuesday's session
    same_session = clinic.book(REF, SLOTS[1])
    assert (same_session.status_code, same_session.json()["type"].rsplit("/", 1)[-1]) == (409, "already-booked")
    assert clinic.book(REF, SLOTS[2], clinic.as_("resident", resident=THIRD)).status_code == 403
    by_team = clinic.book(REF, SLOTS[0] + timedelta(days=2), clinic.doctor)
    assert by_team.status_code == 201
    other_team = clinic.as_("family_doctor", sub="doc-2", team="T2", institution="CHC-1")
    assert clinic.book(REF, SLOTS[0] + timedelta(days=3), other_team).status_code == 403
    nowhere = clinic.book(REF, SLOTS[0] + timedelta(minutes=5))
    assert (nowhere.status_code, nowhere.json()["type"].rsplit("/", 1)[-1]) == (404, "slot-not-found")
    mine = clinic.client.get(f"/residents/{REF}/appointments", headers=clinic.resident).json()
    assert len(mine["appointments"]) == 3 and mine["version"] == 3


def test_moving_and_cancelling_free_the_place_until_the_start(clinic: Clinic) -> None:
    booked = clinic.book(REF, SLOTS[0]).json()
    to = {"institution_id": "CHC-1", "doctor_id": "doc-1", "starts_at": SLOTS[2].isoformat()}
    moved = clinic.act(REF, booked["appointment_id"], "reschedule", clinic.resident, to)
    assert moved.status_code == 200 and moved.json()["starts_at"] == SLOTS[2].isoformat()
    assert [s["free"] for s in clinic.slots()[0]["slots"]] == [1, 1, 0, 1]
    stale = clinic.act(REF, booked["appointment_id"], "cancel", clinic.resident, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    clinic.clock.append(SLOTS[2])
    late = clinic.act(REF, booked["appointment_id"], "cancel", clinic.resident)
    assert (late.status_code, late.json()["type"].rsplit("/", 1)[-1]) == (409, "slot-started")
    clinic.clock.append(SLOTS[2] - timedelta(seconds=1))
    cancelled = clinic.act(REF, booked["appointment_id"], "cancel", clinic.resident, **{"If-Match": '"2"'})
    assert cancelled.json()["status"] == "cancelled" and [s["free"] for s in clinic.slots()[0]["slots"]] == [1] * 4


def test_the_team_records_attended_or_missed_once_the_slot_has_started(clinic: Clinic) -> None:
    first, second = (clinic.book(REF, at).json()["appointment_id"] for at in (SLOTS[0], SLOTS[0] + timedelta(days=1)))
    early = clinic.act(REF, first, "attended", clinic.doctor)
    assert (early.status_code, early.json()["type"].rsplit("/", 1)[-1]) == (409, "appointment-not-started")
    clinic.clock.append(SLOTS[0])
    assert clinic.act(REF, first, "attended", clinic.resident).status_code == 403
    other_team = clinic.as_("family_doctor", sub="doc-2", team="T2", institution="CHC-1")
    assert clinic.act(REF, first, "attended", other_team).status_code == 404
    assert clinic.act(REF, first, "attended", clinic.doctor).json()["status"] == "attended"
    again = clinic.act(REF, first, "missed", clinic.doctor)
    assert (again.status_code, again.json()["type"].rsplit("/", 1)[-1]) == (409, "appointment-closed")
    clinic.clock.append(SLOTS[0] + timedelta(days=1, hours=1))
    assert clinic.act(REF, second, "missed", clinic.doctor).json()["status"] == "missed"
    team_view = clinic.slots(clinic.doctor)[0]["slots"][0]["booked"]
    assert (
        team_view == [{"appointment_id": first, "resident_ref": REF}] and "booked" not in clinic.slots()[0]["slots"][0]
    )


def test_the_reminder_run_reminds_each_appointment_once_when_its_lead_time_is_over(clinic: Clinic) -> None:
    booked = clinic.book(REF, SLOTS[0]).json()["appointment_id"]
    clinic.book(REF, SLOTS[0] + timedelta(days=1))
    follower(clinic.world.store, clinic.world.view.engine).catch_up()
    admin = clinic.as_("admin")
    lead_over = SLOTS[0] - timedelta(minutes=120)
    clinic.clock.append(lead_over)
    assert clinic.post("/appointments/reminders", {"as_of": lead_over.isoformat()}, clinic.resident).status_code == 403
    future = clinic.post("/appointments/reminders", {"as_of": (lead_over + timedelta(seconds=1)).isoformat()}, admin)
    assert (future.status_code, future.json()["type"].rsplit("/", 1)[-1]) == (422, "as-of-in-the-future")
    early = clinic.post("/appointments/reminders", {"as_of": (lead_over - timedelta(seconds=1)).isoformat()}, admin)
    assert early.json()["reminded"] == []
    assert clinic.post("/appointments/reminders", {"as_of": lead_over.isoformat()}, admin).json()["reminded"] == [
        booked
    ]
    assert clinic.post("/appointments/reminders", {"as_of": lead_over.isoformat()}, admin).json()["reminded"] == []


def test_the_reminder_job_reminds_as_of_its_slot_and_a_retry_in_the_slot_records_nothing(clinic: Clinic) -> None:
    """`python -m fdcs schedule appointment-reminders`: as of the start of its 15 minutes."""
    clinic.book(REF, SLOTS[0])
    follower(clinic.world.store, clinic.world.view.engine).catch_up()
    run_at = SLOTS[0] - timedelta(minutes=120) + timedelta(minutes=7)  # the lead time over at the slot's start
    clinic.clock.append(run_at)
    settings = SchedulerSettings(environment="test")
    token = clinic.as_("admin")["Authorization"].removeprefix("Bearer ")

    ran = run("appointment-reminders", settings, clinic.client, token, run_at)
    retried = run("appointment-reminders", settings, clinic.client, token, run_at + timedelta(minutes=5))

    reminders = [e for e in clinic.world.store.read_log(0, 10_000) if ".AppointmentReminderDue." in e.type]
    assert ran and retried and len(reminders) == 1


def test_appointments_are_published_on_their_own_topic_keyed_by_the_resident_with_ids_and_times(
    clinic: Clinic,
) -> None:
    booked = clinic.book(REF, SLOTS[0]).json()["appointment_id"]
    to = {"institution_id": "CHC-1", "doctor_id": "doc-1", "starts_at": SLOTS[1].isoformat()}
    clinic.act(REF, booked, "reschedule", clinic.doctor, to)
    clinic.act(REF, booked, "cancel", clinic.resident)

    messages = [m for e in clinic.world.store.read_log(0, 100_000) for m in to_public(e)]
    mine = [m for m in messages if m.topic == topics.APPOINTMENTS.name]
    events = [parse_event(Envelope.decode(m.value)) for m in mine]
    assert [type(e).__name__ for e in events] == ["AppointmentBooked", "AppointmentRescheduled", "AppointmentCancelled"]
    assert {m.key for m in mine} == {REF} and all(e.appointment_id == booked for e in events)  # type: ignore[attr-defined]
    assert events[1].starts_at == SLOTS[1] and events[1].previous_starts_at == SLOTS[0]  # type: ignore[attr-defined]
    published = {Envelope.decode(m.value).type.split(".")[1] for m in messages}
    assert not published & {"SessionsPublished", "PlaceTaken", "PlaceFreed"}  # the agendas stay inside


SOURCE = {"clinic_id": "cardiology-1", "weekdays": [2], "starts": "14:00", "ends": "15:00", "slot_minutes": 20}
SOURCE |= {"first_day": "2026-04-14", "last_day": "2026-04-14"}
CARDIOLOGY = datetime(2026, 4, 14, 6, 0, tzinfo=UTC)  # 14:00 in China


def test_a_hospital_opens_specialist_sources_that_family_doctors_book_for_referrals(clinic: Clinic) -> None:
    hospital = clinic.as_("hospital", hospital="H1")
    assert clinic.post("/hospitals/H1/sources", SOURCE, clinic.as_("hospital", hospital="H2")).status_code == 403
    assert clinic.post("/hospitals/H1/sources", SOURCE, clinic.doctor).status_code == 403
    assert clinic.post("/hospitals/H1/sources", SOURCE, hospital).status_code == 201
    body = {"institution_id": "H1", "doctor_id": "cardiology-1", "starts_at": CARDIOLOGY.isoformat()}
    by_resident = clinic.post(f"/residents/{REF}/appointments", body, clinic.resident)
    assert (by_resident.status_code, by_resident.json()["type"].rsplit("/", 1)[-1]) == (409, "for-referrals-only")
    referred = body | {"referral_id": "referral-1"}
    assert clinic.post(f"/residents/{REF}/appointments", referred, clinic.resident).status_code == 403
    booked = clinic.post(f"/residents/{REF}/appointments", referred, clinic.doctor)
    assert booked.status_code == 201 and booked.json()["referral_id"] == "referral-1"

    seen = clinic.client.get(
        "/institutions/H1/doctors/cardiology-1/slots?from=2026-04-14&to=2026-04-14", headers=hospital
    )
    [session] = seen.json()["sessions"]
    assert session["for_referrals"] is True
    assert session["slots"][0]["booked"] == [
        {"appointment_id": booked.json()["appointment_id"], "referral_id": "referral-1"}
    ]
    messages = [m for e in clinic.world.store.read_log(0, 100_000) for m in to_public(e)]
    [event] = [parse_event(Envelope.decode(m.value)) for m in messages if m.topic == topics.APPOINTMENTS.name]
    assert event.referral_id == "referral-1" and event.institution_id == "H1"  # type: ignore[attr-defined]


def referral_ended(type_name: str, referral_id: str, at: str) -> Message:
    """Referral's public event, as health records' consumer receives it from `fdcs.referral.referrals`."""
    message = json.loads((FIXTURES / f"{type_name}.json").read_text())
    data = message["data"] | {"referral_id": referral_id, "resident_ref": REF, "hospital_id": "H1"}
    envelope = Envelope.model_validate(message | {"id": str(uuid.uuid4()), "time": at, "data": data})
    return Message(envelope, parse_event(envelope), topics.REFERRALS.name)


def status_of(clinic: Clinic, appointment_id: str) -> str:
    [found] = [a for a in clinic.get("/appointments").json()["appointments"] if a["appointment_id"] == appointment_id]
    return str(found["status"])


def test_a_referral_ended_without_the_visit_frees_its_specialist_place_once(clinic: Clinic) -> None:
    hospital = clinic.as_("hospital", hospital="H1")
    assert clinic.post("/hospitals/H1/sources", SOURCE, hospital).status_code == 201
    body = {"institution_id": "H1", "doctor_id": "cardiology-1", "starts_at": CARDIOLOGY.isoformat()}
    booked = clinic.post(f"/residents/{REF}/appointments", body | {"referral_id": "referral-1"}, clinic.doctor).json()
    consumer = referral_events(clinic.client.app.state.appointments, clinic.world.processor)  # type: ignore[attr-defined]
    cancelled = referral_ended("referral.ReferralCancelled.v2", "referral-1", "2026-04-11T09:00:00+08:00")

    consumer.handle([cancelled, cancelled])  # redelivered
    consumer.handle([referral_ended("referral.ReferralExpired.v1", "referral-1", "2026-04-12T09:00:00+08:00")])

    assert status_of(clinic, booked["appointment_id"]) == "cancelled"
    slots = "/institutions/H1/doctors/cardiology-1/slots?from=2026-04-14&to=2026-04-14"
    [session] = clinic.client.get(slots, headers=hospital).json()["sessions"]
    assert session["slots"][0]["booked"] == []  # free: another referral may take it
    again = clinic.post(f"/residents/{REF}/appointments", body | {"referral_id": "referral-2"}, clinic.doctor)
    assert again.status_code == 201
    messages = [m for e in clinic.world.store.read_log(0, 100_000) for m in to_public(e)]
    published = [parse_event(Envelope.decode(m.value)) for m in messages if m.topic == topics.APPOINTMENTS.name]
    assert [type(e).__name__ for e in published] == ["AppointmentBooked", "AppointmentCancelled", "AppointmentBooked"]
    assert published[1].appointment_id == booked["appointment_id"]  # type: ignore[attr-defined]


def test_a_referral_completed_or_ended_after_the_start_keeps_its_place(clinic: Clinic) -> None:
    assert clinic.post("/hospitals/H1/sources", SOURCE, clinic.as_("hospital", hospital="H1")).status_code == 201
    body = {"institution_id": "H1", "doctor_id": "cardiology-1", "starts_at": CARDIOLOGY.isoformat()}
    booked = clinic.post(f"/residents/{REF}/appointments", body | {"referral_id": "referral-1"}, clinic.doctor).json()
    consumer = referral_events(clinic.client.app.state.appointments, clinic.world.processor)  # type: ignore[attr-defined]

    consumer.handle([referral_ended("referral.ReferralCompleted.v2", "referral-1", "2026-04-14T16:00:00+08:00")])
    consumer.handle([referral_ended("referral.ReferralCancelled.v2", "referral-1", "2026-04-14T14:05:00+08:00")])

    assert status_of(clinic, booked["appointment_id"]) == "booked"  # the hospital's now


def test_the_project_worker_reads_referrals_ends_on_kafka(
    clinic: Clinic, settings: HealthRecordsSettings, kafka_client: dict[str, Any]
) -> None:
    assert clinic.post("/hospitals/H1/sources", SOURCE, clinic.as_("hospital", hospital="H1")).status_code == 201
    body = {"institution_id": "H1", "doctor_id": "cardiology-1", "starts_at": CARDIOLOGY.isoformat()}
    referral_id = f"referral-{uuid.uuid4()}"
    booked = clinic.post(f"/residents/{REF}/appointments", body | {"referral_id": referral_id}, clinic.doctor).json()
    expired = referral_ended("referral.ReferralExpired.v1", referral_id, "2026-04-11T09:00:00+08:00")
    ensure_topics(settings, [topics.REFERRALS])
    produce_raw(kafka_client, topics.REFERRALS.name, [(REF, expired.envelope.encode())])
    group = settings.model_copy(update={"consumer_group": f"health-records-{uuid.uuid4().hex[:8]}"})
    stop = threading.Event()
    workers = [threading.Thread(target=w.run, args=(stop,)) for w in create_workers(group)]
    for worker in workers:
        worker.start()
    try:
        assert eventually(lambda: status_of(clinic, booked["appointment_id"]) == "cancelled")
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def test_the_hospital_records_attendance_at_its_own_specialist_places_only(clinic: Clinic) -> None:
    h1, h2 = clinic.as_("hospital", hospital="H1"), clinic.as_("hospital", hospital="H2")
    assert clinic.post("/hospitals/H1/sources", SOURCE, h1).status_code == 201
    body = {"institution_id": "H1", "doctor_id": "cardiology-1", "starts_at": CARDIOLOGY.isoformat()}
    referred = clinic.post(f"/residents/{REF}/appointments", body | {"referral_id": "referral-1"}, clinic.doctor)
    at_hospital, with_team = referred.json()["appointment_id"], clinic.book(REF, SLOTS[0]).json()["appointment_id"]
    early = clinic.act(REF, at_hospital, "attended", h1)
    assert (early.status_code, early.json()["type"].rsplit("/", 1)[-1]) == (409, "appointment-not-started")
    clinic.clock.append(CARDIOLOGY + timedelta(minutes=10))

    assert clinic.act(REF, at_hospital, "attended", h2).status_code == 403  # another hospital's place
    assert clinic.act(REF, str(uuid.uuid4()), "attended", h2).status_code == 403  # the same for none at all
    assert clinic.act(REF, with_team, "missed", h1).status_code == 403  # the family doctor's, not the hospital's
    assert clinic.act(REF, at_hospital, "attended", clinic.resident).status_code == 403
    assert clinic.act(REF, at_hospital, "attended", clinic.doctor).status_code == 404  # no team holds it
    done = clinic.act(REF, at_hospital, "attended", h1)
    assert (done.status_code, done.json()["status"]) == (200, "attended"), done.text
    again = clinic.act(REF, at_hospital, "missed", h1)
    assert (again.status_code, again.json()["type"].rsplit("/", 1)[-1]) == (409, "appointment-closed")
    assert clinic.act(REF, with_team, "missed", clinic.doctor).json()["status"] == "missed"  # the team's, still

    messages = [m for e in clinic.world.store.read_log(0, 100_000) for m in to_public(e)]
    published = [parse_event(Envelope.decode(m.value)) for m in messages if m.topic == topics.APPOINTMENTS.name]
    [attended] = [e for e in published if type(e).__name__ == "AppointmentAttended"]
    assert attended.appointment_id == at_hospital  # type: ignore[attr-defined]


def test_the_appointments_to_remind_follow_a_batch_as_they_follow_each_event(clinic: Clinic) -> None:
    """The view stores a batch in two statements: each appointment as its last event leaves it."""
    kept, moved, cancelled = (clinic.book(REF, SLOTS[0] + timedelta(days=d)).json()["appointment_id"] for d in range(3))
    later = SLOTS[2] + timedelta(days=1)  # the same day, later
    to = {"institution_id": "CHC-1", "doctor_id": "doc-1", "starts_at": later.isoformat()}
    assert clinic.act(REF, moved, "reschedule", clinic.resident, to).status_code == 200
    assert clinic.act(REF, cancelled, "cancel", clinic.resident).status_code == 200
    engine = clinic.world.view.engine
    follower(clinic.world.store, engine).catch_up()  # the whole log, one batch
    batched = _to_remind(engine)

    with engine.begin() as conn:
        conn.execute(TO_REMIND.delete())
        for event in clinic.world.store.read_log(0, 10_000):
            appointment_book.apply(conn, [event])

    assert _to_remind(engine) == batched
    assert {a: starts.isoformat() for a, starts in batched} == {
        kept: SLOTS[0].isoformat(),
        moved: later.isoformat(),
    }


def _to_remind(engine: Any) -> list[tuple[str, datetime]]:
    with engine.connect() as conn:
        return sorted((r.appointment_id, r.starts_at) for r in conn.execute(TO_REMIND.select()))
