"""How appraisal's own aggregates are kept in its store: stream prefixes, event names, folds."""

from __future__ import annotations

from appraisal.domain import population, publication, results
from shared.eventstore.streams import EventTypes, StreamType

EVENTS = EventTypes("appraisal")
for event_class in (
    results.PeriodPublished,
    results.PeriodRestated,
    results.ResultPublished,
    results.ResultRestated,
    population.PopulationRecorded,
):
    EVENTS.register(event_class)

PERIODS: StreamType[publication.PeriodResults] = StreamType(
    "period", publication.PeriodResults(), publication.evolve, EVENTS
)
RESULTS: StreamType[results.ResultPublished | None] = StreamType("result", None, publication.evolve_result, EVENTS)
POPULATION: StreamType[population.PopulationRecorded | None] = StreamType("population", None, population.evolve, EVENTS)


def population_key(year: int, area_code: str) -> str:
    return f"{year}-{area_code}"
