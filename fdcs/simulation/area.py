"""A county: townships, primary care institutions and their family doctor teams, hospitals, a bureau.

Sizes follow the policy's staffing figures: about 3 general practitioners per 10,000
residents by 2020 (2016 plan, item 14), a cap of 2,000 residents per contracting doctor,
teams of a family doctor, a community nurse and a public health doctor (item 2), rural
doctors at village clinics contracting alone (item 17).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

COUNTY = "440183"  # the simulated county's administrative division code
DOCTOR_CAP = 2000
VILLAGE_DOCTOR_CAP = 800


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    institution_id: str
    institution_kind: str
    area_code: str  # the township
    doctors: tuple[str, ...]
    others: tuple[tuple[str, str], ...]  # (member id, role)
    doctor_cap: int
    quality: float  # how well it serves (0–1): drives visits done and ratings

    @property
    def cap(self) -> int:
        return self.doctor_cap * len(self.doctors)


@dataclass(frozen=True)
class County:
    code: str
    townships: tuple[str, ...]
    teams: tuple[Team, ...]
    secondary_hospitals: tuple[str, ...]
    tertiary_hospitals: tuple[str, ...]
    bureau_id: str


def county(code: str, residents: int, rng: random.Random) -> County:
    townships = tuple(f"{code}{100 + i:03d}" for i in range(max(2, math.ceil(residents / 5000))))
    per_township = residents / len(townships)
    teams: list[Team] = []
    for i, township in enumerate(townships):
        urban = i < max(1, len(townships) * 2 // 5)
        teams += _centre_teams(township, urban, per_township, rng)
        teams += _village_teams(township, 0 if urban else 2, rng)
    secondary, tertiary, bureau = partners(code)
    return County(code, townships, tuple(teams), secondary, tertiary, bureau)


def partners(code: str = COUNTY) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """The county's secondary and tertiary hospitals and its insurance bureau: the partners
    provincial IT onboards (each with its own topic and Kafka user)."""
    return (f"H2-{code}-county", f"H2-{code}-tcm"), (f"H3-{code[:4]}-city",), f"MIB-{code}"


def _centre_teams(township: str, urban: bool, people: float, rng: random.Random) -> list[Team]:
    kind = "community_health_centre" if urban else "township_health_centre"
    institution = f"{'CHC' if urban else 'THC'}-{township}"
    doctors_needed = max(2, math.ceil(people * 0.9 / DOCTOR_CAP))
    teams, serial = [], 0
    while doctors_needed > 0:
        n = min(doctors_needed, rng.choice((1, 2, 2)))
        serial += 1
        team_id = f"T-{township}-{serial:02d}"
        doctors = tuple(f"{team_id}-doc{j + 1}" for j in range(n))
        others: tuple[tuple[str, str], ...] = (
            (f"{team_id}-nurse", "community_nurse"),
            (f"{team_id}-ph", "public_health_doctor"),
        )
        if rng.random() < 0.5:
            others += ((f"{team_id}-tcm", "chinese_medicine_doctor"),)
        teams.append(
            Team(
                team_id,
                f"{institution} team {serial}",
                institution,
                kind,
                township,
                doctors,
                others,
                DOCTOR_CAP,
                rng.betavariate(5, 2),
            )
        )
        doctors_needed -= n
    return teams


def _village_teams(township: str, clinics: int, rng: random.Random) -> list[Team]:
    return [
        Team(
            f"T-{township}-V{c + 1}",
            f"Village clinic {c + 1} of {township}",
            f"VC-{township}-{c + 1}",
            "village_clinic",
            township,
            (f"T-{township}-V{c + 1}-doc",),
            (),
            VILLAGE_DOCTOR_CAP,
            rng.betavariate(3, 2),
        )
        for c in range(clinics)
    ]
