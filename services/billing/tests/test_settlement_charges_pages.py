"""The settlement view's drill-down (the charges behind a figure) a page at a time, on PostgreSQL:
every scope's pages, at several sizes, are its charges, each once, in the scope's order, with the
scope's contracts and total on each; and a page is a range of one index read in that order, never
a sort of the scope's charges (a city's are hundreds of thousands a year, a province's county's
millions), its totals the scope's areas' rows, not its groups'.

The ledgers, periods and charges of `test_settlement_figures_pages`: six ledgers in two cities,
charged over five periods of two years, some charges restated."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select

from billing.adapters.projections import view_queries
from billing.adapters.projections.tables import AREA_TOTALS, CHARGES
from billing.application.scope import Scope
from billing.bootstrap import migrate
from shared.testing.plans import plans_of, sent_by

from .conftest import Billing
from .test_settlement_figures_pages import GROUP, scopes, settled_released_and_charged, within


def test_every_scope_s_pages_are_its_charges_each_once_in_its_order(billing: Billing) -> None:
    settled_released_and_charged(billing)
    engine = billing.view.engine
    with engine.connect() as conn:
        stored = [dict(c) for c in conn.execute(select(CHARGES)).mappings()]

    for scope in scopes():
        keys = view_queries.drill_down_order(scope)
        expected = sorted((c for c in stored if within(c, scope)), key=lambda c: tuple(c[k] for k in keys))
        for limit in (1, 3, 1000):
            found, after = [], None
            while True:
                page = view_queries.charges(engine, scope, after, limit)
                assert len(page["items"]) <= limit
                found += page["items"]
                if (after := page["next"]) is None:
                    break
            assert found == expected, (scope, limit)
            assert page["total_fen"] == sum(c["amount_fen"] for c in expected), scope  # on every page
            assert page["contracts"] == len({(*(c[g] for g in GROUP), c["contract_id"]) for c in expected}), scope
    assert len({c["area_code"][:4] for c in stored}) == 2 and len(stored) == 60  # two cities' charges


PAGES = {  # a scope, and the index its page is read from
    Scope("2026"): "view_charges_area_order",
    Scope("", area_prefix="44"): "view_charges_area_order",
    Scope("2026", area_prefix="4401"): "view_charges_area_order",
    Scope("2026-02", area_prefix="440106"): "view_charges_area_order",
    Scope("2026", area_prefix="4401", payer="resident"): "view_charges_area_order",
    Scope("2026", bureau_id="MIB-440106", payer="insurance_fund"): "view_charges_bureau_order",
    Scope("2026", bureau_id="MIB-440106", payer="insurance_fund", area_prefix="4401"): "view_charges_bureau_order",
    Scope("", institution_id="CHC-440106-01"): "view_charges_drill_down",
    Scope("2026-02", institution_id="CHC-440106-01", area_prefix="4401"): "view_charges_drill_down",
}


@pytest.mark.parametrize("scope", PAGES)
def test_a_page_is_a_range_of_an_index_in_the_scope_s_order_never_a_sort(billing: Billing, scope: Scope) -> None:
    settled_released_and_charged(billing)
    engine = billing.view.engine
    after = view_queries.charges(engine, scope, None, 1)["next"]
    assert after is not None

    for page in (None, after):  # the first page, and one after
        charges, *sums = plans_of(engine, partial(view_queries.charges, engine, scope, page, 500))
        assert f"Index Scan using {PAGES[scope]} " in charges and "Sort" not in charges, charges
        assert not any("Sort" in plan for plan in sums), sums


def test_an_area_s_charges_are_estimated_as_the_range_they_are(billing: Billing) -> None:
    """A county's charges among 200 counties', as the planner's statistics have them: asked as a
    LIKE, PostgreSQL counted the prefix twice (the pattern, and the range it derives from it, as
    if independent) and estimated a county's charges at a handful; at 21 cities a page of a
    county's then read and sorted the province's every charge rather than a range of its index."""
    engine, schema = billing.view.engine, billing.settings.database_schema
    county = "lpad((mod(n, 20) + 1)::text, 2, '0') || lpad((mod(n / 20, 10) + 1)::text, 2, '0')"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f'INSERT INTO "{schema}".{CHARGES.name} (charge_id, contract_id, resident_ref, contract_year, period, '
            "amount_fen, reason, payer, bureau_id, institution_id, area_code) "
            f"SELECT 'ch-' || n, 'c-' || n, 'r-' || n, 2026, '2026-03', 100, 'annual_fee', 'resident', NULL, "
            f"'CHC-' || mod(n, 400), '44' || {county} FROM generate_series(1, 40000) AS n"
        )
        conn.exec_driver_sql(f'ANALYZE "{schema}".{CHARGES.name}')
    query = select(CHARGES).where(*view_queries.where(CHARGES, Scope("2026", area_prefix="440101")))

    with engine.connect() as conn:
        (statement, parameters), *_ = sent_by(engine, lambda: conn.execute(query).all())
        estimated = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()[0]["Plan"]
        found = len(conn.execute(query).all())

    assert found == 200 and found / 3 <= estimated["Plan Rows"] <= found * 3, estimated


def test_migrate_gives_a_view_from_before_the_areas_charged_sums_the_same_totals(billing: Billing) -> None:
    settled_released_and_charged(billing)
    engine, schema = billing.view.engine, billing.settings.database_schema
    answers = {scope: view_queries.charges(engine, scope, None, 3) for scope in scopes()}
    with engine.begin() as conn:  # the view as 2026-12-07 found it
        for name in ("charged_contracts", "charged_fen"):
            conn.exec_driver_sql(f'ALTER TABLE "{schema}".{AREA_TOTALS.name} DROP COLUMN {name}')

    migrate(billing.settings)
    migrate(billing.settings)  # once: the areas summed again would double

    assert {scope: view_queries.charges(engine, scope, None, 3) for scope in scopes()} == answers
