"""Given/when/then on charging contracts: splits by rule, assistance, contract years, pro-rata refunds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import pytest

from billing.domain import account
from billing.domain.errors import NoFeeRule, UnknownContract
from billing.domain.fee_rules import FeeRule, FeeRules
from billing.domain.periods import Calendar

NOW = datetime(2026, 1, 6, 2, tzinfo=UTC)
MONTHLY = Calendar(1)
RULE = FeeRule(
    "4401",
    2026,
    {"insurance_fund": Fraction(60), "public_health_fund": Fraction(25), "resident": Fraction(15)},
    {"insurance_fund": Fraction(30), "public_health_fund": Fraction(30)},
)


def terms(**changes: Any) -> account.ContractTerms:
    values: dict[str, Any] = {
        "contract_id": "c1",
        "resident_ref": "r_abcdefghijklmnopqrstuvwxyz",
        "team_id": "T1",
        "institution_id": "CHC-1",
        "area_code": "440106",
        "bureau_id": "MIB-1",
        "medical_assistance": False,
        "annual_fee_fen": 36500,
        "term_years": 1,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
    }
    return account.ContractTerms(**(values | changes))


def given(*events: object) -> account.Account:
    state = account.Account()
    for event in events:
        state = account.evolve(state, event)
    return state


def charged(contract: account.ContractTerms) -> list[object]:
    return account.open_contract(account.Account(), contract, lambda _: RULE, MONTHLY, NOW)


def test_a_contract_year_is_split_between_its_payers() -> None:
    opened, year = charged(terms())

    assert opened == account.ContractOpened(terms(), NOW)
    assert year == account.YearCharged(
        1,
        date(2026, 1, 1),
        date(2026, 12, 31),
        "2026-01",
        {"insurance_fund": 21900, "public_health_fund": 9125, "resident": 5475},
    )


def test_medical_assistance_pays_the_share_of_a_resident_with_assistance_status() -> None:
    year = charged(terms(medical_assistance=True))[1]
    uninsured = charged(terms(bureau_id=None, medical_assistance=True))[1]

    assert isinstance(year, account.YearCharged) and isinstance(uninsured, account.YearCharged)
    assert year.shares == {"insurance_fund": 21900, "public_health_fund": 9125, "medical_assistance": 5475}
    assert uninsured.shares == {"public_health_fund": 9125, "medical_assistance": 27375}


def test_a_three_year_contract_is_charged_per_contract_year_in_the_period_each_starts() -> None:
    events = charged(terms(term_years=3, starts_on=date(2026, 3, 15), ends_on=date(2029, 3, 14)))

    years = [(e.contract_year, e.starts_on, e.ends_on, e.period) for e in events if isinstance(e, account.YearCharged)]
    assert years == [
        (1, date(2026, 3, 15), date(2027, 3, 14), "2026-03"),
        (2, date(2027, 3, 15), date(2028, 3, 14), "2027-03"),
        (3, date(2028, 3, 15), date(2029, 3, 14), "2028-03"),
    ]


def test_an_early_end_refunds_the_unused_days_pro_rata_per_payer() -> None:
    state = given(*charged(terms()))

    refund, ended = account.end_contract(state, "death", date(2026, 3, 31), date(2026, 4, 2), MONTHLY)

    # 90 of 365 days used: 275 days, 27500 fen, back to the payers in their proportions
    assert refund == account.YearRefunded(
        1,
        date(2026, 3, 31),
        275,
        "2026-04",
        {"insurance_fund": -16500, "public_health_fund": -6875, "resident": -4125},
    )
    assert ended == account.ContractEnded("death", date(2026, 3, 31))


def test_years_not_started_are_cancelled_in_their_own_period_and_a_full_term_refunds_nothing() -> None:
    three = given(*charged(terms(term_years=3, ends_on=date(2028, 12, 31))))

    events = account.end_contract(three, "moved_away", date(2026, 12, 31), date(2027, 1, 3), MONTHLY)
    expired = account.end_contract(given(*charged(terms())), "expired", date(2026, 12, 31), date(2027, 1, 1), MONTHLY)

    refunds = {
        e.contract_year: (e.period, sum(e.refunds.values())) for e in events if isinstance(e, account.YearRefunded)
    }
    assert refunds == {2: ("2027-01", -36500), 3: ("2028-01", -36500)}
    assert expired == [account.ContractEnded("expired", date(2026, 12, 31))]


def test_ending_an_unknown_contract_is_refused_and_ending_twice_changes_nothing() -> None:
    with pytest.raises(UnknownContract):
        account.end_contract(account.Account(), "death", date(2026, 1, 1), date(2026, 1, 1), MONTHLY)
    ended = given(*charged(terms()), account.ContractEnded("death", date(2026, 5, 1)))
    assert account.end_contract(ended, "death", date(2026, 5, 1), date(2026, 5, 1), MONTHLY) == []


def test_the_most_local_rule_of_the_latest_year_applies() -> None:
    province = FeeRule("44", 2025, {"resident": Fraction(100)})
    county_old = FeeRule("440106", 2024, {"insurance_fund": Fraction(100)})
    city_new = FeeRule("4401", 2026, {"public_health_fund": Fraction(100)})
    rules = FeeRules((province, county_old, city_new))

    assert rules.for_("440106001", 2026) is county_old
    assert rules.for_("440107", 2026) is city_new
    assert rules.for_("440107", 2025) is province
    with pytest.raises(NoFeeRule):
        rules.for_("110101", 2026)
