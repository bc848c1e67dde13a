"""The simulation never sends a referral step stamped before the step it follows: the referral
service refuses those (it once accepted at 11:00 referrals issued at 14:00 the same day)."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime
from typing import Any

from fdcs.simulation.area import county
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

    async def call(self, service: str, method: str, path: str, who: Any, at: datetime, *_: Any, **__: Any) -> Any:
        self.sent.append((path, at))
        return {"referral_id": "ref-1"} if path == "/referrals" else {}


def care() -> tuple[Care, RecordingPlatform]:
    rng = random.Random(7)
    area = county("440183", 50, rng)
    people = residents(50, list(area.townships), 2026, rng)
    platform = RecordingPlatform()
    state = State(seed=7, residents=50, year=2026)
    team = area.teams[0]
    state.contracts["0"] = Held("c-1", "r_x", team.team_id, team.doctors[0], "2026-01-06", "2027-01-05", 1)
    lives = [life(p, 7, date(2025, 4, 1), 2026) for p in people]
    return Care(platform, area, people, lives, state, date(2025, 4, 1)), platform


def test_every_step_of_a_referral_on_the_day_it_is_issued_is_sent_after_it() -> None:
    simulated, platform = care()
    asyncio.run(simulated.refer(simulated.residents[0], DAY))
    referral = Referral("ref-1", 0, "H3", "cardiology", simulated.day_of(DAY))
    for step in ("accept", "decline", "complete", "down-refer", "acknowledge-down-referral"):
        asyncio.run(simulated.referral_step(referral, step, DAY))

    (issued_path, issued_at), *steps = platform.sent
    assert issued_path == "/referrals" and len(steps) == 5
    assert all(at > issued_at for _, at in steps), steps
