"""The appraisal kept current as facts arrive: each resident's cases with the as-of interval
each holds in (the drill-down's rows), and the changes they make to each stratum's figures,
by the instant from which they count (a figure as of T is the sum of the changes by T)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, Index, Integer, String, Table, Text

from appraisal.adapters.facts_tables import METADATA

RESIDENT_CASES = Table(
    "resident_cases",
    METADATA,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("period", String(10), nullable=False),
    Column("indicator_id", String(64), nullable=False),
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("about", String(200), nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("key_populations", JSON, nullable=False),
    Column("numerator", Integer, nullable=False),
    Column("denominator", Integer, nullable=False),
    Column("excluded", Boolean, nullable=False),
    Column("why", Text, nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_to", DateTime(timezone=True)),  # none: it holds on
    Index("resident_cases_by_team", "period", "indicator_id", "team_id", "valid_from"),
    Index("resident_cases_by_area", "period", "indicator_id", "area_code", "valid_from"),
)
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
CASES_TABLES = (RESIDENT_CASES, STRATUM_DELTAS)
