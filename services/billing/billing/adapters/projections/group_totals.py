"""Each group's settlements and releases summed beside its charges' (`charge_totals`), kept in
the transaction that stores them, so a page of figures reads its groups' rows and nothing else.

A batch's settlements (or releases) are stored in two statements whatever its size, as the
charges are: those the batch replaces or reverses leave, their sums taken away from their
groups; then the batch is copied in and inserted as its sums are added. Each statement reads
the table as it was before it, so the sums follow exactly the rows that stand.

Each area's figures (`view_area_totals`: per period, payer, bureau and area, every institution's)
are its groups' settled figures and, apart, the charges of its groups no settlement stands for:
a scope's totals sum its areas' rows. A statement that moves groups notes what each group's part
became against what it was (its row as the upsert returns it, less what was added); the
transaction's last statement moves the areas by those notes, once, in the areas' order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.expression import CTE, TableClause

from billing.adapters.projections.listed import MISMATCHED, SEVERAL, listed_as
from billing.adapters.projections.tables import (
    AREA_FIGURES,
    AREA_TOTALS,
    CHARGE_TOTALS,
    RELEASES,
    SETTLEMENTS,
    STANDING,
)
from shared.readmodels.areas import prefix
from shared.readmodels.arriving import Arriving

GROUP = ("period", "payer", "bureau_id", "institution_id", "area_code")
AREA = ("period", "payer", "bureau_id", "area_code")
CHARGED = ("charges", "due_fen", "adjustments_fen", "contracts_charged")
Row = tuple[Any, ...]
Rows = Table | TableClause | CTE
SETTLED_AS = {
    "contracts_charged": "settled_contracts", "due_fen": "settled_due_fen", "settled_fen": "settled_payable_fen",
    "withheld_fen": "settled_withheld_fen", "released_fen": "released_fen", "forfeited_fen": "forfeited_fen",
    "adjusted_fen": "settled_adjustments_fen",
}  # fmt: skip
"""Each figure of a group's settled row, and the column of its totals it is."""
OPEN_AS = {"contracts_charged": "contracts_charged", "due_fen": "due_fen", "adjusted_fen": "adjustments_fen"}
"""Each figure of a group's open row (charged, no settlement standing), and the column it is."""
APPRAISED = {"appraised_released_fen": "released_fen", "appraised_forfeited_fen": "forfeited_fen"}
"""The areas' figures of an appraisal's year, and the releases' column each sums."""


def figures_of(group: Callable[[str], ColumnElement[Any]]) -> dict[str, ColumnElement[Any]]:
    """A group's part in its area's figures (`AREA_FIGURES`), from its totals' columns: its
    settled figures, its charges' as open ones if no settlement stands for it, what the
    reconciliation counts of it, and its charges' whatever stands for it (the drill-down's)."""
    unsettled = and_(group("settlements") == 0, group("charges") > 0)
    settled = {figure: group(column) for figure, column in SETTLED_AS.items()}
    counted = {"settlements": group("settlements"), "unsettled": case((unsettled, 1), else_=0)}
    for status in (MISMATCHED, SEVERAL):
        counted[status] = case((listed_as(group) == literal_column(f"'{status}'"), 1), else_=0)
    charged = {"charged_contracts": group("contracts_charged")}
    charged["charged_fen"] = group("due_fen") + group("adjustments_fen")
    opened = {f"open_{f}": case((unsettled, group(c)), else_=0) for f, c in OPEN_AS.items()}
    return settled | opened | counted | charged | {f: literal(0) for f in APPRAISED}  # a year's, not a group's


def add(sums: Select[Any], names: Sequence[str], years: Select[Any] | None = None) -> postgresql.Insert:
    """Add the sums `names` (negative: take them away) to their groups' totals, a group new to
    the totals starting from 0 in the others, and note, in the same statement, what each group's
    part in its area's figures became against what it was (`areas_moved` moves the areas), and
    the moves of the areas' years' rows `years` gives (`appraised`)."""
    others = [n for n in (*CHARGED, *STANDING) if n not in names]
    delta = sums.add_columns(*(literal(0).label(n) for n in others)).cte("delta")
    grouped = postgresql.insert(CHARGE_TOTALS).from_select([*GROUP, *names, *others], select(delta))
    moved = (
        grouped.on_conflict_do_update(
            index_elements=list(GROUP), set_={n: CHARGE_TOTALS.c[n] + grouped.excluded[n] for n in names}
        )
        .returning(*CHARGE_TOTALS.c)
        .cte("moved")
    )
    was = {n: moved.c[n] - delta.c[n] for n in names}
    now, before = figures_of(lambda n: moved.c[n]), figures_of(lambda n: was.get(n, moved.c[n]))
    same_group = and_(*(moved.c[g] == delta.c[g] for g in GROUP))
    changes = select(*(moved.c[a] for a in AREA), *(now[f] - before[f] for f in AREA_FIGURES))
    noted = changes.select_from(moved.join(delta, same_group))
    return postgresql.insert(AREA_MOVES.table).from_select(
        [*AREA, *AREA_FIGURES], noted if years is None else union_all(noted, years)
    )


