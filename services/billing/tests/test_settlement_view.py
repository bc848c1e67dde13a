"""Billing's public stream, the settlement view built from it, and who may read what."""

from __future__ import annotations

import json
from typing import Any

from billing.adapters.projections.settlement_view import replay
from billing.adapters.publishing import to_public
from billing.bootstrap import bureau_feed, engine_for
from shared.contracts import Envelope, parse_event, topics

Billing = Any  # the `billing` fixture (conftest.Billing)
MINE, OTHER = "MIB-440106", "MIB-440107"


def two_bureaus_settled(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"), billing.signed("c2"), billing.signed("c3", insurance_bureau_id=OTHER))
    assert billing.close("2026-01", "2026-02-01").status_code == 200
    billing.build_view()


def published(billing: Billing) -> list[Any]:
    return [m for e in billing.store.read_log(0, 10_000) for m in to_public(e)]


def test_every_settlement_is_public_and_a_bureaus_own_go_to_its_topic_keyed_by_institution(billing: Billing) -> None:
    two_bureaus_settled(billing)

    messages = published(billing)
    events = [(m.topic, parse_event(Envelope.decode(m.value))) for m in messages]

    mine = [e for topic, e in events if topic == topics.bureau(MINE).name]
    assert {type(e).__name__ for _, e in events} == {"ContractCharged", "FeeSettled"}
    assert {(e.payer, e.bureau_id) for e in mine} == {("insurance_fund", MINE)}
    assert len(mine) == 3  # two charges and one settlement
    assert all(m.key == "CHC-440106-01" for m in messages)
    on_bureau_topics = sum(t.startswith(topics.BUREAU_PREFIX) for t, _ in events)
    assert on_bureau_topics == 5  # the other bureau's charge and settlement too
    assert sum(t == topics.SETTLEMENTS.name for t, _ in events) == len(events) - on_bureau_topics


def test_the_view_reconciles_with_the_fee_settled_events_of_a_bureau(billing: Billing) -> None:
    two_bureaus_settled(billing)
    bureau = billing.as_("insurance_bureau", bureau=MINE)
    on_topic = [
        parse_event(Envelope.decode(m.value)) for m in published(billing) if m.topic == topics.bureau(MINE).name
    ]
    settled = [e for e in on_topic if type(e).__name__ == "FeeSettled"]

    figures = billing.get("/settlement-view/figures", bureau, period="2026-01").json()
    reconciled = billing.get("/settlement-view/reconciliation", bureau, period="2026-01").json()
    drill_down = billing.get("/settlement-view/charges", bureau, period="2026-01").json()

    assert figures["totals"] == {
        "contracts_charged": 2,
        "due_fen": 18000,
        "settled_fen": 12600,
        "withheld_fen": 5400,
        "released_fen": 0,
        "forfeited_fen": 0,
        "adjusted_fen": 0,
    }
    assert reconciled["balanced"] is True and reconciled["fee_settled_events"] == len(settled)
    assert reconciled["fee_settled_totals"]["payable_fen"] == sum(e.payable_fen for e in settled)
    assert sorted(i["contract_id"] for i in drill_down["items"]) == ["c1", "c2"]
    assert drill_down["total_fen"] == figures["totals"]["due_fen"]


def test_a_rebuild_from_scratch_gives_identical_figures_and_redelivery_changes_nothing(billing: Billing) -> None:
    two_bureaus_settled(billing)
    billing.deliver(
        billing.event("appraisal.AppraisalPublished.v1", institution_id="CHC-440106-01", subject_id="CHC-440106-01")
    )
    billing.build_view()
    # Every period: the 2026 charges and settlement, and the release in 2027-01, when the result was published.
    before = billing.get("/settlement-view/figures").json()

    billing.build_view()
    rebuilt = billing.get("/settlement-view/figures").json()
    billing.view.apply(list(replay(billing.store)))

    assert rebuilt == before
    assert billing.get("/settlement-view/figures").json() == before
    assert before["totals"]["released_fen"] > 0


def test_the_withheld_share_is_released_by_the_score_and_a_restatement_redecides_it(billing: Billing) -> None:
    two_bureaus_settled(billing)
    result = {"institution_id": "CHC-440106-01", "subject_id": "CHC-440106-01", "period": "2026"}

    billing.deliver(billing.event("appraisal.AppraisalPublished.v1", score="86.00", **result))
    billing.deliver(billing.event("appraisal.AppraisalRestated.v2", score="50.00", **result))
    billing.build_view()
    released = [
        parse_event(Envelope.decode(m.value))
        for m in published(billing)
        if m.topic == topics.bureau(MINE).name and json.loads(m.value)["type"] == "billing.WithheldReleased.v1"
    ]

    # withheld 30% of 18000 = 5400: 86 releases 4644; restated to 50, below 60, it releases nothing
    assert [(r.withheld_fen, r.released_fen, r.forfeited_fen) for r in released] == [(5400, 4644, 756), (5400, 0, 5400)]
    assert len({r.release_id for r in released}) == 1
    figures = billing.get("/settlement-view/figures", payer="insurance_fund", bureau_id=MINE).json()
    assert sum(r["released_fen"] for r in figures["rows"]) == 0
    assert sum(r["forfeited_fen"] for r in figures["rows"]) == figures["totals"]["forfeited_fen"] == 5400
    of_2026 = billing.get("/settlement-view/figures", period="2026", payer="insurance_fund", bureau_id=MINE).json()
    assert of_2026["released_for_period"] == {"released_fen": 0, "forfeited_fen": 5400}  # booked in 2027


def test_a_bureau_sees_only_its_own_figures_and_feed(billing: Billing) -> None:
    two_bureaus_settled(billing)
    bureau_feed(billing.store, engine_for(billing.settings)).catch_up()
    mine = billing.as_("insurance_bureau", bureau=MINE)

    rows = billing.get("/settlement-view/figures", mine, period="2026-01").json()["rows"]
    others = billing.get("/settlement-view/figures", mine, bureau_id=OTHER)
    feed = billing.get(f"/bureaus/{MINE}/feed", mine, after=0, limit=2).json()
    rest = billing.get(f"/bureaus/{MINE}/feed", mine, after=feed["next_after"]).json()
    foreign_feed = billing.get(f"/bureaus/{OTHER}/feed", mine)

    assert {(r["payer"], r["bureau_id"]) for r in rows} == {("insurance_fund", MINE)}
    assert others.status_code == 403 and foreign_feed.status_code == 403
    items = [i["event"] for i in feed["items"] + rest["items"]]
    assert len(items) == 3 and {i["data"]["bureau_id"] for i in items} == {MINE}
    assert [i["position"] for i in feed["items"] + rest["items"]] == sorted(
        i["position"] for i in feed["items"] + rest["items"]
    )


def test_officials_see_their_area_and_institutions_their_own(billing: Billing) -> None:
    two_bureaus_settled(billing)

    def rows(who: dict[str, str], **asked: str) -> Any:
        answer = billing.get("/settlement-view/figures", who, period="2026-01", **asked)
        return answer.json()["rows"] if answer.status_code == 200 else answer.status_code

    assert len(rows(billing.as_("official", area="4401"))) == 5  # four payers, the insurance fund twice
    assert rows(billing.as_("official", area="4402")) == []
    assert rows(billing.as_("official", area="4401"), area_code="44") == 403
    own = billing.as_("family_doctor", team="T-440106-001", institution="CHC-440106-01")
    assert len(rows(own)) == 5
    assert rows(own, institution_id="CHC-OTHER") == 403
    assert rows(billing.as_("resident", resident="r_x")) == 403


def test_an_open_period_shows_what_is_charged_so_far_marked_not_settled_until_it_is_closed(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"), billing.signed("c2"))
    billing.build_view()
    bureau = billing.as_("insurance_bureau", bureau=MINE)

    before = billing.get("/settlement-view/figures", bureau, period="2026-01").json()
    assert billing.close("2026-01", "2026-02-01").status_code == 200
    billing.build_view()
    after = billing.get("/settlement-view/figures", bureau, period="2026-01").json()

    assert before["rows"] == [] and before["totals"]["settled_fen"] == 0
    [open_row] = before["open"]["rows"]
    assert (open_row["settled"], open_row["contracts_charged"], open_row["due_fen"]) == (False, 2, 18000)
    assert before["open"]["totals"] == {"contracts_charged": 2, "due_fen": 18000, "adjusted_fen": 0}
    assert after["open"] == {"rows": [], "totals": {"contracts_charged": 0, "due_fen": 0, "adjusted_fen": 0}}
    assert after["totals"]["due_fen"] == 18000 and after["totals"]["settled_fen"] == 12600
