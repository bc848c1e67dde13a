"""The settlement view's charges, stored with their sums per period, payer, bureau,
institution and area kept in the same transaction, so no read ever sums charges.

A batch of charges is stored in three statements whatever its size: the sums of the charges it
replaces leave (a charge published again with other figures: rare, but the view must stay
exact), the batch is inserted, and its sums are added. A contract counts once per group: it
adds one only if no charge of the group outside the batch names it (and leaves likewise),
which the index on `contract_id` answers without reading the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, String, all_, any_, case, delete, exists, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, insert

from billing.adapters.projections.tables import CHARGE_TOTALS, CHARGES

GROUP = ("period", "payer", "bureau_id", "institution_id", "area_code")
SUMS = ("charges", "due_fen", "adjustments_fen", "contracts_charged")


def book(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store the charges (the last of each id wins) and move the totals by the difference."""
    latest = list({row["charge_id"]: row for row in rows}.values())
    if not latest:
        return
    ids = [row["charge_id"] for row in latest]
    replaced = list(conn.execute(select(CHARGES.c.charge_id).where(CHARGES.c.charge_id.in_(ids))).scalars())
    if replaced:
        _add(conn, replaced, -1)
        conn.execute(delete(CHARGES).where(CHARGES.c.charge_id.in_(replaced)))
    conn.execute(insert(CHARGES), latest)
    _add(conn, ids, 1)


def _add(conn: Connection, ids: list[str], sign: int) -> None:
    """Add (or, with -1, take away) the sums of the stored charges `ids` to their groups' totals."""
    statement = insert(CHARGE_TOTALS).from_select([*GROUP, *SUMS], _sums(ids, sign))
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=list(GROUP), set_={s: CHARGE_TOTALS.c[s] + statement.excluded[s] for s in SUMS}
        )
    )


def _sums(ids: list[str], sign: int) -> Select[Any]:
    mine, other = CHARGES.alias("mine"), CHARGES.alias("other")
    batch = literal(ids, ARRAY(String))  # one array parameter: one statement for any batch
    same_group = [other.c[g] == mine.c[g] for g in GROUP if g != "bureau_id"]
    elsewhere = exists().where(
        other.c.contract_id == mine.c.contract_id,
        other.c.bureau_id.is_not_distinct_from(mine.c.bureau_id),
        other.c.charge_id != all_(batch),
        *same_group,
    )
    late = mine.c.reason == "late_adjustment"
    charges = (
        select(
            *(mine.c[g] for g in GROUP if g != "bureau_id"),
            func.coalesce(mine.c.bureau_id, "").label("bureau_id"),
            case((late, 0), else_=mine.c.amount_fen).label("due_fen"),
            case((late, mine.c.amount_fen), else_=0).label("adjustments_fen"),
            case((elsewhere, None), else_=mine.c.contract_id).label("new_contract"),
        )
        .where(mine.c.charge_id == any_(batch))
        .subquery()
    )
    keys = [charges.c[g] for g in GROUP]
    return select(
        *keys,
        (literal(sign) * func.count()).label("charges"),
        (literal(sign) * func.sum(charges.c.due_fen)).label("due_fen"),
        (literal(sign) * func.sum(charges.c.adjustments_fen)).label("adjustments_fen"),
        (literal(sign) * func.count(func.distinct(charges.c.new_contract))).label("contracts_charged"),
    ).group_by(*keys)
