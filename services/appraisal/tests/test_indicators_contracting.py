"""Number of contracted services: contracts signed, coverage, key-population coverage, workload.

Each expected value is computed by hand in the comment above it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from appraisal.domain.facts import Facts
from appraisal.domain.strata import Stratum
from services.appraisal.tests.appraisal_facts import (
    T1,
    T2,
    T3,
    appraised,
    contract,
    figure,
    population,
    ratio,
    team,
    terminated,
)


def test_contracts_signed_counts_signings_and_renewals_on_the_local_day() -> None:
    new_year_in_china = datetime(2025, 12, 31, 17, tzinfo=UTC)  # 1 January 2026, 01:00 in China
    facts = Facts(
        teams=(team(T1, None), team(T2, None)),
        contracts=(
            contract("c1", "r_1", starts="2026-01-05", tags=("elderly",)),
            contract("c2", "r_2", starts="2026-12-31", renews="c0"),
            contract("c3", "r_3", starts="2025-12-31"),
            contract("c4", "r_4", starts="2026-06-01", where=T3),
            replace(contract("c5", "r_5", starts="2026-01-01"), signed_at=new_year_in_china),
        ),
    )

    # T1: c1, c2 (a renewal), c5 (signed on 1 January, local time); c3 was signed in 2025.
    assert ratio(figure("contracts_signed", facts)) == (3, None, "3")
    assert ratio(figure("contracts_signed", facts, "institution", "I1")) == (3, None, "3")
    assert ratio(figure("contracts_signed", facts, "city", "440100")) == (4, None, "4")
    assert ratio(figure("contracts_signed", facts, key_population="elderly")) == (1, None, "1")
    # A registered team that signed nothing shows 0, not "not applicable".
    assert ratio(figure("contracts_signed", facts, stratum="T2")) == (0, None, "0")


def residents_under_contract() -> Facts:
    return Facts(
        contracts=(
            contract("c1", "r_1", starts="2025-03-01", tags=("elderly", "hypertension")),  # ends 2026-02-28
            contract("c2", "r_2", starts="2026-02-01", lives_in="440107002"),  # T1's, living next door
            terminated(contract("c3a", "r_3", starts="2026-01-01", tags=("hypertension",)), "2026-05-31"),
            contract("c3b", "r_3", starts="2026-06-01", where=T3, lives_in="440106001", tags=("elderly",)),
            contract("c4", "r_4", starts="2025-01-01"),  # ended 2025-12-31
            contract("c5", "r_5", starts="2027-01-01", signed="2026-12-20"),  # starts after the period
            contract("c6", "r_6", starts="2026-03-01", lives_in="440203001"),  # another city, not registered
        ),
        register=(
            population("440106", 1000, 200, elderly=150, hypertension=80),
            population("440107", 500, 50),
            population("440000", 10_000, 2_000),
        ),
    )


def test_coverage_counts_each_resident_once_where_they_live_against_the_register() -> None:
    facts = residents_under_contract()

    # 440106: r_1 and r_3 (twice under contract, counted once) ÷ 1000
    assert ratio(figure("coverage", facts, "county", "440106")) == (2, 1000, "0.0020")
    # 440107: r_2 lives there though T1 is in 440106 ÷ 500
    assert ratio(figure("coverage", facts, "county", "440107")) == (1, 500, "0.0020")
    # city 440100 has no entry of its own: the sum of its counties' entries, 1000 + 500
    assert ratio(figure("coverage", facts, "city", "440100")) == (3, 1500, "0.0020")
    # the province has its own entry; r_6 lives in 440203 and counts there
    assert ratio(figure("coverage", facts, "province", "440000")) == (4, 10_000, "0.0004")
    # no register figure for 440203: an empty denominator, so no value
    assert ratio(figure("coverage", facts, "county", "440203")) == (1, None, None)


def test_key_population_coverage_reads_the_managing_contracts_tags() -> None:
    facts = residents_under_contract()

    # r_1 (elderly, hypertension) and r_3 (now elderly; hypertension was on the contract it left) ÷ 200
    assert ratio(figure("key_population_coverage", facts, "county", "440106")) == (2, 200, "0.0100")
    assert ratio(figure("key_population_coverage", facts, "county", "440106", "elderly")) == (2, 150, "0.0133")
    assert ratio(figure("key_population_coverage", facts, "county", "440106", "hypertension")) == (1, 80, "0.0125")
    # 440107: r_2 carries no tag ÷ 50
    assert ratio(figure("key_population_coverage", facts, "county", "440107")) == (0, 50, "0.0000")


def test_workload_is_residents_under_contract_against_the_doctors_caps() -> None:
    facts = Facts(
        teams=(team(T1, None, 500), team(T2), team(T3, 4)),
        contracts=(
            contract("c1", "r_1", starts="2026-01-01"),
            contract("c2", "r_2", starts="2025-06-01"),  # ended 2026-05-31
            contract("c3", "r_3", starts="2026-12-31"),
            terminated(contract("c4", "r_4", starts="2026-02-01"), "2026-11-30"),
            contract("c5", "r_5", starts="2026-01-01", where=T3),
            contract("c6", "r_6", starts="2026-01-01", where=T3),
        ),
    )

    # on 31 December: c1 and c3 ÷ (the default 2000 + 500)
    assert ratio(figure("workload", facts)) == (2, 2500, "0.0008")
    # as of 15 May the last day seen is 15 May: c1, c2 (until 31 May) and c4
    assert ratio(figure("workload", facts, as_of="2026-05-15")) == (3, 2500, "0.0012")
    # T2 has no contracting doctor: no capacity, no value
    assert ratio(figure("workload", facts, stratum="T2")) == (0, 0, None)
    # T3: 2 ÷ 4 = 0.5, so (0.5 - 0.3) ÷ (0.8 - 0.3) x 10 points = 4
    assert figure("workload", facts, stratum="T3").points == Decimal("4.00")
    # I1 is T1 and T2: 2 ÷ 2500
    assert ratio(figure("workload", facts, "institution", "I1")) == (2, 2500, "0.0008")


def test_workloads_drill_down_names_the_contracts_term_so_a_case_holds_while_it_is_in_force() -> None:
    facts = Facts(
        contracts=(
            contract("c1", "r_1", starts="2026-01-01"),
            terminated(contract("c4", "r_4", starts="2026-02-01"), "2026-11-30"),
        )
    )

    def cases(as_of: str) -> dict[str, str]:
        found = appraised(facts, as_of=as_of).drill_down("workload", Stratum("team", "T1"))
        return {c.about: c.why for c in found}

    # the same cases on 15 May and 15 June: the day seen is not part of them
    in_may = {"c1": "in force 2026-01-01 to 2026-12-31", "c4": "in force 2026-02-01 to 2026-11-30"}
    assert cases("2026-05-15") == cases("2026-06-15") == in_may
    assert cases("2027-01-15") == {"c1": "in force 2026-01-01 to 2026-12-31"}


def test_workload_of_a_period_not_begun_counts_no_one() -> None:
    facts = Facts(teams=(team(T1, None),), contracts=(contract("c1", "r_1", starts="2026-01-01"),))

    # as of 15 December 2026 nothing of 2027 has been seen: c1 is in force, but not yet in 2027
    assert ratio(figure("workload", facts, period="2027", as_of="2026-12-15")) == (0, 2000, "0.0000")
    assert ratio(figure("workload", facts, period="2026", as_of="2026-12-15")) == (1, 2000, "0.0005")


def test_workload_over_the_cap_earns_nothing() -> None:
    full = Facts(teams=(team(T3, 2),), contracts=tuple(contract(f"c{i}", f"r_{i}", "2026-01-01", T3) for i in (1, 2)))
    over = Facts(
        teams=(team(T3, 2),), contracts=tuple(contract(f"c{i}", f"r_{i}", "2026-01-01", T3) for i in (1, 2, 3))
    )

    assert (ratio(figure("workload", full, stratum="T3")), figure("workload", full, stratum="T3").points) == (
        (2, 2, "1.0000"),
        Decimal("10.00"),
    )
    assert figure("workload", over, stratum="T3").points == Decimal("0.00")
