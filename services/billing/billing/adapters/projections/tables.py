"""Billing's read-model tables: the settlement view and the bureaus' HTTP feed."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Computed,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    column,
    literal_column,
    text,
)

from billing.adapters.projections.listed import listed_as
from shared.contracts import topics
from shared.readmodels import AppliedEvents, PartnerFeed, Positions
from shared.readmodels.areas import LEVELS, prefix
from shared.readmodels.indexes import kept_up

METADATA = MetaData()
APPLIED = AppliedEvents(METADATA)
POSITIONS = Positions(METADATA)
BUREAU_FEED = PartnerFeed(METADATA, "bureaus", topics.BUREAU_PREFIX)


def _parties(indexed: bool = True) -> list[Column[str]]:
    return [
        Column("payer", String(30), nullable=False),
        Column("bureau_id", String(64), nullable=True, index=indexed),
        Column("institution_id", String(64), nullable=False, index=indexed),
        Column("area_code", String(12), nullable=False, index=indexed),
    ]


CHARGES = Table(
    "view_charges",
    METADATA,
    Column("charge_id", String(200), primary_key=True),
    Column("contract_id", String(64), nullable=False),
    Column("resident_ref", String(40), nullable=False),
    Column("contract_year", Integer, nullable=False),
    Column("period", String(7), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("reason", String(30), nullable=False),
    *_parties(indexed=False),
    # Every index is written for every charge stored, so the view keeps those a read needs, three,
    # each ending in a page's order, so a page of any scope is a range of one of them read in order
    # (`view_queries.drill_down_order`), never a sort of the scope's charges: the drill-down's (an
    # institution's charges by period, payer and contract; the sums look a contract up in its
    # group there); an area's (an official's scope: a prefix of the area code, the database's
    # collation being C, then the institutions in turn); a bureau's (the charges without a bureau,
    # the other payers', are not in it). The area's was the code alone until December 2026: a
    # page then read the scope's every charge and sorted them, 200 ms at a city's 500,000 (a
    # province's county, millions), and more where the planner's statistics lagged the rows.
    Index("view_charges_drill_down", "institution_id", "period", "payer", "contract_id", "charge_id"),
    Index("view_charges_area_order", "area_code", "institution_id", "period", "payer", "contract_id", "charge_id"),
    Index(
        "view_charges_bureau_order",
        *("bureau_id", "area_code", "institution_id", "period", "payer", "contract_id", "charge_id"),
        postgresql_where=text("bureau_id IS NOT NULL"),
    ),
)
RETIRED_INDEXES = (
    *(f"ix_{CHARGES.name}_{c}" for c in ("contract_id", "period", "bureau_id", "institution_id", "area_code")),
    "view_charges_bureau",
)
"""The single-column indexes the charges had until 2026-12-03, and the area's and bureau's until
2026-12-07 (the pages' order since follows them)."""


TOTALS_FILL = 50
"""Percent of a page of the groups' totals filled by inserts: the room left lets a group's sums,
moved at every batch that touches the group, be updated in its page (heap-only, no index
written), which most updates then are."""


def _key(institution: bool = True) -> list[Column[str]]:
    """A group's key (an area's: the same without the institution)."""
    return [
        Column("period", String(7), primary_key=True),
        Column("payer", String(30), primary_key=True),
        Column("bureau_id", String(64), primary_key=True, comment="'' for a payer without one (a key has no null)"),
        *([Column("institution_id", String(64), primary_key=True)] if institution else []),
        Column("area_code", String(12), primary_key=True),
    ]


STANDING = {
    "settlements": "Settlements standing (not reversed)",
    "settled_contracts": "Their contracts charged",
    "settled_due_fen": "Their due",
    "settled_withheld_fen": "Their withheld shares",
    "settled_adjustments_fen": "Their adjustments",
    "settled_payable_fen": "Their payable (settled)",
    "releases": "Releases of withheld shares booked in the period",
    "released_fen": "Their released",
    "forfeited_fen": "Their forfeited",
}
"""The settlements' and releases' sums per group, beside the charges' (since 2026-12-06)."""
AREA_FIGURES = {
    "contracts_charged": "Contracts charged, as the settlements count them",
    "due_fen": "Due, as settled",
    "settled_fen": "Payable, as settled",
    "withheld_fen": "Withheld, as settled",
    "released_fen": "Released in the period",
    "forfeited_fen": "Forfeited in the period",
    "adjusted_fen": "Adjustments, as settled",
    "open_contracts_charged": "Contracts charged in the groups no settlement stands for",
    "open_due_fen": "Their due",
    "open_adjusted_fen": "Their late charges",
    "settlements": "Settlements standing (the FeeSettled events the reconciliation counts)",
    "mismatched": "Groups whose one settlement disagrees with their charges",
    "unsettled": "Groups charged and not settled",
    "several": "Groups with several settlements standing (billing settles a group once: none)",
    "charged_contracts": "Contracts charged, as the charges count them, settled or not",
    "charged_fen": "Their due and late charges",
    "appraised_released_fen": "Released by the appraisal of the year (on the rows whose period is a year)",
    "appraised_forfeited_fen": "Forfeited by it",
}
"""An area's figures: its groups' settled figures and, apart (`open_`), those of its groups charged
and not settled, as a page of figures answers them; what the reconciliation counts; every
group's charges (`charged_`), as the drill-down's totals answer them (since 2026-12-07); and on
rows of their own, whose period is a year (`2026`, in no range of months), what the appraisal of
that year released and forfeited (`appraised_`), whichever month booked it (since 2026-12-07)."""


def _sums(named: dict[str, str]) -> list[Column[int]]:
    """Sums starting from 0, also on the rows a view had before they were added (`migrate`)."""
    return [Column(name, BigInteger, nullable=False, server_default="0", comment=says) for name, says in named.items()]


CHARGE_TOTALS = Table(
    "view_charge_totals",
    METADATA,
    *_key(),
    Column("charges", BigInteger, nullable=False),
    Column("due_fen", BigInteger, nullable=False, comment="Charges of the period, refunds deducted"),
    Column("adjustments_fen", BigInteger, nullable=False, comment="Late charges of earlier periods"),
    Column("contracts_charged", BigInteger, nullable=False, comment="Distinct contracts among the charges"),
    *_sums(STANDING),
    Column("listed_as", String(10), Computed(listed_as(column), persisted=True), comment="In the reconciliation"),
    comment="Each group's charges, settlements and releases summed as the settlement view applies them, "
    "so no read sums charges, and a page of figures is a range of an index",
    postgresql_with={"fillfactor": TOTALS_FILL},
)
# A page of figures is a range of one of these, in the key's order (a scope's groups are never
# sorted): the key's own for every area; an area's level's (province, city, county: an
# official's prefix; the province's too, though every group of a province's view is in it: the
# planner, knowing nothing of the digits, sorted the province's groups rather than read the
# key's index through a filter); a bureau's (the groups without a bureau, the other payers',
# are not in it); an institution's. Each ends with the whole key, the bureau's and the
# institution's repeating their first column, so that the page's "after the previous page's
# last" is a bound of the index, not a filter. None of their columns changes as the sums move,
# so the sums' updates leave them alone (heap-only, the pages being half filled).
# The reconciliation's lists (since 2026-12-07) are a range of one of the same, what a group is
# listed as first, of the listed groups alone (the open periods', and any disagreeing): written
# as a group's status changes, once or twice in its life.
WITH_BUREAU = CHARGE_TOTALS.c.bureau_id != literal_column("''")
"""The groups of a payer with bureaus (a constant in the SQL, so the partial index is seen to fit)."""


def _in_groups_order(name: str, *first: Column[str], where: ColumnElement[bool] | None = None) -> None:
    """An index of the totals per order a scope reads its groups in, after `first`."""
    c = CHARGE_TOTALS.c
    levels = {level: [prefix(c.area_code, digits)] for level, digits in LEVELS.items()}
    orders = {"key": [], **levels, "bureau": [c.bureau_id], "institution": [c.institution_id]}
    for order, lead in orders.items():
        if first or lead:  # the key's own, without `first`, is the primary key
            only = [w for w in (where, WITH_BUREAU if order == "bureau" else None) if w is not None]
            Index(
                f"{name}_{order}",
                *first,
                *lead,
                *CHARGE_TOTALS.primary_key,
                postgresql_where=and_(*only) if only else None,
            )


_in_groups_order("view_charge_totals")
_in_groups_order("view_charge_totals_listed", CHARGE_TOTALS.c.listed_as, where=CHARGE_TOTALS.c.listed_as.is_not(None))
AREA_TOTALS = Table(
    "view_area_totals",
    METADATA,
    *_key(institution=False),
    *_sums(AREA_FIGURES),
    # A scope's totals sum its areas' rows, found by the area's prefix (a range of the first
    # index, the collation being C) or the bureau.
    Index("view_area_totals_area", "area_code", "period"),
    Index("view_area_totals_bureau", "bureau_id", "period"),
    comment="The groups' figures summed per area (every institution's), kept with the groups' totals, "
    "so a scope's totals read an area's rows, not its groups'",
)
SETTLEMENTS = Table(
    "view_settlements",
    METADATA,
    Column("settlement_id", String(200), primary_key=True),
    Column("period", String(7), nullable=False, index=True),
    Column("contracts_charged", Integer, nullable=False),
    Column("due_fen", BigInteger, nullable=False),
    Column("withheld_fen", BigInteger, nullable=False),
    Column("adjustments_fen", BigInteger, nullable=False),
    Column("payable_fen", BigInteger, nullable=False),
    *_parties(),
)
RELEASES = Table(
    "view_releases",
    METADATA,
    Column("release_id", String(200), primary_key=True),
    Column("appraisal_result_id", String(100), nullable=False),
    Column("appraisal_period", String(10), nullable=False),
    Column("period", String(7), nullable=False, index=True, comment="The settlement period it was released in"),
    Column("withheld_fen", BigInteger, nullable=False),
    Column("released_fen", BigInteger, nullable=False),
    Column("forfeited_fen", BigInteger, nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=False),
    *_parties(),
)
# An institution's releases of a year (`released_for_period`) are a range of this, whatever
# years the view holds; an area's or a bureau's are its areas' rows of the year. Until
# 2026-12-07 these were the scope's releases too, by area and by bureau: a read that grew with
# the institutions.
APPRAISED_YEAR = prefix(RELEASES.c.appraisal_period, 4)
Index("view_releases_year_institution", APPRAISED_YEAR, RELEASES.c.institution_id)
VIEW_TABLES = (CHARGES, CHARGE_TOTALS, AREA_TOTALS, SETTLEMENTS, RELEASES)


kept_up(METADATA, CHARGES, RETIRED_INDEXES)
kept_up(METADATA, CHARGE_TOTALS)
kept_up(METADATA, RELEASES, ("view_releases_year_area", "view_releases_year_bureau"))
