"""The close and the reopening as jobs of a command per ledger, over HTTP on PostgreSQL: a job
stopped halfway goes on where it stopped, a charge arriving between the book's close and its
ledger's is booked late and settled once, a reopening is refused before anything is written,
and postings meanwhile never make the close fail."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from billing.adapters.http import commands
from billing.application.settlement import Settlement
from shared.commands import Work

Billing = Any  # the `billing` fixture (conftest.Billing)
SETTLED = "billing.internal.PeriodSettled.v1"
BOOKED = "billing.internal.ChargeBooked.v1"
REVERSED = "billing.internal.SettlementReversed.v1"
INSTITUTION = {"institution_id": "CHC-440106-01", "subject_id": "CHC-440106-01", "period": "2026"}


def contracts(billing: Billing) -> list[Any]:
    """Two contracts at each of two institutions (the residents' and the bureau's ledgers)."""
    return [billing.signed(f"c{i}", institution_id=f"CHC-440106-0{i % 2 + 1}") for i in range(4)]


def stopping(billing: Billing, monkeypatch: pytest.MonkeyPatch, after: int, part: str = "settle_ledger") -> None:
    """The app's close (or reopening) stops, a crash or a restart, when `after` ledgers'
    commands have run."""
    settlement: Settlement = billing.client.app.state.settlement
    work, done = getattr(settlement, part), [0]

    def crashing(*given: Any) -> Work:
        if done[0] == after:
            raise RuntimeError("the job stopped here")
        done[0] += 1
        return work(*given)

    monkeypatch.setattr(settlement, part, crashing)
    monkeypatch.setattr(commands, "AT_ONCE", 1)  # a ledger at a time: stopped after exactly `after` of them


def logged(billing: Billing, type_name: str) -> list[dict[str, Any]]:
    return [e.data for e in billing.store.read_log(0, 100_000) if e.type == type_name]


def test_a_close_stopped_halfway_goes_on_with_the_same_key_to_an_uninterrupted_closes_figures(
    billing: Billing, another_billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing.deliver(*contracts(billing))
    another_billing.deliver(*contracts(another_billing))
    uninterrupted = another_billing.close("2026-01", "2026-02-01")

    with monkeypatch.context() as crash:
        stopping(billing, crash, after=1)
        stopped = billing.close("2026-01", "2026-02-01", key="close-jan")
    halfway = len(logged(billing, SETTLED))
    finished = billing.close("2026-01", "2026-02-01", key="close-jan")
    again = billing.close("2026-01", "2026-02-01", key="close-jan")

    assert stopped.status_code == 500 and halfway == 1  # the book closed and one ledger settled
    assert finished.status_code == 200, finished.text
    assert finished.json() == uninterrupted.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    written = len(billing.store.read_log(0, 100_000))
    assert billing.close("2026-01", "2026-02-01").json()["settlements"] == 0  # finished under the same key: complete
    assert len(billing.store.read_log(0, 100_000)) == written + 1
    settled = Counter(
        (s["ledger"]["institution_id"], s["ledger"]["payer"], s["period"]) for s in logged(billing, SETTLED)
    )
    assert len(settled) == 8 and set(settled.values()) == {1}  # every ledger, once


def test_a_close_stopped_halfway_is_finished_by_a_close_under_a_new_key(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing.deliver(*contracts(billing))

    with monkeypatch.context() as crash:
        stopping(billing, crash, after=3)
        billing.close("2026-01", "2026-02-01")
    rest = billing.close("2026-01", "2026-02-01")

    written = len(billing.store.read_log(0, 100_000))
    again = billing.close("2026-01", "2026-02-01")

    assert (rest.json()["already_closed"], rest.json()["settlements"]) == (True, 8 - 3)
    assert len(logged(billing, SETTLED)) == 8
    assert again.json()["settlements"] == 0 and len(billing.store.read_log(0, 100_000)) == written + 1  # complete


def test_a_complete_close_run_again_sends_its_ledgers_no_command_and_answers_as_before(billing: Billing) -> None:
    """Each ledger's command under a new key wrote a receipt, settling nothing (a province's
    20,000); the same key again replays every part, as it did."""
    billing.deliver(*contracts(billing))
    first = billing.close("2026-01", "2026-02-01", key="close-jan")
    written = len(billing.store.read_log(0, 100_000))

    again = billing.close("2026-01", "2026-02-01")
    after_again = len(billing.store.read_log(0, 100_000))
    same_key = billing.close("2026-01", "2026-02-01", key="close-jan")

    assert first.json()["settlements"] == 8
    assert again.json() == {
        "closed_through": "2026-01",
        "already_closed": True,
        "settlements": 0,
        "payable_fen": 0,
        "withheld_fen": 0,
    }
    assert after_again - written == 1  # the book's part's receipt alone, no ledger's
    assert same_key.json() == first.json() and same_key.headers.get("Idempotent-Replayed") == "true"
    assert len(billing.store.read_log(0, 100_000)) == after_again


def test_a_charge_between_the_books_close_and_its_ledgers_is_late_and_settled_once_by_the_next_close(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing.deliver(billing.signed("c1"))
    with monkeypatch.context() as crash:
        stopping(billing, crash, after=0)  # the book closed, no ledger settled yet
        billing.close("2026-01", "2026-02-01", key="close-jan")

    billing.deliver(billing.signed("late", starts_on="2026-01-20", ends_on="2027-01-19"))
    january = billing.close("2026-01", "2026-02-01", key="close-jan")
    billing.clock[0] = datetime(2026, 3, 1, 2, tzinfo=UTC)
    february = billing.close("2026-02", "2026-03-01")
    billing.build_view()

    late = [c for c in logged(billing, BOOKED) if c["contract_id"] == "late"]
    assert {(c["period"], c["origin_period"], c["reason"]) for c in late} == {("2026-02", "2026-01", "late_adjustment")}
    assert january.json()["settlements"] == 4 and february.json()["settlements"] == 4
    rows = billing.get("/settlement-view/figures", period="2026", payer="insurance_fund").json()["rows"]
    assert [(r["period"], r["due_fen"], r["adjusted_fen"], r["contracts_charged"]) for r in rows] == [
        ("2026-01", 9000, 0, 1),
        ("2026-02", 0, 9000, 1),
    ]
    charged = sum(c["amount_fen"] for c in logged(billing, BOOKED))
    settled = logged(billing, SETTLED)
    assert sum(s["due_fen"] + s["adjustments_fen"] for s in settled) == charged  # each charge once


def test_a_reopening_is_refused_before_anything_is_written_when_a_withheld_share_was_released(
    billing: Billing,
) -> None:
    billing.deliver(*contracts(billing))
    assert billing.close("2026-01", "2026-02-01").status_code == 200
    billing.deliver(billing.event("appraisal.AppraisalPublished.v1", score="86.00", **INSTITUTION))
    before = billing.store.last_position()

    refused = reopen(billing, "2026-01")

    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/withheld-already-released")
    assert billing.store.last_position() == before  # not the book, not a ledger, not a receipt
    assert billing.get("/settlement-periods").json()["closed_through"] == "2026-01"


def test_a_release_after_the_reopenings_check_keeps_its_ledger_as_it_stands(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing.deliver(*contracts(billing))
    assert billing.close("2026-01", "2026-02-01").status_code == 200
    billing.deliver(billing.event("appraisal.AppraisalPublished.v1", score="86.00", **INSTITUTION))
    settlement: Settlement = billing.client.app.state.settlement
    # As if the release came after the check: the check passes, the ledgers are reversed after it.
    monkeypatch.setattr(settlement, "check_reopening", lambda command, store: None)

    reopened = reopen(billing, "2026-01")
    billing.deliver(billing.signed("c9", institution_id="CHC-440106-01", starts_on="2026-01-25"))
    again = billing.close("2026-01", "2026-02-01")

    assert reopened.status_code == 200, reopened.text
    # CHC-01's two ledgers with a withheld share released are kept; its others and CHC-02's reversed.
    assert (reopened.json()["ledgers_kept"], reopened.json()["reversals"]) == (2, 6)
    assert again.json()["settlements"] == 6  # the kept ones stay settled
    c9 = Counter((c["period"], c["reason"]) for c in logged(billing, BOOKED) if c["contract_id"] == "c9")
    # Late on the kept ledgers (still closed through January), in January on the reopened ones.
    assert c9 == {("2026-02", "late_adjustment"): 2, ("2026-01", "annual_fee"): 2}
    charged = sum(c["amount_fen"] for c in logged(billing, BOOKED) if c["period"] == "2026-01")
    settled = logged(billing, SETTLED) + logged(billing, REVERSED)
    assert sum(s["due_fen"] for s in settled) == charged  # January's charges settled once, net of reversals


def test_a_reopening_stopped_halfway_goes_on_with_the_same_key(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing.deliver(*contracts(billing))
    closed = billing.close("2026-01", "2026-02-01").json()

    with monkeypatch.context() as crash:
        stopping(billing, crash, after=2, part="reverse_ledger")
        stopped = reopen(billing, "2026-01", key="fix-jan")
    halfway = len(logged(billing, REVERSED))
    finished = reopen(billing, "2026-01", key="fix-jan")
    another_key = reopen(billing, "2026-01")

    assert stopped.status_code == 500 and halfway == 2
    assert finished.status_code == 200, finished.text
    assert (finished.json()["reversals"], finished.json()["payable_fen"]) == (8, -closed["payable_fen"])
    assert len(logged(billing, REVERSED)) == 8  # each settlement reversed once
    assert (another_key.status_code, another_key.json()["type"]) == (409, "/problems/period-not-closed")


def test_a_close_while_charges_are_posted_never_fails_and_settles_each_charge_once(billing: Billing) -> None:
    institutions = [f"CHC-440106-{i:02}" for i in range(20)]
    billing.deliver(*(billing.signed(f"c-{i}", institution_id=i) for i in institutions))
    arriving = [
        billing.signed(f"m-{n}-{i}", institution_id=i, starts_on="2026-01-25") for n in range(3) for i in institutions
    ]

    with ThreadPoolExecutor(4) as pool:
        postings = [pool.submit(billing.deliver, e) for e in arriving]
        closed = billing.close("2026-01", "2026-02-01")
        for posted in postings:
            posted.result()
    billing.clock[0] = datetime(2026, 3, 1, 2, tzinfo=UTC)
    assert billing.close("2026-02", "2026-03-01").status_code == 200

    assert closed.status_code == 200, closed.text
    charged = sum(c["amount_fen"] for c in logged(billing, BOOKED))
    settled = logged(billing, SETTLED)
    assert sum(s["due_fen"] + s["adjustments_fen"] for s in settled) == charged
    assert len({s["settlement_id"] for s in settled}) == len(settled)


def reopen(billing: Billing, period: str, key: str | None = None) -> Any:
    headers = {**billing.admin, "Idempotency-Key": key or str(uuid.uuid4())}
    return billing.client.post(
        f"/settlement-periods/{period}/reopening", json={"reason": "closed_too_early"}, headers=headers
    )
