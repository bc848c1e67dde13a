"""Pytest fixtures for real servers: PostgreSQL (DATABASE_URL) and the embedded Kafka broker.

Tests never skip for a missing server: PostgreSQL must be reachable (the session stops
with a message saying how to start it) and the broker is started here, once per session.
"""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from shared.devkeys import ensure_keys, mint
from shared.messaging.embedded import EmbeddedBroker

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
START_HINT = (
    "PostgreSQL is not reachable at {url} ({error}). Start it, e.g. "
    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
    "or point DATABASE_URL at a server where this user may create databases."
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test session, dropped at the end."""
    server = os.environ.get("DATABASE_URL", DEFAULT_URL)
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.exit(START_HINT.format(url=server, error=str(error).strip()), returncode=3)
    name = f"fdcs_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    yield server.rsplit("/", 1)[0] + "/" + name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def schema() -> str:
    """A fresh schema name, so each test's stores start empty."""
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    broker = EmbeddedBroker(log_file=tmp_path_factory.mktemp("broker") / "broker.log").start()
    yield broker.bootstrap
    # Kafka clients the tests left behind (apps freeze the collector) would keep calling a
    # broker that is gone, filling the end of the run with connection errors: free them first.
    gc.unfreeze()
    gc.collect()
    broker.stop()


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jwt")
    ensure_keys(folder)
    return folder


@pytest.fixture(scope="session")
def mint_token(jwt_keys: Path) -> Callable[..., str]:
    """`mint_token(role="family_doctor", team="T1")` → a bearer token for the test services."""

    def _mint(role: str, sub: str | None = None, **claims: Any) -> str:
        return mint({"sub": sub or f"test-{role}", "role": role, **claims}, folder=jwt_keys)

    return _mint


@pytest.fixture(scope="session")
def test_environment(postgres_url: str, kafka_bootstrap: str, jwt_keys: Path) -> dict[str, str]:
    """Settings every service under test reads (as environment variables or overrides)."""
    return {
        "ENVIRONMENT": "test",
        "DATABASE_URL": postgres_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        "KAFKA_FETCH_WAIT_MAX_MS": "50",
        "AUTH_JWT_PUBLIC_KEY_FILE": str(jwt_keys / "public.pem"),
    }


@pytest.fixture
def service_settings(test_environment: dict[str, str], schema: str) -> Callable[..., Any]:
    """`service_settings(SigningSettings)` → that service's settings on the test servers."""

    def _settings(cls: type, **overrides: Any) -> Any:
        values = {k.lower(): v for k, v in test_environment.items()}
        return cls(**{**values, "database_schema": schema, **overrides})

    return _settings
