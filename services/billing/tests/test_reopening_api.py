"""A wrongly closed period corrected over HTTP, on PostgreSQL: the bureau's feed and topic show
the reversal, the view and a close again show the right figures, and the sum is exact."""

from __future__ import annotations

import uuid
from typing import Any

from billing.adapters.publishing import to_public
from billing.bootstrap import bureau_feed, engine_for
from shared.contracts import Envelope, parse_event, topics

Billing = Any  # the `billing` fixture (conftest.Billing)
MINE = "MIB-440106"


def reopen(billing: Billing, period: str, who: dict[str, str] | None = None, **body: Any) -> Any:
    headers = {**(who or billing.admin), "Idempotency-Key": body.pop("key", None) or str(uuid.uuid4())}
    return billing.client.post(
        f"/settlement-periods/{period}/reopening", json={"reason": "closed_too_early", **body}, headers=headers
    )


def test_a_period_closed_too_early_is_reversed_and_settled_again_with_the_late_contract(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"), billing.signed("c2"))
    assert billing.close("2026-01", "2026-02-01").status_code == 200  # before c3 was known

    reopened = reopen(billing, "2026-01", key="fix-jan")
    replayed = reopen(billing, "2026-01", key="fix-jan")
    billing.deliver(billing.signed("c3"))
    again = billing.close("2026-01", "2026-02-01")
    billing.build_view()
    bureau_feed(billing.store, engine_for(billing.settings)).catch_up()

    assert reopened.status_code == 200, reopened.text
    # every payer's settlement of c1 and c2, negated: 12600 + 6300 + 5400 + 3600 payable, 5400 + 2700 withheld
    expected = {
        "closed_through": "2025-12",
        "reversals": 4,
        "payable_fen": -27900,
        "withheld_fen": -8100,
        "ledgers_kept": 0,
    }
    assert reopened.json() == expected
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["settlements"] == 4
    feed = billing.get(f"/bureaus/{MINE}/feed", billing.as_("insurance_bureau", bureau=MINE), after=0).json()
    stream = [i["event"] for i in feed["items"]]
    assert [e["type"].split(".")[1] for e in stream] == [
        "ContractCharged", "ContractCharged", "FeeSettled", "SettlementReversed", "ContractCharged", "FeeSettled",
    ]  # fmt: skip
    first, reversal, second = (e["data"] for e in stream if e["type"] != "billing.ContractCharged.v1")
    assert reversal["reverses_settlement_id"] == first["settlement_id"] != second["settlement_id"]
    assert (second["contracts_charged"], second["due_fen"], second["payable_fen"]) == (3, 27000, 18900)
    assert sum(e["payable_fen"] for e in (first, reversal, second)) == 18900  # one right close
    messages = [m for e in billing.store.read_log(0, 10_000) for m in to_public(e)]
    on_topic = [parse_event(Envelope.decode(m.value)) for m in messages if m.topic == topics.bureau(MINE).name]
    assert [type(e).__name__ for e in on_topic] == [e["type"].split(".")[1] for e in stream]  # the feed's very messages
    figures = billing.get("/settlement-view/figures", period="2026-01", payer="insurance_fund").json()["totals"]
    reconciled = billing.get("/settlement-view/reconciliation", period="2026-01").json()
    assert (figures["due_fen"], figures["settled_fen"], figures["withheld_fen"]) == (27000, 18900, 8100)
    assert reconciled["balanced"] is True


def test_a_reopening_is_refused_for_an_open_period_a_bad_reason_and_anyone_but_an_administrator(
    billing: Billing,
) -> None:
    billing.deliver(billing.signed("c1"))
    assert billing.close("2026-01", "2026-02-01").status_code == 200

    still_open = reopen(billing, "2026-02")
    bureau = reopen(billing, "2026-01", billing.as_("insurance_bureau", bureau=MINE))
    official = reopen(billing, "2026-01", billing.as_("official", area="44"))
    no_reason = reopen(billing, "2026-01", reason="because")
    no_period = reopen(billing, "2026-13")

    assert (still_open.status_code, still_open.json()["type"]) == (409, "/problems/period-not-closed")
    assert (bureau.status_code, official.status_code) == (403, 403)
    assert (no_reason.status_code, no_period.status_code) == (422, 422)
    assert billing.get("/settlement-periods").json()["closed_through"] == "2026-01"  # nothing changed
