"""The norms a management plan is drawn from: deployment data, like signing's package catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from health_records.domain.care_events import ContractedItem


@dataclass(frozen=True)
class PlanNorms:
    """What the basic public health service norms plan for each key population, and what
    each service item must measure (a hypertension follow-up: a blood-pressure reading)."""

    for_population: Mapping[str, tuple[ContractedItem, ...]]
    measures: Mapping[str, tuple[str, ...]]
