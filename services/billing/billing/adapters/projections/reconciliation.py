"""The settlement view's reconciliation: the view's totals against the sum of the FeeSettled
events, and each settlement against the sums of the ContractCharged events it settled.

Each group's totals say what the reconciliation lists it as (`listed.py`), kept as the view
applies its settlements and charges, and its area's figures count them: the totals and counts
are the scope's areas' rows summed (`scope_sums`), as a page of figures has them, and each list
is the first `limit` of its listed groups, a range of a partial index in the groups' order, read
only if the areas count any. A read costs the page and the scope's areas, not the scope's
groups."""

from __future__ import annotations

from heapq import merge
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, func, or_, select

from billing.adapters.projections.listed import MISMATCHED, SEVERAL, UNSETTLED
from billing.adapters.projections.tables import CHARGE_TOTALS, SETTLEMENTS
from billing.adapters.projections.view_queries import FIGURES, GROUP, groups_of, scope_sums, stored
from billing.application.scope import Scope

T = CHARGE_TOTALS.c
FEE_SETTLED = {"due_fen": "due_fen", "withheld_fen": "withheld_fen", "adjustments_fen": "adjusted_fen"}
FEE_SETTLED["payable_fen"] = "settled_fen"
"""The FeeSettled events' sums, and the view's figure each is."""
NONE: tuple[list[dict[str, Any]], int] = ([], 0)
"""A list not read: its areas count none in it."""


def reconciliation(engine: Engine, scope: Scope, limit: int) -> dict[str, Any]:
    """How many groups disagree and the first `limit` of them (by group), and as much of the
    groups charged and not settled; the view's totals, which are the sums of the FeeSettled
    events it stored (so `balanced` is that no settlement disagrees). A list is read only where
    the scope's areas count groups in it: a balanced scope's answer is its areas' rows alone."""
    with engine.connect() as conn:
        sums = {f: int(n) for f, n in conn.execute(scope_sums(scope)).mappings().one().items()}
        found = {status: _read(conn, status, query) for status, query in lists(scope, limit).items() if sums[status]}
    (one, _), (unsettled, _) = found.get(MISMATCHED, NONE), found.get(UNSETTLED, NONE)
    several, several_count = found.get(SEVERAL, NONE)
    mismatched_count = sums[MISMATCHED] + several_count
    return {
        "scope": {"period": scope.period, "bureau_id": scope.bureau_id, "institution_id": scope.institution_id},
        "fee_settled_events": sums["settlements"],
        "fee_settled_totals": {f: sums[figure] for f, figure in FEE_SETTLED.items()},
        "view_totals": {f: sums[f] for f in FIGURES},
        "mismatched_count": mismatched_count,
        "mismatched": list(merge(one, several, key=_order))[:limit],
        "unsettled_count": sums[UNSETTLED],
        "unsettled": unsettled,
        "balanced": mismatched_count == 0,
    }


def lists(scope: Scope, limit: int) -> dict[str, Select[Any]]:
    """The first `limit` of the scope's groups each list has, in the groups' order: those
    listed as unsettled or mismatched, a range of a partial index; and those of the groups
    with several settlements that disagree, each counted (`found`, over the whole result)."""
    listed = {status: _listed(scope, status).limit(limit) for status in (MISMATCHED, UNSETTLED)}
    return listed | {SEVERAL: _several(scope).add_columns(func.count().over().label("found")).limit(limit)}


def _read(conn: Connection, status: str, query: Select[Any]) -> tuple[list[dict[str, Any]], int]:
    """A list's groups, and how many its query counts (the several settlements' only: the
    other counts are the areas')."""
    found = conn.execute(query).mappings().all()
    groups = [stored(dict(r)) for r in found]
    return groups, int(found[0]["found"]) if status == SEVERAL and found else 0


def _listed(scope: Scope, status: str) -> Select[Any]:
    """The scope's groups listed as `status`, in the groups' order: a range of a partial index."""
    key = [T[g] for g in GROUP]
    return select(*key).where(T.listed_as == status, *groups_of(scope)).order_by(*key)


def _several(scope: Scope) -> Select[Any]:
    """Each settlement of a group with several that disagrees with the group's charges, as
    each settlement was compared until 2026-12-07 (billing settles a group once: none)."""
    s = SETTLEMENTS.c
    same = and_(*(s[g] == T[g] for g in GROUP if g != "bureau_id"), func.coalesce(s.bureau_id, "") == T.bureau_id)
    charged = T.charges > 0
    differs = or_(s.due_fen != T.due_fen, s.adjustments_fen != T.adjustments_fen)
    differs = or_(differs, s.contracts_charged != T.contracts_charged) & charged
    differs |= ~charged & or_(s.due_fen != 0, s.adjustments_fen != 0)
    key = [T[g] for g in GROUP]
    groups = select(*key).join_from(CHARGE_TOTALS, SETTLEMENTS, same).where(T.listed_as == SEVERAL, *groups_of(scope))
    return groups.where(differs).order_by(*key)


def _order(group: dict[str, Any]) -> tuple[str, ...]:
    return tuple(group[g] or "" for g in GROUP)
