"""A service's store and read-model engine, opened the same way from its settings."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData

from shared.eventstore import EventStore, open_store
from shared.readmodels import open_engine
from shared.settings import ServiceSettings


def service_store(settings: ServiceSettings, schema: str | None = None) -> EventStore:
    return open_store(
        settings.database_url,
        schema or settings.database_schema,
        settings.database_pool_size,
        create=settings.database_create_tables,
    )


def service_engine(settings: ServiceSettings, metadata: MetaData, url: str | None = None) -> Engine:
    """The read models live beside the store, in the service's own schema (or at `url`)."""
    return open_engine(
        url or settings.database_url,
        settings.database_schema,
        metadata,
        settings.database_pool_size,
        create=settings.database_create_tables,
    )
