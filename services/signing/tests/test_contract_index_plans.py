"""A search of the contract index reads its page in order from an index that starts with what it
asks for (its team, its area's province, city or county, the active contracts alone): the years
of contracts behind the page are never read nor sorted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, text

from shared.testing.plans import plans_of
from signing.adapters.projections.contract_index import INDEX, ContractIndex
from signing.application.queries import ContractQuery
from signing.bootstrap import engine_for, sealer_of, store_for
from signing.settings import SigningSettings

TODAY = date(2026, 3, 1)
AREAS = ("440106", "440106001", "440111", "440203", "440304", "440305001", "450102", "450103")


def contract(year: int, resident: int) -> dict[str, Any]:
    """Each resident's contract of each year since 2019, the current one active."""
    area, starts = AREAS[resident % len(AREAS)], date(year, 1, 1) + timedelta(days=resident % 365)
    ends = starts + timedelta(days=364)
    status = "active" if ends >= TODAY else ("renewed", "expired", "terminated")[resident % 3]
    return {
        "contract_id": f"C-{year}-{resident:04d}",
        "version": 1,
        "status": status,
        "agreement_id": f"A-{year}-{resident:04d}",
        "agreement_kind": "individual",
        "resident_ref": f"r_{resident:026d}",
        "resident_name": "sealed",  # no key: it reads as erased
        "team_id": f"T-{area}",
        "institution_id": f"CHC-{area}",
        "area_code": area,
        "key_populations": "",
        "packages": "basic",
        "term_years": 1,
        "starts_on": starts,
        "ends_on": ends,
        "last_day": ends,
        "signed_at": datetime(year - 1, 12, 1, tzinfo=UTC),
    }


ROWS = [contract(year, resident) for year in range(2019, 2027) for resident in range(1_000)]
EXPIRING = dict(status="active", ends_by=TODAY + timedelta(days=60))


@pytest.fixture
def index(settings: SigningSettings) -> Iterator[ContractIndex]:
    store = store_for(settings)
    index = ContractIndex(engine_for(settings), sealer_of(store))
    with index.engine.begin() as conn:
        conn.execute(insert(INDEX), ROWS)
        conn.execute(text(f'ANALYZE "{settings.database_schema}".contract_index'))
    yield index
    store.close()
    index.engine.dispose()


def expected(q: ContractQuery) -> list[str]:
    """What the search should find, by reading every row."""
    chosen = [
        r
        for r in ROWS
        if r["area_code"].startswith(q.area or "")
        and q.team_id in (None, r["team_id"])
        and q.status in (None, r["status"])
        and (q.ends_by is None or r["ends_on"] <= q.ends_by)
        and (q.after is None or (r["ends_on"], r["contract_id"]) > q.after)
    ]
    return [r["contract_id"] for r in sorted(chosen, key=lambda r: (r["ends_on"], r["contract_id"]))][: q.limit + 1]


@pytest.mark.parametrize(
    ("query", "read_by"),
    [
        (ContractQuery(area="44"), "contract_index_province_end"),
        (ContractQuery(area="4401"), "contract_index_city_end"),
        (ContractQuery(area="4401", after=(date(2024, 6, 1), "C-2023-0000")), "contract_index_city_end"),
        (ContractQuery(area="440106"), "contract_index_county_end"),
        (ContractQuery(area="440106001"), "contract_index_county_end"),  # a township: its county's, narrowed
        (ContractQuery(area="44010"), "contract_index_city_end"),  # no level's digits: the city's, narrowed
        (ContractQuery(area="4401", **EXPIRING), "contract_index_city_active_end"),
        (ContractQuery(area="440106", **EXPIRING), "contract_index_county_active_end"),
        (ContractQuery(team_id="T-440111", **EXPIRING), "contract_index_team_active_end"),
        (ContractQuery(team_id="T-440111"), "contract_index_team_end"),
    ],
)
def test_a_search_reads_its_page_in_order_from_an_index_that_fits(
    index: ContractIndex, query: ContractQuery, read_by: str
) -> None:
    [plan] = plans_of(index.engine, lambda: index.search(query))

    assert f"Index Scan using {read_by} " in plan and "Sort" not in plan, plan
    assert [r["contract_id"] for r in index.search(query)] == expected(query)


def test_migrate_gives_a_database_from_before_the_indexes_and_drops_the_former(
    index: ContractIndex, settings: SigningSettings
) -> None:
    schema, present = settings.database_schema, "SELECT indexname FROM pg_indexes WHERE schemaname = :schema"
    with index.engine.begin() as conn:  # the index as it was until 2026-12-06
        for made in INDEX.indexes:
            conn.execute(text(f'DROP INDEX "{schema}".{made.name}'))
        conn.execute(text(f'CREATE INDEX ix_contract_index_area_code ON "{schema}".contract_index (area_code)'))

    engine_for(settings).dispose()  # what the migrate Job does

    with index.engine.connect() as conn:
        names = set(conn.execute(text(present), {"schema": schema}).scalars())
    assert {made.name for made in INDEX.indexes} <= names
    assert "ix_contract_index_area_code" not in names
