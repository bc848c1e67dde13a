"""Choosing the back end from one URL setting."""

from __future__ import annotations

from urllib.parse import urlsplit

from shared.eventstore.postgres import open_postgres
from shared.eventstore.sqlite import open_sqlite
from shared.eventstore.store import EventStore


def open_store(url: str, schema: str, pool_size: int = 5, create: bool = True) -> EventStore:
    """Open the store named by one URL: `postgresql://…/db` (production) or `sqlite:///file`."""
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme in ("postgresql", "postgres"):
        return open_postgres(url, schema, pool_size, create)
    if scheme == "sqlite":
        return open_sqlite(url, create)
    raise ValueError(f"unsupported event store URL scheme {scheme!r}: use postgresql:// or sqlite://")
