"""Appointments with the family doctor: each doctor's weekly sessions, published by the institution
when the run starts; residents (or their team) book a share of the visits, move or cancel a few of
them, and the rest are attended or missed. Hospitals open specialist sources (a clinic per
department, weekly afternoons) that family doctors book for some up-referrals."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from fdcs.simulation import people
from fdcs.simulation.area import Team
from fdcs.simulation.calling import WAITS, at
from fdcs.simulation.care import (
    DEPARTMENTS,
    REFERRED_AT,
    SESSION_DAYS,
    SESSION_STARTS,
    SLOT_MINUTES,
    SLOTS,
    Care,
    Referral,
)
from fdcs.simulation.population import Resident
from fdcs.simulation.state import Held

SPAN = 92  # a schedule covers at most 92 days after its first: the run's days in spans of it
AHEAD = 21  # days before its span a schedule is published
PLACES = 10  # per slot: residents of one doctor booking the same slot never fill it, so who books is the seed's
# The doctor's roster reaches health-records with signing's event: until then, not a member.
ROSTER_LATER = {"/problems/not-a-team-member", "/problems/forbidden"}
# Of the appointments booked a few days ahead, the share cancelled and the share moved to another
# slot of the same morning (the visit stays on its day).
CANCELLED, MOVED = 0.06, 0.12
# Hospitals' specialist sources: each department's clinic sits Tuesday and Thursday afternoons
# (14:30 to 16:30, half-hour slots), its places only for up-referrals; a share of up-referrals
# has one booked by the family doctor, a few days after the referral.
SOURCE_DAYS, SOURCE_STARTS, SOURCE_SLOT_MINUTES, SOURCE_SLOTS = (2, 4), 14 * 60 + 30, 30, 4
SPECIALIST_BOOKED = 0.4


class Bookings(Care):
    async def publish_schedules(self, n: int, concurrency: int) -> None:
        """Institutions publish their doctors' weekly sessions a span at a time (92 days at most): the
        first when the run starts, each next one three weeks before it (residents book up to two
        weeks ahead). The doctors' side by side: each has agenda streams of its own."""
        last = date(self.state.year, 12, 31)
        first = self.start + timedelta(days=(n + AHEAD) // SPAN * SPAN if n else 0)
        if first > last or (n and (n + AHEAD) % SPAN):
            return
        limit = asyncio.Semaphore(concurrency)

        async def publish(team: Team, doctor_id: str) -> None:
            body = {
                "team_id": team.team_id,
                "doctor_id": doctor_id,
                "weekdays": list(SESSION_DAYS),
                "starts": _clock(SESSION_STARTS),
                "ends": _clock(SESSION_STARTS + SLOTS * SLOT_MINUTES),
                "slot_minutes": SLOT_MINUTES,
                "capacity": PLACES,
                "first_day": first.isoformat(),
                "last_day": min(first + timedelta(days=SPAN - 1), last).isoformat(),
            }
            async with limit:
                await self.tally(
                    "schedules published",
                    self.once_known(
                        "health-records",
                        "POST",
                        f"/institutions/{team.institution_id}/schedules",
                        people.doctor(team),
                        at(self.start + timedelta(days=n), 8),
                        body,
                        step=f"schedule-{doctor_id}-{first.isoformat()}",
                        known_later=ROSTER_LATER,
                    ),
                )

        async def open_source(hospital: str, department: str) -> None:
            body = {
                "clinic_id": clinic(department),
                "weekdays": list(SOURCE_DAYS),
                "starts": _clock(SOURCE_STARTS),
                "ends": _clock(SOURCE_STARTS + SOURCE_SLOTS * SOURCE_SLOT_MINUTES),
                "slot_minutes": SOURCE_SLOT_MINUTES,
                "capacity": PLACES,
                "first_day": first.isoformat(),
                "last_day": min(first + timedelta(days=SPAN - 1), last).isoformat(),
            }
            async with limit:
                await self.tally(
                    "specialist sources opened",
                    self.platform.call(
                        "health-records",
                        "POST",
                        f"/hospitals/{hospital}/sources",
                        people.hospital(hospital),
                        at(self.start + timedelta(days=n), 8),
                        body,
                        step=f"source-{hospital}-{clinic(department)}-{first.isoformat()}",
                    ),
                )

        await asyncio.gather(*(publish(team, doctor) for team in self.county.teams for doctor in team.doctors))
        hospitals = self.county.secondary_hospitals + self.county.tertiary_hospitals
        departments = sorted(set(DEPARTMENTS.values()))
        await asyncio.gather(*(open_source(h, department) for h in hospitals for department in departments))

    async def book(  # noqa: PLR0913
        self, person: Resident, contract_id: str, visit_day: int, slot: int, missed: bool, d: date
    ) -> None:
        """The resident books the visit's slot, or the team books it for them; its outcome is
        recorded by the team at the visit."""
        held = self.current(person.serial, contract_id)
        if held is None:
            return
        team = self.teams[held.team_id]
        day = self.start + timedelta(days=visit_day)
        starts = at(day, 0, 0) + timedelta(minutes=SESSION_STARTS + slot * SLOT_MINUTES)
        by_resident = self.rng("booked by", person.serial, visit_day).random() < 0.7
        who = people.resident(held.resident_ref) if by_resident else people.doctor(team, held.doctor_id)
        body = {"institution_id": team.institution_id, "doctor_id": held.doctor_id, "starts_at": starts.isoformat()}
        booked = await self.tally(
            "appointments booked",
            self.once_known(
                "health-records",
                "POST",
                f"/residents/{held.resident_ref}/appointments",
                who,
                at(d, 7) if d == day else at(d, 19),  # the evening before, or early that morning
                body,
                step=f"book-{contract_id}-{visit_day}",
                waits=WAITS,
            ),
        )
        if booked is not None:
            self._later(person, held, booked["appointment_id"], (visit_day, slot), missed, d)

    def _later(  # noqa: PLR0913
        self, person: Resident, held: Held, appointment_id: str, booked: tuple[int, int], missed: bool, d: date
    ) -> None:
        """What becomes of the appointment (`booked`: its day and slot): cancelled or moved on a day
        before it (drawn by the resident and the visit's day), then attended or missed."""
        (visit_day, slot), rng = booked, self.rng("appointment change", person.serial, booked[0])
        draw, entry = rng.random(), (held.resident_ref, appointment_id, held.team_id, held.doctor_id)
        ahead = visit_day - self.day_of(d)
        if ahead >= 2 and draw < CANCELLED + MOVED:
            on = self.day_of(d) + rng.randrange(1, ahead)
            if draw < CANCELLED:  # nothing to attend: the resident comes to the visit unbooked
                self.state.plan(on, "cancel", person.serial, *entry)
                return
            to = (slot + 1 + rng.randrange(SLOTS - 1)) % SLOTS
            self.state.plan(on, "move", person.serial, *entry, visit_day, to)
        self.state.plan(visit_day, "attend", person.serial, *entry, missed)

    async def change(  # noqa: PLR0913
        self,
        person: Resident,
        ref: str,
        appointment_id: str,
        team_id: str,
        doctor_id: str,
        to: tuple[int, int] | None,
        d: date,
    ) -> None:
        """The resident (or the team, for some) moves the appointment to another slot (`to`: its day
        and slot) or, without one, cancels it, the evening of a day before."""
        team = self.teams[team_id]
        by_resident = self.rng("changed by", person.serial, self.day_of(d)).random() < 0.8
        who = people.resident(ref) if by_resident else people.doctor(team, doctor_id)
        path, body = f"/residents/{ref}/appointments/{appointment_id}", None
        if to is not None:
            day = self.start + timedelta(days=to[0])
            starts = at(day, 0, 0) + timedelta(minutes=SESSION_STARTS + to[1] * SLOT_MINUTES)
            body = {"institution_id": team.institution_id, "doctor_id": doctor_id, "starts_at": starts.isoformat()}
        what = "rescheduled" if to is not None else "cancelled"
        await self.tally(
            f"appointments {what}",
            self.platform.call(
                "health-records",
                "POST",
                f"{path}/{'reschedule' if to is not None else 'cancel'}",
                who,
                at(d, 20),
                body,
                step=f"{what}-{appointment_id}",
            ),
        )

    async def book_specialist(self, referral: Referral, d: date) -> None:
        """For some up-referrals the family doctor books a place in the hospital's specialist source
        (the referral then carries it): the first clinic day two or more days on, a slot by serial."""
        held, starts = self.current(referral.serial), self.specialist_slot(referral)
        if held is None or starts is None:
            return
        body = {
            "institution_id": referral.hospital,
            "doctor_id": clinic(referral.department),
            "starts_at": starts.isoformat(),
            "referral_id": referral.referral_id,
        }
        await self.tally(
            "specialist slots booked",
            self.platform.call(
                "health-records",
                "POST",
                f"/residents/{held.resident_ref}/appointments",
                people.doctor(self.teams[held.team_id], held.doctor_id),
                at(d, REFERRED_AT, 30),
                body,
                step=f"specialist-{referral.serial}-{referral.issued}",
            ),
        )

    async def attend(  # noqa: PLR0913
        self, person: Resident, ref: str, appointment_id: str, team_id: str, doctor_id: str, missed: bool, d: date
    ) -> None:
        """The team records that the resident came (the visit is recorded as ever) or did not."""
        outcome = "missed" if missed else "attended"
        await self.tally(
            f"appointments {outcome}",
            self.platform.call(
                "health-records",
                "POST",
                f"/residents/{ref}/appointments/{appointment_id}/{outcome}",
                people.doctor(self.teams[team_id], doctor_id),
                at(d, 10, 30),
                step=f"{outcome}-{appointment_id}",
            ),
        )

    def specialist_slot(self, referral: Referral) -> datetime | None:
        """The place booked for the referral, if one is (drawn by the resident and the referral's day):
        the first clinic day two or more days after the referral, a slot by serial. The hospital's
        acceptance names it too."""
        if self.rng("specialist", referral.serial, referral.issued).random() >= SPECIALIST_BOOKED:
            return None
        day = self.start + timedelta(days=referral.issued + 2)
        while day.isoweekday() not in SOURCE_DAYS:
            day += timedelta(days=1)
        if day > date(self.state.year, 12, 31):  # no source open after the run
            return None
        slot = referral.serial % SOURCE_SLOTS
        return at(day, 0, 0) + timedelta(minutes=SOURCE_STARTS + slot * SOURCE_SLOT_MINUTES)


def clinic(department: str) -> str:
    """A hospital's clinic of a department, as its specialist source names it."""
    return department.replace(" ", "-")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
