"""Where the clock is simulated, only the simulation moves it, and the read log still shows when
a read really happened: a read cannot be backdated unseen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from health_records.settings import HealthRecordsSettings

Api = Any  # the `api` fixture (conftest.Api), its app's real clock at 10 April 2026 02:30 UTC
BACK_THEN = {"X-Simulated-Time": "2026-02-01T09:00:00+08:00"}


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> HealthRecordsSettings:
    settings: HealthRecordsSettings = service_settings(
        HealthRecordsSettings, database_pool_size=2, simulated_clock=True
    )
    return settings


def test_only_the_simulation_may_set_the_time_of_a_read(api: Api) -> None:
    refused = api.get("/record", who=api.doctor | BACK_THEN)

    assert (refused.status_code, refused.json()["type"]) == (403, "/problems/simulated-time-forbidden")
    assert api.get("/record/reads", who=api.resident).json()["items"] == []


def test_the_read_log_keeps_the_real_time_beside_a_simulated_one(api: Api) -> None:
    simulation = api.as_("family_doctor", sub="doc-1", team="T1", institution="CHC-1", simulation=True)

    assert api.get("/record", who=simulation | BACK_THEN).status_code == 200

    reads = api.get("/record/reads", who=api.resident).json()["items"]
    assert [(r["read_at"], r["recorded_at"]) for r in reads] == [("2026-02-01T09:00:00+08:00", "2026-04-10T02:30:00Z")]
