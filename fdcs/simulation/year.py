"""A county's year, day by day: each day's acts run concurrently, one resident's in order (and one
township's that take or free a team's places, unless its teams have room for all: places.py)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, timedelta
from functools import cached_property, partial

from fdcs.simulation.care import Referral
from fdcs.simulation.devices import Devices
from fdcs.simulation.places import Act, Places, Queue
from fdcs.simulation.population import Resident


class Year(Devices):
    """From 1 December of the year before (the contracts already running when the year starts)
    to 31 December of the year; the appraisal and the money are for the year itself."""

    _calendar: dict[int, list[tuple[str, Resident]]]

    @cached_property
    def places(self) -> Places:
        return Places(self)

    @property
    def days(self) -> int:
        return (date(self.state.year, 12, 31) - self.start).days + 1

    async def run_day(self, n: int, concurrency: int) -> None:
        d = self.start + timedelta(days=n)
        self.claims_today = []  # a day run again (after an interruption) claims its care again, once
        if n == 0:
            await self.register_teams()
        await self.publish_schedules(n, concurrency)
        acts = self._acts_of(n, d)
        places = [a for a in acts if a[0] in self.township_teams]
        await self._run_all(await self.places.side_by_side(places, d), concurrency)  # places first
        await self._run_all([a for a in acts if a[0] not in self.township_teams], concurrency)
        agenda, done = self.state.agenda.get(str(n), []), 0
        while done < len(agenda):  # what today's acts booked for later today, too
            todo, done = agenda[done:], len(agenda)
            acts = [self._agenda_act(entry, d) for entry in sorted(todo, key=lambda e: self._person_of(e).serial)]
            await self._run_all([a for a in acts if a[0] not in self.township_teams], concurrency)
            places = [a for a in acts if a[0] in self.township_teams]
            await self._run_all(await self.places.side_by_side(places, d), concurrency)  # renewals
        await self.daily_jobs(d)

    @staticmethod
    async def _run_all(acts: list[tuple[Queue, Act]], concurrency: int) -> None:
        queues: dict[Queue, list[Act]] = defaultdict(list)
        for queue, act in acts:
            queues[queue].append(act)
        limit = asyncio.Semaphore(concurrency)

        async def in_order(steps: list[Act]) -> None:
            async with limit:
                for step in steps:
                    await step()

        running = [asyncio.ensure_future(in_order(steps)) for steps in queues.values()]
        try:
            await asyncio.gather(*running)
        except BaseException:  # stopped: nothing goes on behind the checkpoint
            for task in running:
                task.cancel()
            raise

    def calendar(self) -> dict[int, list[tuple[str, Resident]]]:
        """The days people's lives bring something: signing, leaving, a referral."""
        days: dict[int, list[tuple[str, Resident]]] = defaultdict(list)
        for person, life in zip(self.residents, self.lives, strict=True):
            if life.signs_on is not None:
                days[self.day_of(life.signs_on)].append(("sign", person))
            if life.ends is not None:
                days[self.day_of(life.ends[0])].append((life.ends[1], person))
            for n in life.referral_days:
                days[n].append(("refer", person))
        return days

    def _acts_of(self, n: int, d: date) -> list[tuple[Queue, Act]]:
        """Signing and leaving by township, in serial order (the calendar's); the rest by resident,
        after them (a resident's signing is the first of their acts on a day, as in the calendar)."""
        acts: list[tuple[Queue, Act]] = []
        for what, person in sorted(self._calendar.get(n, []), key=lambda c: c[1].serial):
            if what == "sign":
                if self.current(person.serial) is None and str(person.serial) not in self.state.gone:
                    acts.append((person.township_code, partial(self.sign, person, d)))
            elif what == "refer":
                acts.append((person.serial, partial(self.refer, person, d)))
            else:
                acts.append((person.township_code, partial(self.leave, person, what, d)))
        return acts

    def _agenda_act(self, entry: list[object], d: date) -> tuple[Queue, Act]:
        kind, *args = entry
        person = self._person_of(entry)
        if kind == "plan":
            return person.serial, lambda: self.plan(person, str(args[1]), int(args[2]), d)  # type: ignore[call-overload]
        if kind == "visit":
            return person.serial, lambda: self.visit(person, str(args[1]), args[2], args[3], d)  # type: ignore[arg-type]
        if kind in ("book", "attend", "cancel", "move"):
            return person.serial, self._appointment_act(str(kind), person, args, d)
        if kind == "readings":
            return person.serial, lambda: self.readings(person, int(args[1]), d)  # type: ignore[call-overload]
        if kind == "rate":
            return person.serial, lambda: self.rate(person, str(args[1]), d)
        if kind == "renew":  # after the resident's other acts of the day, in serial order by township
            return person.township_code, partial(self.renew, person, str(args[1]), d)
        referral = Referral(str(args[0]), person.serial, str(args[3]), str(args[4]), int(args[5]))  # type: ignore[call-overload]
        return person.serial, partial(self.referral_step, referral, str(args[1]), d)

    def _appointment_act(self, kind: str, person: Resident, args: list[object], d: date) -> Act:
        if kind == "book":
            return lambda: self.book(person, str(args[1]), int(args[2]), int(args[3]), bool(args[4]), d)  # type: ignore[call-overload]
        ref, appointment, team, doctor = map(str, args[1:5])
        if kind == "attend":
            return lambda: self.attend(person, ref, appointment, team, doctor, bool(args[5]), d)
        to = (int(args[5]), int(args[6])) if kind == "move" else None  # type: ignore[call-overload]
        return lambda: self.change(person, ref, appointment, team, doctor, to, d)

    def _person_of(self, entry: list[object]) -> Resident:
        kind, *args = entry
        return self.residents[int(args[0] if kind != "ref" else args[2])]  # type: ignore[call-overload]
