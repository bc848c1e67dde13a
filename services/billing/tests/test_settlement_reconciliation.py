"""The settlement view's reconciliation from what its groups' totals keep, on PostgreSQL: at every
scope, and at every step of randomized streams (charges, some republished with other figures or
in another group, and late; settlements agreeing, disagreeing, several for one group, or where
nothing was charged; reversals; releases), it answers what the query comparing each settlement
with its group's charges answered until 2026-12-07 (kept below as the oracle); and its lists are
ranges of an index in the groups' order, where that query sorted the scope's groups.

Six ledgers in two cities (three counties, four payers) over five periods of two years."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from random import Random
from typing import Any

import pytest
from sqlalchemy import Engine, Select, select, text

from billing.adapters.projections import reconciliation
from billing.adapters.projections.listed import MISMATCHED, SEVERAL, UNSETTLED
from billing.adapters.projections.tables import AREA_TOTALS, CHARGE_TOTALS, RELEASES
from billing.adapters.projections.view_queries import scope_sums
from billing.application.scope import Scope
from billing.bootstrap import migrate
from shared.messaging import Delivery
from shared.testing.plans import sent_by

from .conftest import Billing
from .reconciliation_oracle import old_reconciliation
from .test_settlement_figures_pages import (
    LEDGERS,
    PAGES,
    PERIODS,
    delivery,
    released,
    scopes,
    settled_released_and_charged,
)

Charge = tuple[int, str, str, int, bool]  # ledger, period, contract, amount, late


def charged(rng: Random, charges: dict[str, Charge], n: int) -> list[Delivery]:
    """`n` charges, a third of them republishing an earlier charge id with other figures."""
    found = []
    for _ in range(n):
        charge_id = f"ch-{rng.randrange(len(charges) + 3)}"
        ledger, period, contract = rng.randrange(6), rng.choice(PERIODS[:4]), f"c-{rng.randrange(9)}"
        amount, late = rng.randrange(1, 3000), rng.random() < 0.2
        charges[charge_id] = (ledger, period, contract, amount, late)
        reason = "late_adjustment" if late else "annual_fee"
        found.append(
            delivery("billing.ContractCharged.v1", ledger, charge_id=charge_id, contract_id=contract,
                     period=period, amount_fen=amount, reason=reason)
        )  # fmt: skip
    return found


def settled(rng: Random, charges: dict[str, Charge], ledger: int, period: str, settlement_id: str) -> Delivery:
    """A settlement of the group's charges as they stand, most agreeing with them, some a fen off."""
    group = [c for c in charges.values() if c[:2] == (ledger, period)]
    due, adjusted = sum(c[3] for c in group if not c[4]), sum(c[3] for c in group if c[4])
    due += rng.choice([0, 0, 0, 0, 1])
    contracts = len({c[2] for c in group}) + rng.choice([0, 0, 0, 0, 0, 1])
    return delivery(
        "billing.FeeSettled.v1", ledger, settlement_id=settlement_id, period=period, contracts_charged=contracts,
        due_fen=due, withheld_fen=due // 10, adjustments_fen=adjusted, payable_fen=due - due // 10 + adjusted,
    )  # fmt: skip


def random_stream(seed: int) -> list[list[Delivery]]:
    """The stream in steps, the view compared with the oracle after each."""
    rng, charges, steps = Random(seed), dict[str, Charge](), []
    standing: dict[str, tuple[int, str]] = {}
    for step in range(4):
        batch = charged(rng, charges, 25)
        for ledger, period in rng.sample([(ledger, p) for ledger in range(6) for p in PERIODS], 9):
            settlement_id = f"st-{ledger}-{period}-{step}"  # a group settled before gets another: several
            batch.append(settled(rng, charges, ledger, period, settlement_id))
            standing[settlement_id] = (ledger, period)
        for undone in rng.sample(sorted(standing), 2):
            batch.append(delivery("billing.SettlementReversed.v1", standing.pop(undone)[0],
                                  reverses_settlement_id=undone))  # fmt: skip
        batch.append(released(f"rl-{rng.randrange(4)}", rng.randrange(6), f"202{6 + step % 2}-0{1 + step}-20", step))
        rng.shuffle(batch)
        steps.append(batch)
    return steps


