"""Appointments' rules, pure: sessions from a weekly schedule, the reserved share and its cut-off,
capacity, no double booking, and what may change once a slot has started."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from health_records.domain import agendas, appointments, schedules
from health_records.domain.agendas import Agenda, PlaceTaken, Session
from health_records.domain.appointments import NONE, AppointmentBooked, Slot
from health_records.domain.errors import (
    AlreadyBooked,
    AppointmentClosed,
    ForReferralsOnly,
    InvalidSchedule,
    NoSuchSlot,
    NotStartedYet,
    ReservedForContracted,
    SessionsOverlap,
    SlotFull,
    SlotStarted,
)
from health_records.domain.schedules import WeeklySchedule

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 4, 13)
SCHEDULE = WeeklySchedule(
    "S1", "CHC-1", "T1", "doc-1", (1, 3), time(8), time(10), 30, 1, 50, 24 * 60, MONDAY, MONDAY + timedelta(days=13)
)
SESSION = schedules.sessions(SCHEDULE, ZONE)[MONDAY]  # 08:00-10:00: four slots of one place, two reserved
CUTOFF = SESSION.starts_at - timedelta(hours=24)
BEFORE = CUTOFF - timedelta(microseconds=1)


def agenda(*taken: tuple[int, bool], session: Session = SESSION) -> Agenda:
    """The session's agenda with places taken: (slot number, contracted)."""
    a = agendas.evolve(None, agendas.SessionsPublished("doc-1", MONDAY, (session,)))
    for i, (slot, contracted) in enumerate(taken):
        a = agendas.evolve(a, place(slot, contracted, ref=f"r{i}"))
    return a


def place(slot: int, contracted: bool, ref: str = "me", appointment_id: str = "") -> PlaceTaken:
    at = SESSION.slots()[slot]
    return PlaceTaken("doc-1", MONDAY, SESSION.session_id, at, appointment_id or f"a-{ref}", ref, contracted)


def test_a_weekly_schedule_becomes_a_session_on_each_of_its_days_but_the_cancelled() -> None:
    days = schedules.sessions(SCHEDULE, ZONE)
    assert sorted(days) == [MONDAY, date(2026, 4, 15), date(2026, 4, 20), date(2026, 4, 22)]
    cancelled = schedules.sessions(WeeklySchedule(**{**vars(SCHEDULE), "cancelled_days": (MONDAY,)}), ZONE)
    assert MONDAY not in cancelled and len(cancelled) == 3
    assert SESSION.starts_at.isoformat() == "2026-04-13T08:00:00+08:00" and len(SESSION.slots()) == 4
    assert (SESSION.places, SESSION.reserved) == (4, 2)


@pytest.mark.parametrize(
    "change",
    [
        *({"slot_minutes": 45}, {"weekdays": (8,)}, {"capacity": 0}, {"reserved_percent": 101}, {"ends": time(8)}),
        *({"last_day": MONDAY + timedelta(days=92)}, {"last_day": MONDAY - timedelta(days=1)}),
    ],
)
def test_a_schedule_that_makes_no_sense_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(InvalidSchedule):
        schedules.sessions(WeeklySchedule(**{**vars(SCHEDULE), **change}), ZONE)


def test_sessions_of_a_doctor_may_not_overlap() -> None:
    later = schedules.sessions(WeeklySchedule(**{**vars(SCHEDULE), "starts": time(9, 30), "ends": time(11)}), ZONE)[
        MONDAY
    ]
    with pytest.raises(SessionsOverlap):
        agendas.publish(agenda(), "doc-1", MONDAY, (later,))
    afternoon = schedules.sessions(WeeklySchedule(**{**vars(SCHEDULE), "starts": time(10), "ends": time(11)}), ZONE)[
        MONDAY
    ]
    assert agendas.publish(agenda(), "doc-1", MONDAY, (afternoon,)).sessions == (afternoon,)


def test_the_reserved_share_is_kept_for_contracted_residents_until_the_cut_off() -> None:
    half_full = agenda((0, False), (1, False))  # the two open places are gone
    with pytest.raises(ReservedForContracted):
        agendas.take(half_full, place(2, contracted=False), BEFORE)
    assert agendas.take(half_full, place(2, contracted=True), BEFORE).session_id == SESSION.session_id


def test_the_reserve_is_released_at_exactly_the_cut_off() -> None:
    half_full = agenda((0, False), (1, False))
    assert agendas.take(half_full, place(2, contracted=False), CUTOFF).resident_ref == "me"


def test_contracted_residents_fill_the_reserve_before_the_open_places() -> None:
    reserve_used = agenda((0, True), (1, True))
    assert agendas.take(reserve_used, place(2, contracted=False), BEFORE)
    one_reserved_left = agenda((0, True), (1, False), (2, False))
    with pytest.raises(ReservedForContracted):
        agendas.take(one_reserved_left, place(3, contracted=False), BEFORE)


def test_a_slot_holds_its_capacity_and_no_more() -> None:
    with pytest.raises(SlotFull):
        agendas.take(agenda((0, True)), place(0, contracted=True), CUTOFF)
    roomy = Session(**{**vars(SESSION), "capacity": 2})
    assert agendas.take(agenda((0, True), session=roomy), place(0, contracted=True), CUTOFF)


