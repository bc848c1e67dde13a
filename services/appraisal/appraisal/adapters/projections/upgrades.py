"""What `migrate` changes in place in a schema an earlier version made: `create_all` makes a
new table or index but never changes or drops one. Each step looks whether it is due and
does nothing otherwise, so every process that creates its tables may run them. A key made
anew rebuilds its index: minutes at a city's size, in the migrate Job."""

from __future__ import annotations

from sqlalchemy import Connection, text

from appraisal.adapters.projections.cases_tables import CASE_CHANGES, CHANGES_KEY
from appraisal.adapters.projections.facts_tables import FACT_KEY, KEYED_BY_TIME

KEYS = {CASE_CHANGES.name: CHANGES_KEY, **{t.name: FACT_KEY for t in KEYED_BY_TIME}}
"""The keys that began otherwise before 2026-12-05 (`case_changes`' with the city, the facts'
with the event's id)."""
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
RETIRED = ("case_changes_by_instant", *(f"ix_{t}_{c}" for t, columns in _UNREAD.items() for c in columns))
"""Indexes no read used, dropped 2026-12-05 (`case_changes`' by period and instant is its key now)."""


def upgrade(conn: Connection, schema: str) -> None:
    """Two queries when nothing is due (a process's start in development and the tests)."""
    quoted, found = conn.dialect.identifier_preparer.quote, keys_of(conn, schema)
    for table, key in KEYS.items():
        if found.get(table, key) != key:
            columns, name = ", ".join(key), quoted(f"{table}_pkey")
            rekey = f"DROP CONSTRAINT {name}, ADD CONSTRAINT {name} PRIMARY KEY ({columns})"
            conn.execute(text(f"ALTER TABLE {quoted(schema)}.{quoted(table)} {rekey}"))
    for index in conn.execute(_PRESENT, {"schema": schema, "names": list(RETIRED)}).scalars():
        conn.execute(text(f"DROP INDEX {quoted(schema)}.{quoted(index)}"))


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
