"""Every benchmark also runs at a tiny size here, so none can rot unnoticed (figures come
from `bench/`, never from a test: these assert only that it ran and was answered)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench import settlement_view
from bench.load import LoadSettings, run_levels
from billing.settings import BillingSettings
from fdcs import compiled
from shared.servers.broker import PlatformKafka
from shared.testing.processes import Processes


def test_the_load_generator_runs_its_mix_against_the_real_processes(
    platform: Processes, run_id: str, jwt_keys: Path
) -> None:
    urls = {}
    for service in ("signing", "health-records"):
        own = {"DATABASE_SCHEMA": f"{service.replace('-', '_')}_load_{run_id}"}
        urls[service] = str(platform.start("serve", service, **own))
        platform.start("relay", service, **own)
    platform.start(
        "project", "health-records", DATABASE_SCHEMA=f"health_records_load_{run_id}",
        CONSUMER_GROUP=f"health_records.load-{run_id}",
    )  # fmt: skip

    results = run_levels(LoadSettings.tiny(urls["signing"], urls["health-records"], keys=jwt_keys))

    assert [r.clients for r in results] == [2, 4]
    assert all(r.requests > 0 and not r.errors for r in results), [(r.clients, r.errors) for r in results]
    assert {op for r in results for op in r.operations} >= {"sign", "read", "visit"}


ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
A_FEW_INSTITUTIONS = ["--charges", "600", "--institutions", "6", "--repeats", "1"]
TINY = {
    "signing.py": ["--rounds", "1", "--seconds", "1", "--workers", "1", "2"],
    "appraisal.py": ["--residents", "60", "--polls", "2"],
    "billing_capitation.py": ["--contracts", "200", "--claims", "2", "--institutions", "10"],
    "billing_close.py": ["--ledgers", "40", "--charges", "2", "--before", "HEAD"],
    "cpu_share.py": ["--seconds", "0.2"],
    "settlement_view_pages.py": [
        "--cities",
        "1",
        "2",
        "--charges",
        "600",
        "--institutions",
        "6",
        "--repeats",
        "1",
        "--analyzed",
    ],
    "settlement_view_before.py": ["--before", "HEAD", "--rounds", "1", "--cities", "1", *A_FEW_INSTITUTIONS],
    "long_streams.py": ["--events", "2100", "--repeats", "1"],
    "performance_income.py": ["--years", "2", "--contracts", "120", "--tail", "50", "--repeats", "1"],
    "ledger_state.py": ["--years", "2", "--contracts", "120", "--rounds", "1", "--repeats", "1", "--before", "HEAD"],
    "appraisal_projection.py": ["--residents", "30", "--batch", "20", "--counties", "2"],
    "appraisal_drill_down.py": ["--residents", "40", "--counties", "2"],
    "readings.py": ["--devices", "2", "--seconds", "1", "--batch", "9"],
    "simulation.py": ["--residents", "12", "--concurrency", "4"],
}


@pytest.mark.parametrize("script", sorted(TINY))
def test_each_benchmark_runs_at_a_tiny_size(script: str, postgres_server: str) -> None:
    """On the session's PostgreSQL (a benchmark's scratch databases are its own)."""
    env = os.environ | {"DATABASE_URL": postgres_server, "LOG_LEVEL": "WARNING"}
    compiled.copy(ROOT)  # what the appraisal's benchmarks run: built once for the sources, before the timeout counts
    run = subprocess.run(  # our own scripts
        [sys.executable, str(BENCH / script), *TINY[script]], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip(), "a benchmark prints its figures"


def test_the_settlement_view_benchmark_loads_two_tiny_cities_and_reads_them_over_http(
    platform: Processes, run_id: str, service_settings: Callable[..., Any], mint_token: Callable[..., str]
) -> None:
    token, size = mint_token("official", area=settlement_view.CITY), settlement_view.Size.tiny()

    def serve(schema: str) -> settlement_view.Api:
        url = platform.start("serve", "billing", DATABASE_SCHEMA=f"{schema}_{run_id}")
        assert url is not None
        return settlement_view.Api(url, platform.pids()[-1], token)

    def settings(schema: str) -> BillingSettings:
        return service_settings(BillingSettings, database_schema=f"{schema}_{run_id}")  # type: ignore[no-any-return]

    steps = settlement_view.run(size, settings, serve, say=lambda _: None)

    assert [s["charges"] for s in steps] == [size.first, size.charges]
    assert all(s["rows"] > 0 and s["rss_mb"] > 0 and s["events_per_second"] > 0 for s in steps)


def test_the_city_benchmark_projects_a_tiny_city_through_kafka_with_one_and_two_workers(
    postgres_server: str, broker: PlatformKafka
) -> None:
    """On the session's PostgreSQL and broker (its schemas and consumer groups are its own; its
    groups begin where the topics ended before it produced)."""
    env = os.environ | {"DATABASE_URL": postgres_server, "LOG_LEVEL": "WARNING"}
    env |= broker.environment() | broker.timing()
    tiny = ["--residents", "300", "--repeats", "2", "--seconds", "2", "--settle", "0", "--statements", "3"]
    compiled.copy(ROOT)  # the workers' build: once for the sources, before the run's time counts
    run = subprocess.run(  # our own script
        [sys.executable, str(BENCH / "appraisal_scale.py"), *tiny], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "2 workers against 1" in run.stdout and "visit to figure" in run.stdout, run.stdout
    assert "costliest statements" in run.stdout, run.stdout


def test_the_billing_consumers_benchmark_charges_through_one_and_two_replicas_and_routes_on_the_broker(
    postgres_server: str, broker: PlatformKafka
) -> None:
    """On the session's PostgreSQL and broker (the router's topics and group are the run's own)."""
    env = (
        os.environ | {"DATABASE_URL": postgres_server, "LOG_LEVEL": "WARNING"} | broker.environment() | broker.timing()
    )
    tiny = ["--contracts", "300", "--institutions", "5", "--rounds", "1"]
    run = subprocess.run(  # our own script
        [sys.executable, str(BENCH / "billing_consumers.py"), *tiny],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "two by institution against one" in run.stdout and "router:" in run.stdout, run.stdout
