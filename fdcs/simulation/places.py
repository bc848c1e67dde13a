"""A township's acts that take or free a team's places, side by side when no order can matter.

They run one after the other, in serial order, because they may compete for the last place of a
full team: who gets it is then the seed's doing. Most days no team is near full: when signing says
that every team and doctor has room for all the places the township's acts of the day may take,
each act takes the first team it tries whatever the order, so they run side by side (and signing
decides them together, in one commit) with the same outcome. A large county signs thousands of
residents in its spring campaign: one at a time per township, they took most of the run.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from fdcs.simulation import people
from fdcs.simulation.calling import at
from fdcs.simulation.platform import Refused

if TYPE_CHECKING:
    from fdcs.simulation.devices import Devices

Act = Callable[[], Awaitable[object]]
# Whose acts run one after the other: a resident's (by serial), or, for acts that take or free a
# team's places (signing, leaving, switching, renewing), a township's (by its code). Those compete
# for the last place of a full team, and a township's residents sign only with its teams: in
# resident-serial order, one after the other, who gets the place is the seed's doing, not the
# order the platform's answers happen to come in. Townships still run side by side.
Queue = int | str
# Fewer acts than this run one after the other: reading the teams first would cost as much.
SIDE_BY_SIDE_FROM = 3


class Places:
    def __init__(self, year: Devices) -> None:
        self.year = year

    async def side_by_side(self, acts: list[tuple[Queue, Act]], d: date) -> list[tuple[Queue, Act]]:
        """The acts, each township's in a queue per resident where its teams have room for all of them."""
        townships: dict[Queue, list[tuple[Queue, Act]]] = {}
        for queue, act in acts:
            townships.setdefault(queue, []).append((queue, act))
        roomy = await asyncio.gather(*(self._roomy(its, d) for its in townships.values()))
        return [a for its, own in zip(townships.values(), roomy, strict=True) for a in (own or its)]

    async def _roomy(self, acts: list[tuple[Queue, Act]], d: date) -> list[tuple[Queue, Act]] | None:
        """The acts in queues of their residents, or None: their order may matter (or they are few)."""
        wanted: Counter[str] = Counter()
        serials = []
        for _, act in acts:
            if not isinstance(act, partial) or (places := self._wanted(act)) is None:
                return None
            wanted.update(places)
            serials.append(act.args[0].serial)
        if len(acts) < SIDE_BY_SIDE_FROM or len(set(serials)) < len(serials):  # a resident's two: in turn
            return None
        if wanted and not await self._room_for(wanted, d):
            return None
        return [(serial, act) for serial, (_, act) in zip(serials, acts, strict=True)]

    def _wanted(self, act: partial[Any]) -> list[str] | None:
        """The team and doctor whose place the act may take (none: it only frees one), or None: unknown."""
        year, person = self.year, act.args[0]
        if act.func == year.sign:
            team = year.teams_to_try(person)[0]
            return [team.team_id, team.doctors[person.serial % len(team.doctors)]]
        held = year.current(person.serial)
        if act.func == year.renew:
            return [] if held is None else [held.team_id, held.doctor_id]
        if act.func != year.leave:
            return None
        if act.args[1] != "switched_team" or held is None:
            return []
        others = [t for t in year.township_teams[person.township_code] if t.team_id != held.team_id]
        if not others:
            return []
        switched_to = others[person.serial % len(others)]  # as the switch chooses
        return [switched_to.team_id, switched_to.doctors[0]]

    async def _room_for(self, wanted: Counter[str], d: date) -> bool:
        """Whether each team and doctor has at least the places wanted of it free, as signing says."""
        teams = sorted(place for place in wanted if place in self.year.teams)
        calls = (self.year.platform.call("signing", "GET", f"/teams/{t}", people.ADMIN, at(d, 8)) for t in teams)
        read = await asyncio.gather(*calls, return_exceptions=True)
        if any(isinstance(team, Refused) for team in read):  # not known there: one after the other, as ever
            return False
        free: dict[str, int] = {}
        for team in read:
            if isinstance(team, BaseException):
                raise team
            free[team["team_id"]] = team["resident_cap"] - team["places_taken"]
            for member in team["members"]:
                if member.get("resident_cap") is not None and member.get("residents") is not None:
                    free[member["member_id"]] = member["resident_cap"] - member["residents"]
        return all(free.get(place, n) >= n for place, n in wanted.items())
