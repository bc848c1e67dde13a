"""What a bureau, an official or an institution asks of the settlement view."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    FromClause,
    Select,
    Table,
    func,
    or_,
    select,
    true,
    tuple_,
)

from billing.adapters.projections.group_totals import APPRAISED, OPEN_AS, SETTLED_AS, figures_of
from billing.adapters.projections.tables import (
    APPRAISED_YEAR,
    AREA_FIGURES,
    AREA_TOTALS,
    CHARGE_TOTALS,
    CHARGES,
    RELEASES,
    WITH_BUREAU,
)
from billing.application.scope import Scope
from shared.readmodels.areas import starting, within

Area = Callable[[Any, str], list[ColumnElement[bool]]]
GROUP = ("period", "payer", "bureau_id", "institution_id", "area_code")
FIGURES = (
    "contracts_charged", "due_fen", "settled_fen", "withheld_fen", "released_fen", "forfeited_fen", "adjusted_fen",
)  # fmt: skip


def where(table: Table, scope: Scope, area: Area = starting) -> list[ColumnElement[bool]]:
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
        sums = conn.execute(scope_sums(scope)).mappings().one()
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


def scope_sums(scope: Scope) -> Select[Any]:
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


def stored(group: Mapping[str, Any]) -> dict[str, Any]:
    """A group's key as the settlements have it: no bureau for a payer without one."""
    return {g: group[g] or None if g == "bureau_id" else group[g] for g in GROUP}


def _settled(group: Mapping[str, Any]) -> dict[str, Any]:
    return stored(group) | {f: int(group[c]) for f, c in SETTLED_AS.items()}


def _is_open(group: Mapping[str, Any]) -> bool:
    return bool(group["settlements"] == 0 and group["charges"] > 0)


def _open(group: Mapping[str, Any]) -> dict[str, Any]:
    return stored(group) | {f: int(group[c]) for f, c in OPEN_AS.items()} | {"settled": False}


def _released_for(scope: Scope) -> Select[Any]:
    """What the appraisal of the scope's year released and forfeited of the withheld shares,
    whichever settlement period booked it (a year's results are published the next January):
    its areas' rows of that year (`appraised_`), or an institution's releases of it."""
    figures: tuple[str, ...]
    if scope.institution_id:
        table, figures, year = RELEASES, ("released_fen", "forfeited_fen"), APPRAISED_YEAR  # the year's index
    else:
        table, figures, year = AREA_TOTALS, tuple(APPRAISED), AREA_TOTALS.c.period  # the months' rows have none
    sums = (func.coalesce(func.sum(table.c[f]), 0) for f in figures)
    of_year = [year == scope.period[:4]] if scope.period else []
    return select(*sums).where(*where(table, replace(scope, period="")), *of_year)


DRILL_DOWN = ("institution_id", "period", "payer", "contract_id", "charge_id")  # its index's order


def drill_down_order(scope: Scope) -> tuple[str, ...]:
    """The order a scope's charges are paged in, that of the index its scope is a range of: an
    institution's by DRILL_DOWN; any other scope's (an area, a bureau, every charge) by area
    first, so that an area's prefix is one range, its institutions in turn within each code."""
    return DRILL_DOWN if scope.institution_id else ("area_code", *DRILL_DOWN)


def charges(engine: Engine, scope: Scope, after: tuple[str, ...] | None, limit: int) -> dict[str, Any]:
    """The contracts behind a figure, a page at a time: in the scope's order (`drill_down_order`),
    from `after` (the last charge of the previous page), and the scope's count of contracts
    charged and total, as the charges' totals count them (contracts per period, payer and
    institution, as the settlements count them), summed from the scope's areas' rows
    (`scope_sums`): a province's as cheaply as a county's."""
    keys = drill_down_order(scope)
    order = [CHARGES.c[k] for k in keys]
    query = select(CHARGES).where(*where(CHARGES, scope)).order_by(*order).limit(limit + 1)
    if after is not None:
        query = query.where(tuple_(*order) > tuple_(*after))
    with engine.connect() as conn:
        items = [dict(r) for r in conn.execute(query).mappings()]
        sums = conn.execute(scope_sums(scope)).mappings().one()
    page, more = items[:limit], len(items) > limit
    return {
        "items": page,
        "contracts": int(sums["charged_contracts"]),
        "total_fen": int(sums["charged_fen"]),
        "next": tuple(page[-1][k] for k in keys) if more else None,
    }
