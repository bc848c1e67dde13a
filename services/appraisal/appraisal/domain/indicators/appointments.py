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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from appraisal.domain.cases import Case, excluded, met, missed
from appraisal.domain.facts import AppointmentStep, VisitFact
from appraisal.domain.indicators.experience import lives
from appraisal.domain.indicators.residents import Seen


@dataclass(frozen=True)
class Attended:
    appointment_id: str
    booked_at: datetime | None  # its first booking, if known yet
    starts_at: datetime


def booked_visits(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Visits under contract in the period, and whether each was an attended appointment."""
    visits = _contracted_visits(seen)
    attended = _attended(seen) if visits else {}  # most residents' new facts: no visit of theirs in the period
    cases = []
    for v in visits:
        args = (v.where, v.resident_ref, v.visit_id)
        a = attended.get((v.resident_ref, v.where.team_id, seen.window.day(v.occurred_at)))
        if a is None:
            cases.append(missed(*args, "no appointment with the team attended that day"))
        else:
            cases.append(met(*args, f"appointment {a.appointment_id} attended that day"))
    return cases


def waiting_days(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    """Each booked visit under contract in the period: the days from booking to the slot (a mean)."""
    visits, window = _contracted_visits(seen), seen.window
    attended = _attended(seen) if visits else {}
    cases = []
    for v in visits:
        a = attended.get((v.resident_ref, v.where.team_id, window.day(v.occurred_at)))
        if a is None:
            continue  # walked in: no wait to count
        args = (v.where, v.resident_ref, v.visit_id)
        if a.booked_at is None:
            cases.append(excluded(*args, f"appointment {a.appointment_id}: its booking not known yet"))
            continue
        days = (window.day(a.starts_at) - window.day(a.booked_at)).days
        cases.append(Case(v.where, v.resident_ref, v.visit_id, days, 1, f"booked {days} days ahead"))
    return cases


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


def _contracted_visits(seen: Seen) -> list[VisitFact]:
    window = seen.window
    visits = (v for v in seen.facts.visits if v.contract_id is not None and window.within(v.occurred_at))
    return sorted(visits, key=lambda v: v.visit_id)


def _attended(seen: Seen) -> dict[tuple[str, str, date], Attended]:
    """The appointments attended, by resident, team and the slot's day (the first by id if several)."""
    steps: dict[str, list[AppointmentStep]] = defaultdict(list)
    for s in seen.facts.appointments:
        steps[s.appointment_id].append(s)
    found: dict[tuple[str, str, date], Attended] = {}
    for appointment_id in sorted(steps):
        life = sorted(steps[appointment_id], key=lambda s: (s.at, s.step))
        came = next((s for s in life if s.step == "attended"), None)
        if came is None:
            continue
        booked = next((s.at for s in life if s.step == "booked"), None)
        key = (came.resident_ref, came.team_id, seen.window.day(came.starts_at))
        found.setdefault(key, Attended(appointment_id, booked, came.starts_at))
    return found
