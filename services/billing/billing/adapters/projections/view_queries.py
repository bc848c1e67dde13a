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
    func,
    or_,
    select,
    true,
    tuple_,
)

from billing.adapters.projections.group_totals import OPEN_AS, SETTLED_AS, figures_of
from billing.adapters.projections.tables import (
    AREA_FIGURES,
    AREA_TOTALS,
    CHARGE_TOTALS,
    CHARGES,
    RELEASES,
    SETTLEMENTS,
    WITH_BUREAU,
)
from billing.application.scope import Scope
from shared.readmodels.areas import within

Area = Callable[[Any, str], list[ColumnElement[bool]]]
GROUP = ("period", "payer", "bureau_id", "institution_id", "area_code")
FIGURES = (
    "contracts_charged", "due_fen", "settled_fen", "withheld_fen", "released_fen", "forfeited_fen", "adjusted_fen",
)  # fmt: skip


def _starting(code: Any, prefix: str) -> list[ColumnElement[bool]]:
    return [code.startswith(prefix)]


def where(table: Table, scope: Scope, area: Area = _starting) -> list[ColumnElement[bool]]:
    """The table's rows in the scope, its area's prefix matched by `area` (as an index has it)."""
    c = table.c
    clauses = [_period(c.period, scope.period), *area(c.area_code, scope.area_prefix)]
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
    group of the previous page), a group's settled row and open row on the same page: a range of
    one index of the groups' totals, read in its order. The totals are the whole scope's, summed
    by the database from its areas' figures (an institution's from its groups'), on every page."""
    with engine.connect() as conn:
        groups = [dict(g) for g in conn.execute(_page(scope, after, limit + 1)).mappings()]
        sums = conn.execute(_scope_sums(scope)).mappings().one()
        appraised = conn.execute(_released_for(scope)).one()
    page, more = groups[:limit], len(groups) > limit
    return {
        "rows": [_settled(g) for g in page if g["settlements"] or g["releases"]],
        "totals": {f: int(sums[f]) for f in FIGURES},
        "open": {"rows": [_open(g) for g in page if _is_open(g)], "totals": {f: int(sums[f"open_{f}"]) for f in OPEN}},
        "released_for_period": {"released_fen": int(appraised[0]), "forfeited_fen": int(appraised[1])},
        "next": tuple(page[-1][g] for g in GROUP) if more else None,
    }


T = CHARGE_TOTALS.c


def groups_of(scope: Scope) -> list[ColumnElement[bool]]:
    """The scope's groups in the totals, by the index of its narrowest part (an area's level's
    digits; a bureau's, which holds only the groups with a bureau)."""
    return where(CHARGE_TOTALS, scope, area=within) + ([WITH_BUREAU] if scope.bureau_id else [])


def _page(scope: Scope, after: Key | None, limit: int) -> Select[Any]:
    """The first `limit` groups after `after` that have a settlement, a release or charges."""
    key = [T[g] for g in GROUP]
    any_figure = or_(T.settlements > 0, T.releases > 0, T.charges > 0)
    return select(CHARGE_TOTALS).where(*groups_of(scope), any_figure, *_beyond(key, after)).order_by(*key).limit(limit)


def _scope_sums(scope: Scope) -> Select[Any]:
    """The scope's settled figures, and its open groups' (`open_…`): its areas' figures summed,
    or an institution's groups' (the areas' rows sum every institution's)."""
    if scope.institution_id:
        parts = figures_of(lambda n: T[n])
        return select(*(_summed(parts[f], f) for f in AREA_FIGURES)).where(*groups_of(scope))
    areas = (_summed(AREA_TOTALS.c[f], f) for f in AREA_FIGURES)
    return select(*areas).where(*where(AREA_TOTALS, scope))


def _summed(figure: ColumnElement[Any], name: str) -> ColumnElement[Any]:
    return func.coalesce(func.sum(figure), 0).label(name)


def _key(table: FromClause) -> list[ColumnElement[Any]]:
    return [func.coalesce(table.c[g], "").label(g) if g == "bureau_id" else table.c[g] for g in GROUP]


def _beyond(key: Sequence[ColumnElement[Any]], after: Key | None) -> list[ColumnElement[bool]]:
    return [tuple_(*key) > tuple_(*after)] if after is not None else []


def _stored(group: Mapping[str, Any]) -> dict[str, Any]:
    """A group's key as the settlements have it: no bureau for a payer without one."""
    return {g: group[g] or None if g == "bureau_id" else group[g] for g in GROUP}


def _settled(group: Mapping[str, Any]) -> dict[str, Any]:
    return _stored(group) | {f: int(group[c]) for f, c in SETTLED_AS.items()}


def _is_open(group: Mapping[str, Any]) -> bool:
    return bool(group["settlements"] == 0 and group["charges"] > 0)


def _open(group: Mapping[str, Any]) -> dict[str, Any]:
    return _stored(group) | {f: int(group[c]) for f, c in OPEN_AS.items()} | {"settled": False}


def _released_for(scope: Scope) -> Select[Any]:
    """What the appraisal of the scope's year released and forfeited of the withheld shares,
    whichever settlement period booked it (a year's results are published the next January)."""
    c = RELEASES.c
    year = [c.appraisal_period.startswith(scope.period[:4])] if scope.period else []
    sums = (func.coalesce(func.sum(c[f]), 0) for f in ("released_fen", "forfeited_fen"))
    return select(*sums).where(*where(RELEASES, replace(scope, period="")), *year)


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
        contracts, total = conn.execute(sums.where(*groups_of(scope))).one()
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