def applied(billing: Billing, steps: list[list[Delivery]], seed: int) -> Iterator[None]:
    """Each step applied in four batches of random sizes, then compared."""
    rng = Random(seed)
    for step in steps:
        cut = sorted(rng.sample(range(1, len(step)), 3))
        for start, end in zip([0, *cut], [*cut, len(step)], strict=True):
            billing.view.apply(step[start:end])
        yield


@pytest.mark.parametrize("seed", range(3))
def test_every_scope_s_reconciliation_is_the_comparison_of_each_settlement_with_its_charges(
    billing: Billing, seed: int
) -> None:
    engine, listed = billing.view.engine, set[str | None]()
    for _ in applied(billing, random_stream(seed), seed):
        for scope in scopes():
            for limit in (1, 3, 1000):
                answer = reconciliation.reconciliation(engine, scope, limit)
                assert answer == old_reconciliation(engine, scope, limit), (scope, limit)
        with engine.connect() as conn:
            listed |= set(conn.scalars(select(CHARGE_TOTALS.c.listed_as).distinct()))
    assert listed == {None, UNSETTLED, MISMATCHED, SEVERAL}  # every kind of group was there to compare


LISTS = {  # the scopes whose pages of figures are a range of an index, and the index of their lists
    scope: f"view_charge_totals_listed_{'key' if index.endswith('pkey') else index.rsplit('_', 1)[1]}"
    for scope, index in PAGES.items()
}


@pytest.mark.parametrize("scope", LISTS)
def test_the_reconciliation_s_lists_are_a_range_of_an_index_where_the_comparison_sorted_the_scope(
    billing: Billing, scope: Scope
) -> None:
    """Among groups that agree, as most of a live view's do, on the statistics autovacuum gives
    it, sorting made as dear as a province's listed groups make it (a test's few rows would be
    sorted as cheaply as read in order): the bench reads them at a province's size."""
    settled_released_and_charged(billing)
    billing.view.apply([each for n in range(300) for each in agreeing(n)])
    engine = billing.view.engine
    with engine.begin() as conn:
        conn.exec_driver_sql(f'ANALYZE "{billing.settings.database_schema}".{CHARGE_TOTALS.name}')

    listed = reconciliation.lists(scope, 100)
    read = partial(executed, engine, [scope_sums(scope), listed.pop(SEVERAL), *listed.values()])
    sums, several, *lists = unsorted_plans(engine, read)
    before = unsorted_plans(engine, partial(old_reconciliation, engine, scope, 100))

    assert all(LISTS[scope] in plan and "Sort" not in plan for plan in lists), lists
    assert "Sort" not in sums + several and "view_charge_totals_listed" in several, (sums, several)
    assert any("Sort" in plan for plan in before), before


def test_a_list_is_read_only_where_the_scope_s_areas_count_groups_in_it(billing: Billing) -> None:
    """A balanced scope's reconciliation is its areas' row summed, its lists not looked for (the
    statistics of a view just built could have them read through every group of the scope)."""
    billing.view.apply([each for n in range(3) for each in agreeing(n)])
    engine, scope = billing.view.engine, Scope("2026", area_prefix="44")
    read = partial(reconciliation.reconciliation, engine, scope, 100)

    assert len(sent_by(engine, read)) == 1 and read()["balanced"]
    billing.view.apply([delivery("billing.ContractCharged.v1", 0, charge_id="ch-open", contract_id="c-open",
                                 period="2026-04", amount_fen=100, reason="annual_fee")])  # fmt: skip
    sent = sent_by(engine, read)
    assert len(sent) == 2 and f"'{UNSETTLED}'" in str(sent[1]) and read()["unsettled_count"] == 1
    assert read() == old_reconciliation(engine, scope, 100)


