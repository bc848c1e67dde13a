"""`migrate` on a schema an earlier version made: the changes made to name their groups once,
the facts keyed anew and their unread indexes dropped, where each resident is noted from their
facts, in place, every sum and row kept; on a schema made as now, nothing to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select, text

from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.cases_tables import CASE_CHANGES, CASE_GROUPS, CHANGES_KEY, partition
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_tables import FACT_KEY, RESIDENT_WHERES, VISITS
from appraisal.adapters.projections.upgrades import KEYS, RETIRED, keys_of, upgrade
from appraisal.bootstrap import engine_for
from appraisal.settings import GUANGDONG, AppraisalSettings
from bench.appraisal_year import Year
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE

NAMED = ("city", "period", "indicator_id", "team_id", "institution_id", "area_code", "key_populations", "instant")
"""Every change row named its group, the former key (until 2026-12-05)."""
INDEXES = text("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = :schema")
FORMER_CHANGES = """CREATE TABLE {schema}.case_changes (
    city varchar(4) NOT NULL, period varchar(10) NOT NULL, indicator_id varchar(64) NOT NULL,
    team_id varchar(64) NOT NULL, institution_id varchar(64) NOT NULL, area_code varchar(12) NOT NULL,
    key_populations varchar(200) NOT NULL, instant timestamptz NOT NULL,
    d_numerator bigint NOT NULL, d_denominator bigint NOT NULL,
    CONSTRAINT case_changes_pkey PRIMARY KEY ({key})
) PARTITION BY LIST (city)"""


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
        before = _changes(conn, schema)
        conn.execute(text(f"CREATE TEMPORARY TABLE named ON COMMIT DROP AS {_named_changes(schema)}"))
        conn.execute(text(f'DROP TABLE "{schema}".case_changes'))
        conn.execute(text(FORMER_CHANGES.format(schema=f'"{schema}"', key=", ".join(NAMED))))
        partition(conn, schema, GUANGDONG)
        conn.execute(text(f'INSERT INTO "{schema}".case_changes SELECT * FROM named'))
        conn.execute(text(f'CREATE INDEX case_changes_by_instant ON "{schema}".case_changes (period, instant)'))
        conn.execute(text(f'TRUNCATE "{schema}".case_groups'))  # made empty by `create_all`
        conn.execute(
            text(f'ALTER TABLE "{schema}".fact_visits DROP CONSTRAINT fact_visits_pkey, ADD PRIMARY KEY (event_id)')
        )
        conn.execute(text(f'CREATE INDEX ix_fact_visits_visit_id ON "{schema}".fact_visits (visit_id)'))
        conn.execute(text(f'CREATE INDEX ix_fact_visits_team_id ON "{schema}".fact_visits (team_id)'))
        wheres_before = _wheres(conn)
        conn.execute(text(f'TRUNCATE "{schema}".resident_wheres'))  # made empty by `create_all`
        former, visits_before = keys_of(conn, schema), conn.execute(select(func.count()).select_from(VISITS)).scalar()

    with engine.begin() as conn:
        upgrade(conn, schema, GUANGDONG)
    with engine.begin() as conn:
        upgrade(conn, schema, GUANGDONG)  # once is enough: again, nothing changes
        keys, indexes, after = keys_of(conn, schema), _indexes(conn, schema), _changes(conn, schema)
        visits_after = conn.execute(select(func.count()).select_from(VISITS)).scalar()
        wheres_after = _wheres(conn)
        partitions = conn.execute(_PARTITIONS, {"schema": schema}).scalars().all()

    assert former["case_changes"] == NAMED and former["fact_visits"] == ("event_id",)
    assert keys["case_changes"] == CHANGES_KEY and keys["fact_visits"] == FACT_KEY
    assert after == before and before and visits_after == visits_before
    assert [name for table, name in indexes if table == "case_changes"] == ["case_changes_pkey"]
    assert ("fact_visits", "ix_fact_visits_visit_id") not in indexes
    assert ("fact_visits", "ix_fact_visits_team_id") not in indexes
    assert wheres_after == wheres_before and wheres_before
    assert len(partitions) == len(GUANGDONG) + 1 and "case_changes_4401" in partitions


def test_a_schema_made_now_has_nothing_to_upgrade(made: tuple[Engine, str]) -> None:
    engine, schema = made
    with engine.begin() as conn:
        indexes = _indexes(conn, schema)
        upgrade(conn, schema, GUANGDONG)
        again = _indexes(conn, schema)
        keys = {table: keys_of(conn, schema)[table] for table in KEYS}

    assert keys == KEYS and again == indexes
    assert not {name for _, name in indexes} & set(RETIRED)
    assert ("fact_visits", "ix_fact_visits_resident_ref") in indexes
    assert ("fact_contract_starts", "ix_fact_contract_starts_team_id") in indexes  # a team's contracts signed


def _wheres(conn: Connection) -> list[Any]:
    return sorted(conn.execute(select(RESIDENT_WHERES)).all())


def _indexes(conn: Connection, schema: str) -> set[tuple[str, str]]:
    return {(table, name) for table, name in conn.execute(INDEXES, {"schema": schema})}


def _changes(conn: Connection, schema: str) -> list[Any]:
    """Every change with its group's names, in their former columns' order."""
    return sorted(conn.execute(text(_named_changes(schema))).all())


def _named_changes(schema: str) -> str:
    named = ", ".join(f"g.{n}" if n in CASE_GROUPS.c else f"c.{n}" for n in NAMED)
    return f"""SELECT {named}, c.d_numerator, c.d_denominator
               FROM "{schema}".{CASE_CHANGES.name} c JOIN "{schema}".{CASE_GROUPS.name} g USING (group_id)"""


_PARTITIONS = text(
    """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace s ON s.oid = p.relnamespace
       WHERE s.nspname = :schema AND p.relname = 'case_changes'"""
)
