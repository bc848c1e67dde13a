"""Appointments with the family doctor: each doctor's weekly sessions, published by the institution
when the run starts; residents (or their team) book a share of the visits, which are attended or missed."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from fdcs.simulation import people
from fdcs.simulation.acts import WAITS, at
from fdcs.simulation.area import Team
from fdcs.simulation.care import SESSION_DAYS, SESSION_STARTS, SLOT_MINUTES, SLOTS, Care
from fdcs.simulation.population import Resident

SPAN = 92  # a schedule covers at most 92 days after its first: the run's days in spans of it
AHEAD = 21  # days before its span a schedule is published
PLACES = 10  # per slot: residents of one doctor booking the same slot never fill it, so who books is the seed's
# The doctor's roster reaches health-records with signing's event: until then, not a member.
ROSTER_LATER = {"/problems/not-a-team-member", "/problems/forbidden"}


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

        await asyncio.gather(*(publish(team, doctor) for team in self.county.teams for doctor in team.doctors))

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
            entry = (held.resident_ref, booked["appointment_id"], held.team_id, held.doctor_id, missed)
            self.state.plan(visit_day, "attend", person.serial, *entry)

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


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
