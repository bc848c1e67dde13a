"""Every benchmark also runs at a tiny size here, so none can rot unnoticed (figures come
from `bench/`, never from a test: these assert only that it ran and was answered)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import LoadSettings, run_levels
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


BENCH = Path(__file__).resolve().parents[2] / "bench"
TINY = {
    "signing.py": ["--rounds", "1", "--seconds", "1", "--workers", "2"],
    "appraisal.py": ["--residents", "60", "--polls", "2"],
    "appraisal_projection.py": ["--residents", "30", "--batch", "20"],
}


@pytest.mark.parametrize("script", sorted(TINY))
def test_each_benchmark_runs_at_a_tiny_size(script: str, postgres_server: str) -> None:
    """On the session's PostgreSQL (a benchmark's scratch databases are its own)."""
    env = os.environ | {"DATABASE_URL": postgres_server, "LOG_LEVEL": "WARNING"}
    run = subprocess.run(  # our own scripts
        [sys.executable, str(BENCH / script), *TINY[script]], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip(), "a benchmark prints its figures"
