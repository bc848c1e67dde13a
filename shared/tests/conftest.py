from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.eventstore import EventStore, open_store


@pytest.fixture
def store(postgres_url: str, schema: str) -> Iterator[EventStore]:
    opened = open_store(postgres_url, schema)
    yield opened
    opened.close()
