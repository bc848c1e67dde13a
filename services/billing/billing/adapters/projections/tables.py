"""Billing's read-model tables: the settlement view and the bureaus' HTTP feed."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, text

from shared.contracts import topics
from shared.readmodels import AppliedEvents, PartnerFeed, Positions
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
    # Every index is written for every charge stored, so the view keeps those a read needs, four:
    # the drill-down's order (one institution's charges of a period and payer are one range of
    # it, and the sums look a contract up in its group there); an area's (an official's scope: a
    # prefix of the area code, the database's collation being C); a bureau's (the charges without
    # a bureau, the other payers', are not in it). An area's by period, (area, period), served a
    # county's month better but, on a young view without statistics, was taken for the whole
    # city's year too, sorting every charge for a page.
    Index("view_charges_drill_down", "institution_id", "period", "payer", "contract_id", "charge_id"),
    Index("ix_view_charges_area_code", "area_code"),
    Index("view_charges_bureau", "bureau_id", postgresql_where=text("bureau_id IS NOT NULL")),
)
RETIRED_INDEXES = tuple(f"ix_{CHARGES.name}_{c}" for c in ("contract_id", "period", "bureau_id", "institution_id"))
"""The single-column indexes the charges had until 2026-12-03."""
CHARGE_TOTALS = Table(
    "view_charge_totals",
    METADATA,
    Column("period", String(7), primary_key=True),
    Column("payer", String(30), primary_key=True),
    Column("bureau_id", String(64), primary_key=True, comment="'' for a payer without a bureau (a key has no null)"),
    Column("institution_id", String(64), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("charges", BigInteger, nullable=False),
    Column("due_fen", BigInteger, nullable=False, comment="Charges of the period, refunds deducted"),
    Column("adjustments_fen", BigInteger, nullable=False, comment="Late charges of earlier periods"),
    Column("contracts_charged", BigInteger, nullable=False, comment="Distinct contracts among the charges"),
    comment="The charges summed as the settlement view applies them, so no read sums charges",
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
VIEW_TABLES = (CHARGES, CHARGE_TOTALS, SETTLEMENTS, RELEASES)


kept_up(METADATA, CHARGES, RETIRED_INDEXES)
