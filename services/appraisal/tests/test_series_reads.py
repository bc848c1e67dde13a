"""A series counts only its indicators (a city's other strata are most of a read) and gives
the figures of them a whole read gives: the subjects every indicator's cases make known too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appraisal.adapters.projections.figures_reader import FiguresReader
from appraisal.application.appraising import Appraising, month_ends_until
from appraisal.domain.periods import Period
from services.appraisal.tests.appraisal_events import R1, rated, two_teams_in_2026
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE

Api = Any  # the `api` fixture (appraisal_api.Api)
YEAR = Period.parse("2026")
NOW = datetime.fromisoformat("2026-12-20T10:00:00+08:00")
ELSEWHERE = ("T9", "I9", "440199")
"""A team no event registered, met only in a rating: known to a whole read of any indicator."""


def test_a_series_of_each_indicator_has_the_figures_a_whole_read_has(api: Api) -> None:
    api.feed(*two_teams_in_2026(), rated("s9", R1, ELSEWHERE, "2026-05-01", (5, 5, 5)))
    engine, version = api.client.app.state.engine, CATALOGUE.for_period(YEAR)

    def appraising() -> Appraising:
        return Appraising(CATALOGUE, FiguresReader(engine, ZONE), ZONE)

    for area in ("", "4401"):
        whole = {m: appraising().appraise(YEAR, m, m, area).appraisal for m in month_ends_until(YEAR, ZONE, NOW)}
        for indicator in version.indicators:
            series = appraising().series(YEAR, [indicator.id], NOW, area)
            for moment, point in series.points:
                wanted = {f for f in whole[moment].figures if f.indicator_id == indicator.id}
                assert set(point.figures) == wanted, (area, indicator.id, moment)
        assert any(f.stratum.id == "T9" and f.indicator_id == "contracts_signed" for f in whole[NOW].figures)
