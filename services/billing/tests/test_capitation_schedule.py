"""The capitation job (`python -m fdcs schedule capitation`): which periods it books on a day, as
pure rules, and one run against billing's API, then again.

Worked by hand, with the shipped grace (2 days for an advance, 31 for a reconciliation):
- 2026-02-02: January is over but not its grace (31 Jan + 2 days = 2 Feb): nothing.
- 2026-02-03: January's advance.
- 2026-02-05, covering from 2025-01: the twelve advances of 2025, its reconciliation (31 Dec + 31
  days = 31 Jan), January 2026's advance: a job that never ran catches up in one run.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from billing.adapters.publishing import to_public
from billing.domain.advances import MONTHS, last_day
from billing.domain.capitation_schedule import Step, due
from fdcs.scheduler import SchedulerSettings, bearer, run_capitation
from shared.contracts import topics

Billing = Any  # the `billing` fixture (conftest.Billing)
TWO, MONTH = timedelta(days=2), timedelta(days=31)
SETTLEMENTS = topics.SETTLEMENTS.name
TEAM = {"institution_id": "CHC-1", "area_code": "440106", "insurance_bureau_id": "MIB-1"}


def names(steps: list[Step]) -> list[str]:
    return [s.idempotency_key for s in steps]


def test_a_month_is_advanced_once_it_and_its_grace_are_over() -> None:
    since = date(2026, 1, 1)

    assert due(since, date(2026, 2, 2), TWO, MONTH) == []
    assert names(due(since, date(2026, 2, 3), TWO, MONTH)) == ["capitation-advance-2026-01"]
    assert due(since, date(2026, 2, 3), TWO, MONTH)[0].path == "/capitation-years/2026/advances/1"


def test_a_job_that_never_ran_catches_up_every_period_oldest_first() -> None:
    steps = due(date(2025, 1, 1), date(2026, 2, 5), TWO, MONTH)

    assert names(steps) == [
        *(f"capitation-advance-2025-{m:02d}" for m in MONTHS),
        "capitation-reconciliation-2025",
        "capitation-advance-2026-01",
    ]
    assert steps[12].path == "/capitation-years/2025/reconciliation"


def test_a_year_is_reconciled_after_its_grace_and_never_before_its_december_advance() -> None:
    since = date(2025, 12, 1)

    assert names(due(since, date(2026, 1, 31), TWO, MONTH)) == ["capitation-advance-2025-12"]
    assert "capitation-reconciliation-2025" in names(due(since, date(2026, 2, 1), TWO, MONTH))
    # A reconciliation grace shorter than the advance's still waits for December's advance.
    assert due(since, date(2026, 1, 3), timedelta(days=5), timedelta(0)) == []


def test_the_installation_starts_with_the_month_it_covers_from() -> None:
    assert names(due(date(2026, 3, 15), date(2026, 5, 10), TWO, MONTH)) == [
        "capitation-advance-2026-03",
        "capitation-advance-2026-04",
    ]


@given(
    st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    st.integers(0, 900),
    st.integers(0, 400),
    st.integers(0, 60),
    st.integers(0, 366),
)
def test_only_periods_over_each_once_a_year_after_its_advances_and_a_later_day_drops_none(
    since: date, days: int, later: int, advance_days: int, reconciliation_days: int
) -> None:
    today = since + timedelta(days=days)
    grace = timedelta(days=advance_days), timedelta(days=reconciliation_days)
    steps = due(since, today, *grace)

    assert len(set(names(steps))) == len(steps)
    for n, step in enumerate(steps):
        over = date(step.year, 12, 31) if step.month is None else last_day(step.year, step.month)
        assert over + (grace[1] if step.month is None else grace[0]) < today
        assert step.month is None or (step.year, step.month) >= (since.year, since.month)
        if step.month is None:
            assert [s.month for s in steps[:n] if s.year == step.year][-1] == 12
    assert set(names(steps)) <= set(names(due(since, today + timedelta(days=later), *grace)))  # nothing dropped


@pytest.mark.parametrize("areas", [(), ("4401", "4403", "4452")], ids=["province", "cities"])
def test_a_run_books_every_period_due_through_the_api_and_a_rerun_books_nothing(
    billing: Billing, areas: tuple[str, ...]
) -> None:
    """2025 (18,000 fen a resident-year, 90% advanced): one adult all year; the job first runs on
    2026-02-05. Its advances add up to 16,200, the reconciliation nets them (the fund is owed
    14,400 back: test_capitation_advances), and January 2026 is advanced too. A city at a time
    (three calls at once, two of cities without institutions), the same."""
    whole = {"starts_on": "2025-01-01", "ends_on": "2026-12-31"}
    billing.deliver(billing.signed("a", team_id="T1", key_populations=[], **TEAM, **whole))
    now = datetime(2026, 2, 5, 1, tzinfo=UTC)  # 09:00 in China
    billing.clock[0] = now
    settings = SchedulerSettings(environment="test", capitation_schedule_since=date(2025, 1, 1), capitation_areas=areas)
    token = billing.admin["Authorization"].removeprefix("Bearer ")

    first = run_capitation(settings, billing.client, token, now)
    recorded = len(billing.store.read_log(0, 100_000))
    again = run_capitation(settings, billing.client, token, now + timedelta(days=1))

    assert first and again
    assert len(billing.store.read_log(0, 100_000)) == recorded  # each period's key replays its outcome
    rows = billing.get("/capitation-years/2025/reconciliations").json()["rows"]
    chc = next(r["figures"] for r in rows if r["subject_kind"] == "institution")
    assert (chc["advanced_fen"], chc["balance_due_fen"]) == (16_200, -14_400)
    published = [m for e in billing.store.read_log(0, 100_000) for m in to_public(e) if m.topic == SETTLEMENTS]
    advanced = [json.loads(m.value)["data"]["period"] for m in published if b"CapitationAdvanced" in m.value]
    assert advanced == [*(f"2025-{m:02d}" for m in MONTHS), "2026-01"]  # the institution's, once each


def test_an_institution_in_no_listed_area_fails_the_run_through_the_api(
    billing: Billing, caplog: pytest.LogCaptureFixture
) -> None:
    """CHC-1 (440106) with Shenzhen and Shanwei listed: no call would do it, the run says so."""
    billing.deliver(billing.signed("a", team_id="T1", key_populations=[], **TEAM))
    now = datetime(2026, 2, 5, 1, tzinfo=UTC)
    billing.clock[0] = now
    areas = ("4403", "4452")
    settings = SchedulerSettings(environment="test", capitation_schedule_since=date(2026, 1, 1), capitation_areas=areas)
    token = billing.admin["Authorization"].removeprefix("Bearer ")

    assert run_capitation(settings, billing.client, token, now) is False
    assert "capitation 2026: areas in none of CAPITATION_AREAS (area: institutions) {'440106': 1}" in caplog.text
    assert billing.resident("a") not in caplog.text


def test_a_refused_call_fails_the_run(billing: Billing) -> None:
    now = datetime(2026, 2, 5, 1, tzinfo=UTC)
    billing.clock[0] = now
    settings = SchedulerSettings(environment="test", capitation_schedule_since=date(2026, 1, 1))
    doctor = billing.as_("family_doctor", team="T1", institution="CHC-1")["Authorization"].removeprefix("Bearer ")

    assert run_capitation(settings, billing.client, doctor, now) is False  # 403: the job runs as an administrator


def test_a_year_whose_advance_failed_is_not_reconciled_in_that_run_and_the_others_still_run() -> None:
    called: list[str] = []

    def billing_answers(request: httpx.Request) -> httpx.Response:
        called.append(request.url.path)
        if request.url.path.endswith("/advances/11"):
            return httpx.Response(503, json={"type": "/problems/unavailable"})
        return httpx.Response(200, json={})

    client = httpx.Client(base_url="http://billing", transport=httpx.MockTransport(billing_answers))
    settings = SchedulerSettings(environment="test", capitation_schedule_since=date(2025, 11, 1))

    assert run_capitation(settings, client, "token", datetime(2026, 2, 5, 1, tzinfo=UTC)) is False
    assert called == [  # no areas listed: no areas read
        "/capitation-years/2025/advances/11",
        "/capitation-years/2025/advances/12",
        "/capitation-years/2026/advances/1",
    ]


CITIES = ("4401", "4403", "4452")
HELD = [{"area_code": "440106", "institutions": 2}, {"area_code": "440305", "institutions": 1}]  # in CITIES


def areas_of(year: int, areas: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"year": year, "areas": areas})


class BillingAnswers:
    """Billing's answers to the job's calls, from several threads at once: what it was sent
    (path, key, area), the connections asked for, how many calls were under way at most; and the
    years' areas asked for (path, how many calls were sent before)."""

    def __init__(
        self,
        answer: Callable[[httpx.Request], httpx.Response] | None = None,
        areas: Callable[[int], httpx.Response] = lambda year: areas_of(year, HELD),
    ) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.asked: list[tuple[str, int]] = []
        self.connections: set[str | None] = set()
        self.under_way = self.most = 0
        self._lock = threading.Lock()
        self._answer = answer or (lambda request: httpx.Response(200, json={}))
        self._areas = areas

    def client(self) -> httpx.Client:
        return httpx.Client(base_url="http://billing", transport=httpx.MockTransport(self._call))

    def _call(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            with self._lock:
                self.asked.append((request.url.path, len(self.sent)))
            return self._areas(int(request.url.path.split("/")[2]))
        with self._lock:
            self.sent.append((request.url.path, request.headers["Idempotency-Key"], request.url.params["area_code"]))
            self.connections.add(request.headers.get("Connection"))
            self.under_way += 1
            self.most = max(self.most, self.under_way)
        try:
            return self._answer(request)
        finally:
            with self._lock:
                self.under_way -= 1


def test_with_areas_each_period_is_a_call_per_area_under_its_own_key_and_the_next_waits_for_them() -> None:
    billing = BillingAnswers()
    settings = SchedulerSettings(
        environment="test", capitation_schedule_since=date(2025, 12, 1), capitation_areas=CITIES
    )

    assert run_capitation(settings, billing.client(), "token", datetime(2026, 2, 5, 1, tzinfo=UTC)) is True
    periods = [
        ("/capitation-years/2025/advances/12", "capitation-advance-2025-12"),
        ("/capitation-years/2025/reconciliation", "capitation-reconciliation-2025"),
        ("/capitation-years/2026/advances/1", "capitation-advance-2026-01"),
    ]
    assert sorted(billing.sent) == sorted((path, f"{key}@{area}", area) for path, key in periods for area in CITIES)
    assert [path for path, _, _ in billing.sent] == [path for path, _ in periods for _ in CITIES]  # in turn
    assert billing.connections == {"close"}  # the next call's connection opened afresh: to any replica
    # The year's areas read once, before its first period's calls: every institution's in a city.
    assert billing.asked == [("/capitation-years/2025/areas", 0), ("/capitation-years/2026/areas", 6)]


def test_an_institution_of_an_area_outside_the_list_fails_its_years_periods_and_the_listed_areas_are_called(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Chaozhou (4451) not listed: its two institutions would be in no call. 2025's December
    advance is called in every listed city yet fails, so 2025 is not reconciled; 2026 is held."""
    outside = [*HELD, {"area_code": "445102", "institutions": 2}]
    billing = BillingAnswers(areas=lambda year: areas_of(year, outside if year == 2025 else HELD))
    settings = SchedulerSettings(
        environment="test", capitation_schedule_since=date(2025, 12, 1), capitation_areas=CITIES
    )

    assert run_capitation(settings, billing.client(), "token", datetime(2026, 2, 5, 1, tzinfo=UTC)) is False
    advances = ["/capitation-years/2025/advances/12", "/capitation-years/2026/advances/1"]
    assert sorted((path, area) for path, _, area in billing.sent) == sorted((p, a) for p in advances for a in CITIES)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert "capitation 2025: areas in none of CAPITATION_AREAS (area: institutions) {'445102': 2}" in errors
    assert any("capitation-advance-2025-12" in e for e in errors)
    assert not any("2026" in e for e in errors)


@pytest.mark.parametrize("unread", ["503", "no answer"])
def test_the_years_areas_not_read_fails_its_periods(unread: str, caplog: pytest.LogCaptureFixture) -> None:
    def areas(year: int) -> httpx.Response:
        if year == 2026:
            return areas_of(year, HELD)
        if unread == "503":
            return httpx.Response(503, json={"type": "/problems/unavailable"})
        raise httpx.ConnectError("refused")

    billing = BillingAnswers(areas=areas)
    settings = SchedulerSettings(
        environment="test", capitation_schedule_since=date(2025, 12, 1), capitation_areas=CITIES
    )

    assert run_capitation(settings, billing.client(), "token", datetime(2026, 2, 5, 1, tzinfo=UTC)) is False
    assert {path for path, _, _ in billing.sent} == {
        "/capitation-years/2025/advances/12",
        "/capitation-years/2026/advances/1",
    }
    assert any(r.getMessage().startswith("capitation 2025: its areas not read") for r in caplog.records)


def test_an_area_whose_advance_failed_fails_the_run_and_its_year_is_reconciled_in_no_area() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/advances/11") and request.url.params["area_code"] == "4403":
            return httpx.Response(503, json={"type": "/problems/unavailable"})
        return httpx.Response(200, json={})

    billing = BillingAnswers(answer)
    settings = SchedulerSettings(
        environment="test", capitation_schedule_since=date(2025, 11, 1), capitation_areas=CITIES
    )

    assert run_capitation(settings, billing.client(), "token", datetime(2026, 2, 5, 1, tzinfo=UTC)) is False
    advances = ["/capitation-years/2025/advances/11", "/capitation-years/2025/advances/12"]
    advances.append("/capitation-years/2026/advances/1")
    called = [(path, area) for path, _, area in billing.sent]
    # The other areas and periods still called; 2025 reconciled in no area.
    assert sorted(called) == sorted((path, area) for path in advances for area in CITIES)


def test_no_more_areas_are_called_at_once_than_the_parallel_calls() -> None:
    """The first three calls wait for each other (so three are under way at once); a fourth
    under way meanwhile would be one too many."""
    together = threading.Barrier(3, timeout=10)
    first = iter(range(3))

    def answer(request: httpx.Request) -> httpx.Response:
        if next(first, None) is not None:
            together.wait()
        time.sleep(0.01)
        return httpx.Response(200, json={})

    billing = BillingAnswers(answer)
    areas = ("4401", "4402", "4403", "4404", "4405", "4406", "4407")
    settings = SchedulerSettings(
        environment="test",
        capitation_schedule_since=date(2026, 1, 1),
        capitation_areas=areas,
        capitation_parallel_calls=3,
    )

    assert run_capitation(settings, billing.client(), "token", datetime(2026, 2, 5, 1, tzinfo=UTC)) is True
    assert sorted(area for _, _, area in billing.sent) == sorted(areas)  # January's advance, each area once
    assert billing.most == 3


@pytest.mark.parametrize("areas", [["4401", "440106"], ["4401", "4401"], ["44", "4403"], ["440"], [""], ["4A01"]])
def test_areas_that_overlap_or_are_no_area_codes_are_refused(areas: list[str]) -> None:
    with pytest.raises(ValidationError, match=r"overlap|area code"):
        SchedulerSettings(environment="test", capitation_areas=areas)


def test_the_token_comes_from_the_identity_provider_by_client_credentials() -> None:
    asked: list[str] = []

    def provider(request: httpx.Request) -> httpx.Response:
        asked.append(request.content.decode())
        return httpx.Response(200, json={"access_token": "t-1", "token_type": "Bearer"})

    settings = SchedulerSettings(
        environment="production", scheduler_token_url="https://idp/token", scheduler_client_secret="s3cret"
    )

    assert bearer(settings, httpx.Client(transport=httpx.MockTransport(provider))) == "t-1"
    assert asked == ["grant_type=client_credentials&client_id=fdcs-scheduler&client_secret=s3cret"]
    with pytest.raises(ValidationError, match="identity provider"):
        SchedulerSettings(environment="production", scheduler_token="a-fixed-token")
