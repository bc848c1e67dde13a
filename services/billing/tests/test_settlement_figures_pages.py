"""The settlement view's figures a page at a time from its groups' totals, on PostgreSQL: every
scope's pages, at several sizes, are what the queries over the settlements, the releases and the
charge totals answered before the totals kept the settlements' and releases' sums (the oracle
below, those queries' meaning computed from the stored rows); and a page is a range of an index
in the groups' order, whatever the scope, never a sort of the scope's groups.

Six ledgers in two cities (three counties, four payers), charged, settled, reversed and settled
anew, released and restated over five periods of two years, a batch at a time; some groups only
charged, some only settled (settled where nothing was charged), some only released."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC
from functools import partial
from threading import Barrier, Thread
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from billing.adapters.projections import view_queries
from billing.adapters.projections.settlement_view import SettlementView
from billing.adapters.projections.tables import CHARGE_TOTALS, RELEASES, SETTLEMENTS
from billing.application.scope import Scope
from billing.domain.periods import Calendar
from shared.contracts import parse_event, topics
from shared.messaging import Delivery
from shared.testing.plans import plans_of

from .conftest import Billing

LEDGERS = [
    ("insurance_fund", "MIB-440106", "CHC-440106-01", "440106"),
    ("resident", None, "CHC-440106-01", "440106"),
    ("public_health_fund", None, "CHC-440106-02", "440106"),
    ("insurance_fund", "MIB-440107", "CHC-440107-01", "440107"),
    ("insurance_fund", "MIB-440201", "CHC-440201-01", "440201"),
    ("local_finance", None, "CHC-440201-01", "440201"),
]
PERIODS = ["2026-01", "2026-02", "2026-03", "2026-04", "2027-01"]
GROUP = view_queries.GROUP


def delivery(type_name: str, ledger: int, **data: Any) -> Delivery:
    payer, bureau, institution, area = LEDGERS[ledger]
    parties = {"payer": payer, "bureau_id": bureau, "institution_id": institution, "area_code": area}
    envelope = Billing.event(type_name, **(parties | data))
    return Delivery(envelope, parse_event(envelope), topics.SETTLEMENTS.name)


def stream() -> Iterator[Delivery]:
    for n in range(70):  # the last ten republish earlier charges with other figures
        late = n % 11 == 0
        yield delivery(
            "billing.ContractCharged.v1", n % 6, charge_id=f"ch-{n % 60}", contract_id=f"c-{n % 9}",
            period=PERIODS[n % 4], amount_fen=1000 + n, reason="late_adjustment" if late else "annual_fee",
        )  # fmt: skip
    for ledger in range(6):
        for p, period in enumerate(PERIODS):
            if (ledger + p) % 3:  # 2027-01 settled where nothing was charged, some charged months not
                yield settled(f"st-{ledger}-{period}", ledger, period, 100 * ledger + p)
    for ledger in (0, 2, 4):  # reopened: reversed, and for two of them settled anew
        yield delivery("billing.SettlementReversed.v1", ledger, reverses_settlement_id=f"st-{ledger}-2026-02")
    yield from (settled(f"st-{ledger}-2026-02-again", ledger, "2026-02", 7) for ledger in (0, 4))
    for ledger, at in ((0, "2026-03-20"), (1, "2027-01-20"), (3, "2026-04-02"), (5, "2026-04-02"), (0, "2027-01-20")):
        yield released(f"rl-{ledger}-{at}", ledger, at, ledger + 1)
    yield released("rl-1-2027-01-20", 1, "2027-01-21", 99)  # restated: it replaces the first


def settled(settlement_id: str, ledger: int, period: str, due: int, **data: Any) -> Delivery:
    return delivery(
        "billing.FeeSettled.v1", ledger, settlement_id=settlement_id, period=period, contracts_charged=due % 4,
        due_fen=due, withheld_fen=due // 10, adjustments_fen=due % 7, payable_fen=due - due // 10 + due % 7, **data,
    )  # fmt: skip


def released(release_id: str, ledger: int, at: str, released: int) -> Delivery:
    return delivery(
        "billing.WithheldReleased.v1", ledger, release_id=release_id, appraisal_result_id=f"ar-{release_id}",
        appraisal_period=at[:4], withheld_fen=released * 2, released_fen=released, forfeited_fen=released,
        released_at=f"{at}T09:00:00+08:00",
    )  # fmt: skip


def settled_released_and_charged(billing: Billing) -> None:
    deliveries = list(stream())
    for start in range(0, len(deliveries), 7):
        billing.view.apply(deliveries[start : start + 7])


def scopes() -> Iterator[Scope]:
    """An administrator's, each area's (province, cities, counties), bureau's (as a bureau asks:
    its payer's), institution's and payer's, each for every period, a year and a month."""
    for period in ("", "2026", "2026-02", "2027", "2027-01"):
        yield from (Scope(period, area_prefix=area) for area in ("", "44", "4401", "4402", "440106", "440107"))
        for _, bureau, institution, _ in LEDGERS:
            yield Scope(period, bureau_id=bureau, payer="insurance_fund") if bureau else Scope(period)
            yield Scope(period, institution_id=institution)
        yield Scope(period, area_prefix="4401", payer="resident")
        yield Scope(period, bureau_id="MIB-440106", institution_id="CHC-440106-01", area_prefix="4401")


