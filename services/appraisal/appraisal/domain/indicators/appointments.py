"""Appointments (2016 plan: contracted residents get preferential appointments; 2022 opinions):
how many of their visits were booked, how long they waited, and how often an up-referral
carried a booked specialist slot.

A visit does not name an appointment: it was booked when the resident attended an
appointment with the visit's team on the visit's day (our own definition, said so in the
catalogue). The wait runs from the appointment's first booking to the day of the slot attended,
in whole local days, so a move to a later day lengthens it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.cases import Case, excluded, met, missed
from appraisal.domain.facts import AppointmentStep, Facts, VisitFact
from appraisal.domain.indicators.experience import lives
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Period, local_day


@dataclass(frozen=True)
class Attended:
    appointment_id: str
    booked_at: datetime | None  # its first booking, if known yet
    starts_at: datetime


def booked_visits(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Visits under contract in the period, and whether each was an attended appointment."""
    cases = []
    for v, a in _booked(seen.facts, seen.window.period, seen.window.zone):
        args = (v.where, v.resident_ref, v.visit_id)
        if a is None:
            cases.append(missed(*args, "no appointment with the team attended that day"))
        else:
            cases.append(met(*args, f"appointment {a.appointment_id} attended that day"))
    return cases


def booked_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    """booked_visits' cases from an as-of on, the same at every later one (only new facts change
    them), without the drill-down's words: a visit or an attended appointment reaches these."""
    out: list[Step] = []
    for v, a in _booked(facts, ahead.period, ahead.zone):
        ahead.holds(out, v.where, (), int(a is not None), 1)
    return out


def waiting_days(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Each booked visit under contract in the period: the days from booking to the slot (a mean)."""
    cases = []
    for v, a in _booked(seen.facts, seen.window.period, seen.window.zone):
        if a is None:
            continue  # walked in: no wait to count
        args = (v.where, v.resident_ref, v.visit_id)
        if a.booked_at is None:
            cases.append(excluded(*args, f"appointment {a.appointment_id}: its booking not known yet"))
            continue
        days = _waited(a.booked_at, a.starts_at, seen.window.zone)
        cases.append(Case(v.where, v.resident_ref, v.visit_id, days, 1, f"booked {days} days ahead"))
    return cases


def waiting_steps(facts: Facts, ahead: Ahead, _: Mapping[str, Any]) -> list[Step]:
    """waiting_days' cases from an as-of on, as `booked_steps` (one excluded counts nothing)."""
    out: list[Step] = []
    for v, a in _booked(facts, ahead.period, ahead.zone):
        if a is not None and a.booked_at is not None:
            ahead.holds(out, v.where, (), _waited(a.booked_at, a.starts_at, ahead.zone), 1)
    return out


def _waited(booked_at: datetime, starts_at: datetime, zone: tzinfo) -> int:
    return (local_day(starts_at, zone) - local_day(booked_at, zone)).days


def priority_appointments(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Up-referrals issued in the period that carried a specialist-source place booked by the family doctor."""
    cases = []
    for referral_id, life in lives(seen).items():
        first, did = life[0], {s.step for s in life}
        args = (first.where, first.resident_ref, referral_id)
        if "slot_booked" in did:
            cases.append(met(*args, "a specialist-source place was booked for it"))
        elif "cancelled" in did:
            cases.append(excluded(*args, "cancelled with no place booked"))
        else:
            cases.append(missed(*args, "no specialist-source place booked for it"))
    return cases


def _booked(facts: Facts, period: Period, zone: tzinfo) -> list[tuple[VisitFact, Attended | None]]:
    """Each visit under contract in the period (by id), with the appointment with its team
    attended on its day, if any: the same for both indicators, worked out once for the facts."""
    return facts.derived(("booked", period.code, zone), lambda: _booked_in(facts, period, zone))


def _booked_in(facts: Facts, period: Period, zone: tzinfo) -> list[tuple[VisitFact, Attended | None]]:
    visits: list[tuple[VisitFact, date]] = []
    for v in facts.visits:
        if v.contract_id is not None and period.first <= (day := local_day(v.occurred_at, zone)) <= period.last:
            visits.append((v, day))
    if not visits:
        return []  # most residents' new facts: no visit of theirs in the period
    attended = facts.derived(("attended", zone), lambda: _attended_in(facts.appointments, zone))
    visits.sort(key=lambda found: found[0].visit_id)
    return [(v, attended.get((v.resident_ref, v.where.team_id, day))) for v, day in visits]


def _attended_in(appointments: Sequence[AppointmentStep], zone: tzinfo) -> dict[tuple[str, str, date], Attended]:
    """The appointments attended, by resident, team and the slot's day (the first by id if several)."""
    steps: dict[str, list[AppointmentStep]] = defaultdict(list)
    for s in appointments:
        steps[s.appointment_id].append(s)
    found: dict[tuple[str, str, date], Attended] = {}
    for appointment_id in sorted(steps):
        life = sorted(steps[appointment_id], key=lambda s: (s.at, s.step))
        came = next((s for s in life if s.step == "attended"), None)
        if came is None:
            continue
        booked = next((s.at for s in life if s.step == "booked"), None)
        key = (came.resident_ref, came.team_id, local_day(came.starts_at, zone))
        found.setdefault(key, Attended(appointment_id, booked, came.starts_at))
    return found
