"""The residents behind a figure, a page at a time (`residents_in`): the same pages as the
union over every fact table that read them before, over facts that name more than one team,
institution and area of a resident; each page a range of one index of `resident_wheres`."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select

from appraisal.adapters.projections.cases_reads import residents_in
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_tables import OF_A_RESIDENT, RESIDENT_WHERES
from appraisal.bootstrap import engine_for
from appraisal.domain.strata import Stratum
from appraisal.settings import AppraisalSettings
from bench.appraisal_drill_down import former_residents_in
from bench.appraisal_year import Year
from shared.messaging import Delivery
from shared.testing.plans import plans_of

COUNTIES = ("440183", "440106", "440306")  # two in Guangzhou (4401), one in Shenzhen (4403)


@pytest.fixture
def engine(service_settings: Callable[..., Any]) -> Iterator[Engine]:
    """The facts of three counties' residents, some of them moved about (`_moved`)."""
    engine = engine_for(service_settings(AppraisalSettings))
    rng = random.Random(11)
    years = [Year(county, 12, 2026, seed=n, first=100 * n) for n, county in enumerate(COUNTIES)]
    deliveries = [_moved(d, rng) for y in years for d in y.deliveries()[:300]]
    FactsProjection(engine).apply(deliveries)
    yield engine
    engine.dispose()


def test_the_pages_are_those_the_facts_gave(engine: Engine) -> None:
    with engine.connect() as conn:
        strata = [*_strata(conn), Stratum("institution", "CHC-none"), Stratum("county", "450102")]
        for stratum in strata:
            for limit in (1, 4, 500):
                assert _pages(conn, stratum, limit, residents_in) == _pages(
                    conn, stratum, limit, former_residents_in
                ), stratum
        wheres = conn.execute(select(RESIDENT_WHERES)).all()
    assert len({w.resident_ref for w in wheres}) < len(wheres)  # some residents are in more than one place


def test_a_page_is_a_range_of_one_index(engine: Engine) -> None:
    for level, code in (("team", "T-440183100-01"), ("institution", "CHC-440183100"), ("county", "440183"),
                        ("city", "440100"), ("province", "440000")):  # fmt: skip
        [plan] = plans_of(engine, partial(_read, engine, Stratum(level, code)))
        assert f"resident_wheres_by_{level}" in plan, plan
        assert "Seq Scan" not in plan and "Sort" not in plan and "fact_" not in plan, plan


def _read(engine: Engine, stratum: Stratum) -> list[str]:
    with engine.connect() as conn:
        return residents_in(conn, stratum, "R-00000050", 20)


def _moved(d: Delivery, rng: random.Random) -> Delivery:
    """Some facts of a team in another institution, of a resident in another county or city,
    and some contracts of residents living elsewhere than their team."""
    e, changed = d.event, {}
    if hasattr(e, "institution_id") and rng.random() < 0.2:
        changed["institution_id"] = f"{e.institution_id}-joined"
    if hasattr(e, "area_code") and rng.random() < 0.15:
        changed["area_code"] = rng.choice(COUNTIES) + "101"
    if hasattr(e, "resident_area_code") and rng.random() < 0.4:
        changed["resident_area_code"] = rng.choice(("440104101", "440307102", "450102100"))
    return replace(d, event=e.model_copy(update=changed)) if changed else d


def _strata(conn: Connection) -> list[Stratum]:
    """Every team, institution and area the facts name, at every level."""
    found: set[Stratum] = set()
    for t in OF_A_RESIDENT:
        for team, institution, area in conn.execute(select(t.c.team_id, t.c.institution_id, t.c.area_code)):
            found |= {Stratum("team", team), Stratum("institution", institution), Stratum("county", area[:6])}
            found |= {Stratum("city", area[:4] + "00"), Stratum("province", area[:2] + "0000")}
    return sorted(found)


def _pages(conn: Connection, stratum: Stratum, limit: int, read: Callable[..., list[str]]) -> list[list[str]]:
    pages, after = [], ""
    while page := read(conn, stratum, after, limit):
        pages.append(page)
        after = page[-1]
    return pages
