"""The appraisal kept current as facts arrive: the changes the residents' cases make to the
figures, by the instant from which they count (a figure as of T is the sum of the changes by
T), per team (or, for a case counted where the resident lives, area) and key populations:
every stratum of a figure follows from those (`figures.case_strata`), so it is added up on
read; and those changes added up by each midnight a read asked for."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Table

from appraisal.adapters.facts_tables import METADATA

CASE_CHANGES = Table(
    "case_changes",
    METADATA,
    Column("period", String(10), primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("team_id", String(64), primary_key=True),
    Column("institution_id", String(64), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("key_populations", String(200), primary_key=True),  # comma-separated, in the case's order
    Column("instant", DateTime(timezone=True), primary_key=True),
    Column("d_numerator", BigInteger, nullable=False),
    Column("d_denominator", BigInteger, nullable=False),
    Index("case_changes_by_instant", "period", "instant"),  # a read adds up a day's changes at most
)
CASE_TOTALS = Table(
    "case_totals",
    METADATA,
    Column("period", String(10), primary_key=True),
    Column("before", DateTime(timezone=True), primary_key=True),  # a local midnight: every change before it
    Column("indicator_id", String(64), primary_key=True),
    Column("team_id", String(64), primary_key=True),
    Column("institution_id", String(64), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("key_populations", String(200), primary_key=True),
    Column("numerator", BigInteger, nullable=False),
    Column("denominator", BigInteger, nullable=False),
)
"""The changes before a midnight added up, kept by the first read of that day: a read then adds
only that day's changes to them, however long the period has run. A change written later
for an earlier instant (a fact applied late) drops the totals it falls before."""
CASES_TABLES = (CASE_CHANGES, CASE_TOTALS)
