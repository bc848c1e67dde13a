"""The facts partitioned by city: each in its team's city's partition; a resident's histories
found in every city their facts are in (a team in another city), and read in those only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, func, literal_column, select
from sqlalchemy.dialects import postgresql

from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_tables import BY_CITY, VISITS
from appraisal.adapters.projections.resident_reads import _reads, cities_of, histories
from appraisal.bootstrap import engine_for
from appraisal.settings import GUANGDONG, AppraisalSettings
from bench.appraisal_year import Year
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE
from shared.contracts import health_records
from shared.messaging import Delivery

ELSEWHERE = {"team_id": "T-4402", "institution_id": "I-4402", "area_code": "440203"}
"""A team in Shaoguan, where the county's (in Guangzhou) are not."""


@pytest.fixture
def partition_cities() -> tuple[str, ...]:
    """Partitioning itself is tested on the province's cities, not the other tests' few."""
    return GUANGDONG


@pytest.fixture
def engine(service_settings: Callable[..., Any]) -> Iterator[Engine]:
    made = engine_for(service_settings(AppraisalSettings))
    yield made
    made.dispose()


def _moved(d: Delivery) -> Delivery:
    """The visit again, as a team in another city made it (a new event)."""
    event = d.event.model_copy(update={**ELSEWHERE, "visit_id": f"{d.event.visit_id}-moved"})  # type: ignore[attr-defined]
    return replace(d, event=event, envelope=d.envelope.model_copy(update={"id": f"{d.envelope.id}-moved"}))


def test_a_residents_facts_are_found_in_every_city_they_are_in(engine: Engine) -> None:
    deliveries = Year("440183", 30, 2026, seed=5).deliveries()[:400]
    visit = next(d for d in deliveries if isinstance(d.event, health_records.VisitCompleted))
    ref = visit.event.resident_ref  # type: ignore[attr-defined]
    FactsProjection(engine, CasesProjection(CATALOGUE, ZONE)).apply([*deliveries, _moved(visit)])
    with engine.begin() as conn:
        found = histories(conn, [ref])[ref]
        cities = cities_of(conn, [ref])
        partition = literal_column("tableoid::regclass::text")
        held = {t.name: set(conn.execute(select(partition).select_from(t).distinct()).scalars()) for t in BY_CITY}
        moved = conn.execute(select(func.count()).select_from(VISITS).where(VISITS.c.city == "4402")).scalar()

    assert cities == ["4401", "4402"]
    assert {v.where.area_code for v in found.visits.facts} == {visit.event.area_code, "440203"}  # type: ignore[attr-defined]
    assert moved == 1 and {p.split(".")[-1] for p in held["fact_visits"]} == {"fact_visits_4401", "fact_visits_4402"}
    for table, partitions in held.items():
        assert {p.split(".")[-1] for p in partitions} <= {f"{table}_4401", f"{table}_4402"}


def test_a_residents_read_probes_their_cities_partitions_only(engine: Engine) -> None:
    deliveries = Year("440183", 30, 2026, seed=5).deliveries()[:200]
    FactsProjection(engine).apply(deliveries)
    query = _reads(False)[2].query  # the visits'
    compiled = query.compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
    params = {"refs": ["r-1", "r-2"], "cities": ["4401"], "ever": "9999-12-31T00:00:00Z", "without": []}
    schema = engine.get_execution_options()["schema_translate_map"][None]
    with engine.begin() as conn:
        conn.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
        plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {compiled}", params).scalars())  # type: ignore[arg-type]

    assert "fact_visits_4401" in plan and "resident_ref" in plan, plan
    assert "fact_visits_4402" not in plan and "fact_visits_rest" not in plan, plan
