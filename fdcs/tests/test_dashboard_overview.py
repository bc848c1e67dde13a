"""What the page is given: teams by name, no data kept as None, the published result beside the
live one, the withheld money forfeited for low scores, the appointment indicators, and each
team's year of money (capitation and performance pay) as billing's API answers the caller."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from billing.adapters.consumers import Inbound, health_services, inputs
from billing.bootstrap import applications, capitation_for, create_app, store_for
from billing.settings import BillingSettings
from fdcs.dashboard.overview import Sources
from shared.commands import CommandProcessor
from shared.contracts import Envelope, parse_event, topics
from shared.messaging import Delivery
from shared.messaging.positions import AllApplied

SCORE = {
    "subject_kind": "team",
    "subject_id": "T-440183101-01",
    "institution_id": "CHC-1",
    "area_code": "440183101",
    "score": "71.50",
    "grade": "qualified",
    "rank_in_county": 1,
    "rank_in_city": 1,
    "dimensions": {"contracted_services": "80.00", "service_effect": None},
}
MONEY = {"period": "2026-01", "payer": "insurance_fund", "due_fen": 9000, "settled_fen": 6300, "withheld_fen": 2700}
ANSWERS: dict[str, Any] = {
    "/indicators/series": {"points": []},
    "/scores": {"as_of": "2026-12-02T10:00:00+08:00", "scores": [SCORE]},
    "/indicators": {
        "figures": [
            {"indicator_id": "satisfaction", "stratum_id": "T-440183101-01", "value": "0.0", "key_population": None},
        ]
    },
    "/settlement-view/figures": {
        "rows": [MONEY | {"released_fen": 0, "forfeited_fen": 2700, "adjusted_fen": 0}],
        "totals": {"due_fen": 9000, "settled_fen": 6300, "withheld_fen": 2700, "forfeited_fen": 2700},
        "open": {"rows": [], "totals": {"due_fen": 1200}},
        "released_for_period": {"released_fen": 0, "forfeited_fen": 2700},
        "next_cursor": None,
    },
    "/settlement-view/reconciliation": {
        "balanced": True,
        "fee_settled_events": 1,
        "mismatched_count": 0,
        "mismatched": [],
        "unsettled_count": 0,
        "unsettled": [],
    },
    "/periods/2026/results": {
        "items": [
            {"subject_kind": "team", "subject_id": "T-440183101-01", "score": "70.00", "grade": "qualified"}
            | {"published_at": "2027-01-05T09:00:00+08:00"}
        ],
        "next_cursor": None,
    },
    "/teams/T-440183101-01": {"team_id": "T-440183101-01", "name": "Township centre team 1"},
    "/capitation-years/2026/reconciliations": {"rows": []},
    "/performance-pay/2026/teams": {"teams": []},
    "/areas/440183/reading-alerts": {
        "area_code": "440183",
        "first": "2026-01-01",
        "last": "2026-12-31",
        "teams": [
            {"team_id": "T-440183101-01", "institution_id": "CHC-1", "area_code": "440183101"}
            | {"out_of_target": 5, "flagged": 2, "open_alerts": 3},
        ],
        "next_cursor": None,
    },
}


def overview(answers: dict[str, Any] = ANSWERS) -> tuple[dict[str, Any], list[str]]:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        assert request.headers["Authorization"] == "Bearer t"  # the caller's own token, everywhere
        period = request.url.params.get("period")
        return httpx.Response(200, json=answers.get(f"{request.url.path}?{period}", answers[request.url.path]))

    async def gather() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            sources = Sources(http, "http://appraisal", "http://billing", "http://signing", "http://health-records")
            await sources.overview("Bearer t", "2026", "440183")
            return await sources.overview("Bearer t", "2026", "440183")

    return asyncio.run(gather()), asked


def overview_by(
    answer: Callable[[httpx.Request], httpx.Response],
    token: str = "Bearer t",
    period: str = "2026",
    area: str = "440183",
    member: str | None = None,
) -> dict[str, Any]:
    """The overview the sources give once, with `answer` standing for the services."""

    async def gather() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            sources = Sources(http, "http://appraisal", "http://billing", "http://signing", "http://health-records")
            return await sources.overview(token, period, area, member)

    return asyncio.run(gather())


def test_teams_are_named_and_no_data_stays_none_beside_a_zero() -> None:
    shown, asked = overview()

    team = shown["teams"][0]
    assert team["name"] == "Township centre team 1" and team["team_id"] == "T-440183101-01"
    assert team["satisfaction"] == 0.0 and team["referral_timeliness"] is None
    assert team["dimensions"] == {"contracted_services": 80.0, "service_effect": None}
    assert asked.count("/teams/T-440183101-01") == 1  # the name is remembered a while


def test_a_team_with_no_data_yet_has_no_live_score_not_0_and_comes_last() -> None:
    new = SCORE | {"subject_id": "T-440183101-02", "score": None, "grade": None, "rank_in_county": 2}
    new |= {"dimensions": {"contracted_services": None, "service_effect": None}}
    answers = ANSWERS | {
        "/scores": {"as_of": "2026-12-02T10:00:00+08:00", "scores": [new, SCORE]},  # as appraisal gives them
        "/teams/T-440183101-02": {"team_id": "T-440183101-02", "name": "Village clinic 1"},
    }

    shown, _ = overview(answers)

    assert [(t["name"], t["score"], t["grade"]) for t in shown["teams"]] == [
        ("Township centre team 1", 71.5, "qualified"),
        ("Village clinic 1", None, None),  # the page writes "no data"
    ]


def test_the_live_ranking_has_its_as_of_time_and_the_published_result_beside_it() -> None:
    shown, _ = overview()

    assert shown["as_of"] == "2026-12-02T10:00:00+08:00"
    assert shown["teams"][0]["published"] == {
        "score": 70.0,
        "grade": "qualified",
        "published_at": "2027-01-05T09:00:00+08:00",
    }


def test_the_withheld_money_forfeited_shows_with_its_amount() -> None:
    shown, _ = overview()

    assert shown["settlement"]["totals_fen"]["forfeited"] == 2700
    assert shown["settlement"]["open_totals_fen"] == {"charged": 1200}
    assert shown["settlement"]["appraised_fen"] == {"released": 0, "forfeited": 2700}


def test_one_overview_asks_a_fixed_number_of_reads_whatever_the_teams() -> None:
    many = [SCORE | {"subject_id": f"T-440183101-{n:02}", "rank_in_county": n} for n in range(1, 41)]
    answers = ANSWERS | {"/scores": {"as_of": None, "scores": many}}
    answers |= {f"/teams/T-440183101-{n:02}": {"name": f"team {n}"} for n in range(1, 41)}

    shown, asked = overview(answers)

    assert len(shown["teams"]) == 40
    reads = [path for path in asked if not path.startswith("/teams/")]
    assert len(reads) == 2 * 10  # two overviews of ten reads each (no doctor: no own share); names asked once
    assert len(asked) - len(reads) == 40


def test_device_alerts_per_team_come_from_health_records_for_the_year_every_page() -> None:
    asked: list[httpx.Request] = []
    first = ANSWERS["/areas/440183/reading-alerts"] | {"next_cursor": '["T-440183101-01", "CHC-1", "440183101"]'}
    second = first | {"next_cursor": None, "teams": [first["teams"][0] | {"team_id": "T-440183101-02", "flagged": 0}]}

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.host == "health-records":
            return httpx.Response(200, json=second if "cursor" in request.url.params else first)
        return httpx.Response(200, json=ANSWERS.get(request.url.path, {"name": "Township centre team 2"}))

    shown = overview_by(answer)

    assert shown["readings"] == {
        "teams": [
            {"team_id": "T-440183101-01", "name": "Township centre team 1"}
            | {"open_alerts": 3, "out_of_target": 5, "flagged": 2},
            {"team_id": "T-440183101-02", "name": "Township centre team 2"}
            | {"open_alerts": 3, "out_of_target": 5, "flagged": 0},
        ]
    }
    reads = [r for r in asked if r.url.host == "health-records"]  # a read per page of teams
    assert [r.url.path for r in reads] == ["/areas/440183/reading-alerts"] * 2
    assert dict(reads[0].url.params) == {"from": "2026-01-01", "to": "2026-12-31"}
    assert dict(reads[1].url.params) == {"from": "2026-01-01", "to": "2026-12-31", "cursor": first["next_cursor"]}
    assert all(r.headers["Authorization"] == "Bearer t" for r in reads)


def test_device_alerts_health_records_refuses_leave_the_panel_empty_not_the_page() -> None:
    refused = {"/areas/440183/reading-alerts": {"type": "forbidden"}}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "health-records":
            return httpx.Response(403, json=refused[request.url.path])
        return httpx.Response(200, json=ANSWERS[request.url.path])

    shown = overview_by(answer)
    assert shown["readings"] == {"teams": [], "error": 403} and shown["teams"]


def appointment(indicator: str, value: str) -> dict[str, Any]:
    return {"indicator_id": indicator, "stratum_id": "T-440183101-01", "value": value, "key_population": None}


def test_the_appointment_indicators_come_from_the_half_year_whose_catalogue_has_them() -> None:
    half = [appointment("booked_visits", "0.25"), appointment("waiting_days", "2.5")]
    half += [appointment("priority_appointments", "0.5"), appointment("satisfaction", "0.99")]
    answers = ANSWERS | {"/indicators?2026-H2": {"figures": half}}

    shown, _ = overview(answers)

    team = shown["teams"][0]
    assert shown["appointments_period"] == "2026-H2"  # the year is under 2026.1, without them
    assert (team["booked_visits"], team["waiting_days"], team["priority_appointments"]) == (0.25, 2.5, 0.5)
    assert team["satisfaction"] == 0.0  # the year's own figure, not the half's

    in_the_year = ANSWERS | {"/indicators?2026": {"figures": [appointment("booked_visits", "0.75")]}}
    shown, _ = overview(in_the_year | {"/indicators?2026-H2": {"figures": half}})
    assert (shown["appointments_period"], shown["teams"][0]["booked_visits"]) == ("2026", 0.75)
    assert overview()[0]["appointments_period"] is None  # neither has them: the page says so


# The money of a year as billing computes it, its inputs delivered as billing's consumer gets them
# and its year-end commands run over its API. Worked by hand with the 2025 rule (as billing's own
# tests: 18,000 fen per resident-year, elderly x 1.8; 60% of a surplus kept, capped at 10% of the
# budget; 2,000 fen per completed referral; the pool 70% of the fee income x score/100 from 60):
# team T1 (a, adult; b, elderly): budget 50,400, spending 10,000 + 15,000 + 2,000 = 27,000,
# surplus 23,400, kept 5,040; score 80: pool 36,000 x 0.7 x 0.8 = 20,160, D1's share 13,916.
# Team T2 (c, adult): budget 18,000, nothing spent, kept 1,800; score 55: no pool.
CHC = {"institution_id": "CHC-1", "area_code": "440106"}
WHOLE_2025 = {"starts_on": "2025-01-01", "ends_on": "2025-12-31", "insurance_bureau_id": "MIB-1"}


def event(type_name: str, **data: Any) -> Envelope:
    """The contract's golden message of a type, with a fresh id and the given fields changed."""
    message = json.loads((Path(topics.__file__).with_name("fixtures") / f"{type_name}.json").read_text())
    return Envelope.model_validate(message | {"id": str(uuid.uuid4()), "data": message["data"] | data})


