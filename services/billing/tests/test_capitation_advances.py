"""The insurance fund's monthly capitation advances, worked by hand with the shipped rule of
Guangdong ("44") for 2026: 20,000 fen a resident-year, 90% of the budget advanced monthly.

- An adult contracted all year: the month budgets add up to 20,000 (the year's budget), the
  twelve advances to 18,000 (90%); January's budget is 20,000 × 31 ÷ 365 = 1,698.63 → 1,699,
  its advance 1,528.77 → 1,529.
- An adult joining on 1 July: nothing for January to June; July to December add up to the
  year's budget 20,000 × 184 ÷ 365 = 10,082.19 → 10,082, the advances to 9,073.97 → 9,074.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.adapters.files.capitation_rules import load_capitation_rules
from billing.adapters.publishing import to_public
from billing.application.streams import EVENTS
from billing.domain.advances import MONTHS, exact_month_budget, monthly_advance
from billing.domain.capitation import Coverage, year_budget
from billing.domain.capitation_rules import CapitationRules
from billing.domain.capitation_year import CapitationReconciliationRecorded
from billing.domain.money import round_half_up
from shared.contracts import topics

_, RULES = load_capitation_rules()
RULE = RULES.for_("440106", 2026)
Billing = Any  # the `billing` fixture (conftest.Billing)


def covered(ref: str, starts: date = date(2026, 1, 1), ends: date = date(2026, 12, 31), **kw: Any) -> Coverage:
    labels = frozenset(kw.get("labels", ()))
    return Coverage(ref, kw.get("team", "T1"), "CHC-1", "440106", labels, starts, ends)


def year_of(coverages: list[Coverage], rules: CapitationRules = RULES) -> list[Any]:
    rule = rules.for_("440106", 2026)
    return [monthly_advance(coverages, rules, rule, 2026, m) for m in MONTHS]


def test_a_resident_contracted_all_year_is_advanced_90_percent_of_the_annual_amount_in_12_parts() -> None:
    advances = year_of([covered("a")])

    assert (advances[0].budget_fen, advances[0].amount_fen) == (1699, 1529)
    assert sum(a.budget_fen for a in advances) == 20_000 == year_budget([covered("a")], RULES, 2026).total_fen
    assert sum(a.amount_fen for a in advances) == 18_000
    assert all(a.residents == 1 for a in advances)


def test_with_a_rule_advancing_the_whole_budget_the_12_advances_are_the_annual_amount() -> None:
    whole = CapitationRules((replace(RULE, advance_share=Fraction(1)),))

    assert sum(a.amount_fen for a in year_of([covered("a")], whole)) == 20_000


def test_a_resident_joining_in_july_is_advanced_for_6_months() -> None:
    advances = year_of([covered("a", date(2026, 7, 1))])

    assert [a.amount_fen for a in advances[:6]] == [0] * 6
    assert all(a.amount_fen > 0 for a in advances[6:])
    assert (
        sum(a.budget_fen for a in advances)
        == 10_082
        == year_budget([covered("a", date(2026, 7, 1))], RULES, 2026).total_fen
    )
    assert sum(a.amount_fen for a in advances) == 9_074


coverage = st.builds(
    lambda n, start, length, labels: covered(f"r{n}", start, start + timedelta(days=length), labels=labels),
    st.integers(0, 20),
    st.dates(date(2025, 6, 1), date(2026, 12, 31)),
    st.integers(0, 500),
    st.frozensets(st.sampled_from(["elderly", "children", "hypertension", "diabetes"]), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(coverage, max_size=8), st.fractions(min_value=0, max_value=1, max_denominator=1000))
def test_the_advances_add_up_exactly_to_the_share_of_the_months_budgets(
    coverages: list[Coverage], share: Fraction
) -> None:
    rules = CapitationRules((replace(RULE, advance_share=share),))
    advances = year_of(coverages, rules)

    assert sum(a.budget_fen for a in advances) == year_budget(coverages, rules, 2026).total_fen  # Σ month budgets
    exact = sum((exact_month_budget(coverages, rules, 2026, m) for m in MONTHS), Fraction(0))
    assert sum(a.amount_fen for a in advances) == round_half_up(exact * share)
    assert all(a.amount_fen >= 0 for a in advances)


TEAM = {"institution_id": "CHC-1", "area_code": "440106", "insurance_bureau_id": "MIB-1"}


def advance(billing: Billing, year: int, month: int, key: str | None = None) -> Any:
    headers = {**billing.admin, "Idempotency-Key": key or str(uuid.uuid4())}
    return billing.client.post(f"/capitation-years/{year}/advances/{month}", headers=headers)


def test_a_month_is_advanced_once_published_to_the_bureau_and_a_month_not_due_is_refused(billing: Billing) -> None:
    billing.deliver(
        billing.signed("a", team_id="T1", key_populations=[], **TEAM, starts_on="2026-01-01", ends_on="2026-12-31"),
        billing.signed("j", team_id="T2", key_populations=[], **TEAM, starts_on="2026-07-01", ends_on="2027-06-30"),
    )  # the harness's clock: 2026-02-01

    first = advance(billing, 2026, 2)
    again = advance(billing, 2026, 2)
    early = advance(billing, 2026, 3)

    assert first.status_code == 200, first.text
    # February: 20,000 × 59 ÷ 365 = 3,232.88 → 3,233 through February, 1,699 through January.
    assert first.json() == {"year": 2026, "month": 2, "advanced": 1, "amount_fen": 2910 - 1529, "institutions": 1}
    assert again.json() == {"year": 2026, "month": 2, "advanced": 0, "amount_fen": 0, "institutions": 1}
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    assert early.json()["type"] == "/problems/month-not-due"
    published = [m for e in billing.store.read_log(0, 100_000) for m in to_public(e)]
    advanced = [m for m in published if "billing.CapitationAdvanced.v1" in m.value.decode()]
    assert sorted(m.topic for m in advanced) == sorted([topics.SETTLEMENTS.name, topics.bureau("MIB-1").name])
    assert {m.key for m in advanced} == {"CHC-1"}
    data = json.loads(advanced[0].value)["data"]
    assert (data["period"], data["residents"], data["budget_fen"], data["advance_fen"]) == ("2026-02", 1, 1534, 1381)


def test_the_year_end_reconciliation_nets_the_twelve_advances(billing: Billing) -> None:
    """2025 (18,000 fen a resident-year): one adult all year, no claims. The twelve advances are
    16,200 (90%); the institution keeps 1,800 of its 18,000 surplus (capped at 10%), so the fund
    owes it 1,800 in all, and having advanced 16,200, is owed 14,400 back."""
    whole = {"starts_on": "2025-01-01", "ends_on": "2025-12-31"}
    billing.deliver(billing.signed("a", team_id="T1", key_populations=[], **TEAM, **whole))

    booked = [advance(billing, 2025, m).json()["amount_fen"] for m in MONTHS]
    assert sum(booked) == 16_200
    assert [advance(billing, 2025, m).json()["advanced"] for m in MONTHS] == [0] * 12
    assert billing.reconcile(2025).status_code == 200

    rows = billing.get("/capitation-years/2025/reconciliations").json()["rows"]
    by_subject = {(r["subject_kind"], r["subject_id"]): r["figures"] for r in rows}
    chc, team = by_subject[("institution", "CHC-1")], by_subject[("team", "T1")]
    assert (chc["budget_fen"], chc["retained_fen"], chc["returned_fen"]) == (18_000, 1_800, 16_200)
    assert (chc["advanced_fen"], chc["balance_due_fen"]) == (16_200, -14_400)
    assert (team["advanced_fen"], team["balance_due_fen"]) == (0, 1_800)
    assert billing.reconcile(2025).json()["restated"] == 0  # the advances netted once


def test_a_reconciliation_stored_before_the_advances_reads_as_nothing_advanced() -> None:
    figures = dict.fromkeys(["own_outpatient_fen", "referred_care_fen", "referral_fees_fen", "retained_fen"], 0)
    v1 = figures | {"budget_fen": 100, "spending_fen": 130, "surplus_fen": -30, "returned_fen": 0}
    v1 |= {"borne_fen": 9, "covered_fen": 21}
    stored = {
        "reconciliation_id": "capitation/institution/CHC-1/2025/0",
        "subject_kind": "institution",
        "subject_id": "CHC-1",
        "institution_id": "CHC-1",
        "area_code": "440106",
        "payer": "insurance_fund",
        "bureau_id": None,
        "year": 2025,
        "sequence": 0,
        "restates_reconciliation_id": None,
        "referrals_completed": 0,
        "figures": v1,
        "difference": None,
        "budget_by_resident": {},
        "spending_by_resident": {},
        "contracted_days": {},
        "reconciled_at": "2026-01-02T00:00:00+00:00",
    }

    read = EVENTS.decode("billing.internal.CapitationReconciliationRecorded.v1", stored)

    assert isinstance(read, CapitationReconciliationRecorded)
    assert (read.figures.advanced_fen, read.figures.balance_due_fen) == (0, 121)  # spending 130 - borne 9
