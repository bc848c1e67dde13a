"""The tables partitioned by city: the strata's changes and totals (`cases_tables`) and the
facts of the residents (`facts_tables.BY_CITY`), the largest part of a city's year. A city's
rows are then tables of their own: a city can be moved to storage or a database of its own,
and a province is more partitions, not bigger tables."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, Table, text

from appraisal.adapters.projections.cases_tables import CASES_TABLES
from appraisal.adapters.projections.facts_tables import BY_CITY

PARTITIONED = (*CASES_TABLES, *BY_CITY)
CITY = re.compile(r"\d{4}")


def partition(conn: Connection, schema: str, cities: Iterable[str], tables: Iterable[Table] = PARTITIONED) -> None:
    """A partition of each table per city, and one for the rest: a city's reads and writes touch
    its own (a read of an area names its city). Listed up front, never created by a writer: a
    city added later must be listed before its first fact arrives (its rows would otherwise be
    in the rest, and the partition could not be made: rebuild then)."""
    quoted, cities = conn.dialect.identifier_preparer.quote, list(cities)
    for table in tables:
        parent = f"{quoted(schema)}.{quoted(table.name)}"
        for city in cities:
            if not CITY.fullmatch(city):
                raise ValueError(f"a city is four digits of an area code, not {city!r}")
            name = f"{quoted(schema)}.{quoted(f'{table.name}_{city}')}"
            conn.execute(text(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {parent} FOR VALUES IN ('{city}')"))
        rest = f"{quoted(schema)}.{quoted(f'{table.name}_rest')}"
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {rest} PARTITION OF {parent} DEFAULT"))
        for index in table.indexes:
            index.create(conn, checkfirst=True)  # one added since the table was made


def partition_facts(conn: Connection, schema: str, cities: Iterable[str]) -> None:
    """Fact tables an earlier version made whole (before 2026-12-07) made anew partitioned, in
    the caller's transaction: the former renamed with its indexes, the new one made with its
    partitions, every row moved in the order of its key (each partition's written at its end),
    the former dropped. Minutes at a city's size, in the migrate Job; nothing when none is whole."""
    quoted = conn.dialect.identifier_preparer.quote
    whole = set(conn.execute(_WHOLE, {"schema": schema, "names": [t.name for t in BY_CITY]}).scalars())
    for table in (t for t in BY_CITY if t.name in whole):
        named, former = f"{quoted(schema)}.{quoted(table.name)}", f"{table.name}_former"
        conn.execute(text(f"ALTER TABLE {named} RENAME TO {quoted(former)}"))
        for index in conn.execute(_INDEXES, {"schema": schema, "table": former}).scalars():
            conn.execute(text(f"ALTER INDEX {quoted(schema)}.{quoted(index)} RENAME TO {quoted(f'{index}_former')}"))
        table.create(conn)
        partition(conn, schema, cities, [table])
        columns = ", ".join(quoted(c.name) for c in table.c if c.name != "city")
        former = f"{quoted(schema)}.{quoted(former)}"
        conn.execute(
            text(f"""INSERT INTO {named} ({columns}, city)
                     SELECT {columns}, left(area_code, 4) FROM {former} ORDER BY known_at, event_id""")
        )
        conn.execute(text(f"DROP TABLE {former}"))


_WHOLE = text(
    """SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
       WHERE s.nspname = :schema AND c.relname = ANY(:names) AND c.relkind = 'r'"""
)
_INDEXES = text("SELECT indexname FROM pg_indexes WHERE schemaname = :schema AND tablename = :table")
