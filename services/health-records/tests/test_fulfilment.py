"""Package fulfilment: the pure reckoning of due, done and overdue, and the read model that
follows the service's log to answer it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from health_records.domain.fulfilment import ContractYear, Planned, contract_year, fulfilment

QUARTERLY = Planned("hypertension_follow_up", 4, True)
YEARLY = Planned("elderly_health_check", 1, False)
YEAR = contract_year(date(2026, 1, 6), date(2027, 1, 5), date(2026, 6, 1))


def test_a_quarterly_service_is_due_each_quarter_of_the_contract_year() -> None:
    assert (YEAR.starts_on, YEAR.ends_on, YEAR.full_length) == (date(2026, 1, 6), date(2027, 1, 5), 365)
    assert YEAR.deadlines(4) == [date(2026, 4, 7), date(2026, 7, 7), date(2026, 10, 6), date(2027, 1, 5)]
    assert YEAR.deadlines(1) == [date(2027, 1, 5)]


@pytest.mark.parametrize(
    ("as_of", "delivered", "expected"),
    [
        (date(2026, 3, 1), [], (0, 0, 0, "due", date(2026, 4, 7))),
        (date(2026, 4, 8), [], (0, 1, 1, "overdue", date(2026, 4, 7))),
        (date(2026, 4, 8), [date(2026, 2, 1)], (1, 1, 0, "due", date(2026, 7, 7))),
        (date(2026, 11, 1), [date(2026, 2, 1)], (1, 3, 2, "overdue", date(2026, 7, 7))),
        (date(2026, 12, 1), [date(2026, m, 1) for m in (2, 3, 5, 9)], (4, 3, 0, "done", None)),
        (date(2026, 4, 8), [date(2026, 1, 5), date(2027, 1, 6)], (0, 1, 1, "overdue", date(2026, 4, 7))),
    ],
)  # fmt: skip
def test_done_expected_and_overdue_as_of_a_date(
    as_of: date, delivered: list[date], expected: tuple[int, int, int, str, date | None]
) -> None:
    [item] = fulfilment(YEAR, [QUARTERLY], [("hypertension_follow_up", d) for d in delivered], as_of)
    assert (item.done, item.expected_by_now, item.overdue, item.status, item.next_due_by) == expected


def test_a_yearly_check_is_overdue_only_once_the_year_is_over() -> None:
    during = fulfilment(YEAR, [YEARLY], [], date(2027, 1, 5))
    after = fulfilment(YEAR, [YEARLY], [], date(2027, 3, 1))
    assert (during[0].status, after[0].status, after[0].overdue) == ("due", "overdue", 1)


def test_the_contract_year_is_the_one_the_date_falls_in() -> None:
    three_years = (date(2028, 2, 29), date(2031, 2, 28))
    assert contract_year(*three_years, date(2029, 3, 1)) == ContractYear(date(2029, 3, 1), date(2030, 2, 28), 365)
    assert contract_year(*three_years, date(2029, 2, 28)).starts_on == date(2028, 2, 29)
    assert contract_year(*three_years, date(2027, 1, 1)).starts_on == date(2028, 2, 29), "before it starts: the first"
    assert contract_year(*three_years, date(2035, 1, 1)).ends_on == date(2031, 2, 28), "after it ends: the last"


def test_a_contract_ended_early_expects_only_what_fell_due_before_its_end() -> None:
    year = contract_year(date(2026, 1, 6), date(2026, 5, 31), date(2026, 12, 1))
    [item] = fulfilment(year, [QUARTERLY], [], date(2026, 12, 1))
    assert (year.ends_on, item.expected_by_now, item.overdue) == (date(2026, 5, 31), 1, 1)


def test_the_read_model_follows_the_log_and_rebuilds(seeded: Callable[..., Any]) -> None:
    world = seeded()
    world.visit(fulfils=["hypertension_follow_up"], occurred="2026-02-10T10:00:00+08:00")
    world.follower.catch_up()

    live = world.view.for_resident(world.ref, date(2026, 7, 8))
    world.follower.rebuild(world.tables)

    assert world.view.for_resident(world.ref, date(2026, 7, 8)) == live
    items = {i["item_code"]: i for i in live["items"]}
    assert (items["hypertension_follow_up"]["done"], items["hypertension_follow_up"]["overdue"]) == (1, 1)
    assert items["hypertension_follow_up"]["in_package"] is True
    assert items["elderly_health_check"]["status"] == "due"
    assert (live["year_starts_on"], live["year_ends_on"]) == (date(2026, 1, 6), date(2027, 1, 5))
    [team_row] = world.view.for_team("T1", date(2026, 7, 8))
    assert team_row == {
        "resident_ref": world.ref,
        "contract_id": live["contract_id"],
        "expected_by_now": 3,  # two quarterly follow-ups, one of two health education sessions
        "done": 1,
        "overdue": 2,
    }
    assert world.view.for_team("T2", date(2026, 7, 8)) == []
    assert world.view.for_resident("r_" + "z" * 26, date(2026, 7, 8)) is None
