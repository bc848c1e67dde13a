"""Periods that do not exist, moments no appraisal looks at, populations no area has and versions
never issued are refused at the door: a 4xx problem, never a 500 (which also dropped the
caller's keep-alive connection)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from appraisal.settings import AppraisalSettings
from services.appraisal.tests.appraisal_api import CITIES, serving
from shared.testing.fixtures import fresh_schema, settings_on
from shared.testing.refusals import refused

Api = Any  # the `api` fixture (appraisal_api.Api)
AS_OF = "2027-02-01T00:00:00+08:00"
FIGURES = {"population": 1000, "key_population": 100}


@pytest.fixture(scope="module")
def api(test_environment: dict[str, str], mint_token: Callable[..., str]) -> Iterator[Api]:
    """One appraisal for the module's 91 cases, refusals and reads of nothing but one (which writes
    an area no other reads): a schema and an app of each case's own took most of their time."""
    settings = settings_on(test_environment, AppraisalSettings, fresh_schema(), partition_cities=CITIES)
    with serving(settings, mint_token) as served:
        yield served


def _sent(api: Api, route: str, period: str) -> Any:
    return {
        "indicators": lambda: api.get("/indicators", period=period),
        "scores": lambda: api.get("/scores", period=period),
        "cases": lambda: api.get("/indicators/coverage/cases", period=period, level="county", stratum="440106"),
        "series": lambda: api.get("/indicators/series", period=period, indicator="coverage"),
        "publication": lambda: api.post(f"/periods/{period}/publication", {"as_of": AS_OF}),
        "restatement": lambda: api.post(f"/periods/{period}/restatements", {"as_of": AS_OF, "reason": "late"}),
        "publications": lambda: api.get(f"/periods/{period}"),
        "results": lambda: api.get(f"/periods/{period}/results"),
        "disclosure": lambda: api.client.get(f"/disclosure/{period}"),
    }[route]()


@pytest.mark.parametrize("period", ["0000", "9999", "9999-Q4", "1999-H2", "2200", "2025-13", "2026-Q5"])
@pytest.mark.parametrize(
    "route",
    ["indicators", "scores", "cases", "series", "publication", "restatement", "publications", "results", "disclosure"],
)
def test_a_period_that_does_not_exist_is_422(api: Api, route: str, period: str) -> None:
    refused(api.client, _sent(api, route, period), 422, "invalid-request")


@pytest.mark.parametrize("period", ["2026", "2026-H1", "2026-Q3"])
@pytest.mark.parametrize("route", ["indicators", "scores", "cases", "series", "publications", "results", "disclosure"])
def test_the_periods_an_appraisal_has_are_still_read(api: Api, route: str, period: str) -> None:
    read = _sent(api, route, period)

    # Nothing was fed: no county has a coverage figure to drill into, whatever the period.
    assert read.status_code == (404 if route == "cases" else 200), read.text


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", "1999-12-31T00:00:00Z"])
def test_a_moment_no_appraisal_looks_at_is_422(api: Api, as_of: str) -> None:
    read = api.get("/indicators", period="2026", as_of=as_of)
    published = api.post("/periods/2026/publication", {"as_of": as_of})

    refused(api.client, read, 422, "invalid-request")
    refused(api.client, published, 422, "invalid-request")


@pytest.mark.parametrize("field", ["population", "key_population", "by_key_population"])
def test_a_population_no_area_has_is_422(api: Api, field: str) -> None:
    huge = 10**30 if field != "by_key_population" else {"hypertension": 200_000_001}

    sent = api.put("/population-register/2026/440106", FIGURES | {field: huge})

    refused(api.client, sent, 422, "invalid-request")


def test_if_match_star_corrects_figures_that_exist_and_only_those(api: Api) -> None:
    """RFC 9110: `*` matches any current representation, so nothing recorded is a 412."""
    nothing_yet = api.put("/population-register/2026/440107", FIGURES, **{"If-Match": "*"})
    api.put("/population-register/2026/440107", FIGURES)
    corrected = api.put("/population-register/2026/440107", FIGURES | {"population": 1200}, **{"If-Match": "*"})

    refused(api.client, nothing_yet, 412, "precondition-failed")
    assert (corrected.status_code, corrected.json()["population"]) == (200, 1200), corrected.text
