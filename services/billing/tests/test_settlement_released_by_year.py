"""What the appraisal of a scope's year released (`released_for_period`, on every page of
figures) is read from the scope's areas' rows of that year, or an institution's releases of the
year, a range of the year's index, whatever years the view holds: until 2026-12-07 the scope's
releases of every year were read and the year's kept, later that day an area's or a bureau's
releases of the year (as many as its institutions' ledgers)."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import text

from billing.adapters.projections import view_queries
from billing.adapters.projections.group_totals import APPRAISED
from billing.adapters.projections.tables import AREA_TOTALS, RELEASES
from billing.application.scope import Scope
from billing.bootstrap import migrate
from shared.testing.plans import plans_of

from .conftest import Billing
from .test_settlement_figures_pages import LEDGERS, released, scopes, settled_released_and_charged

YEARS = {  # an area's, a bureau's (a month: its year's); the index each reads. (An institution's
    # releases are a few a year, its ledgers', read by its index of the year or its own.)
    Scope("2026", area_prefix="4401"): ("view_area_totals_area", "(period)::text = '2026'::text"),
    Scope("2027-01", bureau_id="MIB-440106", payer="insurance_fund"): (
        "view_area_totals_bureau",
        "(period)::text = '2027'::text",
    ),
}


@pytest.mark.parametrize("scope", YEARS)
def test_a_year_s_releases_are_a_range_of_the_year_s_rows(billing: Billing, scope: Scope) -> None:
    settled_released_and_charged(billing)
    billing.view.apply([released(f"rl-{y}-{n}", n % 6, f"{y}-03-01", 1) for y in range(2016, 2026) for n in range(6)])
    engine, schema = billing.view.engine, billing.settings.database_schema
    with engine.begin() as conn:  # as autovacuum leaves a live view (which index fits best is its)
        for table in (RELEASES, AREA_TOTALS):
            conn.exec_driver_sql(f'ANALYZE "{schema}".{table.name}')

    *_, appraised = plans_of(engine, partial(view_queries.figures, engine, scope, None, 10))

    index, year = YEARS[scope]
    bound = [line for line in appraised.splitlines() if "Index Cond" in line and year in line]
    assert index in appraised and bound, appraised


def test_a_year_s_releases_are_its_appraisal_s_alone(billing: Billing) -> None:
    settled_released_and_charged(billing)
    year = partial(view_queries.figures, billing.view.engine, limit=10, after=None)
    before = year(Scope("2026"))["released_for_period"]

    billing.view.apply([released(f"rl-old-{n}", n, "2016-03-01", 1000) for n in range(len(LEDGERS))])

    assert year(Scope("2026"))["released_for_period"] == before and before["released_fen"] > 0
    assert year(Scope("2016"))["released_for_period"] == {"released_fen": 6000, "forfeited_fen": 6000}
    assert year(Scope("2016", area_prefix="4402"))["released_for_period"]["released_fen"] == 2000


def test_migrate_gives_a_view_from_before_the_areas_years_the_same_releases(billing: Billing) -> None:
    settled_released_and_charged(billing)
    engine, schema = billing.view.engine, billing.settings.database_schema
    year = partial(view_queries.figures, engine, after=None, limit=3)
    answers = {scope: year(scope)["released_for_period"] for scope in scopes()}
    with engine.begin() as conn:  # the view as 2026-12-07 left it: its areas' months alone, its releases by area
        conn.exec_driver_sql(f'DELETE FROM "{schema}".{AREA_TOTALS.name} WHERE length(period) = 4')
        for name in APPRAISED:
            conn.exec_driver_sql(f'ALTER TABLE "{schema}".{AREA_TOTALS.name} DROP COLUMN {name}')
        releases = f'"{schema}".{RELEASES.name}'
        conn.exec_driver_sql(
            f"CREATE INDEX view_releases_year_area ON {releases} (left(appraisal_period, 4), area_code)"
        )

    migrate(billing.settings)
    migrate(billing.settings)  # once: the areas summed again would double

    assert {scope: year(scope)["released_for_period"] for scope in scopes()} == answers
    with engine.connect() as conn:
        found = "SELECT count(*) FROM pg_indexes WHERE schemaname = :s AND indexname = 'view_releases_year_area'"
        assert conn.scalar(text(found), {"s": schema}) == 0
