"""An SQLAlchemy engine for one service's schema, from the same URL as its event store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, text


def open_engine(url: str, schema: str, metadata: MetaData, pool_size: int = 5, create: bool = True) -> Engine:
    """Tables are declared without a schema; on PostgreSQL they land in `schema`."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_concurrently)
    else:
        driver_url = url.replace("postgresql://", "postgresql+psycopg://", 1).replace(
            "postgres://", "postgresql+psycopg://", 1
        )
        engine = create_engine(driver_url, pool_size=pool_size, pool_pre_ping=True).execution_options(
            schema_translate_map={None: schema}
        )
        if create:
            with engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    if create:
        metadata.create_all(engine)
    return engine


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _sqlite_concurrently(connection: Any, _: Any) -> None:
    # An API reads while its projection writes, in two processes: write-ahead logging lets
    # them, and a busy timeout makes a writer wait for the other instead of failing.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=5000")
