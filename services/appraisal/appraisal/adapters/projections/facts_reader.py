"""Reading the facts as they were known at a moment: only rows whose source recorded them by
then, all in one consistent snapshot together with the stream positions applied. What the
pure computation (`appraisal.appraise`) takes: the reference the projected figures are
tested and measured against; the API reads the projection (`figures_reader`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from sqlalchemy import Connection, Engine, select

from appraisal.adapters.projections import fact_reads as reads
from appraisal.adapters.projections.facts_history import FactsHistory
from appraisal.adapters.projections.facts_tables import (
    APPOINTMENT_STEPS,
    CARE,
    CONTRACT_STARTS,
    RATINGS,
    READINGS,
    REFERRAL_STEPS,
    STREAM_POSITIONS,
    VISITS,
)
from appraisal.domain.facts import Facts
from appraisal.domain.known import Knowns
from appraisal.domain.periods import Period
from appraisal.domain.results import StreamPosition

YEAR = timedelta(days=366)


@dataclass(frozen=True)
class Snapshot:
    facts: Facts
    positions: tuple[StreamPosition, ...]
    """How far each stream had been applied when the facts were read."""


class FactsReader:
    def __init__(self, engine: Engine, zone: tzinfo) -> None:
        self._engine, self._zone = engine, zone

    def snapshot(self, as_of: datetime, period: Period, area: str = "") -> Snapshot:
        """The facts an appraisal of `period` needs, for teams in `area` (and residents living there)."""
        return self.snapshots([as_of], period, area)[0]

    def snapshots(self, moments: Sequence[datetime], period: Period, area: str = "") -> list[Snapshot]:
        if not moments:
            return []
        known = max(moments).astimezone(UTC)
        with self._consistent() as conn:
            history = self._history(conn, known, period, area)
            positions = tuple(StreamPosition(*r) for r in conn.execute(select(STREAM_POSITIONS)))
        return [Snapshot(history.as_of(m), positions) for m in moments]

    def _history(self, conn: Connection, known: datetime, period: Period, area: str) -> FactsHistory:
        since = datetime.combine(period.first, time(), UTC) - timedelta(days=1)  # a day's margin for zones
        until = datetime.combine(period.last + timedelta(days=1), time(), self._zone).astimezone(UTC)
        teams = Knowns(reads.teams(known, area).run(conn))
        contracts = Knowns(reads.contracts(known, area, CONTRACT_STARTS.c.ends_on >= period.first).run(conn))
        ids = {c.contract_id for c in contracts.facts}
        return FactsHistory(
            teams=teams,
            changes=Knowns(reads.team_changes(known, until, {t.team_id for t in teams.facts}).run(conn)),
            contracts=contracts,
            endings=Knowns([e for e in reads.endings(known).run(conn) if e[1][0] in ids]),
            # a contract year that ends in the period began up to a year before it
            visits=Knowns(reads.visits(known, area, VISITS.c.occurred_at >= since - YEAR).run(conn)),
            ratings=Knowns(reads.ratings(known, area, RATINGS.c.rated_at >= since).run(conn)),
            referrals=Knowns(reads.referral_steps(known, area, REFERRAL_STEPS.c.issued_at >= since).run(conn)),
            care=Knowns(reads.care(known, area, CARE.c.occurred_on >= period.first).run(conn)),
            appointments=Knowns(reads.appointment_steps(known, area, APPOINTMENT_STEPS.c.starts_at >= since).run(conn)),
            readings=Knowns(reads.readings(known, area, READINGS.c.measured_at >= since).run(conn)),
            register=Knowns(reads.register(known, period.year).run(conn)),
        )

    @contextmanager
    def _consistent(self) -> Iterator[Connection]:
        """One snapshot for every query (PostgreSQL's repeatable read)."""
        with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
