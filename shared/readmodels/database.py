"""An SQLAlchemy engine for one service's schema, from the same URL as its event store."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, create_engine, text

from shared.eventstore.postgres import creating


def open_engine(  # noqa: PLR0913
    url: str, schema: str, metadata: MetaData, pool_size: int = 5, create: bool = True, pre_ping: bool = True
) -> Engine:
    """Tables are declared without a schema; they land in `schema`. Without `pre_ping`, a
    connection the database dropped fails its first use, and the pool then replaces them all."""
    driver_url = url.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        "postgres://", "postgresql+psycopg://", 1
    )
    engine = create_engine(driver_url, pool_size=pool_size, pool_pre_ping=pre_ping).execution_options(
        schema_translate_map={None: schema}
    )
    if create:
        with creating(url, schema):
            with engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            metadata.create_all(engine)
    return engine


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
