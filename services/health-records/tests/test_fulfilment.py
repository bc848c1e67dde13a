"""Package fulfilment: the pure reckoning of due, done and overdue, and the read model that
follows the service's log to answer it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from health_records.adapters.projections.fulfilment import CONTRACTS, DELIVERED, PLANNED
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


AS_OF = date(2026, 7, 8)
ITEMS = [QUARTERLY, YEARLY, Planned("diabetes_follow_up", 4, True)]


def team_of(size: int, team_id: str) -> dict[str, list[dict[str, Any]]]:
    """The fulfilment tables' rows of a team: residents whose contracts start on different days
    (one a year before, one not yet, one ended), plans of one to three items, none for every
    seventh, and visits of this contract year, the last and the next."""
    rows: dict[str, list[dict[str, Any]]] = {"contracts": [], "planned": [], "delivered": []}
    for n in range(size):
        ref, starts = f"r_{team_id.lower()}{n:03d}", date(2025 + n % 2, 1 + n % 12, 1 + n % 28)
        last = date(2026, 5, 31) if n % 5 == 4 else date(starts.year + 1 + n % 3, starts.month, starts.day)
        contract = {"resident_ref": ref, "team_id": team_id, "starts_on": starts, "last_day": last}
        rows["contracts"].append(contract | {"contract_id": f"{ref}-c"})
        if n % 6 == 5:  # an earlier contract, with another team
            rows["contracts"].append(contract | {"contract_id": f"{ref}-old", "team_id": "T0", "last_day": starts})
        rows["planned"] += [{"resident_ref": ref, **asdict(p)} for p in ITEMS[: n % 3 + 1] if n % 7 != 6]
        rows["delivered"] += [
            {"visit_id": f"{ref}-v{k}", "item_code": ITEMS[k % 3].item_code, "resident_ref": ref, "delivered_on": on}
            for k, on in enumerate(date(y, m, 9) for y in (2025, 2026, 2027) for m in range(1 + n % 4, 13, 2 + n % 3))
        ]
    return rows


def expected(rows: dict[str, list[dict[str, Any]]], team_id: str) -> list[dict[str, Any]]:
    """What the team's fulfilment is, reckoned from the rows by the domain alone."""
    found = []
    for c in sorted(rows["contracts"], key=lambda c: c["resident_ref"]):
        if c["team_id"] != team_id or not c["starts_on"] <= AS_OF <= c["last_day"]:
            continue
        ref = c["resident_ref"]
        planned = sorted((p for p in rows["planned"] if p["resident_ref"] == ref), key=lambda p: p["item_code"])
        items = fulfilment(
            contract_year(c["starts_on"], c["last_day"], AS_OF),
            [Planned(p["item_code"], p["times_per_year"], p["in_package"]) for p in planned],
            [(d["item_code"], d["delivered_on"]) for d in rows["delivered"] if d["resident_ref"] == ref],
            AS_OF,
        )
        counts = {k: sum(getattr(i, k) for i in items) for k in ("expected_by_now", "done", "overdue")}
        found.append({"resident_ref": ref, "contract_id": c["contract_id"], **counts})
    return found


def test_a_team_s_fulfilment_is_each_resident_s_in_three_queries_whatever_the_team_s_size(
    seeded: Callable[..., Any],
) -> None:
    world = seeded()
    tables = {"contracts": CONTRACTS, "planned": PLANNED, "delivered": DELIVERED}
    small, large = team_of(4, "T8"), team_of(60, "T9")
    with world.view.engine.begin() as conn:
        for rows in (small, large):
            for name, table in tables.items():
                conn.execute(table.insert(), rows[name])
    statements: list[str] = []
    event.listen(world.view.engine, "before_cursor_execute", lambda *call: statements.append(call[2]))

    teams = [world.view.for_team(team_id, AS_OF) for team_id in ("T8", "T9", "T7")]

    assert teams == [expected(small, "T8"), expected(large, "T9"), []]
    assert len(teams[1]) >= 20 and any(row["done"] for row in teams[1]) and any(row["overdue"] for row in teams[1])
    assert len(statements) == 3 + 3 + 1, statements  # no resident's own query; a team of none asks once
