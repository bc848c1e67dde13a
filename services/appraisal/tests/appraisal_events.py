"""Public events for the appraisal's tests, made from the golden fixtures of the contracts,
as signing, health-records and referral publish them."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

from shared.contracts import Envelope, parse_event, topics
from shared.messaging import Delivery

FIXTURES = Path(topics.__file__).with_name("fixtures")
TOPIC_OF = {
    "signing.TeamRegistered": topics.TEAMS,
    "signing": topics.CONTRACTS,
    "health_records": topics.HEALTH_SERVICES,
    "referral": topics.REFERRALS,
    **{f"health_records.Appointment{k}": topics.APPOINTMENTS for k in ("Booked", "Rescheduled", "Attended")},
    **{f"health_records.Appointment{k}": topics.APPOINTMENTS for k in ("Cancelled", "Missed", "ReminderDue")},
}
_offsets = count()


def golden(type_name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{type_name}.v1.json").read_text())
    return loaded


def envelope(type_name: str, known_at: datetime | str | None = None, **data: Any) -> Envelope:
    """The golden event with these fields changed, a fresh id, recorded at `known_at`."""
    base = golden(type_name)
    time = known_at.isoformat() if isinstance(known_at, datetime) else known_at or base["time"]
    return Envelope.model_validate(base | {"id": str(uuid.uuid4()), "time": time, "data": base["data"] | data})


def topic_of(type_name: str) -> str:
    return (TOPIC_OF.get(type_name) or TOPIC_OF[type_name.split(".")[0]]).name


def delivered(type_name: str, known_at: datetime | str | None = None, **data: Any) -> Delivery:
    """As the subscription hands it over: decoded, with where it was read."""
    e = envelope(type_name, known_at, **data)
    return Delivery(e, parse_event(e), topic_of(type_name), 0, next(_offsets))


def again(d: Delivery) -> Delivery:
    """The same event delivered once more (at-least-once)."""
    return Delivery(d.envelope, d.event, d.topic, d.partition, d.offset)


def ref(n: int | str) -> str:
    """A valid pseudonymous resident ref."""
    return "r_" + f"{n}".translate(str.maketrans("0123456789", "abcdefghij")).rjust(26, "z")


BASIC = {
    "code": "basic",
    "annual_fee_fen": 12000,
    "items": [
        {"code": "health_record_update", "times_per_year": 1},
        {"code": "health_assessment", "times_per_year": 1},
        {"code": "health_education", "times_per_year": 2},
    ],
}
HYPERTENSION = {
    "code": "hypertension",
    "annual_fee_fen": 6000,
    "items": [{"code": "hypertension_follow_up", "times_per_year": 4}, {"code": "health_check", "times_per_year": 1}],
}


def by(team: tuple[str, str, str]) -> dict[str, str]:
    """The accountable team, institution and area every fact names."""
    return dict(zip(("team_id", "institution_id", "area_code"), team, strict=True))


def registered(team: tuple[str, str, str], *caps: int | None) -> Delivery:
    members = [{"member_id": f"doc-{i}", "role": "family_doctor", "resident_cap": c} for i, c in enumerate(caps)]
    return delivered("signing.TeamRegistered", "2025-01-01T09:00:00+08:00", **by(team), members=members)


def signed(  # noqa: PLR0913
    contract_id: str,
    resident: str,
    team: tuple[str, str, str],
    starts_on: str,
    ends_on: str,
    packages: tuple[dict[str, Any], ...] = (BASIC,),
    tags: tuple[str, ...] = (),
) -> Delivery:
    at = f"{starts_on}T09:00:00+08:00"
    return delivered(
        "signing.ContractSigned", at, **by(team), contract_id=contract_id, resident_ref=resident,
        resident_area_code=team[2] + "001", packages=list(packages), key_populations=list(tags),
        starts_on=starts_on, ends_on=ends_on, signed_at=at,
    )  # fmt: skip


def visited(
    visit_id: str, resident: str, contract_id: str, team: tuple[str, str, str], on: str, *fulfils: str
) -> Delivery:
    at = f"{on}T10:00:00+08:00"
    return delivered(
        "health_records.VisitCompleted", at, **by(team), visit_id=visit_id, resident_ref=resident,
        contract_id=contract_id, fulfils=list(fulfils), measurements=[], occurred_at=at,
    )  # fmt: skip


def rated(  # noqa: PLR0913
    rating_id: str,
    resident: str,
    team: tuple[str, str, str],
    on: str,
    scores: tuple[int, int, int],
    known: str | None = None,
) -> Delivery:
    at = f"{on}T20:00:00+08:00"
    ability, attitude, responsiveness = scores
    return delivered(
        "health_records.ServiceRated", known or at, **by(team), rating_id=rating_id, resident_ref=resident,
        ability=ability, attitude=attitude, responsiveness=responsiveness, rated_at=at,
    )  # fmt: skip


def referred(referral_id: str, resident: str, team: tuple[str, str, str], issued: str, accepted: str) -> list[Delivery]:
    common = {**by(team), "referral_id": referral_id, "resident_ref": resident, "issued_at": issued}
    return [
        delivered("referral.ReferralIssued", issued, **common, expires_at="2099-01-01T00:00:00+08:00"),
        delivered("referral.ReferralAccepted", accepted, **common, accepted_at=accepted),
    ]


def appointment(appointment_id: str, resident: str, team: tuple[str, str, str], booked: str, on: str) -> list[Delivery]:
    """Booked on `booked` for 9:30 on `on`, and attended."""
    slot, came = f"{on}T09:30:00+08:00", f"{on}T10:05:00+08:00"
    common = {"appointment_id": appointment_id, "resident_ref": resident, "team_id": team[0], "institution_id": team[1]}
    common |= {"session_id": f"{team[1]}/doc-1:{on}T08:00:00+08:00", "starts_at": slot}
    common["ends_at"] = f"{on}T09:45:00+08:00"
    at = f"{booked}T16:00:00+08:00"
    return [
        delivered("health_records.AppointmentBooked", at, **common, booked_at=at, contracted=True, referral_id=None),
        delivered("health_records.AppointmentAttended", came, **common, recorded_at=came),
    ]


T1, T2 = ("T1", "I1", "440106"), ("T2", "I2", "440107")
R1, R2, R3 = ref(1), ref(2), ref(3)


def two_teams_in_2026(t1: tuple[str, str, str] = T1, t2: tuple[str, str, str] = T2) -> list[Delivery]:
    """Two teams in two counties of one city, with a year of contracts, a booked visit, ratings and a referral."""
    return [
        registered(t1, None),
        registered(t2, None),
        signed("c1", R1, t1, "2025-03-01", "2026-02-28", (BASIC, HYPERTENSION), ("hypertension",)),
        signed("c2", R2, t1, "2026-01-10", "2027-01-09"),
        signed("c3", R3, t2, "2026-02-01", "2027-01-31"),
        *appointment("a1", R1, t1, "2025-03-28", "2025-04-01"),
        visited("v1", R1, "c1", t1, "2025-04-01", "health_assessment"),
        rated("s1", R1, t1, "2026-06-01", (5, 5, 5)),
        rated("s2", R2, t1, "2026-06-02", (2, 3, 3)),
        *referred("R1", R1, t1, "2026-05-01T09:00:00+08:00", "2026-05-01T15:00:00+08:00"),
    ]


def teams_of_a_city_of_its_own() -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """Two teams in a city no other test uses (the broker's topics are shared by the session)."""
    run = uuid.uuid4().hex[:6]
    city = f"45{int(run, 16) % 100:02d}"
    return (f"T1-{run}", f"I1-{run}", f"{city}01"), (f"T2-{run}", f"I2-{run}", f"{city}02")
