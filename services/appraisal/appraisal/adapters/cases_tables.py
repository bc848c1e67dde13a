"""The appraisal kept current as facts arrive: the changes the residents' cases make to each
stratum's figures, by the instant from which they count (a figure as of T is the sum of the
changes by T)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Table

from appraisal.adapters.facts_tables import METADATA

STRATUM_DELTAS = Table(
    "stratum_deltas",
    METADATA,
    Column("period", String(10), primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("level", String(20), primary_key=True),
    Column("stratum_id", String(64), primary_key=True),
    Column("key_population", String(40), primary_key=True),  # empty: the whole stratum
    Column("instant", DateTime(timezone=True), primary_key=True),
    Column("area_code", String(12), nullable=False),  # the stratum's, to read an area's figures
    Column("d_numerator", BigInteger, nullable=False),
    Column("d_denominator", BigInteger, nullable=False),
    Index("stratum_deltas_by_area", "period", "area_code", "instant"),
)
CASES_TABLES = (STRATUM_DELTAS,)
