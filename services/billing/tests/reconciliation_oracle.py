"""The settlement view's reconciliation as it was read until 2026-12-07, kept as the oracle of
`test_settlement_reconciliation.py`: each settlement of the scope compared with its group's
charge totals, and the charged groups without a settlement, found by the database over the
whole scope (O(the scope's groups)), sorted, and the first `limit` sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, FromClause, Select, Subquery, and_, case, except_, func, or_, select

from billing.adapters.projections.tables import CHARGE_TOTALS, RELEASES, SETTLEMENTS
from billing.adapters.projections.view_queries import FIGURES, GROUP, groups_of, where
from billing.application.scope import Scope


def _key(table: FromClause) -> list[Any]:
    return [func.coalesce(table.c[g], "").label(g) if g == "bureau_id" else table.c[g] for g in GROUP]


def old_reconciliation(engine: Engine, scope: Scope, limit: int) -> dict[str, Any]:
    """The view's totals against the sum of the FeeSettled events, and each settlement against
    the sums of the ContractCharged events it settled (kept as they were applied): the
    database compares them group by group and sends how many disagree and the first `limit`
    of them (by group), and as much of the groups charged and not settled."""
    settled = select(SETTLEMENTS).where(*where(SETTLEMENTS, scope)).subquery()
    charged = select(CHARGE_TOTALS).where(*groups_of(scope), CHARGE_TOTALS.c.charges > 0).subquery()
    fields = ("due_fen", "withheld_fen", "adjustments_fen", "payable_fen", "contracts_charged")
    sums = select(func.count(), *(func.coalesce(func.sum(settled.c[f]), 0) for f in fields))
    releases = (func.coalesce(func.sum(RELEASES.c[f]), 0) for f in ("released_fen", "forfeited_fen"))
    released = select(*releases).where(*where(RELEASES, scope))
    with engine.connect() as conn:
        count, due, withheld, adjusted, payable, contracts = map(int, conn.execute(sums).one())
        view = {"contracts_charged": contracts, "due_fen": due, "settled_fen": payable, "withheld_fen": withheld}
        kept, forfeited = map(int, conn.execute(released).one())
        view |= {"released_fen": kept, "forfeited_fen": forfeited, "adjusted_fen": adjusted}
        wrong, wrong_count = _first(conn, _mismatched(settled, charged), limit)
        open_, open_count = _first(conn, _unsettled(settled, charged), limit)
    return {
        "scope": {"period": scope.period, "bureau_id": scope.bureau_id, "institution_id": scope.institution_id},
        "fee_settled_events": count,
        "fee_settled_totals": dict(zip(fields[:4], (due, withheld, adjusted, payable), strict=True)),
        "view_totals": {f: view[f] for f in FIGURES},
        "mismatched_count": wrong_count,
        "mismatched": wrong,
        "unsettled_count": open_count,
        "unsettled": open_,
        "balanced": wrong_count == 0,  # the view's totals are the sums of the FeeSettled events it stored
    }


def _first(conn: Connection, groups: Select[Any], limit: int) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` of the groups a query finds, and how many it finds: counted in the same
    statement (a window over the whole result, before the limit), so the groups are found once."""
    found = conn.execute(groups.add_columns(func.count().over().label("found")).limit(limit)).mappings().all()
    return [_label(r) for r in found], int(found[0]["found"]) if found else 0


def _mismatched(settled: Subquery, charged: Subquery) -> Select[Any]:
    """Each settlement whose due, adjustments or contracts are not its group's charges'
    (money settled where nothing was charged, too)."""
    s, c = settled.c, charged.c
    same = and_(*(s[g] == c[g] for g in GROUP if g != "bureau_id"), func.coalesce(s.bureau_id, "") == c.bureau_id)
    differs = or_(*(s[f] != c[f] for f in ("due_fen", "adjustments_fen", "contracts_charged")))
    money_without_charges = or_(s.due_fen != 0, s.adjustments_fen != 0)
    return (
        select(*(s[g] for g in GROUP))
        .select_from(settled.outerjoin(charged, same))
        .where(case((c.period.is_(None), money_without_charges), else_=differs))
        .order_by(*_key(settled))
    )


def _unsettled(settled: Subquery, charged: Subquery) -> Select[Any]:
    """The groups charged and not settled: a set difference, hashed, so that no plan looks
    settlements up one charge total at a time."""
    s, c = settled.c, charged.c
    settled_groups = select(*(func.coalesce(s[g], "") if g == "bureau_id" else s[g] for g in GROUP))
    left = except_(select(*(c[g] for g in GROUP)), settled_groups).subquery()
    stored = (func.nullif(left.c[g], "").label(g) if g == "bureau_id" else left.c[g] for g in GROUP)  # '' in the key
    return select(*stored).order_by(*(left.c[g] for g in GROUP))


def _label(row: Any) -> dict[str, Any]:
    return {g: row[g] for g in GROUP}
