"""Codes shared by several public events (key populations, packages, roles, places)."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

KeyPopulation = Literal[
    "elderly",  # 65 and over
    "children",  # 0 to 6 years
    "maternal",  # pregnant and postpartum women
    "hypertension",
    "diabetes",
    "tuberculosis",
    "severe_mental_disorder",
    "disabled",
]

PackageCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]

AreaCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{6}(\d{3}(\d{3})?)?$"),
    Field(description="Administrative division code: 6 digits (county), 9 (township) or 12 (village)"),
]

ResidentRef = Annotated[
    str,
    StringConstraints(pattern=r"^r_[a-z2-7]{26}$"),
    Field(description="Pseudonymous resident id: never the identity number itself"),
]

Fen = Annotated[int, Field(ge=0, description="Money in fen (1/100 yuan): exact, never float")]

MemberRole = Literal[
    "family_doctor",
    "general_practitioner",
    "community_nurse",
    "public_health_doctor",
    "chinese_medicine_doctor",
    "pharmacist",
    "health_manager",
    "psychological_counsellor",
    "nutritionist",
    "rehabilitation_therapist",
    "social_worker",
]

InstitutionKind = Literal["community_health_centre", "township_health_centre", "village_clinic", "family_doctor_clinic"]
