"""What the page is given: teams by name, no data kept as None, the published result beside the
live one, and the withheld money forfeited for low scores."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from fdcs.dashboard.overview import Sources

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
        "open": {"rows": [], "totals": {"due_fen": 1200}},
        "released_for_period": {"released_fen": 0, "forfeited_fen": 2700},
    },
    "/settlement-view/reconciliation": {"balanced": True, "fee_settled_events": 1, "mismatched": [], "unsettled": []},
    "/periods/2026/results": [
        {"subject_kind": "team", "subject_id": "T-440183101-01", "score": "70.00", "grade": "qualified"}
        | {"published_at": "2027-01-05T09:00:00+08:00"}
    ],
    "/teams/T-440183101-01": {"team_id": "T-440183101-01", "name": "Township centre team 1"},
}


def overview(answers: dict[str, Any] = ANSWERS) -> tuple[dict[str, Any], list[str]]:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        assert request.headers["Authorization"] == "Bearer t"  # the caller's own token, everywhere
        return httpx.Response(200, json=answers[request.url.path])

    async def gather() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            sources = Sources(http, "http://appraisal", "http://billing", "http://signing")
            await sources.overview("Bearer t", "2026", "440183")
            return await sources.overview("Bearer t", "2026", "440183")

    return asyncio.run(gather()), asked


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
