"""`migrate` on a schema an earlier version made: the changes made to name their groups once,
the facts partitioned by city, keyed anew and their unread indexes dropped, where each resident
is noted from their facts, in place, every sum and row kept; on a schema made as now, nothing to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, MetaData, PrimaryKeyConstraint, Table, select, text

from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.cases_tables import CASE_CHANGES, CASE_GROUPS, CHANGES_KEY
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_tables import BY_CITY, BY_CITY_KEY, FACT_KEY, RESIDENT_WHERES
from appraisal.adapters.projections.partitions import PARTITIONED, partition
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
def partition_cities() -> tuple[str, ...]:
    """Partitioning itself is tested on the province's cities, not the other tests' few."""
    return GUANGDONG


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
        before, facts_before, indexes_before = _changes(conn, schema), _facts(conn), _indexes(conn, schema)
        conn.execute(text(f"CREATE TEMPORARY TABLE named ON COMMIT DROP AS {_named_changes(schema)}"))
        conn.execute(text(f'DROP TABLE "{schema}".case_changes'))
        conn.execute(text(FORMER_CHANGES.format(schema=f'"{schema}"', key=", ".join(NAMED))))
        partition(conn, schema, GUANGDONG, [CASE_CHANGES])
        conn.execute(text(f'INSERT INTO "{schema}".case_changes SELECT * FROM named'))
        conn.execute(text(f'CREATE INDEX case_changes_by_instant ON "{schema}".case_changes (period, instant)'))
        conn.execute(text(f'TRUNCATE "{schema}".case_groups'))  # made empty by `create_all`
        for table in BY_CITY:
            _made_whole(conn, schema, table)
        conn.execute(
            text(f'ALTER TABLE "{schema}".fact_visits DROP CONSTRAINT fact_visits_pkey, ADD PRIMARY KEY (event_id)')
        )
        conn.execute(text(f'CREATE INDEX ix_fact_visits_visit_id ON "{schema}".fact_visits (visit_id)'))
        conn.execute(text(f'CREATE INDEX ix_fact_visits_team_id ON "{schema}".fact_visits (team_id)'))
        wheres_before = _wheres(conn)
        conn.execute(text(f'TRUNCATE "{schema}".resident_wheres'))  # made empty by `create_all`
        former, whole = keys_of(conn, schema), _whole(conn, schema)

    with engine.begin() as conn:
        upgrade(conn, schema, GUANGDONG)
    with engine.begin() as conn:
        upgrade(conn, schema, GUANGDONG)  # once is enough: again, nothing changes
        keys, indexes, after = keys_of(conn, schema), _indexes(conn, schema), _changes(conn, schema)
        facts_after, wheres_after, whole_after = _facts(conn), _wheres(conn), _whole(conn, schema)
        partitions = {t.name: _partitions(conn, schema, t.name) for t in PARTITIONED}
        in_4401 = conn.execute(text(f'SELECT count(*) FROM "{schema}".fact_visits_4401')).scalar()

    assert former["case_changes"] == NAMED and former["fact_visits"] == ("event_id",)
    assert whole == {t.name for t in BY_CITY} and not whole_after
    assert keys["case_changes"] == CHANGES_KEY and keys["fact_visits"] == BY_CITY_KEY
    assert after == before and before
    assert facts_after == facts_before and facts_before["fact_visits"] and facts_before["fact_contract_starts"]
    assert in_4401 == len(facts_before["fact_visits"])  # the county's city's partition
    assert indexes == indexes_before  # as a schema made now, no former index left
    assert [name for table, name in indexes if table == "case_changes"] == ["case_changes_pkey"]
    assert ("fact_visits", "ix_fact_visits_visit_id") not in indexes
    assert ("fact_visits", "ix_fact_visits_team_id") not in indexes
    assert wheres_after == wheres_before and wheres_before
    for table, names in partitions.items():
        assert len(names) == len(GUANGDONG) + 1 and f"{table}_4401" in names and f"{table}_rest" in names


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


def _made_whole(conn: Connection, schema: str, table: Table) -> None:
    """The table as before 2026-12-07: one table, without the city, keyed by the time known and
    the event, with its indexes; its rows kept."""
    kept = f"whole_{table.name}"
    conn.execute(text(f'CREATE TEMPORARY TABLE {kept} ON COMMIT DROP AS SELECT * FROM "{schema}".{table.name}'))
    conn.execute(text(f'DROP TABLE "{schema}".{table.name}'))
    columns = [c._copy() for c in table.c if c.name != "city"]
    Table(table.name, MetaData(), *columns, PrimaryKeyConstraint(*FACT_KEY, name=f"{table.name}_pkey")).create(conn)
    named = ", ".join(c.name for c in columns)
    conn.execute(text(f'INSERT INTO "{schema}".{table.name} ({named}) SELECT {named} FROM {kept}'))


def _facts(conn: Connection) -> dict[str, list[Any]]:
    return {t.name: sorted(conn.execute(select(t)).all()) for t in BY_CITY}


def _whole(conn: Connection, schema: str) -> set[str]:
    """The facts to be partitioned by city (or former ones) that are tables of their own."""
    names, found = {t.name for t in BY_CITY}, conn.execute(_TABLES, {"schema": schema}).all()
    return {name for name, kind in found if kind == "r" and (name in names or name.endswith("_former"))}


def _partitions(conn: Connection, schema: str, table: str) -> set[str]:
    return set(conn.execute(_PARTITIONS, {"schema": schema, "table": table}).scalars())


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
       WHERE s.nspname = :schema AND p.relname = :table"""
)
_TABLES = text(
    """SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
       WHERE s.nspname = :schema AND c.relkind IN ('r', 'p')"""
)
