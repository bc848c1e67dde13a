"""What the reconciliation lists a group as, from its totals' columns: kept on each group's
totals (a generated column, so every statement that moves its sums keeps it) and in the order of
the listed groups by partial indexes, so the reconciliation reads the first of them as a range,
not the scope's settlements compared with their groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, case, literal_column

UNSETTLED, MISMATCHED, SEVERAL = "unsettled", "mismatched", "several"


def _said(status: str) -> ColumnElement[str]:
    return literal_column(f"'{status}'")  # a constant in the generated column's SQL and the indexes'


def listed_as(group: Callable[[str], ColumnElement[Any]]) -> ColumnElement[str]:
    """Charged and not settled; its settlement's due, adjustments or contracts not its charges'
    (money settled where nothing was charged, too); several settlements standing, which billing
    never makes (a ledger settles a period once), each compared with the group as it is read;
    or null: nothing to list."""
    charged = group("charges") > 0
    agrees = and_(*(group(f"settled_{s}") == group(c) for s, c in SETTLED_AGAINST.items()))
    nothing_settled = and_(group("settled_due_fen") == 0, group("settled_adjustments_fen") == 0)
    return case(
        (group("settlements") == 0, case((charged, _said(UNSETTLED)))),
        (group("settlements") > 1, _said(SEVERAL)),
        (and_(charged, agrees), None),
        (and_(~charged, nothing_settled), None),
        else_=_said(MISMATCHED),
    )


SETTLED_AGAINST = {"due_fen": "due_fen", "adjustments_fen": "adjustments_fen", "contracts": "contracts_charged"}
"""A settlement's sums in its group's totals (`settled_<key>`), and the charges' they must equal."""
