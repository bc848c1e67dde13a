"""The settlement view's charge totals, kept as events are applied, against the charges
themselves; and the drill-down, a page at a time."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import FromClause, select

from billing.adapters.projections import group_totals, reconciliation, view_queries
from billing.adapters.projections.tables import (
    AREA_FIGURES,
    AREA_TOTALS,
    CHARGE_TOTALS,
    CHARGES,
    SETTLEMENTS,
    VIEW_TABLES,
)
from billing.application.scope import Scope
from shared.contracts import parse_event, topics
from shared.messaging import Delivery

from .conftest import Billing

# Two ledgers share an institution and a period (two payers), a third is elsewhere.
LEDGERS = [
    {"payer": "insurance_fund", "bureau_id": "MIB-440106", "institution_id": "CHC-1", "area_code": "440106"},
    {"payer": "resident", "bureau_id": None, "institution_id": "CHC-1", "area_code": "440106"},
    {"payer": "insurance_fund", "bureau_id": "MIB-440107", "institution_id": "CHC-2", "area_code": "440107"},
]
PERIODS = ["2026-01", "2026-02"]
SUMS = ("charges", "due_fen", "adjustments_fen", "contracts_charged")


def delivery(type_name: str, **data: Any) -> Delivery:
    envelope = Billing.event(type_name, **data)
    return Delivery(envelope, parse_event(envelope), topics.SETTLEMENTS.name)


def charged(charge: int, contract: int, ledger: int, period: str, amount: int, reason: str) -> Delivery:  # noqa: PLR0913
    """A charge id may come again with other figures (republished): the view keeps the last."""
    return delivery(
        "billing.ContractCharged.v1",
        charge_id=f"ch-{charge}",
        contract_id=f"c-{contract}",
        period=period,
        amount_fen=amount,
        reason=reason,
        **LEDGERS[ledger],
    )


def settled(settlement: int, ledger: int, period: str, due: int, contracts: int) -> Delivery:
    return delivery(
        "billing.FeeSettled.v1",
        settlement_id=f"st-{settlement}",
        period=period,
        contracts_charged=contracts,
        due_fen=due,
        withheld_fen=0,
        adjustments_fen=0,
        payable_fen=due,
        **LEDGERS[ledger],
    )


def reversed_(settlement: int, ledger: int, period: str) -> Delivery:
    return delivery(
        "billing.SettlementReversed.v1",
        reverses_settlement_id=f"st-{settlement}",
        period=period,
        **LEDGERS[ledger],
    )


def released(release: int, ledger: int) -> Delivery:
    return delivery("billing.WithheldReleased.v1", release_id=f"rl-{release}", **LEDGERS[ledger])


ledgers, periods = st.integers(0, len(LEDGERS) - 1), st.sampled_from(PERIODS)
events = st.one_of(
    st.builds(
        charged,
        st.integers(0, 12),
        st.integers(0, 2),
        ledgers,
        periods,
        st.integers(-20_000, 20_000),
        st.sampled_from(["annual_fee", "pro_rata_refund", "late_adjustment"]),
    ),
    st.builds(settled, st.integers(0, 3), ledgers, periods, st.integers(-20_000, 40_000), st.integers(0, 4)),
    st.builds(reversed_, st.integers(0, 3), ledgers, periods),
    st.builds(released, st.integers(0, 2), ledgers),
)
# An event, or "again": a delivery already made, redelivered (same envelope id).
steps = st.lists(st.one_of(events, st.integers(0, 30)), min_size=1, max_size=40)


def sums_over_charges(billing: Billing) -> dict[tuple[Any, ...], dict[str, int]]:
    """What the totals must be: the stored charges, summed per group (what reads did before)."""
    found: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(lambda: dict.fromkeys(SUMS, 0) | {"contracts": set()})
    with billing.view.engine.connect() as conn:
        for c in conn.execute(select(CHARGES)).mappings():
            group = found[tuple(c[g] or "" for g in view_queries.GROUP)]
            late = c["reason"] == "late_adjustment"
            group["charges"] += 1
            group["due_fen" if not late else "adjustments_fen"] += c["amount_fen"]
            group["contracts"].add(c["contract_id"])
    return {k: {s: v[s] for s in SUMS[:3]} | {"contracts_charged": len(v["contracts"])} for k, v in found.items()}


def totals(billing: Billing) -> dict[tuple[Any, ...], dict[str, int]]:
    with billing.view.engine.connect() as conn:
        rows = conn.execute(select(CHARGE_TOTALS).where(CHARGE_TOTALS.c.charges != 0)).mappings()
        return {tuple(r[g] for g in view_queries.GROUP): {s: r[s] for s in SUMS} for r in rows}


def areas(billing: Billing, figures: FromClause) -> dict[tuple[str, ...], tuple[int, ...]]:
    """Each area's figures, but those of areas left with nothing."""
    with billing.view.engine.connect() as conn:
        rows = conn.execute(select(figures)).mappings()
        found = {tuple(r[k] for k in group_totals.AREA): tuple(r[f] for f in AREA_FIGURES) for r in rows}
    return {area: figures for area, figures in found.items() if any(figures)}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, batch=st.integers(1, 8))
