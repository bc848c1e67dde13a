"""The appraisal's authorization matrix: every route × every caller, each scoped to the other
party (team B's doctor and an official of its county 440107, a resident, a hospital, a bureau)
and aimed at team A of county 440106 and its published result. See `shared.testing.matrix`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.appraisal.tests.appraisal_events import R1, R2, two_teams_in_2026
from shared.principal import ROLES
from shared.testing import matrix
from shared.testing.matrix import ALLOWED, SCOPED, Rules, World, callers, forged_token, only, public

Api = Any  # the `api` fixture (appraisal_api.Api)
ADMIN = only(admin=ALLOWED)
# Live figures and results: officials see their area, a team its own, an administrator all.
FIGURES = only(family_doctor=SCOPED, official=SCOPED, admin=ALLOWED)
AS_OF = {"as_of": "2027-01-15T00:00:00+08:00"}
TA, TB = ("Team-A", "Institution-A", "440106"), ("Team-B", "Institution-B", "440107")
A_RESULT = "ar-2026-team-Team-A"
SEARCHES = ["GET /indicators", "GET /scores", "GET /indicators/series", "GET /periods/{period}/results"]
ASKING_FOR_A = [{"team": "Team-A"}, {"area": "440106"}, {"area": "44"}, {"institution": "Institution-A"}]

RULES: Rules = {
    "GET /catalogue": public(),
    "GET /disclosure/{period}": public(),  # published for all to see: no token, no personal data
    "GET /indicators": FIGURES,
    "GET /scores": FIGURES,
    "GET /indicators/series": FIGURES,
    "GET /indicators/{indicator_id}/cases": ADMIN,
    "POST /periods/{period}/publication": ADMIN,
    "POST /periods/{period}/restatements": ADMIN,
    "GET /periods/{period}": FIGURES,
    "GET /periods/{period}/results": FIGURES,
    "GET /results/{result_id}": ADMIN,
    "GET /teams/{team_id}/contracts-signed": ADMIN,
    "GET /contracts-signed": ADMIN,  # asked for the other area
    "PUT /population-register/{year}/{area_code}": ADMIN,
    # The register's figures are the statistics every coverage figure divides by: any signed-in caller.
    "GET /population-register/{year}/{area_code}": only(**dict.fromkeys(ROLES, ALLOWED)),
}


@pytest.fixture
def world(api: Api, mint_token: Any, tmp_path: Path) -> World:
    api.feed(*two_teams_in_2026(TA, TB))
    assert api.post("/periods/2026/publication", AS_OF).status_code == 201
    population = {"population": 1000, "key_population": 100}
    assert api.put("/population-register/2026/440106", population).status_code == 200
    api.own_views.catch_up()
    claims = {
        "resident": {"resident": R1},  # a resident reads no figures, not even their team's
        "family_doctor": {"sub": "doc-0", "team": "Team-B", "institution": "Institution-B"},
        "hospital": {"hospital": "H2"},
        "insurance_bureau": {"bureau": "MIB-440107"},
        "official": {"area": "440107"},
    }
    period = {"period": "2026"}
    return World(
        client=api.client,
        callers=callers(mint_token, forged_token(tmp_path), claims),
        params={
            "period": "2026",
            "indicator_id": "satisfaction",
            "result_id": A_RESULT,
            "team_id": "Team-A",
            "year": "2026",
            "area_code": "440106",
        },
        unknown={"result_id": "ar-2026-team-Team-C"},
        secrets={"Team-A", "Institution-A", R1, R2, A_RESULT},
        bodies={
            "POST /periods/{period}/publication": AS_OF,
            "POST /periods/{period}/restatements": AS_OF | {"reason": "Late ratings"},
            "PUT /population-register/{year}/{area_code}": population,
        },
        queries={
            "GET /indicators": period,
            "GET /scores": period,
            "GET /indicators/series": period | {"indicator": "coverage"},
            "GET /indicators/{indicator_id}/cases": period | {"level": "team", "stratum": "Team-A"},
            "GET /contracts-signed": {"area": "440106"},
        },
        probes={route: ASKING_FOR_A for route in SEARCHES},
    )


def test_every_route_has_its_expectations(api: Api) -> None:
    assert matrix.unclassified(api.client, RULES) == []


def test_no_caller_reaches_another_teams_figures(world: World, record_property: Any) -> None:
    cases, failures = matrix.run(world, RULES)

    record_property("matrix_cases", cases)
    print(f"appraisal: {cases} route × caller cases")
    assert failures == [], "\n".join(failures)