def test_every_scope_s_pages_are_those_of_the_queries_over_the_stored_rows(billing: Billing) -> None:
    settled_released_and_charged(billing)
    stored = stored_rows(billing.view.engine)
    engine = billing.view.engine

    for scope in scopes():
        for limit in (1, 3, 1000):
            after: tuple[str, ...] | None = None
            while True:
                page = view_queries.figures(engine, scope, after, limit)
                assert page == oracle(stored, scope, after, limit), (scope, after, limit)
                if (after := page["next"]) is None:
                    break
    whole = view_queries.figures(engine, Scope(), None, 1000)
    charged = {key(c) for c in stored[CHARGE_TOTALS.name] if c["charges"] > 0}
    assert (len(whole["rows"]), len(whole["open"]["rows"])) == (21, 4)  # every kind of group is there:
    assert sum(key(r) not in charged for r in whole["rows"]) == 12  # settled or released, nothing charged
    assert len({key(r) for r in whole["rows"]} & {key(r) for r in whole["open"]["rows"]}) == 1  # released, open


def test_replicas_moving_one_area_at_once_never_wait_on_each_other_in_turn(billing: Billing) -> None:
    """Two replicas of the view apply two institutions of one area at once, each charging the
    period the other settles: were the area's rows moved statement by statement, each would
    hold the row the other waits for (a deadlock, one batch failed); they are moved once, last,
    in the areas' order."""
    views, start, failed = [billing.view, SettlementView(billing.view.engine, Calendar(1), UTC)], Barrier(2), []

    def replica(n: int) -> None:
        charged, settles = ("2026-01", "2026-02")[:: 1 if n else -1]
        for turn in range(15):
            mine = {"institution_id": f"CHC-440106-9{n}"}
            batch = [
                delivery("billing.ContractCharged.v1", 0, charge_id=f"ch-{n}-{turn}", contract_id=f"c-{n}-{turn}",
                         period=charged, amount_fen=100, reason="annual_fee", **mine),
                settled(f"st-{n}-{turn}", 0, settles, 100, **mine),
            ]  # fmt: skip
            start.wait()
            try:
                views[n].apply(batch)
            except DBAPIError as error:
                failed.append(error)

    replicas = [Thread(target=replica, args=(n,)) for n in (0, 1)]
    for each in replicas:
        each.start()
    for each in replicas:
        each.join()

    assert failed == []
    stored = stored_rows(billing.view.engine)
    assert view_queries.figures(billing.view.engine, Scope(), None, 10) == oracle(stored, Scope(), None, 10)


PAGES = {  # a scope, and the index its page is read from
    Scope("2026"): "view_charge_totals_pkey",
    Scope("2026", area_prefix="44"): "view_charge_totals_province",
    Scope("2026", area_prefix="4401"): "view_charge_totals_city",
    Scope("2026-02", area_prefix="440106"): "view_charge_totals_county",  # a month: its one range too
    Scope("2026", bureau_id="MIB-440106", payer="insurance_fund"): "view_charge_totals_bureau",
    Scope("", institution_id="CHC-440106-01"): "view_charge_totals_institution",
}


