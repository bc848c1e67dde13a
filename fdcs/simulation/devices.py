"""Residents' devices: some hypertension and diabetes residents link a monitor once their plan is
read, and it posts a few readings a month in the compact form, some out of their target."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from fdcs.simulation import people
from fdcs.simulation.bookings import Bookings
from fdcs.simulation.calling import at
from fdcs.simulation.population import Resident
from fdcs.simulation.state import Held

LINKS = 0.3  # the share of hypertension and diabetes residents who link a device
MONITORED = ("hypertension", "diabetes")


class Devices(Bookings):
    async def plan(self, person: Resident, contract_id: str, attempt: int, d: date) -> bool:
        read = await super().plan(person, contract_id, attempt, d)
        held = self.current(person.serial, contract_id)
        if read and held is not None and self._links(person, d):
            await self.link_device(person, held, d)
        return read

    def _links(self, person: Resident, d: date) -> bool:
        """Drawn once per resident; linked on an earlier day, not again (today: the day is run again)."""
        linked = self.state.devices.get(str(person.serial))
        if linked is not None and linked[2] != self.day_of(d):
            return False
        monitored = any(t in person.key_populations for t in MONITORED)
        return monitored and self.rng("device", person.serial).random() < LINKS

    async def link_device(self, person: Resident, held: Held, d: date) -> None:
        kind = "bp_monitor" if "hypertension" in person.key_populations else "glucose_meter"
        linked = await self.tally(
            "devices linked",
            self.once_known(
                "health-records",
                "POST",
                f"/residents/{held.resident_ref}/devices",
                people.resident(held.resident_ref),
                at(d, 18),
                {"kind": kind},
                step=f"device-{person.serial}",
            ),
        )
        if linked is None:
            return
        known = self.state.devices.get(str(person.serial))
        secret = linked.get("secret") or (known[1] if known else None)  # a replayed link shows no secret
        if secret is None:  # linked by a run whose checkpoint was lost: its secret with it
            self.state.count("devices without their secret")
            return
        self.state.devices[str(person.serial)] = [linked["device_id"], secret, self.day_of(d)]
        first = self.day_of(d) + 15 + self.rng("readings from", person.serial).randrange(10)  # after two weeks' use
        self.state.plan(first, "readings", person.serial, 0)

    async def readings(self, person: Resident, month: int, d: date) -> None:
        """A month's readings in one batch (the device's gateway sends what it measured since)."""
        held, device = self.current(person.serial), self.state.devices.get(str(person.serial))
        if held is None or device is None:
            return
        rng = self.rng("readings", person.serial, month)
        quality = self.teams[held.team_id].quality
        # Measured on simulated days, weekly back from today, never before the device was linked.
        linked = self.start + timedelta(days=int(device[2]))
        days = [d - timedelta(days=7 * k) for k in range(rng.randint(2, 4))]
        items = [r for day in days if day >= linked for r in self._measured(person, day, quality, rng)]
        sent = await self.tally(
            "reading batches",
            self.platform.call(
                "health-records",
                "POST",
                f"/devices/{device[0]}/readings",
                people.device(device[1]),
                at(d, 9),  # after the morning's measurement: else a reading from the future, flagged
                {"readings": items},
            ),
        )
        if sent is not None:
            self.state.count("readings sent", len(items))
        following = d + timedelta(days=rng.randrange(25, 36))
        if following <= date(self.state.year, 12, 31):  # none after the year
            self.state.plan(self.day_of(following), "readings", person.serial, month + 1)

    @staticmethod
    def _measured(person: Resident, d: date, quality: float, rng: random.Random) -> list[dict[str, Any]]:
        """A morning's measurement: out of target as often as the team's care leaves it (as at visits)."""
        controlled = rng.random() < 0.4 + 0.45 * quality
        when = at(d, 7, rng.randrange(60)).isoformat()
        if "hypertension" in person.key_populations:
            systolic, diastolic = (
                (rng.gauss(128, 8), rng.gauss(80, 5)) if controlled else (rng.gauss(152, 10), rng.gauss(95, 6))
            )
            return [
                {"kind": "systolic", "value": round(systolic), "unit": "mmHg", "measured_at": when},
                {"kind": "diastolic", "value": round(diastolic), "unit": "mmHg", "measured_at": when},
                {"kind": "heart_rate", "value": round(rng.gauss(74, 8)), "unit": "bpm", "measured_at": when},
            ]
        glucose = rng.gauss(5.6, 0.4) if controlled else rng.gauss(8.6, 1.1)
        return [{"kind": "glucose", "value": round(glucose, 1), "unit": "mmol/L", "measured_at": when, "fasting": True}]