def appraised(releases: Rows, sign: int = 1) -> Select[Any]:
    """The releases' sums per area and the year appraised, as the areas' rows of that year
    (`APPRAISED`; their other figures 0): a year's releases are booked in the next year's months."""
    c = releases.c
    key = [prefix(c.appraisal_period, 4), c.payer, func.coalesce(c.bureau_id, ""), c.area_code]
    figures = {f: literal(sign) * func.sum(c[APPRAISED[f]]) if f in APPRAISED else literal(0) for f in AREA_FIGURES}
    return select(
        *(k.label(a) for k, a in zip(key, AREA, strict=True)), *(figures[f].label(f) for f in AREA_FIGURES)
    ).group_by(*key)


AREA_MOVES = Arriving("arriving_area_moves", [(c.name, c.type) for c in AREA_TOTALS.c])
"""What a transaction's statements moved the areas' figures by, each group's change a row."""


@contextmanager
def areas_moved(conn: Connection) -> Iterator[None]:
    """The areas' figures moved once, as the transaction's last statement, by what its
    statements moved their groups' parts: replicas of the view apply other institutions of the
    same area at once, and so lock an area's row from that statement to their commit only, each
    in the areas' order (never one another's in turn, a deadlock)."""
    AREA_MOVES.create(conn)
    yield
    conn.execute(AREAS_MOVED)


def into_areas(figures: Select[Any]) -> postgresql.Insert:
    statement = postgresql.insert(AREA_TOTALS).from_select([*AREA, *AREA_FIGURES], figures)
    return statement.on_conflict_do_update(
        index_elements=list(AREA), set_={f: AREA_TOTALS.c[f] + statement.excluded[f] for f in AREA_FIGURES}
    )


def _moves_summed() -> Select[Any]:
    moves = AREA_MOVES.table.c
    area = [moves[a] for a in AREA]
    return select(*area, *(func.sum(moves[f]) for f in AREA_FIGURES)).group_by(*area).order_by(*area)


def areas_summed() -> Select[Any]:
    """Every area's figures, summed from its groups' totals, and its years' from the releases."""
    area = [CHARGE_TOTALS.c[a] for a in AREA]
    parts = figures_of(lambda n: CHARGE_TOTALS.c[n])
    months = select(*area, *(func.sum(parts[f]).label(f) for f in AREA_FIGURES)).group_by(*area)
    return union_all(months, appraised(RELEASES)).subquery().select()


class Standing:
    """A table of settlements or releases, stored with their sums per group: `sums` names each
    sum's column in the totals and the stored column it sums (None: the rows are counted);
    `years`, the moves of the areas' rows of a year its rows make too (the releases': `appraised`)."""

    def __init__(
        self,
        table: Table,
        arriving: Arriving,
        sums: Mapping[str, str | None],
        years: Callable[[Rows, int], Select[Any]] | None = None,
    ) -> None:
        self.arriving, self._sums = arriving, sums
        ids = bindparam("ids", type_=ARRAY(String))
        gone = delete(table).where(table.primary_key.columns[0] == any_(ids)).returning(*table.c).cte("gone")
        stored = insert(table).from_select(arriving.names, select(*arriving.table.c)).cte("stored")

        def moved(rows: Rows, sign: int) -> postgresql.Insert:
            return add(self._summed(rows, sign), list(sums), years(rows, sign) if years else None)

        self._leave, self._arrive = moved(gone, -1), moved(arriving.table, 1).add_cte(stored)
        self.summed_anew = moved(table, 1)
        """The whole table's sums added: what a view from before these sums is given once."""

    def store(self, conn: Connection, ids: Sequence[str], rows: Sequence[Row]) -> None:
        """The rows of `ids` leave (replaced, or undone), then `rows` are stored."""
        if ids:
            conn.execute(self._leave, {"ids": list(ids)})
        if rows:
            self.arriving.copy_in(conn, rows)
            conn.execute(self._arrive)

    def _summed(self, rows: Rows, sign: int) -> Select[Any]:
        c = rows.c
        key = [func.coalesce(c.bureau_id, "") if g == "bureau_id" else c[g] for g in GROUP]
        summed = (func.count() if of is None else func.sum(c[of]) for of in self._sums.values())
        sums = ((literal(sign) * each).label(name) for name, each in zip(self._sums, summed, strict=True))
        return select(*(k.label(g) for k, g in zip(key, GROUP, strict=True)), *sums).group_by(*key)


AREAS_MOVED = into_areas(_moves_summed())
SETTLED = Standing(
    SETTLEMENTS,
    Arriving.like(SETTLEMENTS),
    {
        "settlements": None,
        "settled_contracts": "contracts_charged",
        "settled_due_fen": "due_fen",
        "settled_withheld_fen": "withheld_fen",
        "settled_adjustments_fen": "adjustments_fen",
        "settled_payable_fen": "payable_fen",
    },
)
RELEASED = Standing(
    RELEASES,
    Arriving.like(RELEASES, [*(c.name for c in RELEASES.c if c.name != "period"), "period"]),
    {"releases": None, "released_fen": "released_fen", "forfeited_fen": "forfeited_fen"},
    appraised,
)
