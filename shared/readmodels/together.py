"""Queries sent to PostgreSQL at once, in psycopg's pipeline mode: one round trip for all,
not one a query. A projection that reads a batch's residents from several tables waited on
each query in turn; on two busy cores every wait is also a wake-up of both sides.

For queries made once (module constants, their parameters named): each is compiled once per
schema, not per call, as SQLAlchemy's own statement cache would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ClauseElement, Connection

from shared.readmodels.arriving import psycopg_of

_BY_NAME = re.compile(r"%\((\w+)\)s")
"""A parameter's placeholder: each is sent in binary (`%(name)b`), which psycopg dumps in C,
where its text form of an array escapes every element in Python, once for each query."""
_compiled: dict[tuple[int, tuple[tuple[Any, Any], ...]], tuple[ClauseElement, str, dict[str, Any]]] = {}


def together(conn: Connection, queries: Sequence[ClauseElement], params: Mapping[str, Any]) -> list[list[Any]]:
    """Each query's rows (tuples), in the caller's transaction; `params` by name, shared. A
    statement that gives no rows (a lock's `SET`, an `INSERT` without `RETURNING`) gives an
    empty list: writes go with the reads, in the order given."""
    driver = psycopg_of(conn)
    compiled = [_compiled_for(conn, q) for q in queries]
    with driver.pipeline():
        cursors = [driver.cursor() for _ in compiled]
        for cursor, (sql, own) in zip(cursors, compiled, strict=True):
            cursor.execute(sql, {**own, **params} if own else params)
    return [cursor.fetchall() if cursor.description is not None else [] for cursor in cursors]


def _compiled_for(conn: Connection, query: ClauseElement) -> tuple[str, dict[str, Any]]:
    """The query's text for this dialect, its schemas named as the connection translates them,
    and the values it holds itself (a literal in it, say)."""
    translate = conn.get_execution_options().get("schema_translate_map") or {}
    key = (id(query), tuple(sorted(translate.items(), key=str)))
    found = _compiled.get(key)  # which holds the query too: its id is not given to another
    if found is None:
        compiled = query.compile(dialect=conn.dialect, schema_translate_map=translate, render_schema_translate=True)
        own = {name: value for name, value in compiled.params.items() if value is not None}
        found = _compiled[key] = (query, _BY_NAME.sub(r"%(\1)b", str(compiled)), own)
    return found[1], found[2]
