"""What the county's administration and the platform's scheduled jobs do: register the teams
and the population, close each month, book the capitation advances, publish the appraisal,
pay for performance; and the day's outpatient claims the insurance sends."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from fdcs.simulation import people
from fdcs.simulation.calling import WAITS, Caller, at
from shared.contracts.claims import ClaimRecorded

# A close waits for billing's consumer (refused until then), and billing's inputs come from these.
INPUTS_NOT_IN = "/problems/inputs-not-caught-up"
FEEDING_BILLING = ("signing", "referral", "appraisal")
CLOSE_WAITS = (*WAITS, *(5.0,) * 57)  # up to 5 minutes more: a busy machine, a consumer far behind
# Performance pay waits for billing to have noted each team's published appraisal result.
NOT_PUBLISHED = "/problems/appraisal-not-published"


class Office(Caller):
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
