"""What people do through the platform's APIs about their contracts: sign, renew, leave, switch.
Their care (visits, referrals, ratings, bookings, devices) builds on these in `care.py` on."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fdcs.simulation import people
from fdcs.simulation.area import Team
from fdcs.simulation.calling import at
from fdcs.simulation.office import Office
from fdcs.simulation.platform import Refused
from fdcs.simulation.population import Resident
from fdcs.simulation.state import Held

FULL = {"/problems/team-full", "/problems/doctor-full"}


class Acts(Office):
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
