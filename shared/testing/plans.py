"""The plans PostgreSQL makes for the very queries a read sends, to test that an index fits them
(the index named, no sort) rather than how long they take on a test machine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event


def plans_of(engine: Engine, read: Callable[[], object]) -> list[str]:
    """Each query `read` sends through `engine`, explained with sequential scans off (a small
    test table would be scanned whole anyway), as the server would run it."""
    sent = sent_by(engine, read)
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return ["\n".join(conn.exec_driver_sql(f"EXPLAIN {s}", p).scalars()) for s, p in sent]


def sent_by(engine: Engine, read: Callable[[], object]) -> list[tuple[str, Any]]:
    """Each statement `read` sends through `engine`, with its parameters, as sent."""
    sent: list[tuple[str, Any]] = []

    def record(conn: object, cursor: object, statement: str, parameters: Any, *_: object) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent
