"""Opening a service's store from one URL setting."""

from __future__ import annotations

from urllib.parse import urlsplit

from shared.eventstore.postgres import open_postgres
from shared.eventstore.sealing import PersonalFields
from shared.eventstore.store import PostgresStore


def open_store(  # noqa: PLR0913
    url: str,
    schema: str,
    pool_size: int = 5,
    create: bool = True,
    personal: PersonalFields | None = None,
    pre_ping: bool = True,
) -> PostgresStore:
    """PostgreSQL (`postgresql://…/db`): production's, or the one `make run` and the tests start.
    With `personal`, the store seals its events' personal fields with their residents' keys.
    Tests without a server open `memory.open_memory` instead: the same `EventStore`."""
    if urlsplit(url).scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError("the event store needs DATABASE_URL=postgresql://…")
    return open_postgres(url, schema, pool_size, create, personal, pre_ping)
