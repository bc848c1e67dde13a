"""The care a contract brings: the plan's visits (some teams serve less), ratings, referrals."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from fdcs.simulation import people
from fdcs.simulation.acts import Acts
from fdcs.simulation.calling import WAITS, at
from fdcs.simulation.platform import Refused
from fdcs.simulation.population import Resident

UNITS = {
    "systolic_bp": "mmHg",
    "diastolic_bp": "mmHg",
    "fasting_glucose": "mmol/L",
    "hba1c": "%",
    "weight": "kg",
    "height": "cm",
    "heart_rate": "bpm",
    "temperature": "°C",
}
DEPARTMENTS = {
    "hypertension": "cardiology",
    "diabetes": "endocrinology",
    "tuberculosis": "respiratory medicine",
    "severe_mental_disorder": "psychiatry",
    "elderly": "geriatrics",
}
# A hospital may answer the day a referral is issued (its agenda runs after the referral): it
# answers later that day than the doctor referred, or the referral service refuses the step.
REFERRED_AT, ANSWERED_AT = 14, 16
# Each doctor's weekly morning sessions (Monday to Saturday, 8:00 to 10:00 local, quarter-hour slots):
# a third of visits is booked in one, a few of them missed. The visit itself is at 10:00, as ever.
BOOKED, MISSED = 1 / 3, 0.08
SESSION_DAYS = (1, 2, 3, 4, 5, 6)
SESSION_STARTS, SLOT_MINUTES, SLOTS = 8 * 60, 15, 8  # minutes after midnight; 8 slots to 10:00


class Referral(NamedTuple):
    referral_id: str  # the platform's
    serial: int
    hospital: str
    department: str
    issued: int  # the day: with the serial, the simulation's own name for the referral


class Care(Acts):
    async def plan(self, person: Resident, contract_id: str, attempt: int, d: date) -> bool:
        """The doctor reads the resident's plan and books its visits for the contract year
        (True once read)."""
        held = self.current(person.serial, contract_id)
        if held is None:
            return False
        team = self.teams[held.team_id]
        try:  # the record opens when signing's event arrives
            plan = await self.once_known(
                "health-records",
                "GET",
                f"/residents/{held.resident_ref}/plan",
                people.doctor(team, held.doctor_id),
                at(d, 8),
            )
        except Refused:  # still not open: look again tomorrow
            if attempt < 5:
                self.state.plan(self.day_of(d) + 1, "plan", person.serial, contract_id, attempt + 1)
            return False
        self._book_visits(person, held.contract_id, plan["services"], team.quality, d)
        return True

    def _book_visits(
        self, person: Resident, contract_id: str, services: list[dict[str, Any]], quality: float, d: date
    ) -> None:
        held = self.current(person.serial, contract_id)
        assert held is not None
        rng = self.rng("visits", person.serial, held.number)
        starts, ends = date.fromisoformat(held.starts_on), date.fromisoformat(held.ends_on)
        first_year_end = min(ends, starts + timedelta(days=364))
        done = 0.35 + 0.6 * quality * (0.7 + 0.3 * person.engagement)  # some teams serve less
        visits: dict[date, tuple[list[str], set[str]]] = {}
        for service in services:
            times = int(service["times_per_year"])
            for k in range(times):
                day = starts + timedelta(days=int((k + rng.uniform(0.15, 0.85)) * 365 / times))
                if day <= d or day > first_year_end or rng.random() > done:
                    continue
                month = date(day.year, day.month, 1)  # one visit a month covers what is due in it
                items, kinds = visits.setdefault(month, ([], set()))
                items.append(service["item_code"])
                kinds.update(service["measurements"])
        for month, (items, kinds) in visits.items():
            day = max(month + timedelta(days=rng.randrange(25)), d + timedelta(days=1))
            measured = self._measure(person, sorted(kinds), quality, rng)
            self.state.plan(
                self._booked(person, contract_id, day, d), "visit", person.serial, contract_id, items, measured
            )

    def _booked(self, person: Resident, contract_id: str, day: date, d: date) -> int:
        """A share of visits is booked beforehand (drawn per resident and day, its own stream, so the
        visits drawn before appointments existed stay the same); a few of those are missed, and the
        doctor sees the resident a few days later instead. The day the visit happens on."""
        n = self.day_of(day)
        rng = self.rng("booking", person.serial, n)
        after_the_run = day > date(self.state.year, 12, 31)  # no sessions published then
        if rng.random() >= BOOKED or day.isoweekday() not in SESSION_DAYS or after_the_run:
            return n
        missed = rng.random() < MISSED
        booked_on = max(day - timedelta(days=rng.randrange(1, 15)), d + timedelta(days=1))
        slot = person.serial % SLOTS  # residents spread over the morning's slots
        self.state.plan(self.day_of(booked_on), "book", person.serial, contract_id, n, slot, missed)
        return n + rng.randrange(2, 8) if missed else n

    @staticmethod
    def _measure(person: Resident, kinds: list[str], quality: float, rng: random.Random) -> list[list[Any]]:
        controlled = rng.random() < 0.4 + 0.45 * quality
        hypertensive = "hypertension" in person.key_populations
        diabetic = "diabetes" in person.key_populations
        values = {
            "systolic_bp": rng.gauss(128, 8) if controlled or not hypertensive else rng.gauss(152, 10),
            "diastolic_bp": rng.gauss(80, 5) if controlled or not hypertensive else rng.gauss(95, 6),
            "fasting_glucose": rng.gauss(5.6, 0.4) if controlled or not diabetic else rng.gauss(8.6, 1.1),
            "weight": rng.gauss(62, 9),
            "height": rng.gauss(162, 8),
            "hba1c": rng.gauss(6.3, 0.6),
            "heart_rate": rng.gauss(74, 8),
            "temperature": rng.gauss(36.6, 0.2),
        }
        return [[k, round(values[k], 1), UNITS[k]] for k in kinds]

    async def visit(
        self, person: Resident, contract_id: str, items: list[str], measured: list[list[Any]], d: date
    ) -> None:
        held = self.current(person.serial, contract_id)
        if held is None or d > date.fromisoformat(held.ends_on):
            return
        team = self.teams[held.team_id]
        body = {
            "member_id": held.doctor_id,
            "place": "home" if person.serial % 4 == 0 else "clinic",
            "fulfils": items,
            "occurred_at": at(d, 10).isoformat(),
            "measurements": [{"kind": k, "value": v, "unit": u} for k, v, u in measured],
        }
        visited = await self.tally(
            "visits",
            self.once_known(
                "health-records",
                "POST",
                f"/residents/{held.resident_ref}/visits",
                people.doctor(team, held.doctor_id),
                at(d, 10),
                body,
                step=f"visit-{contract_id}-{d.isoformat()}",
            ),
        )
        if visited is not None:  # the institution claims the visit's outpatient care
            self.claim("own_outpatient", person.serial, d, held.resident_ref, team.institution_id, team.area_code)

    async def rate(self, person: Resident, contract_id: str, d: date) -> None:
        held = self.current(person.serial, contract_id)
        if held is None:
            return
        rng, quality = self.rng("rate", person.serial, held.number), self.teams[held.team_id].quality
        scores = [max(1, min(5, round(rng.gauss(2.2 + 2.8 * quality, 0.8)))) for _ in range(3)]
        body = {"team_id": held.team_id, "ability": scores[0], "attitude": scores[1], "responsiveness": scores[2]}
        await self.tally(
            "ratings",
            self.once_known(
                "health-records",
                "POST",
                f"/residents/{held.resident_ref}/ratings",
                people.resident(held.resident_ref),
                at(d, 20),
                body,
                step=f"rate-{contract_id}",
            ),
        )

    async def refer(self, person: Resident, d: date) -> None:
        held = self.current(person.serial)
        if held is None or date.fromisoformat(held.starts_on) > d:
            return
        rng, life = self.rng("refer", person.serial, self.day_of(d)), self.lives[person.serial]
        condition = next((t for t in person.key_populations if t in DEPARTMENTS), "elderly")
        hospitals = list(self.county.secondary_hospitals + self.county.tertiary_hospitals)
        chosen = {self.county.secondary_hospitals[0], self.county.tertiary_hospitals[0]} if life.combined else set()
        hospital = rng.choice(sorted(chosen)) if chosen and rng.random() < 0.6 else rng.choice(hospitals)
        priority = "green_channel" if hospital in chosen and rng.random() < 0.4 else rng.choice(["routine", "urgent"])
        body = {
            "patient": {"identity_number": person.identity_number, "name": person.name},
            "hospital_id": hospital,
            "department": DEPARTMENTS[condition],
            "priority": priority,
            "reason": f"{condition.replace('_', ' ')} needs a specialist's review",
            "clinical_summary": "Not controlled on the current treatment; see the attached record.",
        }
        team = self.teams[held.team_id]
        in_force = d <= date.fromisoformat(held.ends_on)  # then referral is to know the contract
        issued = await self.tally(
            "referrals issued",
            self.once_known(
                "referral",
                "POST",
                "/referrals",
                people.doctor(team, held.doctor_id),
                at(d, REFERRED_AT),
                body,
                step=f"refer-{person.serial}-{self.day_of(d)}",
                waits=WAITS if in_force else (),
            ),
        )
        if issued is None:
            return
        referral = Referral(issued["referral_id"], person.serial, hospital, DEPARTMENTS[condition], self.day_of(d))
        self._answer(referral, d, rng)
        await self.book_specialist(referral, d)

    async def book_specialist(self, referral: Referral, d: date) -> None:
        """A place in the hospital's specialist source for the referral: where appointments are made."""

    def specialist_slot(self, referral: Referral) -> datetime | None:
        """When the place booked for the referral starts, if one was: where appointments are made."""
        return None

    def _answer(self, referral: Referral, d: date, rng: random.Random) -> None:
        """How the hospital will answer: most accept within days, some decline, a few let it lapse."""
        draw, n = rng.random(), self.day_of(d)
        entry = (referral.referral_id, referral.serial, referral.hospital, referral.department, referral.issued)
        if draw < 0.85:
            self.state.plan(n + rng.choice((0, 1, 1, 2, 3)), "ref", entry[0], "accept", *entry[1:])
        elif draw < 0.93:
            self.state.plan(n + rng.randrange(2), "ref", entry[0], "decline", *entry[1:])

    async def referral_step(self, referral: Referral, step: str, d: date) -> None:
        referral_id, serial, hospital, department, issued = referral
        rng, n = self.rng(f"referral {step}", serial, issued), self.day_of(d)
        path, who, follow = f"/referrals/{referral_id}/{step}", people.hospital(hospital), None
        body: dict[str, Any] = {}
        if step == "accept":
            body, follow = self._accepted(referral, d, rng)
        elif step == "decline":
            body = {"reason": "no appointment available this week; please refer elsewhere"}
        elif step == "complete":
            body = {"summary_kind": rng.choice(("consultation", "discharge")), "summary": "Treatment adjusted."}
            follow = (n, "down-refer") if rng.random() < 0.4 else None
        elif step == "down-refer":
            body = {
                "purpose": rng.choice(("rehabilitation", "follow_up")),
                "instructions": "Weekly checks for a month.",
            }
            follow = (n + rng.randrange(1, 4), "acknowledge-down-referral")
        else:
            held = self.current(serial)
            if held is None:
                return
            who = people.doctor(self.teams[held.team_id], held.doctor_id)
        done = await self.tally(
            f"referrals {step}",
            self.platform.call("referral", "POST", path, who, at(d, ANSWERED_AT), body, step=f"{step}-{referral_id}"),
        )
        if done is not None and step == "complete":  # the hospital claims the referred care
            self._claim_referred(referral, d)
        if done is not None and follow is not None:
            self.state.plan(follow[0], "ref", referral_id, follow[1], serial, hospital, department, issued)

    def _accepted(self, referral: Referral, d: date, rng: random.Random) -> tuple[dict[str, Any], tuple[int, str]]:
        """The hospital's acceptance names the specialist place booked for the referral, if one is
        still ahead, else a morning of its own within the week; it completes within days of it."""
        seen, when = rng.randrange(1, 8), self.specialist_slot(referral)
        if when is None or when <= at(d, ANSWERED_AT):
            when = at(d + timedelta(days=seen), 9)
        body = {"appointment_at": when.isoformat(), "department": referral.department}
        body["doctor"] = f"Dr {rng.choice('WLZCY')}"
        return body, (self.day_of(when.date()) + rng.randrange(4), "complete")

    def _claim_referred(self, referral: Referral, d: date) -> None:
        held = self.current(referral.serial)
        if held is not None:
            hospital, area, ref = referral.hospital, self.county.code, held.resident_ref
            self.claim("referred_care", referral.serial, d, ref, hospital, area, referral_id=referral.referral_id)