def executed(engine: Engine, queries: list[Select[Any]]) -> None:
    with engine.connect() as conn:
        for query in queries:
            conn.execute(query).all()


def unsorted_plans(engine: Engine, read: Callable[[], object]) -> list[str]:
    """`plans_of`, a sort too taken only where no index gives the order."""
    sent = sent_by(engine, read)
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
        return ["\n".join(conn.exec_driver_sql(f"EXPLAIN {s}", p).scalars()) for s, p in sent]


def agreeing(n: int) -> list[Delivery]:
    """A group of another institution of a ledger's area, charged and settled as charged."""
    ledger = n % len(LEDGERS)
    at = {"institution_id": f"CHC-{LEDGERS[ledger][3]}-{n + 10}", "period": "2026-03"}
    return [
        delivery("billing.ContractCharged.v1", ledger, charge_id=f"ch-agreeing-{n}", contract_id=f"c-a{n}",
                 amount_fen=100, reason="annual_fee", **at),
        delivery("billing.FeeSettled.v1", ledger, settlement_id=f"st-agreeing-{n}", contracts_charged=1,
                 due_fen=100, withheld_fen=10, adjustments_fen=0, payable_fen=90, **at),
    ]  # fmt: skip


def test_a_group_settled_three_times_lists_each_settlement_that_disagrees(billing: Billing) -> None:
    """Where nothing was charged: two settle money, one none (billing settles a ledger's period once)."""
    payer, bureau, institution, area = LEDGERS[1]
    settling = partial(delivery, "billing.FeeSettled.v1", 1, period="2026-01", contracts_charged=0, withheld_fen=0)
    billing.view.apply([settling(settlement_id=f"st-{due}", due_fen=due, adjustments_fen=0, payable_fen=due)
                        for due in (0, 5, 7)])  # fmt: skip

    answer = reconciliation.reconciliation(billing.view.engine, Scope(), 1)

    assert answer == old_reconciliation(billing.view.engine, Scope(), 1)
    group = {"period": "2026-01", "payer": payer, "bureau_id": bureau, "institution_id": institution}
    assert (answer["mismatched_count"], answer["mismatched"]) == (2, [group | {"area_code": area}])


def test_migrate_gives_a_view_from_before_the_reconciliation_s_counts_what_it_lists_and_counts(
    billing: Billing,
) -> None:
    steps, engine, schema = random_stream(3), billing.view.engine, billing.settings.database_schema
    for _ in applied(billing, steps[:2], 3):
        pass
    answers = {scope: reconciliation.reconciliation(engine, scope, 5) for scope in scopes()}
    with engine.begin() as conn:  # the view as 2026-12-06 left it
        conn.exec_driver_sql(f'ALTER TABLE "{schema}".{CHARGE_TOTALS.name} DROP COLUMN listed_as')  # its indexes too
        for name in ("settlements", "mismatched", "unsettled", "several"):  # "several" since 2026-12-07
            conn.exec_driver_sql(f'ALTER TABLE "{schema}".{AREA_TOTALS.name} DROP COLUMN {name}')
        for index in RELEASES.indexes:
            conn.exec_driver_sql(f'DROP INDEX "{schema}".{index.name}')

    migrate(billing.settings)
    migrate(billing.settings)  # once: the areas' counts summed again would double

    assert {scope: reconciliation.reconciliation(engine, scope, 5) for scope in scopes()} == answers
    with engine.connect() as conn:
        indexes = set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE schemaname = :s"), {"s": schema}))
    assert {i.name for t in (CHARGE_TOTALS, RELEASES) for i in t.indexes} <= indexes
    for _ in applied(billing, steps[2:], 3):  # and the view applies on, listing and counting as the comparison
        assert all(reconciliation.reconciliation(engine, s, 5) == old_reconciliation(engine, s, 5) for s in scopes())
