"""Effective contracting: renewal rate, effective contracting rate, package fulfilment.

Periods are 2026, seen as of 15 January 2027 unless a test says otherwise.
"""

from __future__ import annotations

from decimal import Decimal

from appraisal.domain.facts import Facts
from services.appraisal.tests.appraisal_facts import (
    BASIC,
    DIABETES,
    HYPERTENSION,
    T1,
    T2,
    contract,
    figure,
    ratio,
    team,
    terminated,
    visit,
    why,
)


def renewals() -> Facts:
    return Facts(
        teams=(team(T1, None), team(T2, None)),
        contracts=(
            contract("c1", "r_1", starts="2025-03-01"),  # term ends 2026-02-28
            contract("c1r", "r_1", starts="2026-03-01", renews="c1"),
            contract("c2", "r_2", starts="2025-07-01"),  # ends 2026-06-30, not renewed
            terminated(contract("c3", "r_3", starts="2025-09-01"), "2026-04-30", "death"),
            contract("c4", "r_4", starts="2026-01-01"),  # ends 2026-12-31, not renewed
            contract("c5", "r_5", starts="2024-01-01", years=3, tags=("elderly",)),  # ends 2026-12-31
            contract("c5r", "r_5", starts="2027-01-01", renews="c5", signed="2026-12-20"),
            contract("c6", "r_6", starts="2026-03-01"),  # ends in 2027
        ),
    )


def test_renewal_rate_is_renewals_over_terms_that_ended_leaving_out_early_terminations() -> None:
    facts = renewals()

    # ended in 2026: c1 (renewed), c2, c4, c5 (renewed); c3 terminated early → 2 ÷ 4
    assert ratio(figure("renewal_rate", facts)) == (2, 4, "0.5000")
    assert figure("renewal_rate", facts).points == Decimal("0.00")  # at the lower threshold
    assert ratio(figure("renewal_rate", facts, key_population="elderly")) == (1, 1, "1.0000")
    # as of 15 July only c1, c2 (and the excluded c3) had reached their end → 1 ÷ 2
    assert ratio(figure("renewal_rate", facts, as_of="2026-07-15")) == (1, 2, "0.5000")
    # a team with no term ending: an empty denominator, not applicable
    assert ratio(figure("renewal_rate", facts, stratum="T2")) == (0, 0, None)
    assert why("renewal_rate", facts)["c3"] == "excluded: terminated on 2026-04-30 (death): never reached expiry"


def deliveries() -> Facts:
    return Facts(
        contracts=(
            contract("c1", "r_1", starts="2025-03-01"),
            contract("c2", "r_2", starts="2025-07-01"),
            terminated(contract("c3", "r_3", starts="2025-09-01"), "2026-04-30"),
            contract("c4", "r_4", starts="2024-06-01", years=3),  # its second year ends 2026-05-31
            contract("c5", "r_5", starts="2026-01-01"),
            terminated(contract("c6", "r_6", starts="2025-01-01", years=2), "2025-10-31"),
        ),
        visits=(
            visit("v1", "r_1", "c1", "2025-05-10", "health_assessment"),
            visit("v2", "r_2", "c2", "2025-08-01", "blood_test"),  # not a package item
            visit("v3", "r_2", "c2", "2026-07-02", "health_assessment"),  # after the contract year
            visit("v4", "r_4", "c4", "2025-06-10", "health_education"),
            visit("v5", "r_5", None, "2026-03-01", "health_assessment"),  # under no contract
        ),
    )


def test_effective_contracting_needs_one_package_service_in_a_completed_contract_year() -> None:
    facts = deliveries()

    # years ended in 2026: c1 (v1), c2 (none in its year), c4's second (v4), c5 (v5 names no contract);
    # c3's was cut short; c6's second year never began → 2 ÷ 4
    assert ratio(figure("effective_contracting", facts)) == (2, 4, "0.5000")
    assert why("effective_contracting", facts) == {
        "c1@2025-03-01": "1/1 contract year 2025-03-01 to 2026-02-28: v1 on 2025-05-10 delivered a package service",
        "c2@2025-07-01": "0/1 contract year 2025-07-01 to 2026-06-30: no package service delivered",
        "c3@2025-09-01": "excluded: contract year 2025-09-01 to 2026-08-31 cut short on 2026-04-30",
        "c4@2025-06-01": "1/1 contract year 2025-06-01 to 2026-05-31: v4 on 2025-06-10 delivered a package service",
        "c5@2026-01-01": "0/1 contract year 2026-01-01 to 2026-12-31: no package service delivered",
    }
    # in the first half only c1's year had ended: 1 ÷ 1; the year 2025 saw c4's first year end, empty
    assert ratio(figure("effective_contracting", facts, period="2026-H1", as_of="2026-03-15")) == (1, 1, "1.0000")
    assert ratio(figure("effective_contracting", facts, period="2025")) == (0, 1, "0.0000")


def test_package_fulfilment_counts_each_item_up_to_what_is_due() -> None:
    follow_ups = [visit(f"v{i}", "r_1", "c1", f"2025-0{i + 3}-01", "hypertension_follow_up") for i in range(1, 6)]
    facts = Facts(
        contracts=(
            contract("c1", "r_1", starts="2025-03-01", items=HYPERTENSION + DIABETES),
            contract("c2", "r_2", starts="2025-07-01", items=BASIC),
            terminated(contract("c3", "r_3", starts="2025-09-01", items=BASIC), "2026-04-30"),
        ),
        visits=(
            *follow_ups,
            follow_ups[0],  # delivered twice: one visit still
            visit("v6", "r_1", "c1", "2025-10-01", "diabetes_follow_up", "health_check"),
            visit("v7", "r_2", "c2", "2025-08-01", "health_education"),
            visit("v8", "r_2", "c2", "2026-07-02", "health_assessment"),  # after the contract year
        ),
    )

    # c1 due: hypertension_follow_up 4 + diabetes_follow_up 4 + health_check 1 (in both packages, once) = 9;
    #    delivered 4 (five visits, four due) + 1 + 1 = 6
    # c2 due 1 + 1 + 2 = 4, delivered 1; c3 cut short → (6 + 1) ÷ (9 + 4) = 0.538461… → 0.5385
    assert ratio(figure("package_fulfilment", facts)) == (7, 13, "0.5385")
    # points: (0.5385 - 0.5) ÷ (0.9 - 0.5) x 15 = 1.44375 → 1.44
    assert figure("package_fulfilment", facts).points == Decimal("1.44")
    assert why("package_fulfilment", facts)["c1@2025-03-01"] == (
        "6/9 contract year 2025-03-01 to 2026-02-28: "
        "diabetes_follow_up 1/4, health_check 1/1, hypertension_follow_up 4/4"
    )
    assert ratio(figure("package_fulfilment", Facts(teams=(team(T2, None),)), stratum="T2")) == (0, 0, None)
