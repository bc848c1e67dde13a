"""The contract expiry job (`python -m fdcs schedule contract-expiry`) against signing's API: as of
its day in China it expires the contracts whose last day is over, days after too (a missed run
caught up), and a rerun on the day succeeds, changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fdcs.scheduler import SchedulerSettings, run

Api = Any  # the `api` fixture (conftest.Api)


def test_the_job_expires_the_contracts_whose_last_day_is_over_once(api: Api) -> None:
    api.register_team("T1")
    one_year = api.sign("T1", serial=1)  # 1 March 2026 to 28 February 2027
    two_years = api.sign("T1", serial=2, term_years=2)
    api.search()
    late = datetime(2027, 3, 2, 16, 30, tzinfo=UTC)  # 00:30 on 3 March in China: two runs were missed
    api.clock.now = late
    settings = SchedulerSettings(environment="test")
    token = api.admin["Authorization"].removeprefix("Bearer ")

    ran = run("contract-expiry", settings, api.client, token, late)
    api.search()
    again = run("contract-expiry", settings, api.client, token, late)

    assert ran and again
    assert api.get(f"/contracts/{one_year['contract_id']}").json()["status"] == "expired"
    assert api.get(f"/contracts/{two_years['contract_id']}").json()["status"] == "active"
