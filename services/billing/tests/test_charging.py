"""Contracts charged from signing's events, and settled by period, on PostgreSQL."""

from __future__ import annotations

from typing import Any

Billing = Any  # the `billing` fixture (conftest.Billing)
SHARES = {"insurance_fund": 9000, "public_health_fund": 4500, "resident": 2700, "local_finance": 1800}


def test_a_signed_contract_is_charged_to_its_payers_once_however_often_it_arrives(billing: Billing) -> None:
    message = billing.signed("c1")

    billing.deliver(message)
    billing.deliver(message, message)
    account = billing.get("/contracts/c1/account")

    assert account.status_code == 200, account.text
    assert account.json()["years"] == [
        {
            "contract_year": 1,
            "starts_on": "2026-01-06",
            "ends_on": "2027-01-05",
            "period": "2026-01",
            "shares": SHARES,
            "refunds": {},
        }
    ]
    assert account.headers["ETag"] == '"2"'


def test_medical_assistance_takes_the_residents_share(billing: Billing) -> None:
    billing.deliver(billing.signed("c1", medical_assistance=True))

    shares = billing.get("/contracts/c1/account").json()["years"][0]["shares"]

    assert shares == {
        "insurance_fund": 9000,
        "public_health_fund": 4500,
        "medical_assistance": 2700,
        "local_finance": 1800,
    }


def test_a_termination_refunds_each_payer_pro_rata_by_day(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"))

    billing.deliver(
        billing.event(
            "signing.ContractTerminated.v1",
            contract_id="c1",
            resident_ref=billing.resident("c1"),
            last_day="2026-04-05",
            terminated_at="2026-04-06T09:00:00+08:00",
        )
    )

    year = billing.get("/contracts/c1/account").json()["years"][0]
    # 90 of 365 days used: 275 unused, 18000 * 275 / 365 = 13562 fen back, split 50/25/15/10 by
    # largest remainder (the half fen of the public health fund's 3390.5 gets the fen left over)
    assert year["refunds"] == {
        "insurance_fund": -6781,
        "public_health_fund": -3391,
        "resident": -2034,
        "local_finance": -1356,
    }
    assert sum(year["refunds"].values()) == -13562


def test_an_event_billing_cannot_act_on_is_kept_on_the_account_not_lost(billing: Billing) -> None:
    billing.deliver(
        billing.event("signing.ContractTerminated.v1", contract_id="ghost", resident_ref=billing.resident("ghost"))
    )

    account = billing.get("/contracts/ghost/account").json()

    assert account["refusals"] == [{"code": "unknown-contract", "reason": "billing has not charged this contract"}]


def test_closing_a_period_twice_changes_nothing(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"), billing.signed("c2"))

    first = billing.close("2026-01", "2026-02-01")
    log_after_first = billing.store.last_position()
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
    assert billing.store.last_position() == log_after_first + 2  # only the two receipts


def test_a_late_event_for_a_closed_period_is_an_adjustment_of_the_next_one(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"))
    billing.close("2026-01", "2026-02-01")

    billing.deliver(billing.signed("late", starts_on="2026-01-20", ends_on="2027-01-19"))
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
        "period-not-over": billing.close("2026-02", "2026-02-28"),
        "invalid-period": billing.close("2026-13", "2027-02-01"),
        "forbidden": billing.close("2026-01", "2026-02-01", who=billing.as_("official", area="44")),
    }

    for code, response in cases.items():
        assert 400 <= response.status_code < 500, (code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == f"/problems/{code}"
