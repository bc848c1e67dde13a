"""Appraisal's own tables of the facts other services published: one row per event, with the
time its source recorded it (`known_at`, the envelope's time), so an appraisal can be
recomputed as of any moment from the same rows, and the Kafka positions applied so far."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

from shared.readmodels import AppliedEvents, Positions
from shared.readmodels.areas import LEVELS, prefix

METADATA = MetaData()
APPLIED = AppliedEvents(METADATA)
FOLLOWERS = Positions(METADATA)  # how far the own-log followers got (see own_views)


FACT_KEY = ("known_at", "event_id")
"""Known time first: facts arrive in about that order, so new rows land at the end of the key,
where an event's id alone (a hash) put each anywhere in it. Unique all the same: a row is
written only for an event id claimed for the first time (`APPLIED`), and an event redelivered
carries its time again."""


BY_CITY_KEY = (*FACT_KEY, "city")
"""A partitioned table's key names its partition's column; last, so the key stays in arrival order."""


def city_of(area_code: str) -> str:
    """The partition of a fact (and of a group of changes): the area code's first four digits."""
    return area_code[:4]


def _id(name: str, index: bool = False) -> Column[str]:
    return Column(name, String(100), nullable=False, index=index)


def _fact(name: str, *columns: Column[Any], by_team: bool = False) -> Table:
    """A fact table: the event's id, what the fact says, who is accountable, when it was known.
    Indexed only as read: by resident (a batch's histories), and by team where `by_team` (the
    contracts a team signed); each index more is written for every event (a city's year is
    millions) and read by nothing. A stratum's drill-down reads `RESIDENT_WHERES`. Partitioned
    by the accountable team's city (`partitions.py`): each index is one a partition."""
    return Table(
        name,
        METADATA,
        Column("event_id", String(100), nullable=False),
        *columns,
        Column("resident_ref", String(40), nullable=False, index=True),
        Column("team_id", String(64), nullable=False, index=by_team),
        Column("institution_id", String(64), nullable=False),
        Column("area_code", String(12), nullable=False),
        Column("city", String(4), nullable=False),  # the partition: `city_of(area_code)`
        Column("known_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint(*BY_CITY_KEY, name=f"{name}_pkey"),
        postgresql_partition_by="LIST (city)",
    )


TEAMS = Table(
    "fact_teams",
    METADATA,
    Column("event_id", String(100), primary_key=True),
    Column("team_id", String(64), nullable=False, index=True),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False, index=True),
    Column("members", JSON, nullable=False),  # member_id, role, resident_cap
    Column("known_at", DateTime(timezone=True), nullable=False),
)
TEAM_CHANGES = Table(
    "fact_team_changes",
    METADATA,
    Column("event_id", String(100), primary_key=True),
    Column("team_id", String(64), nullable=False, index=True),
    Column("change", String(10), nullable=False),  # joined, left, cap
    Column("member_id", String(64)),  # none: the team's own cap changed
    Column("role", String(40)),
    Column("resident_cap", Integer),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("known_at", DateTime(timezone=True), nullable=False),
)
CONTRACT_STARTS = _fact(
    "fact_contract_starts",
    _id("contract_id", index=True),  # an ending names its contract, not its resident
    Column("kind", String(10), nullable=False),  # signed or renewed
    Column("renews_contract_id", String(100)),
    Column("resident_area_code", String(12), nullable=False),
    Column("items", JSON, nullable=False),
    Column("key_populations", JSON, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    by_team=True,  # `contracts_signed`
)
CONTRACT_ENDS = _fact(
    "fact_contract_ends",
    _id("contract_id", index=True),  # read by the contracts of a batch's residents
    Column("kind", String(10), nullable=False),  # terminated, expired, or reinstated (an expiry undone)
    Column("reason", String(40)),
    Column("last_day", Date, nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=False),
)
VISITS = _fact(
    "fact_visits",
    _id("visit_id"),
    Column("contract_id", String(100)),
    Column("fulfils", JSON, nullable=False),
    Column("measurements", JSON, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
)
RATINGS = _fact(
    "fact_ratings",
    _id("rating_id"),
    Column("ability", Integer, nullable=False),
    Column("attitude", Integer, nullable=False),
    Column("responsiveness", Integer, nullable=False),
    Column("rated_at", DateTime(timezone=True), nullable=False),
)
REFERRAL_STEPS = _fact(
    "fact_referral_steps",
    _id("referral_id"),
    Column("step", String(20), nullable=False),
    Column("priority", String(20)),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("step_at", DateTime(timezone=True), nullable=False),
)
CARE = _fact(
    "fact_care",
    _id("ref"),
    Column("kind", String(20), nullable=False),  # long_prescription, sickbed_admitted, sickbed_discharged
    Column("occurred_on", Date, nullable=False),
)
READINGS = _fact(  # of the team in charge on the reading's day; in a visit's measurement kinds
    "fact_readings",
    _id("reading_id"),
    Column("device_id", String(100), nullable=False),
    Column("kind", String(20), nullable=False),  # systolic_bp, diastolic_bp, fasting_glucose, glucose
    Column("value", Float, nullable=False),
    Column("measured_at", DateTime(timezone=True), nullable=False),
)
APPOINTMENT_STEPS = Table(  # an appointment names its team but no area: it counts only beside a visit, which does
    "fact_appointment_steps",
    METADATA,
    Column("event_id", String(100), nullable=False),
    _id("appointment_id"),
    Column("step", String(20), nullable=False),  # booked, rescheduled, cancelled, attended, missed
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("team_id", String(64), nullable=False),
    Column("contracted", Boolean, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("step_at", DateTime(timezone=True), nullable=False),
    Column("known_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint(*FACT_KEY, name="fact_appointment_steps_pkey"),
)
STREAM_POSITIONS = Table(
    "stream_positions",
    METADATA,
    Column("topic", String(249), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("offset", BigInteger, nullable=False),
)
FACT_TABLES = (
    TEAMS,
    TEAM_CHANGES,
    CONTRACT_STARTS,
    CONTRACT_ENDS,
    VISITS,
    RATINGS,
    REFERRAL_STEPS,
    CARE,
    APPOINTMENT_STEPS,
    READINGS,
    STREAM_POSITIONS,
)
RESIDENT_WHERES = Table(
    "resident_wheres",
    METADATA,
    Column("resident_ref", String(40), nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False),
    PrimaryKeyConstraint("resident_ref", "team_id", "institution_id", "area_code", name="resident_wheres_pkey"),
    Index("resident_wheres_by_team", "team_id", "resident_ref"),
    Index("resident_wheres_by_institution", "institution_id", "resident_ref"),
)
"""Each team, institution and area a resident's facts name (for a contract start, the area the
resident lives in too), written with the facts (`FactsProjection`): a stratum's drill-down is a
range of one index, its residents in order, where a union over every fact table read all the
stratum's facts (a city's millions) for a page. A resident's facts name a few (a move, a team
changing institution), so the write is one key looked up an event, rarely a row added."""
WHERES_BY_AREA = [  # a province's, city's or county's digits (as `within` reads them), then residents in order
    Index(f"resident_wheres_by_{level}", prefix(RESIDENT_WHERES.c.area_code, digits), RESIDENT_WHERES.c.resident_ref)
    for level, digits in LEVELS.items()
]
OF_A_RESIDENT = (CONTRACT_STARTS, VISITS, RATINGS, REFERRAL_STEPS, CARE, READINGS)
"""The tables whose rows name their resident (an ending names its contract) and a team or area."""
NAMING_A_RESIDENT = (*OF_A_RESIDENT, APPOINTMENT_STEPS)
"""Every table whose new rows may change their resident's cases."""
BY_CITY = (*OF_A_RESIDENT, CONTRACT_ENDS)
"""The facts partitioned by city, keyed by `BY_CITY_KEY`. Not an appointment's: it names a team
but no area (and is read by resident, or beside a visit)."""
KEYED_BY_TIME = (*BY_CITY, APPOINTMENT_STEPS)
"""The tables of an event's facts, keyed by `FACT_KEY` first."""
