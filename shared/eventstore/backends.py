"""Opening a service's store from one URL setting."""

from __future__ import annotations

from urllib.parse import urlsplit

from shared.eventstore.postgres import open_postgres
from shared.eventstore.store import EventStore


def open_store(url: str, schema: str, pool_size: int = 5, create: bool = True) -> EventStore:
    """PostgreSQL (`postgresql://…/db`): production's, or the one `make run` and the tests start."""
    if urlsplit(url).scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError("the event store needs DATABASE_URL=postgresql://…")
    return open_postgres(url, schema, pool_size, create)