class Billing:
    """Billing's API, and its consumers handed the events they would read."""

    def __init__(self, client: TestClient, settings: BillingSettings, mint: Callable[..., str]) -> None:
        self.client, self.mint, self.store = client, mint, store_for(settings)
        charging, settlement = applications(settings)
        processor = CommandProcessor(self.store)
        self.inbound = inputs(processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings)))
        self.contributions = health_services(processor, settings.timezone)

    def deliver(self, *envelopes: Envelope, topic: str = "test") -> None:
        consumer = self.contributions if topic == topics.HEALTH_SERVICES.name else self.inbound
        consumer.handle([Delivery(e, parse_event(e), topic) for e in envelopes])

    def run(self, path: str) -> None:
        admin = {"Authorization": f"Bearer {self.mint('admin')}", "Idempotency-Key": str(uuid.uuid4())}
        answer = self.client.post(path, headers=admin)
        assert answer.status_code == 200, answer.text


@pytest.fixture
def billing(service_settings: Callable[..., Any], mint_token: Callable[..., str]) -> Iterator[Billing]:
    settings: BillingSettings = service_settings(BillingSettings)
    app = create_app(settings, clock=lambda: datetime(2026, 2, 1, 2, tzinfo=UTC))
    app.state.inputs = app.state.pay_inputs = AllApplied()  # the test hands billing its events itself
    with TestClient(app, raise_server_exceptions=False) as client:
        harness = Billing(client, settings, mint_token)
        yield harness
    harness.store.close()


