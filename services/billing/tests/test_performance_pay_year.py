"""Performance pay through billing's inputs and API, on PostgreSQL: contracts charged, health
records' services credited to the members who served, the teams' annual appraisals, and the
year's distribution over HTTP.

Worked by hand with the 2025 rule (70% of the contract-fee income, scaled by score/100 from a
score of 60; visits 40%, follow-ups 30%, good ratings 10%, key-population residents served
20%; family doctors weighted 1.2). Team T1 of CHC-1: contracts a (no label) and b
(hypertension) for 2025, 18,000 fen each: income 36,000.

- D1 (family doctor) did 3 visits to a and a follow-up of b, and was rated well by b, all in
  the first half of the year; then left the team. N1 (nurse) visited b and followed b up in
  October. Counts: D1 3/1/1/1 (b is key-population), N1 1/1/0/1; team 4/2/1/2.
- D1: 0.4x3/4 + 0.3x1/2 + 0.1x1/1 + 0.2x1/2 = 0.65, x1.2 = 0.78; N1: 0.1 + 0.15 + 0.1 = 0.35.
- Score 80: pool 36,000 x 0.7 x 0.8 = 20,160; D1 20,160x78/113 = 13,915.75 -> 13,916 (the
  larger remainder takes the fen left), N1 6,244.25 -> 6,244. D1 is paid for what they did.
- Restated to 100: pool 25,200; D1 17,394.69 -> 17,395, N1 7,805.31 -> 7,805: a restatement
  (sequence 1) with differences +3,479 and +1,561 (= 25,200 - 20,160).
- Team T2 (contract c): score 55, below 60: the pool is forfeited (0), its member paid 0.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from billing.adapters.publishing import to_public
from billing.application.streams import EVENTS, PAY_YEARS, TEAM_YEARS
from billing.domain import performance_year as py
from shared.contracts import topics

Billing = Any  # the `billing` fixture (conftest.Billing)
CHC = {"institution_id": "CHC-1", "area_code": "440106"}
WHOLE_2025 = {"starts_on": "2025-01-01", "ends_on": "2025-12-31", "insurance_bureau_id": "MIB-1"}
SERVICES = topics.HEALTH_SERVICES.name


def visit(billing: Billing, team: str, member: str, role: str, who: str, on: str, *items: str) -> Any:  # noqa: PLR0913
    return billing.event(
        "health_records.VisitCompleted.v1",
        **CHC,
        team_id=team,
        resident_ref=billing.resident(who),
        visit_id=f"v-{uuid.uuid4()}",
        member_id=member,
        member_role=role,
        fulfils=list(items),
        occurred_at=f"{on}T10:00:00+08:00",
    )


def rated(billing: Billing, team: str, member: str, who: str, on: str, score: int) -> Any:  # noqa: PLR0913
    return billing.event(
        "health_records.ServiceRated.v1",
        **CHC,
        team_id=team,
        resident_ref=billing.resident(who),
        rating_id=f"rt-{uuid.uuid4()}",
        member_id=member,
        member_role="family_doctor",
        ability=score,
        attitude=score,
        responsiveness=score,
        rated_at=f"{on}T20:00:00+08:00",
    )


def appraised(billing: Billing, team: str, score: str, restates: str | None = None) -> Any:
    result = {"result_id": f"ar-2025-{team}" + ("-r1" if restates else ""), "period": "2025", "subject_id": team}
    result |= {"subject_kind": "team", "score": score, **CHC}
    if restates:
        return billing.event("appraisal.AppraisalRestated.v2", **result, restates_result_id=restates)
    return billing.event("appraisal.AppraisalPublished.v1", **result)


def year_2025(billing: Billing) -> list[Any]:
    billing.deliver(
        billing.signed("a", team_id="T1", key_populations=[], **CHC, **WHOLE_2025),
        billing.signed("b", team_id="T1", key_populations=["hypertension"], **CHC, **WHOLE_2025),
        billing.signed("c", team_id="T2", key_populations=[], **CHC, **WHOLE_2025),
    )
    services = [
        *(visit(billing, "T1", "D1", "family_doctor", "a", f"2025-0{m}-10") for m in (2, 3, 4)),
        visit(billing, "T1", "D1", "family_doctor", "b", "2025-05-10", "hypertension_follow_up"),
        rated(billing, "T1", "D1", "b", "2025-05-20", 5),
        rated(billing, "T1", "D1", "a", "2025-05-21", 3),  # not good: 3 of 5
        visit(billing, "T1", "N1", "community_nurse", "b", "2025-10-02"),
        visit(billing, "T1", "N1", "community_nurse", "b", "2025-10-20", "hypertension_follow_up"),
        visit(billing, "T1", "N1", "community_nurse", "a", "2026-01-05"),  # 2026's
        visit(billing, "T2", "N2", "community_nurse", "c", "2025-06-01"),
    ]
    billing.deliver(*services, topic=SERVICES)
    billing.deliver(*services[:2], topic=SERVICES)  # redelivered: counted once
    return services


def distribute(billing: Billing, year: int = 2025, who: dict[str, str] | None = None) -> Any:
    headers = {**(who or billing.admin), "Idempotency-Key": str(uuid.uuid4())}
    return billing.client.post(f"/performance-pay/{year}", headers=headers)


def shares(billing: Billing, team: str) -> dict[str, dict[str, Any]]:
    answer = billing.get(f"/performance-pay/2025/teams/{team}")
    assert answer.status_code == 200, answer.text
    return {s["member_id"]: s for s in answer.json()["shares"]}


def test_a_team_pool_is_drawn_by_the_score_shared_by_contribution_and_restated_with_the_appraisal(
    billing: Billing,
) -> None:
    year_2025(billing)
    waiting = distribute(billing)
    assert (waiting.status_code, waiting.json()["type"].rsplit("/", 1)[-1]) == (409, "appraisal-not-published")
    billing.deliver(appraised(billing, "T1", "80.00"), appraised(billing, "T2", "55.00"))

    first = distribute(billing)

    assert first.status_code == 200, first.text
    assert first.json() | {"pool_fen": None} == {
        "year": 2025,
        "distributed": 2,
        "restated": 0,
        "unchanged": 0,
        "awaiting_appraisal": [],
        "pool_fen": None,
    }
    team = billing.get("/performance-pay/2025/teams/T1").json()
    assert team["computed"]["contract_fee_income_fen"] == 36_000
    assert team["computed"]["pool_fen"] == 20_160
    assert (team["computed"]["score"], team["computed"]["pool_share"]) == ("80.00", "14/25")  # 70% x 80/100
    t1 = shares(billing, "T1")
    assert {m: s["amount_fen"] for m, s in t1.items()} == {"D1": 13_916, "N1": 6_244}
    assert t1["D1"]["counts"] == {"visits": 3, "follow_ups": 1, "good_ratings": 1, "key_population_residents": 1}
    assert t1["N1"]["counts"] == {"visits": 1, "follow_ups": 1, "good_ratings": 0, "key_population_residents": 1}
    assert t1["D1"]["quota_fen"] == "1572480/113"
    t2 = billing.get("/performance-pay/2025/teams/T2").json()
    assert (t2["computed"]["pool_fen"], [s["amount_fen"] for s in t2["shares"]]) == (0, [0])  # forfeited
    assert t2["computed"]["contract_fee_income_fen"] == 18_000  # its own, from the ledgers T1's were read with

    assert distribute(billing).json()["unchanged"] == 2  # again: nothing new
    billing.deliver(appraised(billing, "T1", "100.00", restates="ar-2025-T1"))
    again = distribute(billing)

    assert (again.json()["restated"], again.json()["unchanged"], again.json()["pool_fen"]) == (1, 1, 25_200)
    restated = billing.get("/performance-pay/2025/teams/T1").json()
    assert (restated["sequence"], restated["restates_distribution_id"]) == (1, "pp-2025-T1-0")
    t1 = {s["member_id"]: (s["amount_fen"], s["difference_fen"]) for s in restated["shares"]}
    assert t1 == {"D1": (17_395, 3_479), "N1": (7_805, 1_561)}


def test_distributions_are_published_to_the_settlements_topic_keyed_by_the_institution(billing: Billing) -> None:
    year_2025(billing)
    billing.deliver(appraised(billing, "T1", "80.00"), appraised(billing, "T2", "55.00"))
    assert distribute(billing).status_code == 200

    messages = [m for e in billing.store.read(TEAM_YEARS.stream_id("2025~T1")) for m in to_public(e)]

    assert [(m.topic, m.key) for m in messages] == [(topics.SETTLEMENTS.name, "CHC-1")]
    data = json.loads(messages[0].value)["data"]
    assert (data["distribution_id"], data["score"], data["pool_fen"]) == ("pp-2025-T1-0", "80.00", 20_160)
    assert sum(s["amount_fen"] for s in data["shares"]) + data["undistributed_fen"] == data["pool_fen"]


def test_a_member_sees_their_own_share_and_how_it_was_computed_and_nobody_elses(billing: Billing) -> None:
    year_2025(billing)
    billing.deliver(appraised(billing, "T1", "80.00"))
    assert distribute(billing).status_code == 200
    d1 = billing.as_("family_doctor", sub="D1", team="T1", institution="CHC-1")

    own = billing.get("/performance-pay/2025/members/D1", who=d1)

    assert own.status_code == 200, own.text
    body = own.json()
    assert body["share"]["amount_fen"] == 13_916
    assert body["computed"]["role_weight"] == "6/5"
    assert body["computed"]["factor_weights"] == {
        "visits": "2/5",
        "follow_ups": "3/10",
        "good_ratings": "1/10",
        "key_population_residents": "1/5",
    }
    assert body["computed"]["team_counts"] == {
        "visits": 4,
        "follow_ups": 2,
        "good_ratings": 1,
        "key_population_residents": 2,
    }
    assert billing.get("/performance-pay/2025/members/N1", who=d1).status_code == 404
    assert billing.get("/performance-pay/2025/teams/T1", who=d1).status_code == 404
    official = billing.as_("official", area="440106")
    assert billing.get("/performance-pay/2025/members/N1", who=official).json()["share"]["amount_fen"] == 6_244
    elsewhere = billing.as_("official", area="440304")
    assert billing.get("/performance-pay/2025/teams/T1", who=elsewhere).status_code == 404
    assert distribute(billing, who=elsewhere).status_code == 409  # no team of theirs is appraised


def test_a_year_not_over_is_not_distributed(billing: Billing) -> None:
    answer = distribute(billing, 2026)

    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_each_team_is_distributed_by_a_command_of_its_own_and_the_same_key_replays_them(billing: Billing) -> None:
    year_2025(billing)
    billing.deliver(appraised(billing, "T1", "80.00"))
    headers = {**billing.admin, "Idempotency-Key": "pay-2025"}

    first = billing.client.post("/performance-pay/2025", headers=headers)
    billing.deliver(appraised(billing, "T2", "55.00"))
    later = billing.client.post("/performance-pay/2025", headers=headers)  # T1 replayed, T2 done
    again = billing.client.post("/performance-pay/2025", headers=headers)

    assert first.json() | {"pool_fen": None} == {
        "year": 2025,
        "distributed": 1,
        "restated": 0,
        "unchanged": 0,
        "awaiting_appraisal": ["T2"],
        "pool_fen": None,
    }
    assert (later.json()["distributed"], later.json()["awaiting_appraisal"]) == (2, [])
    assert "Idempotent-Replayed" not in later.headers
    assert (again.json(), again.headers["Idempotent-Replayed"]) == (later.json(), "true")
    assert [e.type for e in billing.store.read(TEAM_YEARS.stream_id("2025~T2"))][-1].startswith(
        "billing.internal.PerformancePayRecorded"
    )


def test_the_years_index_names_each_teams_area_and_a_read_in_an_area_reads_only_its_teams(billing: Billing) -> None:
    """A province's year has tens of thousands of teams: the index tells which are in an area,
    and a team appraised before any member was credited is read until its area is known."""
    billing.deliver(appraised(billing, "T3", "90.00"))  # no member credited yet: its area is not known
    year_2025(billing)
    billing.deliver(appraised(billing, "T1", "80.00"))
    assert distribute(billing).status_code == 200
    index = PAY_YEARS.fold(billing.store.read(PAY_YEARS.stream_id("2025")))[0]
    elsewhere = billing.as_("official", area="440304")

    assert index.teams == {"T1": "440106", "T2": "440106", "T3": ""}
    assert (index.in_area("440106"), index.in_area("440304")) == (["T1", "T2", "T3"], ["T3"])
    assert [t["team_id"] for t in billing.get("/performance-pay/2025/teams", area_code="440106").json()["teams"]] == [
        "T1"
    ]
    nothing = {"teams": [], "next_cursor": None}
    assert billing.get("/performance-pay/2025/teams", who=elsewhere).json() == nothing
    assert billing.get("/performance-pay/2025/teams", who=elsewhere, area_code="4401").json() == nothing
    official = billing.as_("official", area="440106")
    named = billing.get("/performance-pay/2025/members/N1", who=official, team_id="T1")
    assert (named.status_code, named.json()["share"]["amount_fen"]) == (200, 6_244)
    assert billing.get("/performance-pay/2025/members/N1", who=official, team_id="T2").status_code == 404
    d1_elsewhere = billing.as_("family_doctor", sub="D1", team="T2", institution="CHC-1")
    assert billing.get("/performance-pay/2025/members/D1", who=d1_elsewhere).status_code == 404  # their token's team


def test_a_team_indexed_before_its_area_reads_as_of_no_known_area() -> None:
    stored = EVENTS.decode("billing.internal.TeamInYear.v1", {"team_id": "T9"})
    assert stored == py.TeamInYear("T9", "")
