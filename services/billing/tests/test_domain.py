"""Given/when/then on billing's pure rules: charging, refunds, assistance, periods, release."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import pytest

from billing.domain import account, book, ledger
from billing.domain.errors import NoFeeRule, PeriodNotOver, UnknownContract
from billing.domain.fee_rules import FeeRule, FeeRules, ReleaseRule
from billing.domain.periods import Calendar, within

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


# Ledgers and the settlement book

REF = ledger.LedgerRef("CHC-1", "440106", "insurance_fund", "MIB-1")


def charge(contract_id: str, period: str, amount: int, team: str = "T1") -> ledger.ChargeBooked:
    return ledger.ChargeBooked(
        REF,
        f"{contract_id}/1",
        contract_id,
        "r_abcdefghijklmnopqrstuvwxyz",
        team,
        1,
        period,
        period,
        amount,
        "annual_fee",
        NOW,
    )


def a_ledger(*events: object) -> ledger.Ledger:
    state: ledger.Ledger | None = None
    for event in (ledger.LedgerOpened(REF, None), *events):
        state = ledger.evolve(state, event)
    assert state is not None
    return state


def settle(state: ledger.Ledger, through: str) -> list[object]:
    return ledger.settle(state, through, lambda _: Fraction(30, 100), NOW)


def apply(state: ledger.Ledger, events: Iterable[object]) -> ledger.Ledger:
    for event in events:
        state = ledger.evolve(state, event)  # type: ignore[assignment]
    return state


def test_closing_settles_due_withheld_and_payable_once() -> None:
    state = a_ledger(charge("c1", "2026-01", 10000), charge("c2", "2026-01", 5000), charge("c3", "2026-02", 7000))

    events = settle(state, "2026-01")
    again = settle(apply(state, events), "2026-01")

    settled = events[0]
    assert isinstance(settled, ledger.PeriodSettled)
    assert (settled.period, settled.contracts_charged, settled.due_fen) == ("2026-01", 2, 15000)
    assert (settled.withheld_fen, settled.adjustments_fen, settled.payable_fen) == (4500, 0, 10500)
    assert events[1:] == [ledger.LedgerClosed("2026-01")]
    assert again == []


def test_a_late_charge_goes_into_the_next_open_period_as_an_adjustment() -> None:
    closed = apply(
        a_ledger(charge("c1", "2026-01", 10000)), settle(a_ledger(charge("c1", "2026-01", 10000)), "2026-01")
    )

    late = ledger.book(closed, charge("c2", "2026-01", -2000), MONTHLY)
    settled = settle(apply(closed, [late]), "2026-02")[0]

    assert (late.period, late.origin_period, late.reason) == ("2026-02", "2026-01", "late_adjustment")
    assert isinstance(settled, ledger.PeriodSettled)
    assert (settled.due_fen, settled.withheld_fen, settled.adjustments_fen, settled.payable_fen) == (0, 0, -2000, -2000)


def result(score: str, kind: str = "institution", subject: str = "CHC-1", restates: str | None = None) -> Any:
    rid = f"ar-{score}"
    return ledger.AppraisalResult(rid, restates, "2026", kind, subject, "CHC-1", Fraction(score))


def test_the_withheld_share_is_released_in_proportion_to_the_score_and_restated_on_the_same_pot() -> None:
    state = a_ledger(charge("c1", "2026-01", 10000, "T1"), charge("c2", "2026-02", 20000, "T2"))
    state = apply(state, settle(state, "2026-02"))
    rule = ReleaseRule(none_below=Fraction(60))

    first = ledger.release(state, result("86.00"), rule, NOW)
    assert first is not None
    restated = ledger.release(apply(state, [first]), result("50", restates=first.appraisal_result_id), rule, NOW)

    assert (first.withheld_fen, first.released_fen, first.forfeited_fen) == (9000, 7740, 1260)
    assert restated is not None and restated.release_id == first.release_id
    assert (restated.withheld_fen, restated.released_fen, restated.forfeited_fen) == (9000, 0, 9000)


def test_a_team_result_releases_only_that_teams_withheld_share_when_the_rule_says_so() -> None:
    state = a_ledger(charge("c1", "2026-01", 10000, "T1"), charge("c2", "2026-01", 20000, "T2"))
    state = apply(state, settle(state, "2026-01"))
    by_team = ReleaseRule(subject_kind="team")

    t2 = ledger.release(state, result("100", "team", "T2"), by_team, NOW)

    assert t2 is not None and (t2.withheld_fen, t2.released_fen) == (6000, 6000)
    assert ledger.release(state, result("100"), by_team, NOW) is None  # institution results do not apply


def test_a_period_closes_only_after_it_is_over_and_only_once() -> None:
    closed = book.evolve(book.Book(), book.PeriodsClosed("2026-02", NOW))

    with pytest.raises(PeriodNotOver):
        book.close(book.Book(), "2026-03", date(2026, 3, 31), MONTHLY, NOW)
    assert book.close(book.Book(), "2026-03", date(2026, 4, 1), MONTHLY, NOW) == book.PeriodsClosed("2026-03", NOW)
    assert book.close(closed, "2026-01", date(2026, 4, 1), MONTHLY, NOW) is None


def test_periods_follow_the_configured_length() -> None:
    quarterly = Calendar(3)
    assert quarterly.period_of(date(2026, 5, 20)) == "2026-04"
    assert quarterly.next("2026-10") == "2027-01"
    assert quarterly.last_day("2026-04") == date(2026, 6, 30)
    assert within("2026-H1", "2026-04") and not within("2026-H1", "2026-07") and within("2026", "2026-12")
