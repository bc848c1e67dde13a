"""How the simulation calls the platform: the county and its people, the run's state, draws
keyed by the simulation's own numbers, and calls counted or asked again until another
service has caught up."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Collection, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from fdcs.simulation.area import County, Team
from fdcs.simulation.life import Life
from fdcs.simulation.platform import Platform, Refused
from fdcs.simulation.population import Resident
from fdcs.simulation.state import Held, State
from shared.contracts.claims import ClaimRecorded

CHINA = timezone(timedelta(hours=8))
# What a service knows from another's events: a record signing opens, the team a contract gives
# access to, a contract referral notes. The simulation's actors are always the right ones.
KNOWN_LATER = {
    "/problems/record-not-found",
    "/problems/forbidden",
    "/problems/not-under-contract",
    "/problems/resident-not-contracted",
}
WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4)  # seconds: about 13 in all


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA)


class Caller:
    """What every act stands on. The year's acts are layered on it, each module a layer: `Office`
    (the administration), `Acts` (contracts), `Care`, `Bookings`, `Devices`, then `Year`."""

    def __init__(  # noqa: PLR0913
        self,
        platform: Platform,
        county: County,
        residents: list[Resident],
        lives: list[Life],
        state: State,
        start: date,
    ) -> None:
        self.platform, self.county, self.residents, self.lives = platform, county, residents, lives
        self.state, self.start = state, start
        self.teams = {t.team_id: t for t in county.teams}
        self.township_teams: dict[str, list[Team]] = {}
        for team in county.teams:
            self.township_teams.setdefault(team.area_code, []).append(team)
        self.claims_today: list[ClaimRecorded] = []  # sent at the day's end (an interrupted day: again)

    def day_of(self, d: date) -> int:
        return (d - self.start).days

    def rng(self, purpose: str, *numbers: int) -> random.Random:
        """A stream of draws named by the simulation's own numbers (serials, days, counters),
        never by an id the platform assigns (those differ from run to run): numbers only."""
        return random.Random(f"{self.state.seed}:{purpose}:" + ":".join(map(str, numbers)))

    async def tally(self, what: str, call: Awaitable[Any]) -> Any:
        """Make the call and count it as `what`, or as refused with the problem's type (then None)."""
        try:
            result = await call
        except Refused as refused:
            self.state.count(f"{what}: refused {refused.problem.get('type')}")
            return None
        self.state.count(what)
        return {} if result is None else result  # None means refused; an empty answer is done

    async def once_known(  # noqa: PLR0913
        self,
        service: str,
        method: str,
        path: str,
        who: Mapping[str, str | None],
        when: datetime,
        body: Any = None,
        *,
        step: str | None = None,
        waits: tuple[float, ...] = WAITS,
        known_later: Collection[str] = KNOWN_LATER,
    ) -> Any:
        """A call that needs another service's events: refused until they arrive, so asked
        again for a while in real time. Letting simulated days pass instead would make what
        the run does depend on how fast the platform is."""
        for tried, wait in enumerate(waits):
            try:
                return await self.platform.call(service, method, path, who, when, body, step, again=tried > 0)
            except Refused as refused:
                if refused.problem.get("type") not in known_later:
                    raise
            await asyncio.sleep(wait)
        if waits:
            self.state.count("calls the platform had not caught up with in time")
        return await self.platform.call(service, method, path, who, when, body, step, again=bool(waits))

    def current(self, serial: int, contract_id: str | None = None) -> Held | None:
        held = self.state.contracts.get(str(serial))
        if held is None or str(serial) in self.state.gone:
            return None
        return held if contract_id in (None, held.contract_id) else None
