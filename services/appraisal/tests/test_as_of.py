"""How long an appraisal holds as "now" moves on with the same facts, the month ends a series
is computed at, and a series point's figures against the whole appraisal's."""

from __future__ import annotations

from datetime import datetime, timedelta

from appraisal.application.appraising import month_ends_until
from appraisal.domain.appraisal import appraise, measured
from appraisal.domain.facts import Facts
from appraisal.domain.periods import Period, Window
from services.appraisal.tests.appraisal_facts import (
    CATALOGUE,
    T1,
    ZONE,
    at,
    contract,
    population,
    step,
    team,
    visit,
)
from services.appraisal.tests.test_indicators_experience import hours_after, referrals

VERSION = CATALOGUE.for_period(Period.parse("2026"))


def steady_until(facts: Facts, as_of: datetime) -> datetime | None:
    return appraise(VERSION, facts, Window(Period.parse("2026"), as_of, ZONE)).steady_until


def test_while_the_period_runs_an_appraisal_holds_until_the_next_local_day() -> None:
    facts = Facts(teams=(team(T1, None),), contracts=(contract("c1", "r_1", starts="2026-03-01"),))

    # the day seen moves on at local midnight: coverage and workload count days
    assert steady_until(facts, at("2026-06-15", 10)) == at("2026-06-16", 0)
    assert steady_until(facts, at("2026-12-31", 23)) == at("2027-01-01", 0)


def test_a_pending_referral_turns_missed_when_its_target_passes() -> None:
    issued = at("2026-05-31", 12)  # green channel: 24 h
    facts = Facts(teams=(team(T1, None),), referrals=(step("R9", "issued", issued, issued, "green_channel"),))
    answered = Facts(
        teams=facts.teams, referrals=(*facts.referrals, step("R9", "accepted", issued, hours_after(issued, 30)))
    )

    assert steady_until(facts, at("2026-06-01", 10)) == at("2026-06-01", 12)  # before the next day
    assert steady_until(facts, at("2026-06-01", 12)) == at("2026-06-02", 0)  # passed: missed from now on
    assert steady_until(answered, at("2026-06-01", 10)) == at("2026-06-02", 0)  # answered: nothing pending


def test_once_the_period_is_over_only_a_pending_target_or_a_new_fact_changes_it() -> None:
    # R5 (routine, 72 h) was issued on 31 December at 20:00 and is still unanswered
    assert steady_until(referrals(), at("2027-01-02", 0)) == at("2027-01-03", 20)
    assert steady_until(referrals(), at("2027-01-15", 0)) is None


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
    some = measured(VERSION, facts, window, wanted)

    assert set(some.figures) == {f for f in whole.figures if f.indicator_id in wanted}
    assert {f.indicator_id for f in some.figures} == wanted
    assert some.steady_until == whole.steady_until == at("2026-07-01", 0)
