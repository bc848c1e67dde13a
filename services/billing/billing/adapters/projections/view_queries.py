"""What a bureau, an official or an institution asks of the settlement view."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Select,
    Subquery,
    Table,
    and_,
    case,
    except_,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union,
    union_all,
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
Key = tuple[str, ...]
"""A group's position: its GROUP values, '' for a payer without a bureau (a row comparison has no null)."""


def figures(engine: Engine, scope: Scope, after: Key | None, limit: int) -> dict[str, Any]:
    """Per period, payer, bureau and institution: contracts charged, due, settled (payable),
    withheld, released, forfeited (withheld and kept back for a low score) and adjusted; and
    apart, marked `settled: false`, the groups charged and not settled yet (a period still open):
    what is booked there so far. A page at a time, `limit` groups by GROUP from `after` (the last
    group of the previous page), a group's settled row and open row on the same page; the totals
    are the whole scope's, summed by the database, on every page."""
    with engine.connect() as conn:
        keys = [tuple(k) for k in conn.execute(_groups(scope, after, limit + 1))]
        page, more = keys[:limit], len(keys) > limit
        within = _between(after, page[-1]) if page else _nothing
        rows = [_counted(r) for r in conn.execute(_settled_rows(scope, within)).mappings()]
        open_rows = [_counted(r) for r in conn.execute(_open_charges(scope, within)).mappings()]
        totals = _counted(conn.execute(_sums(_standing(scope), FIGURES)).mappings().one())
        unsettled = _open_charges(scope).order_by(None).subquery()
        open_totals = _counted(conn.execute(_sums(unsettled, OPEN)).mappings().one())
        appraised = conn.execute(_released_for(scope)).one()
    return {
        "rows": rows,
        "totals": totals,
        "open": {"rows": open_rows, "totals": open_totals},
        "released_for_period": {"released_fen": int(appraised[0]), "forfeited_fen": int(appraised[1])},
        "next": page[-1] if more else None,
    }


Within = Callable[[Sequence[ColumnElement[Any]]], list[ColumnElement[bool]]]


def _key(table: FromClause) -> list[ColumnElement[Any]]:
    return [func.coalesce(table.c[g], "").label(g) if g == "bureau_id" else table.c[g] for g in GROUP]


def _anywhere(key: Sequence[ColumnElement[Any]]) -> list[ColumnElement[bool]]:
    return []


def _nothing(key: Sequence[ColumnElement[Any]]) -> list[ColumnElement[bool]]:
    return [false()]


def _between(after: Key | None, last: Key) -> Within:
    """The groups of a page: after the previous page's last, up to and with its own last."""

    def within(key: Sequence[ColumnElement[Any]]) -> list[ColumnElement[bool]]:
        return [*_beyond(key, after), tuple_(*key) <= tuple_(*last)]

    return within


def _beyond(key: Sequence[ColumnElement[Any]], after: Key | None) -> list[ColumnElement[bool]]:
    return [tuple_(*key) > tuple_(*after)] if after is not None else []


def _groups(scope: Scope, after: Key | None, limit: int) -> Select[Any]:
    """The first `limit` groups after `after` that have a settlement, a release or charges: each
    table's first, then theirs together, so that no table's groups are sorted past the page."""
    t = CHARGE_TOTALS
    firsts = []
    for table, only in ((SETTLEMENTS, []), (RELEASES, []), (t, [t.c.charges > 0])):
        key = _key(table)
        found = select(*key).where(*where(table, scope), *only, *_beyond(key, after))
        firsts.append(select(found.group_by(*key).order_by(*key).limit(limit).subquery()))
    groups = union(*firsts).subquery()
    return select(groups).order_by(*(groups.c[g] for g in GROUP)).limit(limit)


def _standing(scope: Scope, within: Within = _anywhere) -> Subquery:
    """Each settlement's and release's figures under its group's key."""
    s, r = SETTLEMENTS.c, RELEASES.c
    settled = {"contracts_charged": s.contracts_charged, "due_fen": s.due_fen, "settled_fen": s.payable_fen}
    settled |= {"withheld_fen": s.withheld_fen, "adjusted_fen": s.adjustments_fen}
    released = {"released_fen": r.released_fen, "forfeited_fen": r.forfeited_fen}
    return union_all(
        _figures_of(SETTLEMENTS, settled, scope, within), _figures_of(RELEASES, released, scope, within)
    ).subquery()


def _figures_of(table: Table, figures: Mapping[str, ColumnElement[Any]], scope: Scope, within: Within) -> Select[Any]:
    """A table's rows in the scope as figures under their group's key, 0 for those it has not."""
    named = (figures.get(f, literal(0)).label(f) for f in FIGURES)
    return select(*_key(table), *named).where(*where(table, scope), *within(_key(table)))


def _settled_rows(scope: Scope, within: Within) -> Select[Any]:
    """A row per group that settlements or releases stand for, their figures summed, by group."""
    standing = _standing(scope, within)
    key = [standing.c[g] for g in GROUP]
    stored = (func.nullif(k, "").label(g) if g == "bureau_id" else k for g, k in zip(GROUP, key, strict=True))
    sums = (func.sum(standing.c[f]).label(f) for f in FIGURES)
    return select(*stored, *sums).group_by(*key).order_by(*key)


def _sums(rows: Subquery, fields: Sequence[str]) -> Select[Any]:
    return select(*(func.coalesce(func.sum(rows.c[f]), 0).label(f) for f in fields))


def _counted(row: Any) -> dict[str, Any]:
    """A row with its sums as ints (PostgreSQL sums big integers as numerics)."""
    return {k: int(v) if k in FIGURES else v for k, v in row.items()}


def _released_for(scope: Scope) -> Select[Any]:
    """What the appraisal of the scope's year released and forfeited of the withheld shares,
    whichever settlement period booked it (a year's results are published the next January)."""
    c = RELEASES.c
    year = [c.appraisal_period.startswith(scope.period[:4])] if scope.period else []
    sums = (func.coalesce(func.sum(c[f]), 0) for f in ("released_fen", "forfeited_fen"))
    return select(*sums).where(*where(RELEASES, replace(scope, period="")), *year)


def _open_charges(scope: Scope, within: Within = _anywhere) -> Select[Any]:
    """The charge totals of the groups no settlement stands for (those `reconciliation` calls
    unsettled), by group."""
    settled = select(SETTLEMENTS).where(*where(SETTLEMENTS, scope), *within(_key(SETTLEMENTS))).subquery()
    charged = select(CHARGE_TOTALS).where(
        *where(CHARGE_TOTALS, scope), CHARGE_TOTALS.c.charges > 0, *within(_key(CHARGE_TOTALS))
    )
    left = _unsettled(settled, charged.subquery()).subquery()
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
        .order_by(*(t[g] for g in GROUP))
    )


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


def reconciliation(engine: Engine, scope: Scope, limit: int) -> dict[str, Any]:
    """The view's totals against the sum of the FeeSettled events, and each settlement against
    the sums of the ContractCharged events it settled (kept as they were applied): the
    database compares them group by group and sends how many disagree and the first `limit`
    of them (by group), and as much of the groups charged and not settled."""
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
