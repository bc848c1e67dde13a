"""The settlement view's figures a page at a time and its reconciliation bounded, on PostgreSQL:
an administrator's scope is every ledger of the province in every period (some 240,000 groups a
year), so a read answers a page of groups, and the reconciliation how many disagree and the first
of them, with the whole scope's totals summed by the database.

Two bureaus' contracts settled in 2026-01 (five groups), a contract charged in 2026-02 and one in
2027-01 (open periods), and the institution's appraisal releasing withheld shares in 2027-01: the
two funds' groups of 2027-01 are both released and open."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import select

from billing.adapters.projections.tables import SETTLEMENTS
from shared.contracts import parse_event, topics
from shared.messaging import Delivery
from shared.testing.refusals import refused

Billing = Any  # the `billing` fixture (conftest.Billing)
FIGURES, RECONCILIATION = "/settlement-view/figures", "/settlement-view/reconciliation"
GROUP = ("period", "payer", "bureau_id", "institution_id", "area_code")
OTHER = "MIB-440107"


def settled_released_and_open(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"), billing.signed("c2"), billing.signed("c3", insurance_bureau_id=OTHER))
    assert billing.close("2026-01", "2026-02-01").status_code == 200
    billing.deliver(
        billing.signed("c4", starts_on="2026-02-10", ends_on="2027-02-09"),
        billing.signed("c5", starts_on="2027-01-10", ends_on="2028-01-09"),
        billing.event("appraisal.AppraisalPublished.v1", institution_id="CHC-440106-01", subject_id="CHC-440106-01"),
    )
    billing.build_view()


def restated_by_one_fen(billing: Billing) -> None:
    """Every settlement published again with a fen more due, as the view applies it."""
    with billing.view.engine.connect() as conn:
        stored = [dict(r) for r in conn.execute(select(SETTLEMENTS)).mappings()]
    again = [billing.event("billing.FeeSettled.v1", **s | {"due_fen": s["due_fen"] + 1}) for s in stored]
    billing.view.apply([Delivery(e, parse_event(e), topics.SETTLEMENTS.name) for e in again])


def pages(billing: Billing, path: str = FIGURES, **params: Any) -> list[dict[str, Any]]:
    """Every page, following `next_cursor` to the last."""
    found, cursor = [], None
    while True:
        answer = billing.get(path, **params, **({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.text
        found.append(answer.json())
        if (cursor := found[-1]["next_cursor"]) is None:
            return found


def key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row[g] or "" for g in GROUP)  # a payer without a bureau first


def test_the_figures_a_group_a_page_are_the_whole_in_order_with_the_whole_scope_s_totals(billing: Billing) -> None:
    settled_released_and_open(billing)

    whole = billing.get(FIGURES).json()
    one_by_one = pages(billing, limit=1)

    rows = [r for p in one_by_one for r in p["rows"]]
    open_rows = [r for p in one_by_one for r in p["open"]["rows"]]
    assert whole["next_cursor"] is None and (rows, open_rows) == (whole["rows"], whole["open"]["rows"])
    both = {key(r) for r in rows} & {key(r) for r in open_rows}  # released, and charged since: on one page
    assert len(one_by_one) == len(rows) + len(open_rows) - len(both) == 14
    assert {(period, payer) for period, payer, *_ in both} == {
        ("2027-01", "insurance_fund"),
        ("2027-01", "public_health_fund"),
    }
    assert [key(r) for r in rows] == sorted(key(r) for r in rows)
    assert [key(r) for r in open_rows] == sorted(key(r) for r in open_rows)
    assert all(p[f] == whole[f] for p in one_by_one for f in ("totals", "released_for_period"))
    assert all(p["open"]["totals"] == whole["open"]["totals"] for p in one_by_one)
    assert whole["totals"] == {f: sum(r[f] for r in rows) for f in whole["totals"]}
    assert whole["open"]["totals"] == {f: sum(r[f] for r in open_rows) for f in whole["open"]["totals"]}
    assert whole["totals"]["released_fen"] > 0 and whole["open"]["totals"]["due_fen"] > 0
    assert {r["period"] for r in open_rows} == {"2026-02", "2027-01"}


def test_a_page_of_an_area_or_a_bureau_holds_only_its_groups(billing: Billing) -> None:
    settled_released_and_open(billing)

    bureau = pages(billing, limit=2, bureau_id=OTHER)
    elsewhere = billing.get(FIGURES, area_code="4402").json()

    assert {r["bureau_id"] for p in bureau for r in p["rows"] + p["open"]["rows"]} == {OTHER}
    assert [[r["period"] for r in p["rows"]] for p in bureau] == [["2026-01", "2027-01"]]  # c3's, and its release
    assert elsewhere["rows"] == elsewhere["open"]["rows"] == [] and elsewhere["next_cursor"] is None
    assert elsewhere["totals"]["due_fen"] == 0


@pytest.mark.parametrize("path", [FIGURES, "/settlement-view/charges"])
@pytest.mark.parametrize(
    "cursor", ["not-a-cursor", "W10=", "WyJhIiwgMV0=", "WyIyMDI2LTAxIl0="]
)  # [], ["a", 1], ["2026-01"]
def test_a_cursor_not_given_by_the_api_is_400(billing: Billing, path: str, cursor: str) -> None:
    refused(billing.client, billing.get(path, cursor=cursor), 400, "bad-cursor")


def test_a_cursor_with_a_nul_is_400_not_a_database_error(billing: Billing) -> None:
    forged = base64.urlsafe_b64encode(json.dumps(["2026-01", "x\x00", "", "CHC", "44"]).encode()).decode()
    refused(billing.client, billing.get(FIGURES, cursor=forged), 400, "bad-cursor")


@pytest.mark.parametrize("path", [FIGURES, RECONCILIATION])
@pytest.mark.parametrize("limit", [0, 1001])
def test_a_limit_past_1000_or_below_1_is_422(billing: Billing, path: str, limit: int) -> None:
    refused(billing.client, billing.get(path, limit=limit), 422, "invalid-request")


def test_the_reconciliation_counts_the_groups_and_lists_the_first(billing: Billing) -> None:
    settled_released_and_open(billing)
    whole = billing.get(RECONCILIATION, limit=1000).json()
    restated_by_one_fen(billing)  # settlements the charges no longer back
    wrong = billing.get(RECONCILIATION, limit=1000).json()

    first = billing.get(RECONCILIATION, limit=2).json()

    assert (whole["balanced"], whole["mismatched_count"], whole["mismatched"]) == (True, 0, [])
    assert whole["unsettled_count"] == len(whole["unsettled"]) == 8  # four payers in each open period
    assert [key(u) for u in whole["unsettled"]] == sorted(key(u) for u in whole["unsettled"])
    assert (wrong["balanced"], wrong["mismatched_count"], len(wrong["mismatched"])) == (False, 5, 5)
    assert [key(m) for m in wrong["mismatched"]] == sorted(key(m) for m in wrong["mismatched"])
    assert (first["mismatched_count"], first["mismatched"]) == (5, wrong["mismatched"][:2])
    assert (first["unsettled_count"], first["unsettled"]) == (8, whole["unsettled"][:2])
    assert first["balanced"] is False and first["view_totals"] == wrong["view_totals"]
    assert billing.get(RECONCILIATION).json() == wrong  # the first 100 by default: all of these
