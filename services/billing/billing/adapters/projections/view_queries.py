"""What a bureau, an official or an institution asks of the settlement view."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    Subquery,
    Table,
    and_,
    case,
    except_,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)

from billing.adapters.projections.tables import CHARGE_TOTALS, CHARGES, RELEASES, SETTLEMENTS
from billing.application.scope import Scope

GROUP = ("period", "payer", "bureau_id", "institution_id", "area_code")
FIGURES = (
    "contracts_charged", "due_fen", "settled_fen", "withheld_fen", "released_fen", "forfeited_fen", "adjusted_fen",
)  # fmt: skip


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


OPEN = ("contracts_charged", "due_fen", "adjusted_fen")


def figures(engine: Engine, scope: Scope) -> dict[str, Any]:
    """Per period, payer, bureau and institution: contracts charged, due, settled (payable),
    withheld, released, forfeited (withheld and kept back for a low score) and adjusted, with
    their totals; and apart, marked `settled: false`, the groups charged and not settled yet
    (a period still open): what is booked there so far."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    with engine.connect() as conn:
        unsettled = [dict(r) for r in conn.execute(_open_charges(scope)).mappings()]
        for s in conn.execute(select(SETTLEMENTS).where(*where(SETTLEMENTS, scope))).mappings():
            row = _row(rows, s)
            row["contracts_charged"] += s["contracts_charged"]
            row["due_fen"] += s["due_fen"]
            row["settled_fen"] += s["payable_fen"]
            row["withheld_fen"] += s["withheld_fen"]
            row["adjusted_fen"] += s["adjustments_fen"]
        appraised = conn.execute(_released_for(scope)).one()
        for r in conn.execute(select(RELEASES).where(*where(RELEASES, scope))).mappings():
            row = _row(rows, r)
            row["released_fen"] += r["released_fen"]
            row["forfeited_fen"] += r["forfeited_fen"]
    ordered = [rows[k] for k in sorted(rows, key=lambda k: tuple(str(v) for v in k))]
    open_ = {"rows": unsettled, "totals": {f: sum(r[f] for r in unsettled) for f in OPEN}}
    totals = {f: sum(r[f] for r in ordered) for f in FIGURES}
    by_appraisal = {"released_fen": int(appraised[0]), "forfeited_fen": int(appraised[1])}
    return {"rows": ordered, "totals": totals, "open": open_, "released_for_period": by_appraisal}


def _released_for(scope: Scope) -> Select[Any]:
    """What the appraisal of the scope's year released and forfeited of the withheld shares,
    whichever settlement period booked it (a year's results are published the next January)."""
    c = RELEASES.c
    year = [c.appraisal_period.startswith(scope.period[:4])] if scope.period else []
    sums = (func.coalesce(func.sum(c[f]), 0) for f in ("released_fen", "forfeited_fen"))
    return select(*sums).where(*where(RELEASES, replace(scope, period="")), *year)


def _open_charges(scope: Scope) -> Select[Any]:
    """The charge totals of the groups no settlement stands for (those `reconciliation` calls unsettled)."""
    settled = select(SETTLEMENTS).where(*where(SETTLEMENTS, scope)).subquery()
    charged = select(CHARGE_TOTALS).where(*where(CHARGE_TOTALS, scope), CHARGE_TOTALS.c.charges > 0).subquery()
    left = _unsettled(settled, charged).subquery()
    t = CHARGE_TOTALS.c
    same = [t[g] == func.coalesce(left.c[g], "") if g == "bureau_id" else t[g] == left.c[g] for g in GROUP]
    return (
        select(
            *(left.c[g] for g in GROUP),
            t.contracts_charged,
            t.due_fen,
            t.adjustments_fen.label("adjusted_fen"),
            literal(False).label("settled"),
        )
        .select_from(left.join(CHARGE_TOTALS, and_(*same)))
        .order_by(*(left.c[g] for g in GROUP))
    )


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


def reconciliation(engine: Engine, scope: Scope) -> dict[str, Any]:
    """The view's totals against the sum of the FeeSettled events, and each settlement against
    the sums of the ContractCharged events it settled (kept as they were applied): the
    database compares them group by group and sends only the groups that disagree."""
    settled = select(SETTLEMENTS).where(*where(SETTLEMENTS, scope)).subquery()
    charged = select(CHARGE_TOTALS).where(*where(CHARGE_TOTALS, scope), CHARGE_TOTALS.c.charges > 0).subquery()
    fields = ("due_fen", "withheld_fen", "adjustments_fen", "payable_fen", "contracts_charged")
    sums = select(func.count(), *(func.coalesce(func.sum(settled.c[f]), 0) for f in fields))
    releases = (func.coalesce(func.sum(RELEASES.c[f]), 0) for f in ("released_fen", "forfeited_fen"))
    released = select(*releases).where(*where(RELEASES, scope))
    with engine.connect() as conn:
        count, due, withheld, adjusted, payable, contracts = map(int, conn.execute(sums).one())
        view = {"contracts_charged": contracts, "due_fen": due, "settled_fen": payable, "withheld_fen": withheld}
        kept, forfeited = map(int, conn.execute(released).one())
        view |= {"released_fen": kept, "forfeited_fen": forfeited, "adjusted_fen": adjusted}
        wrong = [_label(r) for r in conn.execute(_mismatched(settled, charged)).mappings()]
        open_ = [_label(r) for r in conn.execute(_unsettled(settled, charged)).mappings()]
    return {
        "scope": {"period": scope.period, "bureau_id": scope.bureau_id, "institution_id": scope.institution_id},
        "fee_settled_events": count,
        "fee_settled_totals": dict(zip(fields[:4], (due, withheld, adjusted, payable), strict=True)),
        "view_totals": {f: view[f] for f in FIGURES},
        "mismatched": wrong,
        "unsettled": open_,
        "balanced": not wrong,  # the view's totals are the sums of the FeeSettled events it stored
    }


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
        .order_by(*(s[g] for g in GROUP))
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
