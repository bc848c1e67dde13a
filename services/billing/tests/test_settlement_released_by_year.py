"""What the appraisal of a scope's year released (`released_for_period`, on every page of
figures) is read from a range of an index of the appraisal's year, whatever years the view holds:
until 2026-12-07 the scope's releases of every year were read and the year's kept."""

from __future__ import annotations

from functools import partial

import pytest

from billing.adapters.projections import view_queries
from billing.adapters.projections.tables import RELEASES
from billing.application.scope import Scope
from shared.testing.plans import plans_of

from .conftest import Billing
from .test_settlement_figures_pages import LEDGERS, released, settled_released_and_charged

YEARS = [  # an area's, a bureau's (a month: its year's), an institution's
    Scope("2026", area_prefix="4401"),
    Scope("2027-01", bureau_id="MIB-440106", payer="insurance_fund"),
    Scope("2026", institution_id="CHC-440106-01"),
]


@pytest.mark.parametrize("scope", YEARS)
def test_a_year_s_releases_are_a_range_of_the_year_s_index(billing: Billing, scope: Scope) -> None:
    settled_released_and_charged(billing)
    billing.view.apply([released(f"rl-{y}-{n}", n % 6, f"{y}-03-01", 1) for y in range(2016, 2026) for n in range(6)])
    engine = billing.view.engine
    with engine.begin() as conn:  # as autovacuum leaves a live view (which of the year's indexes fits best is its)
        conn.exec_driver_sql(f'ANALYZE "{billing.settings.database_schema}".{RELEASES.name}')

    *_, appraised = plans_of(engine, partial(view_queries.figures, engine, scope, None, 10))

    year = f"\"left\"((appraisal_period)::text, 4) = '{scope.period[:4]}'::text"
    bound = [line for line in appraised.splitlines() if "Index Cond" in line and year in line]
    assert "view_releases_year_" in appraised and bound, appraised


def test_a_year_s_releases_are_its_appraisal_s_alone(billing: Billing) -> None:
    settled_released_and_charged(billing)
    year = partial(view_queries.figures, billing.view.engine, limit=10, after=None)
    before = year(Scope("2026"))["released_for_period"]

    billing.view.apply([released(f"rl-old-{n}", n, "2016-03-01", 1000) for n in range(len(LEDGERS))])

    assert year(Scope("2026"))["released_for_period"] == before and before["released_fen"] > 0
    assert year(Scope("2016"))["released_for_period"] == {"released_fen": 6000, "forfeited_fen": 6000}
    assert year(Scope("2016", area_prefix="4402"))["released_for_period"]["released_fen"] == 2000
