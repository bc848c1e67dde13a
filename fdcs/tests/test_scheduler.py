"""The scheduled jobs (`python -m fdcs schedule <job>`) besides capitation's: which period each
acts on at a moment, as pure rules, and their calls against a service's answers.

Worked by hand (China, UTC+8; the shipped settings: 1-month periods closed after 1 day of grace,
referral expiry hourly, reminders every 15 minutes):
- 2026-02-01 09:30 in China: January is over, not its grace: December 2025's close (a repeat of
  the last one, replayed by its key); 2026-02-02: January's.
- A run on 3 March after the job stopped on 10 January closes February, which settles every open
  period up to it (January too): one call catches up.
- Contracts expire as of the run's day in China: on 1 March at 00:30 (28 Feb 16:30 UTC), as of 1
  March, so those whose last day was 28 February.
- Referral expiry at 10:47 UTC acts as of 10:00 UTC; a retry at 10:59 too, with the same key.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.close_schedule import to_close
from billing.domain.periods import Calendar
from fdcs.scheduler import (
    SchedulerSettings,
    appointment_reminders,
    contract_expiry,
    referral_expiry,
    run,
    settlement_close,
    slot,
    url_of,
)

SETTINGS = SchedulerSettings(environment="test")
CHINA_0930 = timedelta(hours=1, minutes=30)  # 09:30 in China is 01:30 UTC


def at(day: str, utc: timedelta = CHINA_0930) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + utc


def test_a_settlement_period_is_closed_once_it_and_its_grace_are_over() -> None:
    assert settlement_close(SETTINGS, at("2026-02-01")).body == {"period": "2025-12"}
    close = settlement_close(SETTINGS, at("2026-02-02"))
    assert (close.path, close.key, close.body) == (
        "/settlement-periods/close",
        "settlement-close-2026-01",
        {"period": "2026-01"},
    )


def test_a_late_run_closes_the_latest_period_over_which_settles_the_earlier_ones_too() -> None:
    assert settlement_close(SETTINGS, at("2026-03-03")).body == {"period": "2026-02"}
    quarterly = SchedulerSettings(environment="test", settlement_period_months=3)
    assert settlement_close(quarterly, at("2026-04-02")).body == {"period": "2026-01"}  # Q1, its first month
    assert settlement_close(quarterly, at("2026-04-01")).body == {"period": "2025-10"}


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.sampled_from([1, 2, 3, 4, 6, 12]), st.integers(0, 30))
def test_the_period_closed_is_over_with_its_grace_and_the_next_is_not(today: date, months: int, days: int) -> None:
    calendar, grace = Calendar(months), timedelta(days=days)

    period = to_close(calendar, today, grace)

    assert calendar.last_day(period) + grace < today
    assert calendar.last_day(calendar.next(period)) + grace >= today


def test_contracts_expire_as_of_the_day_in_china() -> None:
    run_at = at("2026-02-28", timedelta(hours=16, minutes=30))  # 00:30 on 1 March in China

    expiry = contract_expiry(SETTINGS, run_at)

    assert (expiry.key, expiry.body) == ("contract-expiry-2026-03-01", {"as_of": "2026-03-01", "limit": 500})


def test_a_slot_job_acts_as_of_its_slot_start_and_a_retry_in_the_slot_replays_its_key() -> None:
    first = referral_expiry(SETTINGS, at("2026-05-04", timedelta(hours=10, minutes=47)))
    retried = referral_expiry(SETTINGS, at("2026-05-04", timedelta(hours=10, minutes=59)))
    reminders = appointment_reminders(SETTINGS, at("2026-05-04", timedelta(hours=10, minutes=47)))

    assert first == retried and first.key == "referral-expiry-2026-05-04T10:00Z"
    assert first.body == {"as_of": "2026-05-04T10:00:00+00:00", "limit": 500}
    assert reminders.body is not None and reminders.body["as_of"] == "2026-05-04T10:45:00+00:00"


@given(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)), st.sampled_from([5, 15, 60]))
def test_a_slot_starts_at_or_before_the_run_and_within_its_length(now: datetime, minutes: int) -> None:
    start = slot(now, minutes)

    assert start <= now < start + timedelta(minutes=minutes)
    assert start.second == 0 and (start.hour * 60 + start.minute) % minutes == 0


def test_each_job_calls_its_own_service() -> None:
    assert url_of("contract-expiry", SETTINGS) == SETTINGS.signing_url
    assert url_of("referral-expiry", SETTINGS) == SETTINGS.referral_url
    assert url_of("appointment-reminders", SETTINGS) == SETTINGS.health_records_url
    assert url_of("settlement-close", SETTINGS) == url_of("capitation", SETTINGS) == SETTINGS.billing_url


class Service:
    """A service's answers to the job, in turn; what the job sent."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers, self.sent = list(answers), list[tuple[str, str, Any]]()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url="http://service", transport=httpx.MockTransport(self._answer))

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.url.path, request.headers["Idempotency-Key"], json.loads(request.content)))
        return self.answers.pop(0)


def test_batches_go_on_under_keys_of_their_own_until_one_is_not_full() -> None:
    small = SchedulerSettings(environment="test", scheduler_batch=2)
    service = Service(
        httpx.Response(200, json={"as_of": "x", "expired": ["r1", "r2"]}),
        httpx.Response(200, json={"as_of": "x", "expired": ["r3"]}),
    )

    assert run("referral-expiry", small, service.client(), "token", at("2026-05-04", timedelta(hours=10))) is True
    assert [key for _, key, _ in service.sent] == [
        "referral-expiry-2026-05-04T10:00Z-0",
        "referral-expiry-2026-05-04T10:00Z-1",
    ]
    assert all(body == {"as_of": "2026-05-04T10:00:00+00:00", "limit": 2} for _, _, body in service.sent)


def test_signings_own_word_on_more_is_taken() -> None:
    service = Service(
        httpx.Response(200, json={"as_of": "2026-03-01", "expired": ["c1"], "skipped": [], "more": True}),
        httpx.Response(200, json={"as_of": "2026-03-01", "expired": [], "skipped": [], "more": False}),
    )

    assert run("contract-expiry", SETTINGS, service.client(), "token", at("2026-03-01")) is True
    assert len(service.sent) == 2


def test_a_close_refused_as_not_caught_up_is_asked_again_and_a_refusal_fails_the_run() -> None:
    waiting = httpx.Response(409, json={"type": "/problems/inputs-not-caught-up"}, headers={"Retry-After": "1"})
    patient = SchedulerSettings(environment="test", scheduler_wait_seconds=5)
    service = Service(waiting, httpx.Response(200, json={"settlements": 3, "already_closed": False}))

    assert run("settlement-close", patient, service.client(), "token", at("2026-02-02")) is True
    assert [key for _, key, _ in service.sent] == ["settlement-close-2026-01"] * 2

    impatient = SchedulerSettings(environment="test", scheduler_wait_seconds=0)
    assert run("settlement-close", impatient, Service(waiting).client(), "token", at("2026-02-02")) is False
    forbidden = Service(httpx.Response(403, json={"type": "/problems/forbidden"}))
    assert run("appointment-reminders", SETTINGS, forbidden.client(), "token", at("2026-02-02")) is False


@pytest.mark.parametrize("job", ["settlement-close", "contract-expiry", "referral-expiry", "appointment-reminders"])
def test_an_unanswered_call_fails_the_run(job: str) -> None:
    def away(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.Client(base_url="http://service", transport=httpx.MockTransport(away))

    assert run(job, SETTINGS, client, "token", at("2026-02-02")) is False
