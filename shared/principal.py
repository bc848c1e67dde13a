"""Who is calling, once the adapters have verified it. Plain data: usable in every layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["resident", "family_doctor", "hospital", "insurance_bureau", "official", "admin"]
ROLES: tuple[Role, ...] = ("resident", "family_doctor", "hospital", "insurance_bureau", "official", "admin")
# A token's claims that scope a role, and the field each fills.
CLAIMS = {
    "team": "team_id",
    "institution": "institution_id",
    "hospital": "hospital_id",
    "bureau": "bureau_id",
    "area": "area_code",
    "resident": "resident_ref",
}


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    role: Role
    team_id: str | None = None
    institution_id: str | None = None
    hospital_id: str | None = None
    bureau_id: str | None = None
    area_code: str | None = None
    resident_ref: str | None = None
    simulation: bool = False  # the simulation's own token: may set the simulated clock where it is on
