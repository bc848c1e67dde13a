"""Billing's read-model tables: the settlement view and the bureaus' HTTP feed."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table

from shared.contracts import topics
from shared.readmodels import AppliedEvents, PartnerFeed, Positions

METADATA = MetaData()
APPLIED = AppliedEvents(METADATA)
POSITIONS = Positions(METADATA)
BUREAU_FEED = PartnerFeed(METADATA, "bureaus", topics.BUREAU_PREFIX)


def _parties() -> list[Column[str]]:
    return [
        Column("payer", String(30), nullable=False),
        Column("bureau_id", String(64), nullable=True, index=True),
        Column("institution_id", String(64), nullable=False, index=True),
        Column("area_code", String(12), nullable=False, index=True),
    ]


CHARGES = Table(
    "view_charges",
    METADATA,
    Column("charge_id", String(200), primary_key=True),
    Column("contract_id", String(64), nullable=False, index=True),
    Column("resident_ref", String(40), nullable=False),
    Column("contract_year", Integer, nullable=False),
    Column("period", String(7), nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("reason", String(30), nullable=False),
    *_parties(),
    # The drill-down's order: one institution's charges of a period and payer are one range of it.
    Index("view_charges_drill_down", "institution_id", "period", "payer", "contract_id", "charge_id"),
)
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
