"""GET /indicators/series on PostgreSQL: figures as of the end of each month, computed by hand,
the same as GET /indicators as of that moment, under the same access rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from appraisal.domain.periods import Period
from appraisal.settings import AppraisalSettings
from services.appraisal.tests.appraisal_events import T1, T2, delivered, ref, registered, signed
from services.appraisal.tests.appraisal_facts import CATALOGUE

Api = Any  # the `api` fixture (appraisal_api.Api)
COVERAGE = {"period": "2026", "indicator": ["coverage", "key_population_coverage"], "level": "county"}


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> AppraisalSettings:
    """The register is recorded at the start of the year (X-Simulated-Time), as it would be."""
    made: AppraisalSettings = service_settings(AppraisalSettings, simulated_clock=True)
    return made


def a_year_of_signings(api: Api) -> Api:
    late = signed("c5", ref(5), T1, "2026-05-01", "2027-04-30")
    api.feed(
        registered(T1, None),
        registered(T2, None),
        signed("c1", ref(1), T1, "2025-03-01", "2026-02-28", tags=("hypertension",)),
        signed("c2", ref(2), T1, "2026-01-10", "2027-01-09"),
        signed("c3", ref(3), T2, "2026-02-01", "2027-01-31"),
        signed("c4", ref(4), T1, "2026-03-15", "2027-03-14", tags=("elderly",)),
        delivered("signing.ContractSigned", "2026-08-10T09:00:00+08:00", **late.event.model_dump(mode="json")),
    )  # c5: signed on 1 May, recorded on 10 August
    counts = {"population": 1000, "key_population": 100, "by_key_population": {"hypertension": 40, "elderly": 50}}
    simulation = api.as_("admin", simulation=True)  # only the simulation's token may set the time
    moment = {"X-Simulated-Time": "2026-01-01T09:00:00+08:00"}
    answer = api.put("/population-register/2026/440106", counts, **simulation, **moment)
    assert answer.status_code == 200, answer.text
    api.own_views.catch_up()
    return api


def points(api: Api, who: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
    answer = api.get("/indicators/series", who, **(COVERAGE | params))
    assert answer.status_code == 200, answer.text
    period = params.get("period", "2026")
    version = CATALOGUE.for_period(Period.parse(period)).version  # 2027: 2026.2, in force since July 2026
    assert (answer.json()["period"], answer.json()["catalogue_version"]) == (period, version)
    return answer.json()["points"]  # type: ignore[no-any-return]


def values(point: dict[str, Any], stratum: str = "440106") -> dict[str, str | None]:
    return {f["indicator_id"]: f["value"] for f in point["figures"] if f["stratum_id"] == stratum}


def test_each_month_end_shows_the_residents_under_contract_known_by_then(api: Api) -> None:
    a_year_of_signings(api)

    shown = points(api, area="440106")

    assert [p["as_of"][:10] for p in shown] == [
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30",
        "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31",
    ]  # fmt: skip
    assert shown[0]["as_of"] == "2026-01-31T23:59:59.999999+08:00"
    coverage = [values(p)["coverage"] for p in shown]
    # r1 and r2 from January; r4 from 15 March; r5's contract of 1 May was recorded on 10 August: ÷ 1000
    assert coverage == ["0.0020"] * 2 + ["0.0030"] * 5 + ["0.0040"] * 5
    # r1 (hypertension) from January, r4 (elderly) from March: ÷ 100
    assert [values(p)["key_population_coverage"] for p in shown] == ["0.0100"] * 2 + ["0.0200"] * 10
    assert {p["figures"][0]["area_code"] for p in shown} == {"440106"}


def test_a_point_is_what_the_indicators_show_as_of_its_moment(api: Api) -> None:
    a_year_of_signings(api)
    june = points(api, area="4401", key_population="*")[5]

    answer = api.get("/indicators", period="2026", as_of=june["as_of"], area="4401", level="county", key_population="*")

    wanted = {"coverage", "key_population_coverage"}
    assert june["figures"] == [f for f in answer.json()["figures"] if f["indicator_id"] in wanted]
    by_tag = {(f["stratum_id"], f["key_population"]): f["value"] for f in june["figures"] if f["key_population"]}
    assert by_tag == {("440106", "hypertension"): "0.0250", ("440106", "elderly"): "0.0200"}  # 1 ÷ 40, 1 ÷ 50


def test_the_month_still_running_ends_now(api: Api) -> None:
    a_year_of_signings(api)

    running = points(api, period="2027", area="440106")

    assert [p["as_of"] for p in running] == ["2027-01-20T10:00:00+08:00"]
    figures = {f["indicator_id"]: (f["numerator"], f["value"]) for f in running[0]["figures"]}
    assert figures["coverage"] == (3, None)  # r2, r4, r5; no register for 2027 yet


def test_the_same_callers_as_the_indicators_may_read_it(api: Api) -> None:
    a_year_of_signings(api)
    doctor, other = api.as_("family_doctor", team="T1"), api.as_("official", area="4402")

    assert all(p["figures"] == [] for p in points(api, doctor))  # a team sees its own figures: none by county
    # c2, c4, c5 (c1 was signed in 2025)
    assert points(api, doctor, indicator=["contracts_signed"], level="team")[11]["figures"][0]["value"] == "3"
    assert api.get("/indicators/series", other, **COVERAGE, area="440106").status_code == 403
    assert api.get("/indicators/series", api.as_("resident", resident=ref(1)), **COVERAGE).status_code == 403
    assert api.client.get("/indicators/series", params=COVERAGE).status_code == 401


def test_bad_series_requests_are_problems(api: Api) -> None:
    cases = {
        404: api.get("/indicators/series", **(COVERAGE | {"indicator": ["guesswork"]})),
        422: api.get("/indicators/series", **(COVERAGE | {"step": "week"})),
    }
    missing = api.get("/indicators/series", period="2026")

    for status, answer in cases.items():
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    assert missing.status_code == 422
    assert cases[404].json()["type"] == "/problems/unknown-indicator"
