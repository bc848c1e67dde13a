"""Who may see and change a resident's record: the one place these decisions are made.

A resident sees only their own record, plan and services; the team they are contracted
with sees and writes them while the contract lasts; nobody else does — not a hospital, not
an official, not an administrator. A professional's read is logged for the resident to see.
"""

from __future__ import annotations

from datetime import date

from health_records.domain.appointments import Appointment
from health_records.domain.care import Care
from shared.domain import Forbidden
from shared.principal import Principal


def screen(who: Principal, resident_ref: str) -> None:
    """Before anything is loaded: only the resident and family doctors get further, so that
    nobody else learns even whether a record exists."""
    if who.role == "resident" and who.resident_ref == resident_ref:
        return
    if who.role == "family_doctor" and who.team_id:
        return
    raise Forbidden("a record is for its resident and the team they are contracted with")


def may_read(who: Principal, resident_ref: str, care: Care | None, today: date) -> None:
    screen(who, resident_ref)
    if who.role == "resident":
        return
    may_serve(who, care, today)


def may_serve(who: Principal, care: Care | None, today: date) -> str:
    """The team in charge of the resident writes their record and records their services;
    returns that team."""
    if who.role == "family_doctor" and who.team_id and care is not None and care.in_charge(who.team_id, today):
        return who.team_id
    raise Forbidden("only the team the resident is contracted with may do this")


def logs_reads(who: Principal) -> bool:
    """A professional's read is logged; the resident reading their own is not."""
    return who.role != "resident"


def may_act_as_resident(who: Principal, resident_ref: str) -> None:
    """Rating the team, listing who read the record: the resident themselves only."""
    if who.role != "resident" or who.resident_ref != resident_ref:
        raise Forbidden("only the resident themselves may do this")


def may_read_team(who: Principal, team_id: str) -> None:
    if who.role != "family_doctor" or who.team_id != team_id:
        raise Forbidden("a team's figures are for the team itself")


def may_manage_devices(who: Principal, resident_ref: str, care: Care | None, today: date) -> None:
    """Linking and unlinking a device: the resident, or a doctor of the team in charge."""
    may_read(who, resident_ref, care, today)


def may_publish_schedules(who: Principal, institution_id: str) -> None:
    """An institution's sessions are published by its own staff (their token names it)."""
    if who.role != "family_doctor" or who.institution_id != institution_id:
        raise Forbidden("an institution's schedules are published by its own staff")


def may_book_for(who: Principal, resident_ref: str, care: Care | None, today: date) -> None:
    """Booking, moving, cancelling: the resident themselves, or the team they are contracted with."""
    may_read(who, resident_ref, care, today)


def may_open_sources(who: Principal, hospital_id: str) -> None:
    """A hospital opens its own clinics' specialist sources to grassroots institutions."""
    if who.role != "hospital" or who.hospital_id != hospital_id:
        raise Forbidden("a hospital's specialist sources are opened by the hospital")


def may_record_attendance(who: Principal, resident_ref: str) -> None:
    """Before anything is loaded: the resident's family doctors, or a hospital (for its own
    specialist places: `records_attendance_of`)."""
    if who.role == "hospital" and who.hospital_id:
        return
    screen(who, resident_ref)
    if who.role != "family_doctor":
        raise Forbidden("the team the appointment is with records whether the resident came")


def records_attendance_of(who: Principal, appointment: Appointment | None) -> bool:
    """The team a family doctor's appointment is with; the hospital a specialist source's place
    is at (its team is empty: nobody else may record it)."""
    if appointment is None:
        return False
    if who.role == "hospital":
        return appointment.at_specialist_source and appointment.slot.institution_id == who.hospital_id
    return bool(who.team_id) and appointment.slot.team_id == who.team_id


def may_book_for_referral(who: Principal) -> None:
    """A specialist source's place is booked by the family doctor who refers the resident."""
    if who.role != "family_doctor":
        raise Forbidden("a place for a referral is booked by the resident's family doctor")


def may_run_schedules(who: Principal) -> None:
    if who.role != "admin":
        raise Forbidden("scheduled jobs run with an administrator's token")


def may_work_on_alerts(who: Principal, team_id: str) -> None:
    """The worklist of device alerts, with the readings' values: the team's own doctors and nurses."""
    may_read_team(who, team_id)


def alert_counts_scope(who: Principal, area_code: str) -> str | None:
    """Counts of alerts per team, no resident in them: officials of the area (or a part of it) and
    administrators see every team; a doctor, their own team's (the team returned)."""
    if who.role == "admin":
        return None
    if who.role == "official" and who.area_code and area_code.startswith(who.area_code):
        return None
    if who.role == "family_doctor" and who.team_id:
        return who.team_id
    raise Forbidden("alert counts are for the officials of the area and for each team's own")
