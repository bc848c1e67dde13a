"""The live view over HTTP on PostgreSQL: filters, scope, drill-down, the register, problems."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from appraisal.adapters.http.schemas import FiguresPublic, ScoresPublic, SeriesPublic
from services.appraisal.tests.appraisal_events import R1, R2, T1, rated, ref, registered, signed, two_teams_in_2026

Api = Any  # the `api` fixture (appraisal_api.Api)


def fed(api: Api) -> Api:
    api.feed(*two_teams_in_2026())
    return api


def values(figures: list[dict[str, Any]]) -> dict[tuple[str, str, str], str | None]:
    return {(f["indicator_id"], f["level"], f["stratum_id"]): f["value"] for f in figures}


def test_figures_are_filtered_by_period_area_team_and_dimension(api: Api) -> None:
    fed(api)

    effect = api.figures(area="440106", dimension="service_effect")
    t1 = values(api.figures(team="T1"))

    assert {f["dimension"] for f in effect} == {"service_effect"}
    assert {(f["level"], f["stratum_id"]) for f in effect} == {
        ("team", "T1"),
        ("institution", "I1"),
        ("county", "440106"),
    }
    assert t1[("satisfaction", "team", "T1")] == "0.5000"  # s1 mean 5, s2 mean 2.67
    assert t1[("referral_timeliness", "team", "T1")] == "1.0000"  # accepted after 6 h, green channel 24 h
    assert t1[("effective_contracting", "team", "T1")] == "1.0000"  # c1's year ended 28 Feb, v1 delivered
    assert t1[("contracts_signed", "team", "T1")] == "1"  # c2; c1 was signed in 2025
    city = values(api.figures(area="4401", level="city", indicator="contracts_signed"))
    assert city == {("contracts_signed", "city", "440100"): "2"}
    assert values(api.figures(team="T1", period="2025", indicator="contracts_signed")) == {
        ("contracts_signed", "team", "T1"): "1"
    }


@pytest.mark.parametrize(
    ("path", "model", "params"),
    [
        ("/indicators", FiguresPublic, {"key_population": "*"}),
        ("/scores", ScoresPublic, {}),
        ("/indicators/series", SeriesPublic, {"indicator": "coverage"}),
    ],
)
def test_a_view_written_as_built_is_what_its_model_would_write(
    api: Api, path: str, model: type[BaseModel], params: dict[str, str]
) -> None:
    """The views skip the model's check (a city's are thousands of figures): each must already
    be the model's, field for field, nothing more."""
    fed(api)

    body = api.get(path, period="2026", **params).json()

    assert body == model.model_validate(body).model_dump(mode="json")
    assert any(body.get(k) for k in ("figures", "scores", "points"))


def test_the_same_as_of_gives_the_same_figures_and_an_earlier_one_knows_less(api: Api) -> None:
    fed(api)
    march = {"team": "T1", "as_of": "2026-03-01T00:00:00+08:00"}

    first = api.figures(**march)
    api.feed(rated("s3", ref(4), T1, "2026-02-20", (5, 5, 5), known="2026-12-01T09:00:00+08:00"))  # recorded late

    assert api.figures(**march) == first
    assert values(first)[("satisfaction", "team", "T1")] is None  # no rating was known by then
    assert values(api.figures(team="T1"))[("satisfaction", "team", "T1")] == "0.6667"


def test_each_caller_sees_only_their_scope(api: Api) -> None:
    fed(api)
    doctor, official = api.as_("family_doctor", team="T1"), api.as_("official", area="4401")

    assert {f["stratum_id"] for f in api.figures(doctor)} == {"T1"}
    assert api.get("/indicators", doctor, period="2026", team="T2").status_code == 403
    assert api.get("/indicators", api.as_("official", area="4402"), period="2026", area="440106").status_code == 403
    assert api.get("/indicators", api.as_("resident", resident=R1), period="2026").status_code == 403
    assert api.client.get("/indicators", params={"period": "2026"}).status_code == 401
    assert {f["area_code"][:4] for f in api.figures(official)} == {"4401"}
    assert api.get("/scores", official, period="2026", level="team").json()["scores"][0]["rank_in_city"] == 1


