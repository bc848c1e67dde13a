from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from shared.servers.broker import PlatformKafka
from shared.testing.processes import Processes


@pytest.fixture(scope="module")
def platform(
    test_environment: dict[str, str], broker: PlatformKafka, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Processes]:
    """Real processes of the platform on the test servers, each service as its own Kafka user;
    logs kept under pytest's tmp dir."""
    processes = Processes(test_environment, tmp_path_factory.mktemp("logs"), broker)
    yield processes
    processes.stop()


@pytest.fixture(scope="module")
def run_id() -> str:
    """Makes this module's schemas, consumer groups and ids its own on the shared servers."""
    return uuid.uuid4().hex[:8]
