"""What a bureau, an official or an institution asks of the settlement view."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, func, select, true, tuple_

from billing.adapters.tables import CHARGE_TOTALS, CHARGES, RELEASES, SETTLEMENTS
from billing.application.scope import Scope

GROUP = ("period", "payer", "bureau_id", "institution_id", "area_code")
FIGURES = ("contracts_charged", "due_fen", "settled_fen", "withheld_fen", "released_fen", "adjusted_fen")


def where(table: Table, scope: Scope) -> list[ColumnElement[bool]]:
    c = table.c
    clauses = [_period(c.period, scope.period), c.area_code.startswith(scope.area_prefix)]
    clauses += [c.bureau_id == scope.bureau_id] if scope.bureau_id else []
    clauses += [c.institution_id == scope.institution_id] if scope.institution_id else []
    return clauses + ([c.payer == scope.payer] if scope.payer else [])


def _period(column: ColumnElement[str], period: str) -> ColumnElement[bool]:
    """A month, or a year's months (a range, so an index on the period serves it)."""
    if len(period) == len("2026"):
        return column.between(f"{period}-01", f"{period}-12")
    return column == period if period else true()


def figures(engine: Engine, scope: Scope) -> dict[str, Any]:
    """Per period, payer, bureau and institution: contracts charged, due, settled (payable),
    withheld, released and adjusted, with their totals."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    with engine.connect() as conn:
        for s in conn.execute(select(SETTLEMENTS).where(*where(SETTLEMENTS, scope))).mappings():
            row = _row(rows, s)
            row["contracts_charged"] += s["contracts_charged"]
            row["due_fen"] += s["due_fen"]
            row["settled_fen"] += s["payable_fen"]
            row["withheld_fen"] += s["withheld_fen"]
            row["adjusted_fen"] += s["adjustments_fen"]
        for r in conn.execute(select(RELEASES).where(*where(RELEASES, scope))).mappings():
            _row(rows, r)["released_fen"] += r["released_fen"]
    ordered = [rows[k] for k in sorted(rows, key=lambda k: tuple(str(v) for v in k))]
    return {"rows": ordered, "totals": {f: sum(r[f] for r in ordered) for f in FIGURES}}


def _row(rows: dict[tuple[Any, ...], dict[str, Any]], source: Any) -> dict[str, Any]:
    key = tuple(source[g] for g in GROUP)
    return rows.setdefault(key, dict(zip(GROUP, key, strict=True)) | dict.fromkeys(FIGURES, 0))


DRILL_DOWN = ("institution_id", "period", "payer", "contract_id", "charge_id")  # its index's order


def charges(engine: Engine, scope: Scope, after: tuple[str, ...] | None, limit: int) -> dict[str, Any]:
    """The contracts behind a figure, a page at a time: by institution, period, payer and
    contract, from `after` (the last charge of the previous page), and the scope's count of
    contracts charged and total, from the totals (contracts count per period, payer and
    institution, as the settlements count them)."""
    order = [CHARGES.c[k] for k in DRILL_DOWN]
    query = select(CHARGES).where(*where(CHARGES, scope)).order_by(*order).limit(limit + 1)
    if after is not None:
        query = query.where(tuple_(*order) > tuple_(*after))
    t = CHARGE_TOTALS.c
    sums = select(*(func.coalesce(func.sum(f), 0) for f in (t.contracts_charged, t.due_fen + t.adjustments_fen)))
    with engine.connect() as conn:
        items = [dict(r) for r in conn.execute(query).mappings()]
        contracts, total = conn.execute(sums.where(*where(CHARGE_TOTALS, scope))).one()
    page, more = items[:limit], len(items) > limit
    return {
        "items": page,
        "contracts": int(contracts),
        "total_fen": int(total),
        "next": tuple(page[-1][k] for k in DRILL_DOWN) if more else None,
    }


def _charged(conn: Connection, scope: Scope) -> dict[tuple[Any, ...], Any]:
    """The charges' sums of each group in the scope (one row per group, never a charge)."""
    t = CHARGE_TOTALS.c
    query = select(CHARGE_TOTALS).where(*where(CHARGE_TOTALS, scope), t.charges > 0).order_by(*(t[g] for g in GROUP))
    found = {}
    for row in conn.execute(query).mappings():
        group = dict(row) | {"bureau_id": row["bureau_id"] or None}  # stored as '' in the key
        found[_key(group)] = group
    return found


def _key(row: Any) -> tuple[Any, ...]:
    return tuple(row[g] for g in GROUP)


def reconciliation(engine: Engine, scope: Scope) -> dict[str, Any]:
    """The view's totals against the sum of the FeeSettled events, and each settlement
    against the sums of the ContractCharged events it settled (kept as they were applied)."""
    s = SETTLEMENTS.c
    sums = [func.coalesce(func.sum(col), 0) for col in (s.due_fen, s.withheld_fen, s.adjustments_fen, s.payable_fen)]
    with engine.connect() as conn:
        count, *totals = conn.execute(select(func.count(), *sums).where(*where(SETTLEMENTS, scope))).one()
        settled = {_key(r): r for r in conn.execute(select(SETTLEMENTS).where(*where(SETTLEMENTS, scope))).mappings()}
        charged = _charged(conn, scope)
    view = figures(engine, scope)["totals"]
    events = dict(zip(("due_fen", "withheld_fen", "adjustments_fen", "payable_fen"), map(int, totals), strict=True))
    mismatched = [_label(k) for k, r in settled.items() if not _agrees(r, charged.get(k))]
    unsettled = [_label(k) for k in charged if k not in settled]
    same = (view["due_fen"], view["withheld_fen"], view["adjusted_fen"], view["settled_fen"]) == tuple(events.values())
    return {
        "scope": {"period": scope.period, "bureau_id": scope.bureau_id, "institution_id": scope.institution_id},
        "fee_settled_events": count,
        "fee_settled_totals": events,
        "view_totals": view,
        "mismatched": mismatched,
        "unsettled": unsettled,
        "balanced": same and not mismatched,
    }


def _agrees(settled: Any, charged: Any) -> bool:
    if charged is None:
        return bool(settled["due_fen"] == 0 and settled["adjustments_fen"] == 0)
    fields = ("due_fen", "adjustments_fen", "contracts_charged")
    return all(int(settled[f]) == int(charged[f]) for f in fields)


def _label(key: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(GROUP, key, strict=True))