@pytest.mark.parametrize("scope", PAGES)
def test_a_page_is_a_range_of_an_index_in_the_groups_order_never_a_sort_of_the_scope(
    billing: Billing, scope: Scope
) -> None:
    settled_released_and_charged(billing)
    after = view_queries.figures(billing.view.engine, scope, None, 1)["next"]
    assert after is not None

    for page in (None, after):  # the first page, and one after
        engine = billing.view.engine
        groups, *sums = plans_of(engine, partial(view_queries.figures, engine, scope, page, 500))
        assert PAGES[scope] in groups and "Sort" not in groups, groups
        assert not any("Sort" in plan for plan in sums), sums


# The oracle: what the figures' queries over the stored settlements, releases and charge totals
# answered until 2026-12-06, computed from those rows.

Stored = dict[str, list[dict[str, Any]]]
SETTLED_AS = {"contracts_charged": "contracts_charged", "due_fen": "due_fen", "settled_fen": "payable_fen"}
SETTLED_AS |= {"withheld_fen": "withheld_fen", "adjusted_fen": "adjustments_fen"}
RELEASED_AS = {"released_fen": "released_fen", "forfeited_fen": "forfeited_fen"}
OPEN_AS = {"contracts_charged": "contracts_charged", "due_fen": "due_fen", "adjusted_fen": "adjustments_fen"}


def stored_rows(engine: Engine) -> Stored:
    with engine.connect() as conn:
        tables = (SETTLEMENTS, RELEASES, CHARGE_TOTALS)
        return {t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in tables}


def within(row: dict[str, Any], scope: Scope, period: bool = True) -> bool:
    year_or_month = row["period"][: len(scope.period)] == scope.period
    return (
        (year_or_month or not period)
        and row["area_code"].startswith(scope.area_prefix)
        and all(row[k] == v for k, v in _asked(scope).items())
    )


def _asked(scope: Scope) -> dict[str, str]:
    asked = {"bureau_id": scope.bureau_id, "institution_id": scope.institution_id, "payer": scope.payer}
    return {k: v for k, v in asked.items() if v}


def key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row[g] or "" for g in GROUP)


def oracle(stored: Stored, scope: Scope, after: tuple[str, ...] | None, limit: int) -> dict[str, Any]:
    settled: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(view_queries.FIGURES, 0))
    for table, figures in ((SETTLEMENTS, SETTLED_AS), (RELEASES, RELEASED_AS)):
        for row in (r for r in stored[table.name] if within(r, scope)):
            for figure, column in figures.items():
                settled[key(row)][figure] += row[column]
    standing = {key(s) for s in stored[SETTLEMENTS.name] if within(s, scope)}
    charged = [c for c in stored[CHARGE_TOTALS.name] if within(c, scope) and c["charges"] > 0]
    unsettled = {key(c): {f: c[column] for f, column in OPEN_AS.items()} for c in charged if key(c) not in standing}
    groups = sorted(k for k in set(settled) | set(unsettled) if after is None or k > after)
    page = groups[:limit]
    return {
        "rows": [_named(k) | settled[k] for k in page if k in settled],
        "totals": {f: sum(s[f] for s in settled.values()) for f in view_queries.FIGURES},
        "open": {
            "rows": [_named(k) | unsettled[k] | {"settled": False} for k in page if k in unsettled],
            "totals": {f: sum(u[f] for u in unsettled.values()) for f in OPEN_AS},
        },
        "released_for_period": _released_for(stored, scope),
        "next": page[-1] if len(groups) > limit else None,
    }


def _named(group: tuple[str, ...]) -> dict[str, Any]:
    return {g: v or None if g == "bureau_id" else v for g, v in zip(GROUP, group, strict=True)}


def _released_for(stored: Stored, scope: Scope) -> dict[str, int]:
    year = [r for r in stored[RELEASES.name] if within(r, scope, period=False)]
    year = [r for r in year if r["appraisal_period"].startswith(scope.period[:4])]
    return {f: sum(r[f] for r in year) for f in RELEASED_AS}