def test_a_resident_holds_one_place_in_a_session() -> None:
    with pytest.raises(AlreadyBooked):
        agendas.take(agenda((0, True)), place(1, contracted=True, ref="r0"), CUTOFF)


def test_only_a_slot_not_yet_started_is_booked() -> None:
    with pytest.raises(SlotStarted):
        agendas.take(agenda(), place(0, contracted=True), SESSION.starts_at)
    with pytest.raises(NoSuchSlot):
        agendas.take(agenda(), place(0, True).__class__(**{**vars(place(0, True)), "slot_at": CUTOFF}), CUTOFF)
    with pytest.raises(NoSuchSlot):
        agendas.take(None, place(0, contracted=True), CUTOFF)


def test_a_freed_place_is_free_again() -> None:
    full = agenda((0, True))
    freed = agendas.free(full, "a-r0", "r0")
    assert agendas.take(agendas.evolve(full, freed[0]), place(0, contracted=True), CUTOFF)
    assert agendas.free(full, "unknown", "r0") == []


SLOT = Slot("doc-1", "T1", "CHC-1", SESSION.session_id, SESSION.starts_at, SESSION.starts_at + timedelta(minutes=30))
BOOKED = AppointmentBooked("a1", "me", SLOT, True, "me", BEFORE)


def booked() -> appointments.Appointments:
    return appointments.evolve(NONE, appointments.book(NONE, BOOKED))


def test_a_resident_cannot_hold_two_appointments_at_once() -> None:
    other = Slot("doc-2", "T2", "CHC-2", "s2", SLOT.starts_at + timedelta(minutes=15), SLOT.ends_at)
    with pytest.raises(AlreadyBooked):
        appointments.book(booked(), AppointmentBooked("a2", "me", other, False, "me", BEFORE))
    later = Slot(**{**vars(other), "starts_at": SLOT.ends_at, "ends_at": SLOT.ends_at + timedelta(minutes=30)})
    assert appointments.book(booked(), AppointmentBooked("a2", "me", later, False, "me", BEFORE))


def test_cancelling_and_moving_stop_when_the_slot_starts() -> None:
    assert appointments.cancel(booked(), "a1", "me", SLOT.starts_at - timedelta(seconds=1))
    with pytest.raises(SlotStarted):
        appointments.cancel(booked(), "a1", "me", SLOT.starts_at)
    with pytest.raises(SlotStarted):
        appointments.reschedule(booked(), "a1", SLOT, True, "me", SLOT.starts_at)


def test_attended_or_missed_only_once_the_slot_has_started_and_only_once() -> None:
    with pytest.raises(NotStartedYet):
        appointments.record_outcome(booked(), "a1", True, "doc-1", SLOT.starts_at - timedelta(seconds=1))
    missed = appointments.record_outcome(booked(), "a1", False, "doc-1", SLOT.starts_at)
    assert isinstance(missed, appointments.AppointmentMissed)
    closed = appointments.evolve(booked(), missed)
    with pytest.raises(AppointmentClosed):
        appointments.record_outcome(closed, "a1", True, "doc-1", SLOT.ends_at)
    with pytest.raises(AppointmentClosed):
        appointments.cancel(closed, "a1", "me", BEFORE)


def test_one_reminder_when_the_lead_time_is_over_and_none_after_the_start() -> None:
    lead = timedelta(hours=2)
    a = booked()["a1"]
    assert appointments.remind(a, lead, SLOT.starts_at - lead - timedelta(seconds=1)) is None
    due = appointments.remind(a, lead, SLOT.starts_at - lead)
    assert due is not None and due.due_at == SLOT.starts_at - lead
    reminded = appointments.evolve(booked(), due)["a1"]
    assert appointments.remind(reminded, lead, SLOT.starts_at - timedelta(minutes=1)) is None
    assert appointments.remind(a, lead, SLOT.starts_at) is None


def test_a_specialist_sources_places_are_for_referrals_only() -> None:
    source = Session(**{**vars(SESSION), "team_id": "", "reserved_percent": 0, "for_referrals": True})
    with pytest.raises(ForReferralsOnly):
        agendas.take(agenda(session=source), place(0, contracted=False), BEFORE)
    referred = PlaceTaken(**{**vars(place(0, contracted=False)), "referral_id": "ref-1"})
    assert agendas.take(agenda(session=source), referred, BEFORE).referral_id == "ref-1"


def test_a_referral_ended_frees_only_its_own_places_not_yet_started_and_once() -> None:
    later = Slot(**{**vars(SLOT), "starts_at": SLOT.ends_at, "ends_at": SLOT.ends_at + timedelta(minutes=30)})
    mine = appointments.evolve(NONE, AppointmentBooked("a1", "me", SLOT, False, "doc-1", BEFORE, "ref-1"))
    mine = appointments.evolve(mine, AppointmentBooked("a2", "me", later, False, "doc-1", BEFORE, "ref-2"))

    [freed] = appointments.free_for_ended_referral(mine, "ref-1", "declined", BEFORE)

    assert (freed.appointment_id, freed.cancelled_by) == ("a1", "referral_declined")
    assert appointments.free_for_ended_referral(appointments.evolve(mine, freed), "ref-1", "expired", BEFORE) == []
    assert appointments.free_for_ended_referral(mine, "ref-1", "cancelled", SLOT.starts_at) == []  # the hospital's
