from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.eventstore import EventStore, open_store


@pytest.fixture(params=["postgresql", "sqlite"])
def store(request: pytest.FixtureRequest, postgres_url: str, schema: str, tmp_path: Path) -> Iterator[EventStore]:
    """The same tests run on both back ends, chosen only by the URL."""
    url = postgres_url if request.param == "postgresql" else f"sqlite:///{tmp_path}/store.db"
    opened = open_store(url, schema)
    yield opened
    opened.close()


@pytest.fixture
def pg_store(postgres_url: str, schema: str) -> Iterator[EventStore]:
    opened = open_store(postgres_url, schema)
    yield opened
    opened.close()