def test_a_doctors_view_of_their_team_counts_its_city_not_the_provinces(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A family doctor names no area: their team's ranks need its city's counts, and a view of
    the whole province would be counted again at every poll (far over what a kept read holds)."""
    fed(api)
    t9 = ("T9", "I9", "440306")  # another city's team, with a contract of its own
    api.feed(registered(t9, None), signed("c9", ref(9), t9, "2026-01-10", "2027-01-09"))
    reader, counted_in = api.client.app.state.appraising._figures, []
    count = reader.counted
    monkeypatch.setattr(reader, "counted", lambda *a, **k: counted_in.append(a[3]) or count(*a, **k))
    doctor, official = api.as_("family_doctor", team="T1"), api.as_("official", area="4401")

    mine = api.get("/scores", doctor, period="2026").json()["scores"]
    theirs = api.get("/scores", official, period="2026", team="T1").json()["scores"]
    figures = values(api.figures(doctor))
    asked = set(counted_in)
    unknown = api.get("/scores", api.as_("family_doctor", team="T-new"), period="2026")

    assert mine == theirs and [s["subject_id"] for s in mine] == ["T1"]
    assert figures[("contracts_signed", "team", "T1")] == "1"
    assert asked == {"4401"}  # never "": the province
    assert (unknown.status_code, unknown.json()["scores"]) == (200, [])  # a team not known yet: nothing counted


def test_an_official_sees_which_residents_are_behind_a_figure_and_why(api: Api) -> None:
    fed(api)
    official = api.as_("official", area="440106")

    answer = api.get("/indicators/satisfaction/cases", official, period="2026", level="team", stratum="T1")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["figure"]["value"] == "0.5000"
    assert "formula" in body["indicator"] and body["indicator"]["exclusions"]
    assert [(c["resident_ref"], c["about"], c["in_numerator"], c["why"]) for c in body["cases"]] == [
        (R1, "s1", 1, "mean 5.00 (5, 5, 5)"),
        (R2, "s2", 0, "mean 2.67 (2, 3, 3)"),
    ]
    doctor = api.as_("family_doctor", team="T1")
    assert (
        api.get("/indicators/satisfaction/cases", doctor, period="2026", level="team", stratum="T1").status_code == 403
    )
    other = api.as_("official", area="440107")
    assert api.get("/indicators/satisfaction/cases", other, period="2026", level="team", stratum="T1").status_code in (
        403,
        404,
    )
    assert api.get("/indicators/guesswork/cases", period="2026", level="team", stratum="T1").status_code == 404


def test_the_drill_down_comes_a_page_of_residents_at_a_time(api: Api) -> None:
    fed(api)
    asked = {"period": "2026", "level": "team", "stratum": "T1", "limit": 1}

    first = api.get("/indicators/satisfaction/cases", **asked).json()
    second = api.get("/indicators/satisfaction/cases", after=first["next_after"], **asked).json()
    pages, after = [], ""
    while after is not None:
        page = api.get("/indicators/satisfaction/cases", after=after, **asked).json()
        pages.append(page["cases"])
        after = page["next_after"]

    assert first["next_after"] == R1 and [c["resident_ref"] for c in first["cases"]] == [R1]
    assert second["figure"] == first["figure"] and second["next_after"] > R1
    assert [c["about"] for page in pages for c in page] == ["s1", "s2"]  # every case, once
    too_many = api.get("/indicators/satisfaction/cases", **asked | {"limit": 5000})
    assert too_many.status_code == 422 and too_many.headers["content-type"] == "application/problem+json"


def test_the_population_register_is_recorded_with_versions_and_feeds_coverage(api: Api) -> None:
    fed(api)
    figures = {"population": 1000, "key_population": 100, "by_key_population": {"hypertension": 40}}

    recorded = api.put("/population-register/2026/440106", figures)
    stale = api.put("/population-register/2026/440106", figures | {"population": 900}, **{"If-Match": '"0"'})
    too_many = api.put("/population-register/2026/440107", figures | {"key_population": 2000})
    api.own_views.catch_up()
    coverage = api.figures(indicator="coverage", level="county", area="440106")

    assert (recorded.status_code, recorded.headers["ETag"]) == (200, '"1"'), recorded.text
    assert api.get("/population-register/2026/440106").json()["population"] == 1000
    assert (stale.status_code, too_many.status_code) == (412, 422)
    assert too_many.json()["type"] == "/problems/invalid-population"
    assert [(f["numerator"], f["denominator"], f["value"]) for f in coverage] == [(2, 1000, "0.0020")]
    assert api.get("/population-register/2026/440199").status_code == 404


def test_bad_requests_are_problems_never_a_500(api: Api) -> None:
    fed(api)

    cases = {
        "invalid-request": api.get("/indicators", period="2026-13"),
        "as-of-in-the-future": api.get("/indicators", period="2026", as_of="2027-02-01T00:00:00+08:00"),
        "no-catalogue-in-force": api.get("/indicators", period="2019"),
        "unknown-stratum": api.get("/indicators/coverage/cases", period="2026", level="team", stratum="T1"),
    }

    for code, answer in cases.items():
        assert answer.status_code in (404, 422), (code, answer.status_code, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == f"/problems/{code}"


def test_the_catalogue_is_public_with_every_formula(api: Api) -> None:
    answer = api.client.get("/catalogue")

    assert answer.status_code == 200
    versions = {v["version"]: v for v in answer.json()}
    assert set(versions) == {"2025.1", "2026.1", "2026.2", "2027.1"}
    effective = next(i for i in versions["2026.1"]["indicators"] if i["id"] == "effective_contracting")
    assert "Our own definition" in effective["numerator"] and effective["formula"]
    assert all(sum(float(i["weight"]) for i in v["indicators"]) == 100 for v in versions.values())
