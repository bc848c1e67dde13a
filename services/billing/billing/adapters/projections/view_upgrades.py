"""What `migrate` gives a settlement view from before a change of its tables: `create_all` makes
only the missing tables, and this, run by it (before `kept_up` indexes what it adds), gives the
existing ones their new columns, filled from what the view stored, once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, delete, event, inspect, text
from sqlalchemy.schema import CreateColumn

from billing.adapters.projections.group_totals import AREA_MOVES, RELEASED, SETTLED, areas_summed, into_areas
from billing.adapters.projections.tables import AREA_TOTALS, CHARGE_TOTALS, METADATA, STANDING, TOTALS_FILL


@event.listens_for(METADATA, "after_create", insert=True)  # before `kept_up` indexes the new columns
def _summed_where_a_view_had_none(target: MetaData, connection: Connection, **created: Any) -> None:
    """A view from before these sums (2026-12-06) or the reconciliation's counts (2026-12-07)
    gets them from `migrate` (`create_all` makes only missing tables): the totals' columns
    (what a group is listed as computed by the database as the column is added), summed from
    the settlements and releases it stored, and the areas' figures from the totals, once."""
    missing, areas_missing = _missing(connection, CHARGE_TOTALS), _missing(connection, AREA_TOTALS)
    _add(connection, CHARGE_TOTALS, missing)
    if any(c.name in STANDING for c in missing):
        AREA_MOVES.create(connection)  # what the sums note for the areas: the areas are summed anew below
        for standing in (SETTLED, RELEASED):
            connection.execute(standing.summed_anew)
    _add(connection, AREA_TOTALS, areas_missing)
    if missing or areas_missing or AREA_TOTALS in created.get("tables", ()):
        connection.execute(delete(AREA_TOTALS))
        connection.execute(into_areas(areas_summed()))


def _missing(connection: Connection, table: Table) -> list[Column[Any]]:
    present = {c["name"] for c in inspect(connection).get_columns(table.name, schema=_schema(connection))}
    return [c for c in table.c if c.name not in present]


def _schema(connection: Connection) -> str | None:
    return (connection.get_execution_options().get("schema_translate_map") or {}).get(None)


def _add(connection: Connection, table: Table, columns: list[Column[Any]]) -> None:
    """The columns, and the fillfactor for the totals' pages written from now on."""
    if not columns:
        return
    quoted, schema = connection.dialect.identifier_preparer.quote, _schema(connection)
    name = f"{quoted(schema)}.{quoted(table.name)}" if schema else quoted(table.name)
    for column in columns:
        declared = CreateColumn(column).compile(dialect=connection.dialect)
        connection.execute(text(f"ALTER TABLE {name} ADD COLUMN {declared}"))
    if table is CHARGE_TOTALS:
        connection.execute(text(f"ALTER TABLE {name} SET (fillfactor = {TOTALS_FILL})"))
