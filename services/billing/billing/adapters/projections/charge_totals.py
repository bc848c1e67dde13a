"""The settlement view's charges, stored with their sums per period, payer, bureau,
institution and area kept in the same transaction, so no read ever sums charges.

A batch of charges is copied into a temporary table, then stored in two statements whatever
its size: the charges it replaces leave with their sums (a charge published again with other
figures: rare, but the view must stay exact), and the batch is inserted as its sums are added.
A contract counts once per group: it adds one only if no charge of the group outside the batch
names it (and leaves likewise), which the drill-down index (institution, period, payer,
contract) answers without reading the group. Each statement reads the table as it was before
it: the sums see exactly the charges that stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    Text,
    any_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import CTE, TableClause

from billing.adapters.projections.group_totals import CHARGED, GROUP, add
from billing.adapters.projections.tables import CHARGES
from shared.contracts.billing import ContractCharged
from shared.readmodels.arriving import Arriving

SUMS = CHARGED
ARRIVING = Arriving.like(CHARGES)
Row = tuple[Any, ...]
"""A charge's values in the order of `view_charges`' columns."""

_values = attrgetter(*ARRIVING.names)


def row_of(event: ContractCharged) -> Row:
    """The event's values, read as they are: the event was validated as it was parsed."""
    return _values(event)


def book(conn: Connection, rows: Sequence[Row]) -> None:
    """Store the charges (each id once: the caller keeps the last) and move the totals by the difference."""
    if not rows:
        return
    ARRIVING.copy_in(conn, rows)
    conn.execute(REPLACED_LEAVE)
    conn.execute(BATCH_STORED)


def _statements() -> tuple[postgresql.Insert, postgresql.Insert]:
    """The same two for every batch: built once."""
    arriving = ARRIVING.table
    # The ids as an array (a join with the temporary table, which has no statistics, was planned
    # badly on a large view), made by the server from the rows copied in rather than sent again.
    ids = func.array(select(arriving.c.charge_id).scalar_subquery())
    gone = delete(CHARGES).where(CHARGES.c.charge_id == any_(ids)).returning(*CHARGES.c).cte("gone")
    stored = insert(CHARGES).from_select(ARRIVING.names, select(*arriving.c)).cte("stored")
    return add(_sums(gone, -1, leaving=gone), SUMS), add(_sums(arriving, 1), SUMS).add_cte(stored)


def _sums(charges: TableClause | CTE, sign: int, leaving: CTE | None = None) -> Select[Any]:
    """The sums per group of `charges`; a contract is new to its group if no stored charge
    of the group names it but those `leaving`."""
    mine, other = charges.c, CHARGES.alias("other")
    # Looked up by the drill-down index (institution, period, payer, contract), whatever the
    # planner knows of the table (a young view has no statistics, and a plan made then is kept):
    # the bureau and the area are compared as not distinct, which no index serves (the area has
    # no nulls: the same as equal), so the area's index is never taken for it.
    by_index = [other.c[g] == mine[g] for g in ("institution_id", "period", "payer", "contract_id")]
    staying = [other.c.charge_id.not_in(select(leaving.c.charge_id))] if leaving is not None else []
    elsewhere = exists().where(
        *by_index,
        other.c.bureau_id.is_not_distinct_from(mine.bureau_id),
        other.c.area_code.is_not_distinct_from(mine.area_code),
        *staying,
    )
    late = mine.reason == "late_adjustment"
    each = select(
        *(mine[g] for g in GROUP if g != "bureau_id"),
        func.coalesce(mine.bureau_id, "").label("bureau_id"),
        case((late, 0), else_=mine.amount_fen).label("due_fen"),
        case((late, mine.amount_fen), else_=0).label("adjustments_fen"),
        # As text, the type `count(distinct …)` sorts: cast later, it would be computed (looked up) twice.
        case((elsewhere, None), else_=cast(mine.contract_id, Text)).label("new_contract"),
    ).subquery()
    keys = [each.c[g] for g in GROUP]
    return select(
        *keys,
        (literal(sign) * func.count()).label("charges"),
        (literal(sign) * func.sum(each.c.due_fen)).label("due_fen"),
        (literal(sign) * func.sum(each.c.adjustments_fen)).label("adjustments_fen"),
        (literal(sign) * func.count(func.distinct(each.c.new_contract))).label("contracts_charged"),
    ).group_by(*keys)


REPLACED_LEAVE, BATCH_STORED = _statements()
"""The charges the batch replaces leave, with their sums; then the batch is stored, its sums added."""