def test_the_totals_are_the_sums_over_the_charges_whatever_the_stream_brought(
    billing: Billing, steps: list[Delivery | int], batch: int
) -> None:
    billing.view.rebuild([])  # each example starts from an empty view
    stream: list[Delivery] = []
    for step in steps:
        if isinstance(step, Delivery):
            stream.append(step)
        elif stream:
            stream.append(stream[step % len(stream)])  # a redelivery
    for start in range(0, len(stream), batch):
        billing.view.apply(stream[start : start + batch])
    batched = _view(billing)
    billing.view.rebuild(stream, batch=1)
    assert _view(billing) == batched  # a batch leaves what its events one by one leave

    charges = sums_over_charges(billing)
    assert totals(billing) == charges
    assert areas(billing, AREA_TOTALS) == areas(billing, group_totals.areas_summed().subquery())
    standing = _settlements(billing)  # each is checked against its group's charges
    reconciled = reconciliation.reconciliation(billing.view.engine, Scope(), limit=1000)
    settled = {_key(s) for s in standing}
    unsettled = sorted(k for k in charges if k not in settled)
    mismatched = sorted(_key(s) for s in standing if not _agrees(s, charges.get(_key(s))))
    assert sorted(_key(u) for u in reconciled["unsettled"]) == unsettled
    assert sorted(_key(m) for m in reconciled["mismatched"]) == mismatched
    assert (reconciled["unsettled_count"], reconciled["mismatched_count"]) == (len(unsettled), len(mismatched))
    assert reconciled["balanced"] == (not mismatched)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=st.lists(events, min_size=1, max_size=30), batch=st.integers(1, 8), data=st.data())
def test_the_stream_delivered_again_from_any_point_changes_nothing(
    billing: Billing, stream: list[Delivery], batch: int, data: st.DataObject
) -> None:
    """As Kafka redelivers after a restart (from the last offset committed, in order) and a relay
    republishes (from its last position, in order): a charge is not claimed, it replaces itself."""
    billing.view.rebuild(stream, batch=batch)
    before = _view(billing)
    again = data.draw(st.integers(0, len(stream) - 1))
    for start in range(again, len(stream), batch):
        billing.view.apply(stream[start : start + batch])
    assert _view(billing) == before


