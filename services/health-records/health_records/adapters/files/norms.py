"""The plan norms as data: a JSON file per deployment (PLAN_NORMS_FILE); a bad file stops the service."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from health_records.domain.care_events import ContractedItem
from health_records.domain.norms import PlanNorms
from shared.contracts.vocabulary import KeyPopulation

DEFAULT = Path(__file__).with_name("plan_norms.json")
MeasurementKind = Literal[
    "systolic_bp", "diastolic_bp", "fasting_glucose", "hba1c", "weight", "height", "heart_rate", "temperature"
]


class _Item(BaseModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    times_per_year: int = Field(ge=1, le=366)


class _File(BaseModel):
    source: str
    populations: dict[KeyPopulation, list[_Item]]
    measures: dict[str, list[MeasurementKind]]


def load_norms(path: Path = DEFAULT) -> PlanNorms:
    data = _File.model_validate_json(path.read_bytes())
    return PlanNorms(
        {p: tuple(ContractedItem(i.code, i.times_per_year) for i in items) for p, items in data.populations.items()},
        {code: tuple(kinds) for code, kinds in data.measures.items()},
    )
