"""Closing settlement periods over HTTP, on PostgreSQL: once, in order, late events adjusted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

Billing = Any  # the `billing` fixture (conftest.Billing)


def test_closing_a_period_twice_changes_nothing(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"), billing.signed("c2"))

    first = billing.close("2026-01", "2026-02-01")
    log_after_first = billing.store.last_position()
    billing.clock[0] = datetime(2026, 2, 3, 2, tzinfo=UTC)
    again = billing.close("2026-01", "2026-02-03")
    replayed = billing.close("2026-01", "2026-02-01", key="close-jan")
    replayed_again = billing.close("2026-01", "2026-02-01", key="close-jan")

    assert first.status_code == 200, first.text
    assert first.json() == {
        "closed_through": "2026-01",
        "already_closed": False,
        "settlements": 4,
        "payable_fen": 36000 - (18000 + 9000) * 3 // 10,
        "withheld_fen": 8100,
    }
    assert again.json()["already_closed"] is True and again.json()["settlements"] == 0
    assert replayed_again.headers.get("Idempotent-Replayed") == "true" and replayed_again.json() == replayed.json()
    # Only the receipts of the two keys' book parts: every ledger was settled, none sent a command.
    added = billing.store.read_log(log_after_first, 10_000)
    assert [e.type for e in added] == ["command.Receipt.v1"] * 2


def test_a_late_event_for_a_closed_period_is_an_adjustment_of_the_next_one(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"))
    billing.close("2026-01", "2026-02-01")

    billing.deliver(billing.signed("late", starts_on="2026-01-20", ends_on="2027-01-19"))
    billing.clock[0] = datetime(2026, 3, 1, 2, tzinfo=UTC)
    billing.close("2026-02", "2026-03-01")
    billing.build_view()

    rows = billing.get("/settlement-view/figures", period="2026", payer="insurance_fund").json()["rows"]
    assert [(r["period"], r["due_fen"], r["adjusted_fen"], r["contracts_charged"]) for r in rows] == [
        ("2026-01", 9000, 0, 1),
        ("2026-02", 0, 9000, 1),
    ]
    late = billing.get("/settlement-view/charges", period="2026-02", payer="insurance_fund").json()
    assert [(c["contract_id"], c["reason"]) for c in late["items"]] == [("late", "late_adjustment")]


def test_closing_is_refused_for_a_period_not_over_and_for_other_callers(billing: Billing) -> None:
    cases = {
        "period-not-over": billing.close("2026-02", "2026-02-01"),
        "invalid-request": billing.close("2026-13", "2026-02-01"),  # no 13th month, at the door
        "forbidden": billing.close("2026-01", "2026-02-01", who=billing.as_("official", area="44")),
    }

    for code, response in cases.items():
        assert 400 <= response.status_code < 500, (code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == f"/problems/{code}"


def test_the_scheduler_closes_the_last_period_over_by_its_date(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"))
    headers = {**billing.admin, "Idempotency-Key": "cron-2026-02-01"}

    closed = billing.client.post("/settlement-periods/close", json={"as_of": "2026-02-01"}, headers=headers)

    assert closed.status_code == 200, closed.text
    assert closed.json()["closed_through"] == "2026-01"
    assert billing.get("/settlement-periods").json() == {"closed_through": "2026-01", "ledgers": 4}


def test_two_closes_at_once_settle_the_period_once(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"), billing.signed("c2"))

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: billing.close("2026-01", "2026-02-01"), range(4)))

    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(a.json()["already_closed"] for a in answers) == [False, True, True, True]
    settled = [e for e in billing.store.read_log(0, 10_000) if e.type == "billing.internal.PeriodSettled.v1"]
    assert len(settled) == 4  # one per payer of the institution


def test_closing_refuses_a_day_or_a_period_that_has_not_come(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"))

    cases = {
        "far": billing.close("9999-12", "2026-02-01"),
        "running": billing.close("2026-02", "2026-02-01"),
        "as_of_ahead": billing.close("2026-02", "2026-03-01"),
        "default_ahead": billing.client.post(
            "/settlement-periods/close",
            json={"as_of": "9999-12-31"},
            headers={**billing.admin, "Idempotency-Key": "cron-9999"},
        ),
        "year_one": billing.close("2026-01", "0001-01-01"),
    }
    untouched = billing.get("/settlement-periods").json()["closed_through"]
    today = billing.close("2026-01", "2026-02-01")

    types = {name: (r.status_code, r.json().get("type")) for name, r in cases.items()}
    assert types == {
        "far": (422, "/problems/invalid-request"),  # no period of year 9999 exists
        "running": (422, "/problems/period-not-over"),
        "as_of_ahead": (422, "/problems/as-of-in-the-future"),
        "default_ahead": (422, "/problems/as-of-in-the-future"),
        "year_one": (422, "/problems/invalid-request"),
    }
    assert untouched is None
    assert (today.status_code, today.json()["closed_through"], today.json()["already_closed"]) == (
        200,
        "2026-01",
        False,
    )
