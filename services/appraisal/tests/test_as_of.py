"""The month ends a series is computed at, and a series point's figures against the whole appraisal's."""

from __future__ import annotations

from datetime import datetime, timedelta

from appraisal.application.appraising import month_ends_until
from appraisal.domain.appraisal import appraise, counts_of, from_counts
from appraisal.domain.facts import Facts
from appraisal.domain.periods import Period, Window
from services.appraisal.tests.appraisal_facts import (
    CATALOGUE,
    T1,
    ZONE,
    at,
    contract,
    population,
    team,
    visit,
)

VERSION = CATALOGUE.for_period(Period.parse("2026"))


def test_a_series_is_at_the_end_of_each_month_begun_by_now() -> None:
    quarter = Period.parse("2026-Q1")
    ends = [datetime.fromisoformat(f"2026-{d}T23:59:59.999999+08:00") for d in ("01-31", "02-28", "03-31")]

    assert quarter.month_ends(ZONE) == ends
    assert month_ends_until(quarter, ZONE, at("2026-04-02")) == ends
    assert month_ends_until(quarter, ZONE, at("2026-02-10")) == [ends[0], at("2026-02-10")]
    assert month_ends_until(quarter, ZONE, ends[0]) == [ends[0]]
    assert month_ends_until(quarter, ZONE, ends[0] + timedelta(microseconds=1)) == [ends[0], at("2026-02-01", 0)]
    assert month_ends_until(quarter, ZONE, at("2025-12-31", 23)) == []


def test_a_series_point_has_the_figures_the_whole_appraisal_has() -> None:
    facts = Facts(
        teams=(team(T1, None),),
        contracts=(
            contract("c1", "r_1", starts="2025-03-01", tags=("hypertension",)),
            contract("c2", "r_2", starts="2026-02-01"),
        ),
        visits=(visit("v1", "r_1", "c1", "2026-01-10", "hypertension_follow_up", systolic_bp=150, diastolic_bp=95),),
        register=(population("440106", 1000, 100, hypertension=40),),
    )
    window = Window(Period.parse("2026"), at("2026-06-30", 23), ZONE)
    wanted = {"coverage", "key_population_coverage", "hypertension_control"}

    whole = appraise(VERSION, facts, window)
    some = from_counts(VERSION, window, counts_of(VERSION, whole.cases, facts), wanted)

    assert set(some.figures) == {f for f in whole.figures if f.indicator_id in wanted}
    assert {f.indicator_id for f in some.figures} == wanted
    assert not some.scores and whole.scores
