"""A county's year of public events, as signing, health-records and referral publish them
for `python -m fdcs simulate` (20,000 residents by default): the benchmark's facts.

Shapes follow the simulation: townships of about 5,000 residents, centre teams of two
doctors capped at 2,000 and village clinics of one capped at 800; three in four residents
sign a one-year contract between 1 April of the year before and October, most renew; one
visit a month covers the package items due in it (some teams serve less); half the
residents rate their team; one in sixteen is referred to hospital. About half the visits were
booked some days ahead (a few moved), and some referrals carry a specialist-source place; those
draw from a random generator of their own, so the other facts stay as they were. Seeded: the
same arguments give the same events.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shared.contracts import Envelope, parse_event, topics
from shared.messaging import Delivery

CHINA = ZoneInfo("Asia/Shanghai")
FIXTURES = Path(topics.__file__).with_name("fixtures")
PACKAGES = {
    "basic": [("health_record_update", 1), ("health_assessment", 1), ("health_education", 2)],
    "hypertension": [("hypertension_follow_up", 4), ("health_check", 1)],
    "diabetes": [("diabetes_follow_up", 4), ("health_check", 1)],
}
READINGS = {"hypertension_follow_up": ("systolic_bp", "diastolic_bp"), "diabetes_follow_up": ("fasting_glucose",)}
Team = tuple[str, str, str]  # team, institution, township


class Year:
    def __init__(self, county: str, residents: int, year: int, seed: int = 7, first: int = 0) -> None:
        """`first`: the first resident's serial (the counties of one city must not share residents)."""
        self.county, self.residents, self.year, self.serials = county, residents, year, first
        self.rng, self.first = random.Random(seed), date(year - 1, 4, 1)
        self.booking = random.Random(seed + 1)  # appointments and specialist slots
        self.horizon = date(year, 12, 31)
        self.events: list[tuple[datetime, str, str, dict[str, Any]]] = []  # known at, type, key, data
        self.tagged: dict[str, int] = defaultdict(int)

    def teams(self) -> list[Team]:
        townships = [f"{self.county}{100 + i:03d}" for i in range(max(2, -(-self.residents // 5000)))]
        found = []
        for i, township in enumerate(townships):
            found += [(f"T-{township}-{n:02d}", f"CHC-{township}", township) for n in (1, 2, 3)]
            if i >= len(townships) * 2 // 5:  # rural: village clinics too
                found += [(f"T-{township}-V{n}", f"VC-{township}-{n}", township) for n in (1, 2)]
        return found

    def deliveries(self) -> list[Delivery]:
        teams = self.teams()
        for t in teams:
            doctors = 1 if "-V" in t[0] else 2
            members = [
                {"member_id": f"{t[0]}-doc{d}", "role": "family_doctor", "resident_cap": None} for d in range(doctors)
            ]
            self._event(_at(self.first - timedelta(days=14), 9), "signing.TeamRegistered", t[0], t, members=members)
        quality = {t[0]: self.rng.betavariate(5, 2) for t in teams}
        for serial in range(self.residents):
            self._resident(serial, teams, quality)
        self.events.sort(key=lambda e: e[0])
        offsets = count()
        return [_delivered(known, kind, key, data, next(offsets)) for known, kind, key, data in self.events]

    def _resident(self, serial: int, teams: list[Team], quality: dict[str, float]) -> None:
        rng = self.rng
        age = rng.choices((rng.randint(0, 6), rng.randint(7, 17), rng.randint(18, 64), rng.randint(65, 95)),
                          (0.075, 0.11, 0.68, 0.135))[0]  # fmt: skip
        chronic = 0.0 if age < 18 else min(0.9, 0.25 * age / 45)
        tags = [t for t, yes in (("elderly", age >= 65), ("children", age <= 6),
                                 ("hypertension", rng.random() < chronic), ("diabetes", rng.random() < chronic * 0.45))
                if yes]  # fmt: skip
        for tag in tags:
            self.tagged[tag] += 1
        self.tagged["any"] += bool(tags)
        if rng.random() > 0.75:
            return
        team = rng.choice([t for t in teams if t[2] == teams[serial % len(teams)][2]])
        starts = self.first + timedelta(days=rng.randrange(214 + 365 - 61))
        who = {"resident_ref": ref(self.serials + serial), "resident_area_code": team[2], "key_populations": tags}
        packages = ["basic"] + [t for t in tags if t in PACKAGES]
        contract = self._sign(team, who, packages, starts, None)
        while contract is not None:
            contract = self._live(team, who, packages, contract, quality[team[0]])

    def _sign(self, team: Team, who: dict[str, Any], packages: list[str], starts: date, renews: str | None) -> Any:
        contract_id, ends = str(uuid.UUID(int=self.rng.getrandbits(128))), _anniversary(starts) - timedelta(days=1)
        data = who | {"contract_id": contract_id, "starts_on": starts.isoformat(), "ends_on": ends.isoformat(),
                      "doctor_id": f"{team[0]}-doc0", "packages": [_package(p) for p in packages]}  # fmt: skip
        if renews is None:
            at = _at(starts, 10)
            self._event(at, "signing.ContractSigned", contract_id, team, **data, signed_at=at.isoformat())
        else:
            at = _at(starts - timedelta(days=10), 16)
            data |= {"renews_contract_id": renews, "renewed_at": at.isoformat()}
            self._event(at, "signing.ContractRenewed", contract_id, team, **data)
        return (contract_id, starts, ends)

    def _live(self, team: Team, who: dict[str, Any], packages: list[str], contract: Any, quality: float) -> Any:
        """A contract's year: its visits, perhaps a rating and a referral, then how it ends."""
        rng, (contract_id, starts, ends) = self.rng, contract
        last = ends
        if rng.random() < 0.02:
            last = starts + timedelta(days=rng.randrange(30, 330))
            ended = {"reason": "moved_away", "last_day": last.isoformat(), "terminated_at": _at(last, 11).isoformat()}
            self._event(_at(last, 11), "signing.ContractTerminated", contract_id, team, **_of(who), **ended,
                        contract_id=contract_id)  # fmt: skip
        self._visits(team, who, packages, contract_id, starts, min(last, self.horizon), quality)
        if rng.random() < 0.5:
            self._rate(team, who, contract_id, starts + timedelta(days=rng.randrange(20, 360)), quality)
        if rng.random() < 1 / 16:
            self._refer(team, who, starts + timedelta(days=rng.randrange(10, 360)))
        if last < ends or ends >= self.horizon:
            return None
        if rng.random() < 0.8:
            return self._sign(team, who, packages, ends + timedelta(days=1), contract_id)
        gone = _at(ends + timedelta(days=1), 0)
        self._event(gone, "signing.ContractExpired", contract_id, team, **_of(who), contract_id=contract_id,
                    last_day=ends.isoformat(), expired_at=gone.isoformat())  # fmt: skip
        return None

    def _visits(  # noqa: PLR0913
        self,
        team: Team,
        who: dict[str, Any],
        packages: list[str],
        contract_id: str,
        starts: date,
        last: date,
        quality: float,
    ) -> None:
        rng, done = self.rng, 0.35 + 0.6 * quality
        months: dict[date, list[str]] = defaultdict(list)
        for code, times in (i for p in packages for i in PACKAGES[p]):
            for k in range(times):
                day = starts + timedelta(days=int((k + rng.uniform(0.15, 0.85)) * 365 / times))
                if day <= last and rng.random() < done:
                    months[day.replace(day=1)].append(code)
        for month, items in sorted(months.items()):
            day = min(last, month + timedelta(days=rng.randrange(25)))
            readings = [_reading(kind, rng, quality) for code in items for kind in READINGS.get(code, ())]
            self._event(_at(day, 10), "health_records.VisitCompleted", f"v-{uuid.UUID(int=rng.getrandbits(128))}",
                        team, **_of(who), contract_id=contract_id, visit_id=str(uuid.UUID(int=rng.getrandbits(128))),
                        fulfils=items, measurements=readings, occurred_at=_at(day, 10).isoformat())  # fmt: skip
            if self.booking.random() < 0.5:
                self._appointment(team, who, _at(day, 9))

    def _appointment(self, team: Team, who: dict[str, Any], slot: datetime) -> None:
        """Booked a few days ahead (a few first for another day, then moved), attended at the visit."""
        rng, appointment_id = self.booking, str(uuid.UUID(int=self.booking.getrandbits(128)))
        first = slot + timedelta(days=rng.choice((0, 0, 0, 0, -1, 2)))
        booked = min(first, slot) - timedelta(days=rng.choice((0, 1, 2, 3, 5, 9)), hours=rng.randrange(1, 20))
        common = _of(who) | {"appointment_id": appointment_id, "doctor_id": f"{team[0]}-doc0"}
        self._booking(booked, "health_records.AppointmentBooked", team, first, **common, contracted=True,
                      booked_at=booked.isoformat(), referral_id=None)  # fmt: skip
        if first != slot:
            moved = booked + timedelta(hours=2)
            self._booking(moved, "health_records.AppointmentRescheduled", team, slot, **common, contracted=True,
                          previous_starts_at=first.isoformat(), rescheduled_at=moved.isoformat())  # fmt: skip
        came = slot + timedelta(hours=1, minutes=30)
        self._booking(came, "health_records.AppointmentAttended", team, slot, **common, recorded_at=came.isoformat())

    def _booking(self, known: datetime, kind: str, team: Team, slot: datetime, **data: Any) -> None:
        """An appointment names its team and the slot, not the area."""
        session = {"session_id": f"{team[1]}/{team[0]}-doc0:{slot.isoformat()}", "starts_at": slot.isoformat(),
                   "ends_at": (slot + timedelta(minutes=15)).isoformat()}  # fmt: skip
        if known.date() <= self.horizon:
            self.events.append((known, kind, data["resident_ref"], {"team_id": team[0], "institution_id": team[1]}
                                | session | data))  # fmt: skip

    def _rate(self, team: Team, who: dict[str, Any], contract_id: str, on: date, quality: float) -> None:
        if on > self.horizon:
            return
        scores = [max(1, min(5, round(self.rng.gauss(2.2 + 2.8 * quality, 0.8)))) for _ in range(3)]
        self._event(_at(on, 20), "health_records.ServiceRated", team[1], team, **_of(who), contract_id=contract_id,
                    rating_id=str(uuid.UUID(int=self.rng.getrandbits(128))), ability=scores[0], attitude=scores[1],
                    responsiveness=scores[2], rated_at=_at(on, 20).isoformat())  # fmt: skip

    def _refer(self, team: Team, who: dict[str, Any], on: date) -> None:
        rng, referral_id, issued = self.rng, str(uuid.UUID(int=self.rng.getrandbits(128))), _at(on, 14)
        if on > self.horizon:
            return
        common = _of(who) | {"referral_id": referral_id, "issued_at": issued.isoformat()}
        priority = rng.choice(("routine", "urgent", "green_channel"))
        self._event(issued, "referral.ReferralIssued", referral_id, team, **common, priority=priority,
                    expires_at=(issued + timedelta(days=7)).isoformat())  # fmt: skip
        draw, answered = rng.random(), issued + timedelta(hours=rng.choice((2, 20, 21, 45, 70)))
        if self.booking.random() < 0.4:  # the family doctor booked a specialist-source place for it
            booked, slot = issued + timedelta(minutes=20), _at(on + timedelta(days=self.booking.randrange(2, 10)), 9)
            self._event(booked, "referral.SpecialistSlotBooked", referral_id, team, **common,
                        appointment_id=f"a-{referral_id}", doctor_id="H3-4401-D017",
                        session_id=f"H3-4401/H3-4401-D017:{slot.isoformat()}", starts_at=slot.isoformat(),
                        ends_at=(slot + timedelta(minutes=20)).isoformat(), booked_at=booked.isoformat())  # fmt: skip
        if draw < 0.85:
            self._event(
                answered, "referral.ReferralAccepted", referral_id, team, **common, accepted_at=answered.isoformat()
            )
            done = answered + timedelta(days=rng.randrange(2, 9))
            self._event(done, "referral.ReferralCompleted", referral_id, team, **common, completed_at=done.isoformat())
        elif draw < 0.93:
            self._event(
                answered, "referral.ReferralDeclined", referral_id, team, **common, declined_at=answered.isoformat()
            )
        else:
            lapsed = issued + timedelta(days=7)
            self._event(lapsed, "referral.ReferralExpired", referral_id, team, **common, expired_at=lapsed.isoformat())
        if "hypertension" in who["key_populations"] and rng.random() < 0.5:
            self._event(issued, "health_records.LongPrescriptionIssued", referral_id, team, **_of(who),
                        prescription_id=f"p-{referral_id}", issued_on=on.isoformat())  # fmt: skip

    def late_visit(self, n: int, resident: int = 0, at: datetime | None = None) -> Delivery:
        """One more fact, recorded after everything else: a visit on 30 December unless `at` (the
        first resident's to the first team unless told another resident's)."""
        teams, at, visit = self.teams(), at or datetime(self.year, 12, 30, 15, tzinfo=CHINA), f"v-late-{n}"
        team = teams[resident % len(teams)]
        data = {"resident_ref": ref(self.serials + resident), "team_id": team[0], "institution_id": team[1],
                "area_code": team[2], "contract_id": None, "visit_id": visit, "fulfils": ["health_education"],
                "measurements": [], "occurred_at": at.isoformat()}  # fmt: skip
        return _delivered(at, "health_records.VisitCompleted", visit, data, len(self.events) + n)

    def late_rating(self, n: int, resident: int = 0, at: datetime | None = None) -> Delivery:
        """One more rating of the first team (all fives), recorded after everything else: on 30 December
        unless `at`. Only a resident's last rating of a team counts: one of a resident who never rated it adds one."""
        team, rating = self.teams()[0], f"rt-late-{n}"
        at = at or datetime(self.year, 12, 30, 20, tzinfo=CHINA)
        data = {"resident_ref": ref(self.serials + resident), "team_id": team[0], "institution_id": team[1],
                "area_code": team[2], "rating_id": rating, "ability": 5, "attitude": 5, "responsiveness": 5,
                "rated_at": at.isoformat()}  # fmt: skip
        return _delivered(at, "health_records.ServiceRated", rating, data, len(self.events) + n)

    def _event(self, known: datetime, kind: str, key: str, team: Team, **data: Any) -> None:
        if known.date() <= self.horizon:
            where = {"team_id": team[0], "institution_id": team[1], "area_code": team[2]}
            self.events.append((known, kind, key, where | data))


def ref(serial: int) -> str:
    """A valid pseudonymous resident ref of the serial."""
    return "r_" + f"{serial}".translate(str.maketrans("0123456789", "abcdefghij")).rjust(26, "z")


def _of(who: dict[str, Any]) -> dict[str, Any]:
    return {"resident_ref": who["resident_ref"]}


def _package(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "annual_fee_fen": 12000,
        "items": [{"code": c, "times_per_year": t} for c, t in PACKAGES[code]],
    }


def _reading(kind: str, rng: random.Random, quality: float) -> dict[str, Any]:
    controlled = rng.random() < 0.4 + 0.45 * quality
    normal, high = {"systolic_bp": (128, 152), "diastolic_bp": (80, 95), "fasting_glucose": (5.6, 8.6)}[kind]
    value = round(rng.gauss(normal if controlled else high, 0.06 * normal), 1)
    return {"kind": kind, "value": value, "unit": "mmol/L" if kind == "fasting_glucose" else "mmHg"}


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


def _anniversary(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


_GOLDEN: dict[str, dict[str, Any]] = {}
_TOPICS = {"signing.TeamRegistered": topics.TEAMS, "signing": topics.CONTRACTS,
           "health_records": topics.HEALTH_SERVICES, "referral": topics.REFERRALS}  # fmt: skip
_TOPICS |= {f"health_records.Appointment{kind}": topics.APPOINTMENTS for kind in ("Booked", "Rescheduled", "Attended")}


def _delivered(known: datetime, kind: str, key: str, data: dict[str, Any], offset: int) -> Delivery:
    """As the subscription hands it over: the golden event of the kind with this data."""
    if kind not in _GOLDEN:
        _GOLDEN[kind] = json.loads((FIXTURES / f"{kind}.v1.json").read_text())
    base = _GOLDEN[kind]
    envelope = Envelope.model_validate(
        base | {"id": str(uuid.uuid4()), "subject": key, "time": known.isoformat(), "data": base["data"] | data}
    )
    topic = _TOPICS.get(kind) or _TOPICS[kind.split(".")[0]]
    return Delivery(envelope, parse_event(envelope), topic.name, 0, offset)


def batches(deliveries: list[Delivery], size: int = 500) -> Iterator[list[Delivery]]:
    for start in range(0, len(deliveries), size):
        yield deliveries[start : start + size]
