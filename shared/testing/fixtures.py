"""Pytest fixtures for real servers: PostgreSQL and Kafka, started by the session itself.

Tests never skip for a missing server. PostgreSQL is the embedded one (`shared.servers`)
unless DATABASE_URL names a server, where the session must be able to create databases
(it stops with a message saying so if it cannot).
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared import tracing
from shared.devkeys import ensure_keys, mint
from shared.servers.broker import PlatformKafka, platform_kafka
from shared.servers.kafka import ApacheKafka
from shared.servers.postgres import EmbeddedPostgres, postgres, scratch_database

if TYPE_CHECKING:  # the fuzzer (Schemathesis) is imported by the tests that fuzz, not by every session
    from shared.testing.fuzz import Tally

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = (
    "PostgreSQL is not reachable at the DATABASE_URL given ({error}). Unset DATABASE_URL to let "
    "the tests start their own, or point it at a server where this user may create databases."
)

NOT_DURABLE = {"fsync": "off"}
"""The session's server is removed at its end: no commit waits for the disk (200 waited 0.83 s
against 0.06 on a shared machine). A crash of the server loses nothing still (the OS has the
files); a test that stops or kills PostgreSQL starts one of its own, durable."""


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The server's URL: DATABASE_URL if given, else an embedded server of this session's own."""
    folder = ROOT / ".local" / "postgres"
    for left in folder.glob("test-*/"):  # a killed session's server (named by its pid)
        if not Path(f"/proc/{left.name.removeprefix('test-')}").exists():
            EmbeddedPostgres(left).stop_leftover()
            EmbeddedPostgres(left).remove()
    with postgres(folder / f"test-{os.getpid()}", keep=False, settings=NOT_DURABLE) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database of its own for this test session, dropped at the end."""
    try:
        psycopg.connect(postgres_server, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        pytest.exit(UNREACHABLE.format(error=str(error).strip()), returncode=3)
    with scratch_database(postgres_server, "fdcs_test") as url:
        yield url


def fresh_schema() -> str:
    """A schema name no test used, so the stores in it start empty."""
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def schema() -> str:
    """A fresh schema name, so each test's stores start empty."""
    return fresh_schema()


@pytest.fixture(scope="session")
def broker() -> Iterator[PlatformKafka]:
    """Apache Kafka with the manifests' users, ACLs and topics (Tansu where Java is absent)."""
    folder = ROOT / ".local" / "kafka"
    for left in folder.glob("test-*/"):  # a killed session's broker (named by its pid)
        if not Path(f"/proc/{left.name.removeprefix('test-')}").exists():
            ApacheKafka(left).stop_leftover()
            shutil.rmtree(left, ignore_errors=True)
    own = folder / f"test-{os.getpid()}"
    try:
        with platform_kafka(own) as started:
            yield started
            # Kafka clients the tests left behind (apps freeze the collector) would keep calling a
            # broker that is gone, filling the end of the run with connection errors: free them first.
            gc.unfreeze()
            gc.collect()
    finally:
        shutil.rmtree(own, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_client(broker: PlatformKafka) -> dict[str, Any]:
    """confluent-kafka settings of the harness's super user (to read any topic, create topics)."""
    return broker.client()


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


FUZZED = pytest.StashKey[list[tuple[str, "Tally"]]]()


@pytest.fixture
def fuzz_report(request: pytest.FixtureRequest) -> Callable[[str, Tally], None]:
    """`fuzz_report("signing", tally)`: what a fuzzer sent, shown in the session's summary."""
    return lambda service, tally: request.config.stash.setdefault(FUZZED, []).append((service, tally))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """What the API fuzzers sent and what broke, at the end of every run that fuzzed (no -s needed)."""
    lines = config.stash.get(FUZZED, [])
    if lines:
        terminalreporter.write_sep("-", "API fuzzing (Schemathesis)")
        for service, tally in lines:
            terminalreporter.write_line(f"{service}: {tally.summary()}")
        requests, errors = sum(t.requests for _, t in lines), sum(t.server_errors for _, t in lines)
        terminalreporter.write_line(f"all: {requests} requests, {errors} server errors")


@pytest.fixture(scope="session")
def test_environment(postgres_url: str, broker: PlatformKafka, jwt_keys: Path) -> dict[str, str]:
    """Settings every service under test reads (as environment variables or overrides); a
    process started as a service (`Processes`) runs as that service's Kafka user instead."""
    return services_environment(postgres_url, broker, jwt_keys)


def services_environment(postgres_url: str, broker: PlatformKafka, jwt_keys: Path) -> dict[str, str]:
    """What a service under test reads, on these servers (a test with a broker of its own too)."""
    return {
        "ENVIRONMENT": "test",
        "DATABASE_URL": postgres_url,
        **broker.environment(),
        **broker.timing(),
        "AUTH_JWT_PUBLIC_KEY_FILE": str(jwt_keys / "public.pem"),
    }


@pytest.fixture
def service_settings(test_environment: dict[str, str], schema: str) -> Callable[..., Any]:
    """`service_settings(SigningSettings)` → that service's settings on the test servers."""

    def _settings(cls: type, **overrides: Any) -> Any:
        return settings_on(test_environment, cls, schema, **overrides)

    return _settings


def settings_on(environment: dict[str, str], cls: type, schema: str, **overrides: Any) -> Any:
    """`cls`'s settings on the servers `environment` names, in `schema` (a fixture of a wider scope
    than the test's makes its own with this, `fresh_schema()` and `test_environment`)."""
    values = {k.lower(): v for k, v in environment.items()}
    return cls(**{**values, "database_schema": schema, **overrides})


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for the test, its spans kept in memory as they end (off again afterwards)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.install(None)
        provider.shutdown()
