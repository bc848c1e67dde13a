"""The referral expiry job (`python -m fdcs schedule referral-expiry`) against referral's API: as
of its hour's start it expires what was not accepted in time, and a retry in the hour replays it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fdcs.scheduler import SchedulerSettings, run

Api = Any  # the `api` fixture (conftest.Api)
Clock = Any  # the `clock` fixture
NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def test_the_job_expires_as_of_its_hours_start_and_a_retry_in_the_hour_records_nothing(
    api: Api, team: str, clock: Clock
) -> None:
    api.contract(api.signed(1, team))
    first, second = api.issued(team, 1), api.issued(team, 1)
    api.catch_up()
    settings = SchedulerSettings(environment="test")
    token = api.admin["Authorization"].removeprefix("Bearer ")
    week = NOW + timedelta(hours=168)  # both unanswered for REFERRAL_ANSWER_HOURS by then
    clock.now = week + timedelta(minutes=10)

    ran = run("referral-expiry", settings, api.client, token, clock.now)
    recorded = api.store.last_position()
    retried = run("referral-expiry", settings, api.client, token, clock.now + timedelta(minutes=30))

    assert ran and retried
    assert api.store.last_position() == recorded  # the hour's key replays its outcome
    for issued in (first, second):
        seen = api.get(f"/referrals/{issued['referral_id']}", api.doctor(team)).json()
        assert (seen["status"], seen["outcome"]["at"]) == ("expired", week.isoformat())
