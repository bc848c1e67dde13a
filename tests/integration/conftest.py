from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from shared.contracts import topics
from shared.messaging import ensure_topics
from shared.settings import ServiceSettings
from shared.testing.processes import Processes


@pytest.fixture(scope="module")
def platform(test_environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Processes]:
    """Real processes of the platform on the test servers; logs kept under pytest's tmp dir."""
    ensure_topics(ServiceSettings(kafka_bootstrap_servers=test_environment["KAFKA_BOOTSTRAP_SERVERS"]), topics.ALL)
    processes = Processes(test_environment, tmp_path_factory.mktemp("logs"))
    yield processes
    processes.stop()


@pytest.fixture(scope="module")
def run_id() -> str:
    """Makes this module's schemas, consumer groups and ids its own on the shared servers."""
    return uuid.uuid4().hex[:8]
