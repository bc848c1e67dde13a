"""Scores, grades and ranks; the catalogue's versions and its checks; periods."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from appraisal.adapters.files.catalogue import DEFAULT, load_catalogue
from appraisal.domain.appraisal import appraise, drafts
from appraisal.domain.errors import InvalidPeriod, NoCatalogueInForce
from appraisal.domain.facts import Facts, Where
from appraisal.domain.periods import Period
from appraisal.domain.scoring import Score
from services.appraisal.tests.appraisal_facts import CATALOGUE, T1, T2, at, contract, rating, step, team, window

T3 = Where("T3", "I2", "440107")


def three_teams() -> Facts:
    good, poor = (5, 5, 4), (3, 3, 3)
    return Facts(
        teams=(team(T1, 20), team(T2, 5), team(T3, 10)),
        contracts=(
            *(contract(f"a{i}", f"r_a{i}", "2026-01-01", T1) for i in range(11)),
            *(contract(f"b{i}", f"r_b{i}", "2026-01-01", T2) for i in range(4)),
        ),
        ratings=(
            *(rating(f"sa{i}", f"r_a{i}", "2026-06-01", good if i < 4 else poor) for i in range(5)),
            *(rating(f"sb{i}", f"r_b{i}", "2026-06-01", good, T2) for i in range(2)),
            rating("sc", "r_c", "2026-06-01", good, T3),
        ),
        referrals=(
            step("R1", "issued", at("2026-05-01"), at("2026-05-01"), "urgent", T3),
            step("R1", "accepted", at("2026-05-01"), at("2026-05-01", 15), where=T3),
        ),
    )


def scores() -> dict[str, Score]:
    version = CATALOGUE.for_period(Period.parse("2026"))
    small = replace(
        version, indicators=tuple(version.indicator(i) for i in ("workload", "referral_timeliness", "satisfaction"))
    )
    return {s.subject.id: s for s in appraise(small, three_teams(), window()).scores}


def test_a_score_is_the_share_of_the_points_possible_on_the_indicators_that_apply() -> None:
    got = scores()

    # T1: workload 11 ÷ 20 = 0.55 → 5 of 10; satisfaction 4 ÷ 5 = 0.8 → 5 of 10; no referral: not applicable
    assert (got["T1"].score, got["T1"].grade) == (Decimal("50.00"), "unqualified")
    assert dict(got["T1"].dimensions) == {
        "contracted_services": Decimal("50.00"),
        "effective_contracting": None,
        "effective_performance": None,
        "service_effect": Decimal("50.00"),
    }
    # T2: 4 ÷ 5 = 0.8 → 10; 2 ÷ 2 → 10 → 100
    assert (got["T2"].score, got["T2"].grade) == (Decimal("100.00"), "excellent")
    # T3: workload 0 → 0 of 10; satisfaction 1 → 10; referral in 6 h → 5 → 100 x 15 ÷ 25 = 60, just qualified
    assert (got["T3"].score, got["T3"].grade) == (Decimal("60.00"), "qualified")
    # I1 = T1 + T2: workload 15 ÷ 25 = 0.6 → 6; satisfaction 6 ÷ 7 = 0.8571 → 7.855 → 7.86 → 100 x 13.86 ÷ 20
    assert (got["I1"].score, got["I1"].grade) == (Decimal("69.30"), "qualified")


def test_ranks_are_within_the_county_and_the_city_ties_sharing_a_place() -> None:
    got = scores()

    assert [(t, got[t].rank_in_county, got[t].rank_in_city) for t in ("T1", "T2", "T3")] == [
        ("T1", 2, 3),
        ("T2", 1, 1),
        ("T3", 1, 2),
    ]
    assert [(i, got[i].area_code, got[i].rank_in_city) for i in ("I1", "I2")] == [
        ("I1", "440106", 1),
        ("I2", "440107", 2),
    ]


def test_a_team_with_nothing_recorded_yet_has_no_score_not_0_and_ranks_last() -> None:
    """Its workload, 0 of its capacity, is no record of its work: the live ranking says "no data"."""
    version = CATALOGUE.for_period(Period.parse("2026"))
    new = Where("T4", "I1", "440106")
    facts = replace(three_teams(), teams=(*three_teams().teams, team(new, 20)))
    appraisal = appraise(version, facts, window())
    got = {s.subject.id: s for s in appraisal.scores}

    assert (got["T4"].score, got["T4"].grade) == (None, None)
    assert {d for _, d in got["T4"].dimensions} == {None}
    assert got["T4"].rank_in_county == 3 and got["T2"].rank_in_county == 1  # after T1 and T2, of 440106
    assert got["T1"].score is not None and got["T1"].score < 60  # a poor team with residents keeps its score
    published = {r.subject_id: r for r in drafts(appraisal)}["T4"]
    assert (published.score, published.grade) == (Decimal("0.00"), "unqualified")  # a result carries a score


def test_the_same_facts_and_window_give_the_same_appraisal_every_time() -> None:
    version = CATALOGUE.for_period(Period.parse("2026"))

    assert appraise(version, three_teams(), window()) == appraise(version, three_teams(), window())


def test_each_period_is_appraised_under_the_catalogue_in_force_on_its_first_day() -> None:
    assert CATALOGUE.for_period(Period.parse("2025-Q4")).version == "2025.1"
    assert CATALOGUE.for_period(Period.parse("2026")).version == "2026.1"
    assert CATALOGUE.for_period(Period.parse("2026-H2")).version == "2026.2"
    with pytest.raises(NoCatalogueInForce):
        CATALOGUE.for_period(Period.parse("2024"))


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda v: v["indicators"][0].update(method="guesswork"), "unknown method"),
        (lambda v: v["indicators"][1].update(strata=["team", "county"]), "population register is by area"),
        (lambda v: v["indicators"][3].update(lower=0.9), "lower < upper"),
        (lambda v: v["indicators"][3]["parameters"].clear(), "default_doctor_cap"),
        (lambda v: v.update(valid_to=None), "in force at once"),
    ],
)
def test_a_bad_catalogue_stops_the_service_saying_why(tmp_path: Path, change: object, complaint: str) -> None:
    data = json.loads(DEFAULT.read_text())
    change(data["versions"][0])  # type: ignore[operator]
    (tmp_path / "bad.json").write_text(json.dumps(data))

    with pytest.raises(ValidationError, match=complaint):
        load_catalogue(tmp_path / "bad.json")


def test_periods_are_years_halves_and_quarters() -> None:
    assert Period.parse("2026-H2") == Period("2026-H2", date(2026, 7, 1), date(2026, 12, 31), 6)
    assert Period.parse("2026-Q1") == Period("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), 3)
    with pytest.raises(InvalidPeriod):
        Period.parse("2026-13")
