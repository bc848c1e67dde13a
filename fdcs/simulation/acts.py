"""What people do through the platform's APIs: sign, serve, refer, rate, renew, leave."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Collection, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from fdcs.simulation import people
from fdcs.simulation.area import County, Team
from fdcs.simulation.life import Life
from fdcs.simulation.platform import Platform, Refused
from fdcs.simulation.population import Resident
from fdcs.simulation.state import Held, State
from shared.contracts.claims import ClaimRecorded

CHINA = timezone(timedelta(hours=8))
FULL = {"/problems/team-full", "/problems/doctor-full"}
# What a service knows from another's events: a record signing opens, the team a contract gives
# access to, a contract referral notes. The simulation's actors are always the right ones.
KNOWN_LATER = {
    "/problems/record-not-found",
    "/problems/forbidden",
    "/problems/not-under-contract",
    "/problems/resident-not-contracted",
}
WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4)  # seconds: about 13 in all
# A close waits for billing's consumer (refused until then), and billing's inputs come from these.
INPUTS_NOT_IN = "/problems/inputs-not-caught-up"
FEEDING_BILLING = ("signing", "referral", "appraisal")
CLOSE_WAITS = (*WAITS, *(5.0,) * 57)  # up to 5 minutes more: a busy machine, a consumer far behind
# Performance pay waits for billing to have noted each team's published appraisal result.
NOT_PUBLISHED = "/problems/appraisal-not-published"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA)


class Acts:
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

    async def register_teams(self) -> None:
        for team in self.county.teams:
            members = [{"member_id": d, "role": "family_doctor", "resident_cap": team.doctor_cap} for d in team.doctors]
            members += [{"member_id": m, "role": role} for m, role in team.others]
            body = {
                "team_id": team.team_id,
                "name": team.name,
                "institution_id": team.institution_id,
                "institution_kind": team.institution_kind,
                "area_code": team.area_code,
                "members": members,
                "resident_cap": team.cap,
            }
            await self.platform.call(
                "signing", "POST", "/teams", people.ADMIN, at(self.start, 8), body, step=f"team-{team.team_id}"
            )
        self.state.count("teams", len(self.county.teams))
        await self.register_population()

    async def register_population(self) -> None:
        """The population register of the county, per year: reference data the coverage divides by."""
        for year in (self.state.year - 1, self.state.year):
            on = date(year, 7, 1)
            tags = [people.key_populations(p, on) for p in self.residents]
            by_tag: dict[str, int] = {}
            for person_tags in tags:
                for tag in person_tags:
                    by_tag[tag] = by_tag.get(tag, 0) + 1
            body = {
                "population": len(self.residents),
                "key_population": sum(1 for t in tags if t),
                "by_key_population": by_tag,
            }
            await self.platform.call(
                "appraisal",
                "PUT",
                f"/population-register/{year}/{self.county.code}",
                people.ADMIN,
                at(self.start, 8),
                body,
                step=f"population-{year}",
            )

    async def finish(self) -> None:
        """After the year: December's settlement and capitation advance, the appraisal published in
        January, then the year's capitation reconciled and its performance pay distributed."""
        year = self.state.year
        await self.close(f"{year}-12", at(date(year + 1, 1, 1), 2))
        await self.advance(year, 12, at(date(year + 1, 1, 1), 3))
        await self.platform.call(
            "appraisal",
            "POST",
            f"/periods/{year}/publication",
            people.ADMIN,
            at(date(year + 1, 1, 5), 9),
            {"as_of": at(date(year + 1, 1, 5), 9).isoformat()},
            step=f"publish-{year}",
        )
        await self.tally(
            "capitation years reconciled",
            self.platform.call(
                "billing",
                "POST",
                f"/capitation-years/{year}/reconciliation",
                people.ADMIN,
                at(date(year + 1, 1, 5), 10),
                step=f"capitation-{year}",
            ),
        )
        await self.performance_pay(year, at(date(year + 1, 1, 6), 9))

    async def advance(self, year: int, month: int, when: datetime) -> None:
        """A month of the year over (its close done, so billing has every contract of it): the
        insurance fund's capitation advance of that month to each institution."""
        await self.tally(
            "capitation advances",
            self.platform.call(
                "billing",
                "POST",
                f"/capitation-years/{year}/advances/{month}",
                people.ADMIN,
                when,
                step=f"advance-{year}-{month:02d}",
            ),
        )

    async def performance_pay(self, year: int, when: datetime) -> None:
        """Once billing has the teams' published appraisal (it comes on Kafka): asked again, as
        tries and not as requests, until no team in scope is still awaiting it, or a while has passed."""
        for service in ("appraisal", "health-records"):  # the results, and the members' services credited
            await self._outbox_sent(service)
        paid = await self.tally(
            "performance pay distributed",
            self.once_known(
                "billing",
                "POST",
                f"/performance-pay/{year}",
                people.ADMIN,
                when,
                step=f"performance-{year}",
                waits=CLOSE_WAITS,
                known_later={NOT_PUBLISHED, INPUTS_NOT_IN},
            ),
        )
        for tried, wait in enumerate(WAITS):
            if paid is None or not paid.get("awaiting_appraisal"):
                return
            await asyncio.sleep(wait)
            paid = await self.platform.call(
                "billing", "POST", f"/performance-pay/{year}", people.ADMIN, when, step=f"performance-{year}-{tried}",
                again=True,
            )  # fmt: skip

    async def close(self, period: str, when: datetime) -> None:
        """A month's close, settling on everything the month brought, whatever the platform's
        speed: first every service feeding billing has put on Kafka what it recorded (the
        month's acts are all done by now), then billing refuses the close until its consumer
        has applied it (409 inputs-not-caught-up), and it is asked again."""
        for service in FEEDING_BILLING:
            await self._outbox_sent(service)
        await self.once_known(
            "billing",
            "POST",
            "/settlement-periods/close",
            people.ADMIN,
            when,
            {"period": period},
            step=f"close-{period}",
            waits=CLOSE_WAITS,
            known_later={INPUTS_NOT_IN},
        )

    async def _outbox_sent(self, service: str) -> None:
        outbox = await self.platform.call(service, "GET", "/health/outbox", people.ADMIN, None)
        end = outbox["log_end"]
        for wait in CLOSE_WAITS:
            if outbox["published_through"] >= end:
                return
            await asyncio.sleep(wait)
            outbox = await self.platform.call(service, "GET", "/health/outbox", people.ADMIN, None, again=True)
        raise RuntimeError(f"{service} did not publish its events to Kafka: is its relay running?")

    def teams_to_try(self, person: Resident) -> list[Team]:
        """The township's teams in the order the resident tries them: from one drawn by serial."""
        teams = self.township_teams[person.township_code]
        first = self.rng("team", person.serial).randrange(len(teams))
        return teams[first:] + teams[:first]

    async def sign(self, person: Resident, d: date) -> None:
        life = self.lives[person.serial]
        for team in self.teams_to_try(person):
            doctor_id = team.doctors[person.serial % len(team.doctors)]
            tags = people.key_populations(person, d)
            body: dict[str, Any] = {
                "resident": {
                    "identity_number": person.identity_number,
                    "name": person.name,
                    "area_code": person.township_code,
                    "key_populations": tags,
                    "medical_assistance": person.assistance,
                    "insurance_bureau_id": self.county.bureau_id,
                },
                "team_id": team.team_id,
                "doctor_id": doctor_id,
                "packages": people.packages(tags),
                "term_years": life.term_years,
                "starts_on": d.isoformat(),
            }
            if life.combined:
                body["combined_signing"] = {
                    "secondary_hospital_id": self.county.secondary_hospitals[0],
                    "tertiary_hospital_id": self.county.tertiary_hospitals[0],
                }
            try:
                signed = await self.platform.call(
                    "signing",
                    "POST",
                    "/contracts",
                    people.doctor(team, doctor_id),
                    at(d, 9),
                    body,
                    step=f"sign-{person.serial}-{team.team_id}",
                )
            except Refused as refused:
                if refused.problem.get("type") in FULL:
                    continue
                self.state.count(f"refused {refused.problem.get('type')}")
                return
            self.hold(person, signed, 1)
            self.state.count("contracts signed")
            return
        self.state.count("no team with room")

    def hold(self, person: Resident, contract: dict[str, Any], number: int) -> None:
        held = Held(
            contract["contract_id"],
            contract["resident_ref"],
            contract["team_id"],
            contract["doctor_id"],
            contract["starts_on"],
            contract["ends_on"],
            number,
        )
        self.state.hold(person.serial, held)
        starts = date.fromisoformat(held.starts_on)
        self.state.plan(self.day_of(max(starts, self.start)) + 3, "plan", person.serial, held.contract_id, 0)
        life = self.lives[person.serial]
        if life.rates_on_day >= 0:
            self.state.plan(self.day_of(starts) + life.rates_on_day, "rate", person.serial, held.contract_id)
        if life.renews:
            lead = self.rng("renew", person.serial, number).randrange(3, 40)
            self.state.plan(
                self.day_of(date.fromisoformat(held.ends_on)) - lead, "renew", person.serial, held.contract_id
            )

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

    async def renew(self, person: Resident, contract_id: str, d: date) -> None:
        held = self.current(person.serial, contract_id)
        if held is None:
            return
        team = self.teams[held.team_id]
        new_start = date.fromisoformat(held.ends_on) + timedelta(days=1)
        tags = people.key_populations(person, new_start)
        body = {"key_populations": tags, "packages": people.packages(tags)}
        renewed = await self.tally(
            "contracts renewed",
            self.platform.call(
                "signing",
                "POST",
                f"/contracts/{contract_id}/renewal",
                people.doctor(team, held.doctor_id),
                at(d, 11),
                body,
                step=f"renew-{contract_id}",
            ),
        )
        if renewed is not None:
            self.hold(person, renewed, held.number + 1)

    async def leave(self, person: Resident, reason: str, d: date) -> None:
        """Death or moving away ends the contract; a switch moves it to another team nearby."""
        held = self.current(person.serial)
        if held is None or date.fromisoformat(held.starts_on) > d:
            return
        team = self.teams[held.team_id]
        if reason == "switched_team":
            await self._switch(person, held, d)
            return
        ended = await self.tally(
            f"contracts ended: {reason}",
            self.platform.call(
                "signing",
                "POST",
                f"/contracts/{held.contract_id}/termination",
                people.doctor(team, held.doctor_id),
                at(d, 15),
                {"reason": reason, "last_day": d.isoformat()},
                step=f"end-{held.contract_id}",
            ),
        )
        if ended is not None:
            self.state.leave(person.serial, reason)

    async def _switch(self, person: Resident, held: Held, d: date) -> None:
        others = [t for t in self.township_teams[person.township_code] if t.team_id != held.team_id]
        if not others:
            return
        team = others[person.serial % len(others)]
        switched = await self.tally(
            "contracts switched",
            self.platform.call(
                "signing",
                "POST",
                f"/contracts/{held.contract_id}/switch",
                people.resident(held.resident_ref),
                at(d, 16),
                {"team_id": team.team_id, "doctor_id": team.doctors[0], "starts_on": d.isoformat()},
                step=f"switch-{held.contract_id}",
            ),
        )
        if switched is not None:
            self.hold(person, switched, held.number + 1)

    async def send_claims(self) -> None:
        """The day's outpatient claims, in claim-id order, before the day's jobs (a close waits for them)."""
        claims, self.claims_today = sorted(self.claims_today, key=lambda c: c.claim_id), []
        if self.platform.claims is not None and claims:
            await self.platform.claims.send(claims)
            self.state.count("claims sent", len(claims))

    def claim(  # noqa: PLR0913
        self, kind: str, serial: int, d: date, ref: str, institution: str, area: str, **more: Any
    ) -> None:
        """A claim of the day, its id and amount the simulation's own: the resident's serial and the day."""
        if self.platform.claims is None:
            return
        # A visit's care 20 to 80 yuan, a hospital's 100 to 600: teams end the year either side of their budget.
        n, low, high = self.day_of(d), *((2_000, 8_000) if kind == "own_outpatient" else (10_000, 60_000))
        amount = self.rng(f"claim {kind}", serial, n).randrange(low, high, 10)  # whole jiao, as fees are
        self.claims_today.append(
            ClaimRecorded(
                claim_id=f"sim{self.state.seed}-{'op' if kind == 'own_outpatient' else 'rc'}-{serial}-{n}",
                institution_id=institution,
                area_code=area,
                resident_ref=ref,
                amount_fen=amount,
                service_date=d,
                kind=kind,
                recorded_at=at(d, 21),
                **more,
            )
        )

    async def daily_jobs(self, d: date) -> None:
        """What the CronJobs do at the end of each day: expire contracts and unanswered referrals;
        on a month's first day, close the month before and book its capitation advance."""
        await self.send_claims()
        n = self.day_of(d)
        await self.platform.call(
            "signing",
            "POST",
            "/contracts/expiries",
            people.ADMIN,
            at(d, 23, 30),
            {"as_of": d.isoformat(), "limit": 5000},
            step=f"expiries-{n}",
        )
        await self.platform.call(
            "referral",
            "POST",
            "/referrals/expire",
            people.ADMIN,
            at(d, 23, 40),
            {"as_of": at(d, 23, 40).isoformat(), "limit": 5000},
            step=f"referral-expiry-{n}",
        )
        if d.day == 1:
            last_month = d - timedelta(days=1)
            await self.close(f"{last_month:%Y-%m}", at(d, 2))
            self.state.count("periods closed")
            if last_month.year == self.state.year:  # the lead-in month is the year before's
                await self.advance(last_month.year, last_month.month, at(d, 3))
