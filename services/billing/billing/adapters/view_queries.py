"""What a bureau, an official or an institution asks of the settlement view."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, case, func, select

from billing.adapters.tables import CHARGES, RELEASES, SETTLEMENTS
from billing.application.scope import Scope

GROUP = ("period", "payer", "bureau_id", "institution_id", "area_code")
FIGURES = ("contracts_charged", "due_fen", "settled_fen", "withheld_fen", "released_fen", "adjusted_fen")


def where(table: Table, scope: Scope) -> list[ColumnElement[bool]]:
    c = table.c
    clauses = [c.period.startswith(scope.period, autoescape=True), c.area_code.startswith(scope.area_prefix)]
    clauses += [c.bureau_id == scope.bureau_id] if scope.bureau_id else []
    clauses += [c.institution_id == scope.institution_id] if scope.institution_id else []
    return clauses + ([c.payer == scope.payer] if scope.payer else [])


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


def charges(engine: Engine, scope: Scope) -> dict[str, Any]:
    """The contracts behind a figure: every charge of the scope, oldest contract first."""
    query = select(CHARGES).where(*where(CHARGES, scope)).order_by(CHARGES.c.contract_id, CHARGES.c.charge_id)
    with engine.connect() as conn:
        items = [dict(r) for r in conn.execute(query).mappings()]
    return {
        "items": items,
        "contracts": len({i["contract_id"] for i in items}),
        "total_fen": sum(i["amount_fen"] for i in items),
    }


def reconciliation(engine: Engine, scope: Scope) -> dict[str, Any]:
    """The view's totals against the sum of the FeeSettled events, and each settlement
    against the ContractCharged events it settled."""
    s = SETTLEMENTS.c
    sums = [func.coalesce(func.sum(col), 0) for col in (s.due_fen, s.withheld_fen, s.adjustments_fen, s.payable_fen)]
    late = CHARGES.c.reason == "late_adjustment"
    by_group = (
        select(
            *(CHARGES.c[g] for g in GROUP),
            func.sum(case((late, 0), else_=CHARGES.c.amount_fen)).label("due_fen"),
            func.sum(case((late, CHARGES.c.amount_fen), else_=0)).label("adjustments_fen"),
            func.count(func.distinct(CHARGES.c.contract_id)).label("contracts_charged"),
        )
        .where(*where(CHARGES, scope))
        .group_by(*(CHARGES.c[g] for g in GROUP))
    )
    with engine.connect() as conn:
        count, *totals = conn.execute(select(func.count(), *sums).where(*where(SETTLEMENTS, scope))).one()
        settled = {
            tuple(r[g] for g in GROUP): r
            for r in conn.execute(select(SETTLEMENTS).where(*where(SETTLEMENTS, scope))).mappings()
        }
        charged = {tuple(r[g] for g in GROUP): r for r in conn.execute(by_group).mappings()}
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
