"""SQL statements of the store's hot paths, rendered to bytes once."""

from __future__ import annotations

from typing import LiteralString

from psycopg.sql import SQL, Composable


def rendered(template: LiteralString, *names: Composable) -> bytes:
    """`template` with its identifiers in place, as psycopg sends it. Executed as a composed
    statement, it is rendered again every time: 1.3% of a signing API's CPU went to that."""
    return SQL(template).format(*names).as_bytes()
