"""The population register: each area's registered and key populations for a year.

Reference data the health commission records (from the statistics bureau); it is the
denominator of coverage. Recorded as events, so an appraisal as of a moment uses the
figures known then, and a correction is a new figure, never an overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from appraisal.domain.errors import InvalidPopulation


@dataclass(frozen=True)
class PopulationRecorded:
    year: int
    area_code: str
    population: int
    key_population: int
    by_key_population: tuple[tuple[str, int], ...]
    recorded_at: datetime


def record(  # noqa: PLR0913
    year: int, area_code: str, population: int, key_population: int, by_key: dict[str, int], now: datetime
) -> PopulationRecorded:
    """The key population counts people with any tag once, so no single tag can exceed it."""
    if key_population > population:
        raise InvalidPopulation(f"{key_population} key-population residents in a population of {population}")
    if over := sorted(tag for tag, n in by_key.items() if n > key_population):
        raise InvalidPopulation(f"{over} exceed the key population of {key_population}")
    return PopulationRecorded(year, area_code, population, key_population, tuple(sorted(by_key.items())), now)


def evolve(_: PopulationRecorded | None, event: object) -> PopulationRecorded:
    if isinstance(event, PopulationRecorded):
        return event
    raise ValueError(f"{type(event).__name__} does not apply to a population figure")