def test_a_batch_leaves_what_its_events_one_by_one_leave(billing: Billing) -> None:
    """The view stores a batch's last word on each id: a settlement then its reversal, a reversal
    then the settlement again, a charge and a release published again with other figures."""
    stream = [
        settled(0, 0, "2026-01", 100, 1), reversed_(0, 0, "2026-01"),
        reversed_(1, 1, "2026-01"), settled(1, 1, "2026-01", 200, 2),
        charged(0, 0, 0, "2026-01", 100, "annual_fee"), charged(0, 1, 1, "2026-02", -50, "late_adjustment"),
        released(0, 0), released(0, 2),
    ]  # fmt: skip
    billing.view.rebuild(stream, batch=len(stream))
    batched = _view(billing)
    billing.view.rebuild(stream, batch=1)

    assert _view(billing) == batched
    assert [s[0] for s in batched["view_settlements"]] == ["st-1"]
    assert [(c[0], c[1]) for c in batched["view_charges"]] == [("ch-0", "c-1")]


def _view(billing: Billing) -> dict[str, list[Any]]:
    """Every row of the view, but totals (a group's, an area's) left with nothing: charges all
    gone, a settlement reversed (no read shows them)."""
    with billing.view.engine.connect() as conn:
        rows = {t: sorted(map(tuple, conn.execute(select(t)))) for t in VIEW_TABLES}
    return {t.name: [r for r in found if any(r[len(t.primary_key.columns) :])] for t, found in rows.items()}


def _key(row: Any) -> tuple[Any, ...]:
    return tuple(row[g] or "" for g in view_queries.GROUP)


def _agrees(settlement: Any, charged: dict[str, int] | None) -> bool:
    """A settlement agrees with its charges when it settled their sums and contracts."""
    if charged is None:  # nothing charged: it may count contracts, but no money
        return bool(settlement["due_fen"] == settlement["adjustments_fen"] == 0)
    return all(settlement[f] == charged[f] for f in SUMS[1:])


def _settlements(billing: Billing) -> list[Any]:
    with billing.view.engine.connect() as conn:
        return list(conn.execute(select(SETTLEMENTS)).mappings())


def test_the_drill_down_pages_through_every_charge_once_while_charges_arrive(billing: Billing) -> None:
    billing.view.apply([charged(n, n % 4, n % 3, PERIODS[n // 13], 100 + n, "annual_fee") for n in range(25)])
    per_group = sums_over_charges(billing).values()
    first = billing.get("/settlement-view/charges", limit=4).json()
    order = view_queries.drill_down_order(Scope())
    seen, must_see, cursor, arriving = [], set(), first["next_cursor"], 100
    seen += first["items"]
    while cursor:
        for n in (arriving, arriving + 1):  # two arrive between pages, before or after the cursor
            billing.view.apply([charged(n, n % 7, n % 3, PERIODS[n % 2], 1, "pro_rata_refund")])
            row = {"charge_id": f"ch-{n}", "contract_id": f"c-{n % 7}", "period": PERIODS[n % 2]} | LEDGERS[n % 3]
            if tuple(row[k] for k in order) > tuple(seen[-1][k] for k in order):
                must_see.add(row["charge_id"])
        arriving += 2
        page = billing.get("/settlement-view/charges", limit=4, cursor=cursor).json()
        seen, cursor = seen + page["items"], page["next_cursor"]

    keys = [tuple(c[k] for k in order) for c in seen]
    assert keys == sorted(set(keys))  # in order, none twice
    ids = {c["charge_id"] for c in seen}
    assert {f"ch-{n}" for n in range(25)} | must_see <= ids
    assert ids - must_see - {f"ch-{n}" for n in range(25)} == set()  # only what sorted after the cursor
    assert first["contracts"] == sum(g["contracts_charged"] for g in per_group) < 25  # once per group
    assert first["total_fen"] == sum(100 + n for n in range(25))
    assert len(first["items"]) == 4


def test_a_cursor_not_given_by_the_api_is_refused(billing: Billing) -> None:
    for cursor in ("not-a-cursor", "W10=", "WyJhIiwgMV0="):  # junk, [], ["a", 1]
        answer = billing.get("/settlement-view/charges", cursor=cursor)
        assert answer.status_code == 400 and answer.json()["type"].endswith("/bad-cursor"), answer.text
