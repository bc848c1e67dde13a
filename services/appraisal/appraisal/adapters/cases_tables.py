"""The appraisal kept current as facts arrive: the changes the residents' cases make to the
figures, by the instant from which they count (a figure as of T is the sum of the changes by
T), per team (or, for a case counted where the resident lives, area) and key populations:
every stratum of a figure follows from those (`figures.case_strata`), so it is added up on read."""

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
    Index("case_changes_by_area", "period", "area_code", "instant"),
)
CASES_TABLES = (CASE_CHANGES,)
