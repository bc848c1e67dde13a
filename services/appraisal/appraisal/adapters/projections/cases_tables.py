"""The appraisal kept current as facts arrive: the changes the residents' cases make to the
figures, by the instant from which they count (a figure as of T is the sum of the changes by
T), per group (a team, or for a case counted where the resident lives an area, and the key
populations): every stratum of a figure follows from those (`figures.case_strata`); and those
changes added up into every stratum by each midnight a read asked for. Both are partitioned by
city; the groups they name are few (`case_groups`)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from appraisal.adapters.projections.facts_tables import METADATA

NAMED_BY = ("city", "area_code", "indicator_id", "team_id", "institution_id", "key_populations")
"""What names a group of changes: all fall in the same strata (`figures.case_strata`). The city
and area first: a read of an area inside a city finds its groups in a range of the key."""
CASE_GROUPS = Table(
    "case_groups",
    METADATA,
    Column("group_id", BigInteger, Identity(), primary_key=True),
    Column("city", String(4), nullable=False),  # the area code's first four digits
    Column("area_code", String(12), nullable=False),
    Column("indicator_id", String(64), nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("institution_id", String(64), nullable=False),
    Column("key_populations", String(200), nullable=False),  # comma-separated, in the case's order
    UniqueConstraint(*NAMED_BY, name="case_groups_named"),
)
"""Each group of changes named once: a change row carries the group's number, not its six
names (which were 60% of the row and of its key). As many as a city's teams, indicators, areas
and key populations combine in (hundreds a county), not as many as its residents or changes."""

CHANGES_KEY = ("period", "instant", "city", "group_id")
"""The period and the instant first. Changes arrive in about the order they were known, so a
batch's land together at the end of each period's range, and the pages a write touches stay
few however large a city's table grows (with the city, indicator and team first, a batch's
rows fell all over the key). And every read of changes is of a period from an instant on: a
range of this key, with no index of its own to keep (in a city's partition the city is the same)."""
CASE_CHANGES = Table(
    "case_changes",
    METADATA,
    Column("city", String(4), nullable=False),  # the partition (the group's city)
    Column("period", String(10), nullable=False),
    Column("instant", DateTime(timezone=True), nullable=False),
    Column("group_id", BigInteger, nullable=False),  # case_groups'
    Column("d_numerator", BigInteger, nullable=False),
    Column("d_denominator", BigInteger, nullable=False),
    PrimaryKeyConstraint(*CHANGES_KEY, name="case_changes_pkey"),
    postgresql_partition_by="LIST (city)",
)
STRATUM_TOTALS = Table(
    "stratum_totals",
    METADATA,
    Column("city", String(4), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("before", DateTime(timezone=True), primary_key=True),  # a local midnight: every change before it
    Column("indicator_id", String(64), primary_key=True),
    Column("level", String(16), primary_key=True),
    Column("code", String(64), primary_key=True),  # the team's, institution's or area's
    Column("key_population", String(64), primary_key=True),  # empty for the whole stratum
    Column("institution_id", String(64), primary_key=True),  # of a team's cases: where they are ('' at other levels)
    Column("area_code", String(12), primary_key=True),
    Column("numerator", BigInteger, nullable=False),
    Column("denominator", BigInteger, nullable=False),
    Index("stratum_totals_by_midnight", "period", "before"),  # the latest kept, of every city
    postgresql_partition_by="LIST (city)",
)
"""The changes before a midnight added up under every stratum they fall in, kept as the
projection passes the midnight (`strata_keeper.py`) or by the first read of that day, from the
latest kept before: a read then takes the strata as they are
and adds only that day's changes, however long the period has run and however many teams a
city has. A change written later for an earlier instant (a fact applied late) drops the
totals it falls before."""
CASES_TABLES = (CASE_CHANGES, STRATUM_TOTALS)
"""Partitioned by city (`partitions.py`)."""
