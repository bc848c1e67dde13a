"""The settlement close job (`python -m fdcs schedule settlement-close`) against billing's API: it
closes the latest period over with its grace, once; a rerun replays it, and it waits for inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fdcs.scheduler import SchedulerSettings, run_settlement_close
from shared.contracts import topics
from shared.messaging.positions import InputPosition

from .test_inputs import Lagging

Billing = Any  # the `billing` fixture (conftest.Billing)


def test_the_job_closes_the_month_once_its_grace_is_over_and_a_rerun_books_nothing(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"))
    now = datetime(2026, 2, 2, 1, 30, tzinfo=UTC)  # 09:30 on 2 February in China: January and a day over
    billing.clock[0] = now
    settings = SchedulerSettings(environment="test")
    token = billing.admin["Authorization"].removeprefix("Bearer ")

    first = run_settlement_close(settings, billing.client, token, now)
    recorded = len(billing.store.read_log(0, 100_000))
    again = run_settlement_close(settings, billing.client, token, now + timedelta(hours=1))

    assert first and again
    assert len(billing.store.read_log(0, 100_000)) == recorded  # the period's key replays its outcome
    assert billing.get("/settlement-periods").json()["closed_through"] == "2026-01"


def test_the_job_fails_when_billing_stays_behind_its_inputs(billing: Billing) -> None:
    now = datetime(2026, 2, 2, 1, 30, tzinfo=UTC)
    billing.clock[0] = now
    billing.client.app.state.inputs = Lagging([InputPosition(topics.CONTRACTS.name, 0, 1, 2)])
    settings = SchedulerSettings(environment="test", scheduler_wait_seconds=0)
    token = billing.admin["Authorization"].removeprefix("Bearer ")

    assert run_settlement_close(settings, billing.client, token, now) is False
