"""The settlement view's reconciliation: the view's totals against the sum of the FeeSettled
events, and each settlement against the sums of the ContractCharged events it settled.

Each group's totals say what the reconciliation lists it as (`listed.py`), kept as the view
applies its settlements and charges, and its area's figures count them: the totals and counts
are the scope's areas' rows summed (`scope_sums`), as a page of figures has them, and each list
is the first `limit` of its listed groups, a range of a partial index in the groups' order. A
read costs the page and the scope's areas, not the scope's groups."""

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


def reconciliation(engine: Engine, scope: Scope, limit: int) -> dict[str, Any]:
    """How many groups disagree and the first `limit` of them (by group), and as much of the
    groups charged and not settled; the view's totals, which are the sums of the FeeSettled
    events it stored (so `balanced` is that no settlement disagrees)."""
    with engine.connect() as conn:
        sums = {f: int(n) for f, n in conn.execute(scope_sums(scope)).mappings().one().items()}
        several, several_count = _first(conn, _several(scope), limit)
        one = [stored(dict(g)) for g in conn.execute(_listed(scope, MISMATCHED).limit(limit)).mappings()]
        unsettled = [stored(dict(g)) for g in conn.execute(_listed(scope, UNSETTLED).limit(limit)).mappings()]
    mismatched_count = sums["mismatched"] + several_count
    return {
        "scope": {"period": scope.period, "bureau_id": scope.bureau_id, "institution_id": scope.institution_id},
        "fee_settled_events": sums["settlements"],
        "fee_settled_totals": {f: sums[figure] for f, figure in FEE_SETTLED.items()},
        "view_totals": {f: sums[f] for f in FIGURES},
        "mismatched_count": mismatched_count,
        "mismatched": list(merge(one, several, key=_order))[:limit],
        "unsettled_count": sums["unsettled"],
        "unsettled": unsettled,
        "balanced": mismatched_count == 0,
    }


def _first(conn: Connection, groups: Select[Any], limit: int) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` groups a query finds, and how many it finds: counted in the same
    statement (a window over the whole result), which reads all it finds, so only for the
    several settlements of a group (the other counts are the areas')."""
    found = conn.execute(groups.add_columns(func.count().over().label("found")).limit(limit)).mappings().all()
    return [stored(dict(r)) for r in found], int(found[0]["found"]) if found else 0


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