def year_2025(billing: Billing) -> None:
    resident = lambda name: f"r_{name:a<26}"  # noqa: E731
    signed = [
        event(
            "signing.ContractSigned.v1",
            contract_id=name,
            resident_ref=resident(name),
            team_id=team,
            key_populations=labels,
            **CHC,
            **WHOLE_2025,
        )
        for name, team, labels in (("a", "T1", []), ("b", "T1", ["elderly"]), ("c", "T2", []))
    ]
    referral = event(
        "referral.ReferralCompleted.v2",
        resident_ref=resident("b"),
        team_id="T1",
        **CHC,
        referral_id="ref-1",
        completed_at="2025-05-06T11:00:00+08:00",
    )
    results = []
    for team, score in (("T1", "80.00"), ("T2", "55.00")):
        result = {"result_id": f"ar-2025-{team}", "period": "2025", "subject_kind": "team", "subject_id": team}
        results.append(event("appraisal.AppraisalPublished.v1", **result, score=score, **CHC))
    billing.deliver(*signed, referral)
    claims = [("a", 10_000, "2025-03-01", "own_outpatient"), ("b", 15_000, "2025-06-01", "referred_care")]
    billing.deliver(
        *(
            event(
                "claims.ClaimRecorded.v1",
                **CHC,
                claim_id=f"clm-{uuid.uuid4()}",
                resident_ref=resident(name),
                amount_fen=amount,
                service_date=on,
                kind=kind,
                referral_id=None,
            )
            for name, amount, on, kind in claims
        ),
        topic=topics.claims("b4401").name,
    )
    visits = [("D1", "family_doctor", "a", f"2025-0{m}-10", []) for m in (2, 3, 4)]
    visits += [("D1", "family_doctor", "b", "2025-05-10", ["hypertension_follow_up"])]
    visits += [("N1", "community_nurse", "b", "2025-10-02", []), ("N1", "community_nurse", "b", "2025-10-20", [])]
    visits[-1] = (*visits[-1][:4], ["hypertension_follow_up"])
    visits += [("N2", "community_nurse", "c", "2025-06-01", [])]  # of T2
    services = [
        event(
            "health_records.VisitCompleted.v1",
            **CHC,
            team_id="T2" if member == "N2" else "T1",
            resident_ref=resident(who),
            visit_id=f"v-{uuid.uuid4()}",
            member_id=member,
            member_role=role,
            fulfils=items,
            occurred_at=f"{on}T10:00:00+08:00",
        )
        for member, role, who, on, items in visits
    ]
    rating = {"rating_id": f"rt-{uuid.uuid4()}", "member_id": "D1", "member_role": "family_doctor"}
    rating |= {"ability": 5, "attitude": 5, "responsiveness": 5, "rated_at": "2025-05-20T20:00:00+08:00"}
    services.append(event("health_records.ServiceRated.v1", **CHC, team_id="T1", resident_ref=resident("b"), **rating))
    billing.deliver(*services, topic=topics.HEALTH_SERVICES.name)
    billing.deliver(*results)
    billing.run("/capitation-years/2025/reconciliation")
    billing.run("/performance-pay/2025")


