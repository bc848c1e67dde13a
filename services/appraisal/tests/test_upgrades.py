"""`migrate` on a schema an earlier version made: the changes keyed anew and the facts' unread
indexes dropped, in place, every row kept; on a schema made as now, nothing to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select, text

from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.cases_tables import CASE_CHANGES, CHANGES_KEY
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_tables import FACT_KEY, VISITS
from appraisal.adapters.projections.upgrades import KEYS, RETIRED, keys_of, upgrade
from appraisal.bootstrap import engine_for
from appraisal.settings import AppraisalSettings
from bench.appraisal_year import Year
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE

FORMER_KEY = ("city", "period", "indicator_id", "team_id", "institution_id", "area_code", "key_populations", "instant")
INDEXES = text("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = :schema")


@pytest.fixture
def made(service_settings: Callable[..., Any]) -> Iterator[tuple[Engine, str]]:
    """A schema as made now, with a few months of a small county's facts in it."""
    settings = service_settings(AppraisalSettings)
    engine = engine_for(settings)
    FactsProjection(engine, CasesProjection(CATALOGUE, ZONE)).apply(Year("440183", 30, 2026, seed=5).deliveries()[:400])
    yield engine, settings.database_schema
    engine.dispose()


def test_a_schema_made_before_is_upgraded_in_place(made: tuple[Engine, str]) -> None:
    engine, schema = made
    with engine.begin() as conn:  # as an earlier version made it
        table = f'"{schema}".case_changes'
        conn.execute(
            text(f"ALTER TABLE {table} DROP CONSTRAINT case_changes_pkey, ADD PRIMARY KEY ({', '.join(FORMER_KEY)})")
        )
        conn.execute(text(f"CREATE INDEX case_changes_by_instant ON {table} (period, instant)"))
        conn.execute(
            text(f'ALTER TABLE "{schema}".fact_visits DROP CONSTRAINT fact_visits_pkey, ADD PRIMARY KEY (event_id)')
        )
        conn.execute(text(f'CREATE INDEX ix_fact_visits_visit_id ON "{schema}".fact_visits (visit_id)'))
        before, former = _rows(conn), keys_of(conn, schema)["case_changes"]
        assert keys_of(conn, schema)["fact_visits"] == ("event_id",)

    with engine.begin() as conn:
        upgrade(conn, schema)
    with engine.begin() as conn:
        upgrade(conn, schema)  # once is enough: again, nothing changes
        key, indexes, after = keys_of(conn, schema)["case_changes"], _indexes(conn, schema), _rows(conn)
        visits = keys_of(conn, schema)["fact_visits"]

    assert former == FORMER_KEY and key == CHANGES_KEY and visits == FACT_KEY
    assert [name for table, name in indexes if table == "case_changes"] == ["case_changes_pkey"]
    assert ("fact_visits", "ix_fact_visits_visit_id") not in indexes
    assert after == before and before[0] and before[1]


def test_a_schema_made_now_has_nothing_to_upgrade(made: tuple[Engine, str]) -> None:
    engine, schema = made
    with engine.begin() as conn:
        indexes = _indexes(conn, schema)
        upgrade(conn, schema)
        again = _indexes(conn, schema)
        keys = {table: keys_of(conn, schema)[table] for table in KEYS}

    assert keys == KEYS and again == indexes
    assert not {name for _, name in indexes} & set(RETIRED)
    assert ("fact_visits", "ix_fact_visits_resident_ref") in indexes


def _indexes(conn: Connection, schema: str) -> set[tuple[str, str]]:
    return {(table, name) for table, name in conn.execute(INDEXES, {"schema": schema})}


def _rows(conn: Connection) -> tuple[list[Any], int]:
    return sorted(conn.execute(select(CASE_CHANGES)).all()), conn.execute(
        select(func.count()).select_from(VISITS)
    ).scalar_one()
