"""What `migrate` changes in place in a schema an earlier version made: `create_all` makes a
new table or index but never changes or drops one. Each step looks whether it is due and
does nothing otherwise, so every process that creates its tables may run them. A key made
anew rebuilds its index: minutes at a city's size, in the migrate Job."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, exists, select, text, union
from sqlalchemy.dialects.postgresql import insert

from appraisal.adapters.projections.cases_tables import CASE_CHANGES, NAMED_BY
from appraisal.adapters.projections.facts_tables import CONTRACT_STARTS, KEYED_BY_TIME, OF_A_RESIDENT, RESIDENT_WHERES
from appraisal.adapters.projections.partitions import partition, partition_facts

KEYS = {t.name: tuple(c.name for c in t.primary_key) for t in KEYED_BY_TIME}
"""The keys that began otherwise before 2026-12-05 (the facts' with the event's id); those of
the facts partitioned by city end with it (since 2026-12-07: `partition_facts` makes them)."""
_UNREAD = {
    "fact_contract_starts": ("area_code", "resident_area_code", "ends_on", "known_at"),
    "fact_contract_ends": ("area_code", "known_at"),
    "fact_visits": ("visit_id", "contract_id", "area_code", "occurred_at", "known_at"),
    "fact_ratings": ("rating_id", "area_code", "rated_at", "known_at"),
    "fact_referral_steps": ("referral_id", "area_code", "issued_at", "known_at"),
    "fact_care": ("ref", "area_code", "occurred_on", "known_at"),
    "fact_readings": ("reading_id", "area_code", "measured_at", "known_at"),
    "fact_appointment_steps": ("appointment_id", "starts_at", "known_at"),
}
_BY_TEAM = ("fact_visits", "fact_ratings", "fact_referral_steps", "fact_care", "fact_readings", "fact_contract_ends")
RETIRED = (
    "case_changes_by_instant",
    *(f"ix_{t}_{c}" for t, columns in _UNREAD.items() for c in columns),
    *(f"ix_{t}_team_id" for t in _BY_TEAM),
)
"""Indexes no read used, dropped 2026-12-05 (`case_changes`' by period and instant is its key
now); and the facts' by team but a contract start's, dropped 2026-12-06: read only by a team's
drill-down (`resident_wheres`' by team now), an ending's by nothing."""


def upgrade(conn: Connection, schema: str, cities: Iterable[str]) -> None:
    """Four queries when nothing is due (a process's start in development and the tests).
    `cities`: those the changes and facts are partitioned by (`partition`)."""
    partition_facts(conn, schema, cities)  # first: a whole table's former key goes with it
    quoted, found = conn.dialect.identifier_preparer.quote, keys_of(conn, schema)
    if "team_id" in found.get(CASE_CHANGES.name, ()):  # every former key of the changes named the team
        _group(conn, schema, cities)
    for table, key in KEYS.items():
        if found.get(table, key) != key:
            columns, name = ", ".join(key), quoted(f"{table}_pkey")
            rekey = f"DROP CONSTRAINT {name}, ADD CONSTRAINT {name} PRIMARY KEY ({columns})"
            conn.execute(text(f"ALTER TABLE {quoted(schema)}.{quoted(table)} {rekey}"))
    for index in conn.execute(_PRESENT, {"schema": schema, "names": list(RETIRED)}).scalars():
        conn.execute(text(f"DROP INDEX {quoted(schema)}.{quoted(index)}"))
    if not conn.execute(select(exists(RESIDENT_WHERES.select()))).scalar():
        note_every_resident(conn)


def note_every_resident(conn: Connection) -> None:
    """Where each resident's facts say they are (`RESIDENT_WHERES`, made empty by `create_all`
    in a schema from before 2026-12-06), as the projection would have noted it: a read of
    every fact, once, in the migrate Job; nothing to read in a schema with no facts yet."""
    named = [select(t.c.resident_ref, t.c.team_id, t.c.institution_id, t.c.area_code) for t in OF_A_RESIDENT]
    s = CONTRACT_STARTS.c
    living = select(s.resident_ref, s.team_id, s.institution_id, s.resident_area_code)
    every = insert(RESIDENT_WHERES).from_select(list(RESIDENT_WHERES.c.keys()), union(*named, living))
    conn.execute(every.on_conflict_do_nothing())  # what a worker projecting meanwhile noted


def _group(conn: Connection, schema: str, cities: Iterable[str]) -> None:
    """Changes that named their group in each row (before 2026-12-06) made to name it once, in
    `case_groups` (made empty by `create_all`), every sum kept."""
    quoted = conn.dialect.identifier_preparer.quote(schema)
    changes, groups = f"{quoted}.case_changes", f"{quoted}.case_groups"
    named = ", ".join(NAMED_BY)
    conn.execute(text(f"CREATE TEMPORARY TABLE former_changes ON COMMIT DROP AS SELECT * FROM {changes}"))
    conn.execute(text(f"DROP TABLE {changes}"))  # and its partitions
    CASE_CHANGES.create(conn)
    partition(conn, schema, cities)
    conn.execute(text(f"INSERT INTO {groups} ({named}) SELECT DISTINCT {named} FROM former_changes ORDER BY {named}"))
    conn.execute(
        text(f"""INSERT INTO {changes} (period, instant, city, group_id, d_numerator, d_denominator)
                 SELECT f.period, f.instant, f.city, g.group_id, f.d_numerator, f.d_denominator
                 FROM former_changes f JOIN {groups} g USING ({named}) ORDER BY 1, 2, 3, 4""")
    )


def keys_of(conn: Connection, schema: str) -> dict[str, tuple[str, ...]]:
    """The columns of each table's primary key in the schema, in their order."""
    return {table: tuple(key) for table, key in conn.execute(_KEYS_OF, {"schema": schema})}


_KEYS_OF = text(
    """SELECT c.relname, array_agg(a.attname::text ORDER BY k.n) FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace s ON s.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
       WHERE s.nspname = :schema AND i.indisprimary GROUP BY c.relname"""
)
_PRESENT = text("SELECT indexname FROM pg_indexes WHERE schemaname = :schema AND indexname = ANY(:names)")