def money(billing: Billing, token: str, member: str | None = None) -> dict[str, Any]:
    """The overview's money as the caller sees it: billing through its API, the rest answering nothing."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host != "billing":
            return httpx.Response(200, json={})
        found = billing.client.get(request.url.path, params=request.url.params, headers=dict(request.headers))
        return httpx.Response(found.status_code, content=found.content, headers=found.headers)

    shown: dict[str, Any] = overview_by(answer, f"Bearer {token}", "2025", "440106", member)["money"]
    return shown


def test_each_team_s_year_of_money_as_billing_answers_the_caller(billing: Billing) -> None:
    year_2025(billing)

    official = money(billing, billing.mint("official", area="440106"))
    teams = {t["team_id"]: t for t in official["teams"]}

    t1, t2 = teams["T1"], teams["T2"]
    assert (t1["budget_fen"], t1["spending_fen"], t1["referral_fees_fen"], t1["referrals_completed"]) == (
        50_400,
        27_000,
        2_000,
        1,
    )
    assert (t1["surplus_fen"], t1["retained_fen"], t1["borne_fen"], t1["pool_fen"]) == (23_400, 5_040, 0, 20_160)
    assert (t2["budget_fen"], t2["spending_fen"], t2["retained_fen"], t2["pool_fen"]) == (18_000, 0, 1_800, 0)
    assert official["own_share"] is None

    doctor = money(billing, billing.mint("family_doctor", sub="D1", team="T1", institution="CHC-1"), member="D1")
    assert [t["team_id"] for t in doctor["teams"]] == ["T1"]  # their own team's figures, no pool list
    assert doctor["teams"][0]["budget_fen"] == 50_400 and doctor["teams"][0]["pool_fen"] is None
    assert doctor["own_share"] == {
        "team_id": "T1",
        "amount_fen": 13_916,
        "counts": {"visits": 3, "follow_ups": 1, "good_ratings": 1, "key_population_residents": 1},
        "pool_fen": 20_160,
        "score": 80.0,
    }

    bureau = money(billing, billing.mint("insurance_bureau", bureau="MIB-1"))
    assert {t["team_id"]: (t["retained_fen"], t["pool_fen"]) for t in bureau["teams"]} == {
        "T1": (5_040, None),  # its residents' teams; the pool is not a bureau's to read
        "T2": (1_800, None),
    }
    elsewhere = money(billing, billing.mint("official", area="440304"))
    assert elsewhere == {"teams": [], "own_share": None}


def test_the_settlement_is_every_page_of_billing_s_figures_and_the_reconciliation_its_counts() -> None:
    row = MONEY | {"released_fen": 0, "forfeited_fen": 0, "adjusted_fen": 0}
    opened = {"period": "2026-12", "payer": "resident", "due_fen": 500}
    totals = {"due_fen": 18000, "settled_fen": 12600, "withheld_fen": 5400, "forfeited_fen": 0}
    pages = {  # a group a page: billing's totals (of the whole scope) on each
        None: {"rows": [row], "open": {"rows": [], "totals": {"due_fen": 500}}, "next_cursor": "a"},
        "a": {
            "rows": [row | {"period": "2026-02"}],
            "open": {"rows": [], "totals": {"due_fen": 500}},
            "next_cursor": "b",
        },
        "b": {"rows": [], "open": {"rows": [opened], "totals": {"due_fen": 500}}, "next_cursor": None},
    }
    counted = ANSWERS["/settlement-view/reconciliation"] | {"balanced": False, "mismatched_count": 3}
    counted |= {"mismatched": [{"period": "2026-01"}], "unsettled_count": 12, "unsettled": [{"period": "2026-12"}]}
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.path == "/settlement-view/figures":
            found = pages[request.url.params.get("cursor")] | {"totals": totals, "released_for_period": {}}
            return httpx.Response(200, json=found)
        if request.url.path == "/settlement-view/reconciliation":
            return httpx.Response(200, json=counted)
        return httpx.Response(200, json=ANSWERS[request.url.path])

    shown = overview_by(answer)

    settlement = shown["settlement"]
    assert settlement["periods"] == ["2026-01", "2026-02", "2026-12"]
    assert settlement["due_by_payer"] == {"insurance_fund": [9000, 9000, 0]}
    assert settlement["open_by_payer"] == {"resident": [0, 0, 500]}
    assert (settlement["totals_fen"]["due"], settlement["totals_fen"]["settled"]) == (18000, 12600)
    assert shown["reconciliation"] == {"balanced": False, "fee_settled_events": 1, "mismatched": 3, "unsettled": 12}
    [reconciled] = [r for r in asked if r.url.path == "/settlement-view/reconciliation"]
    assert reconciled.url.params["limit"] == "1"  # the page shows the counts only
    assert [r.url.params.get("cursor") for r in asked if r.url.path == "/settlement-view/figures"] == [None, "a", "b"]


@pytest.mark.parametrize("listed", ["rows", "teams"])  # the capitation figures, the performance-pay pools
def test_a_paged_list_is_read_to_its_last_page(listed: str) -> None:
    pages = {None: {listed: [1, 2], "next_cursor": "a"}, "a": {listed: [3], "next_cursor": "b"}, "b": {listed: []}}

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.params["area_code"] == "440183"  # every page with the same filters
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    async def read() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            sources = Sources(http, "http://appraisal", "http://billing", "http://signing", "http://health-records")
            return await sources.every_row("http://billing", "/rows", "Bearer t", listed=listed, area_code="440183")

    assert asyncio.run(read())[listed] == [1, 2, 3]
