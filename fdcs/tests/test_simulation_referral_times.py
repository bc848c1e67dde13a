"""The simulation never sends a referral step stamped before the step it follows: the referral
service refuses those (it once accepted at 11:00 referrals issued at 14:00 the same day)."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, timedelta
from typing import Any

from fdcs.simulation.area import county
from fdcs.simulation.bookings import Bookings
from fdcs.simulation.care import Care, Referral
from fdcs.simulation.life import life
from fdcs.simulation.platform import Platform
from fdcs.simulation.population import residents
from fdcs.simulation.state import Held, State

DAY = date(2026, 4, 1)


class RecordingPlatform(Platform):
    """Answers every call as done and keeps the moment each was sent at."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, datetime]] = []
        self.bodies: list[Any] = []

    async def call(self, service: str, method: str, path: str, who: Any, at: datetime, *more: Any, **__: Any) -> Any:
        self.sent.append((path, at))
        self.bodies.append(more[0] if more else None)
        return {"referral_id": "ref-1"} if path == "/referrals" else {}


def care(kind: type[Care] = Care) -> tuple[Care, RecordingPlatform]:
    rng = random.Random(7)
    area = county("440183", 50, rng)
    people = residents(50, list(area.townships), 2026, rng)
    platform = RecordingPlatform()
    state = State(seed=7, residents=50, year=2026)
    team = area.teams[0]
    state.contracts["0"] = Held("c-1", "r_x", team.team_id, team.doctors[0], "2026-01-06", "2027-01-05", 1)
    lives = [life(p, 7, date(2025, 4, 1), 2026) for p in people]
    return kind(platform, area, people, lives, state, date(2025, 4, 1)), platform


def test_every_step_of_a_referral_on_the_day_it_is_issued_is_sent_after_it() -> None:
    simulated, platform = care()
    asyncio.run(simulated.refer(simulated.residents[0], DAY))
    referral = Referral("ref-1", 0, "H3", "cardiology", simulated.day_of(DAY))
    for step in ("accept", "decline", "complete", "down-refer", "acknowledge-down-referral"):
        asyncio.run(simulated.referral_step(referral, step, DAY))

    (issued_path, issued_at), *steps = platform.sent
    assert issued_path == "/referrals" and len(steps) == 5
    assert all(at > issued_at for _, at in steps), steps


def test_a_specialist_place_booked_for_a_referral_is_the_appointment_the_hospital_names() -> None:
    simulated, platform = care(Bookings)
    issued = next(n for n in range(400, 500) if simulated.specialist_slot(Referral("ref-1", 0, "H3", "cardiology", n)))
    d = simulated.start + timedelta(days=issued)
    referral = Referral("ref-1", 0, "H3", "cardiology", issued)
    asyncio.run(simulated.book_specialist(referral, d))
    asyncio.run(simulated.referral_step(referral, "accept", d))

    (booking, booked_at), (_, accepted_at) = platform.sent
    assert booking == "/residents/r_x/appointments" and booked_at < accepted_at
    place, acceptance = platform.bodies
    assert place["referral_id"] == "ref-1" and place["institution_id"] == "H3" and place["doctor_id"] == "cardiology"
    assert acceptance["appointment_at"] == place["starts_at"] > accepted_at.isoformat()
