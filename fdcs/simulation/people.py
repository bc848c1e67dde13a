"""Who acts: the bearer-token claims of each actor, and what a resident declares at a date."""

from __future__ import annotations

from datetime import date

from fdcs.simulation.area import Team
from fdcs.simulation.population import Resident, age_on

ADMIN: dict[str, str | None] = {"sub": "sim-admin", "role": "admin"}

PACKAGE_OF = {
    "hypertension": "hypertension",
    "diabetes": "diabetes",
    "elderly": "elderly",
    "maternal": "maternal_child",
    "children": "maternal_child",
    "severe_mental_disorder": "severe_mental_disorder",
    "tuberculosis": "tuberculosis",
    "disabled": "disabled_rehabilitation",
}


def doctor(team: Team, doctor_id: str | None = None) -> dict[str, str | None]:
    return {
        "sub": doctor_id or team.doctors[0],
        "role": "family_doctor",
        "team": team.team_id,
        "institution": team.institution_id,
    }


def resident(ref: str) -> dict[str, str | None]:
    return {"sub": f"sim-{ref}", "role": "resident", "resident": ref}


def device(secret: str) -> dict[str, str | None]:
    """A resident's device posting its readings (`Authorization: Device <secret>`)."""
    return {"device": secret}


def hospital(hospital_id: str) -> dict[str, str | None]:
    return {"sub": f"sim-{hospital_id}", "role": "hospital", "hospital": hospital_id}


def key_populations(person: Resident, on: date) -> list[str]:
    """Tags as of a date: age bands follow the birth date (signing checks them against it)."""
    age = age_on(person.birth_date, on)
    tags = [t for t in person.key_populations if t not in ("elderly", "children")]
    return (["elderly"] if age >= 65 else []) + (["children"] if age <= 6 else []) + tags


def packages(tags: list[str]) -> list[str]:
    return ["basic", *sorted({PACKAGE_OF[t] for t in tags if t in PACKAGE_OF})]
