"""Reading the facts as they were known at a moment: only rows whose source recorded them by
then, all in one consistent snapshot together with the stream positions applied and the
facts' version; several moments (a series) from one read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, tzinfo

from sqlalchemy import Connection, Engine, func, select, union_all

from appraisal.adapters import fact_reads as reads
from appraisal.adapters.facts_changes import current_mark, known_since
from appraisal.adapters.facts_history import FactsHistory
from appraisal.adapters.facts_tables import (
    CARE,
    CONTRACT_ENDS,
    CONTRACT_STARTS,
    RATINGS,
    REFERRAL_STEPS,
    STREAM_POSITIONS,
    TEAM_CHANGES,
    TEAMS,
    VISITS,
)
from appraisal.adapters.own_views import REGISTER
from appraisal.application.appraising import Snapshot
from appraisal.application.remembered import Mark
from appraisal.domain.known import Knowns
from appraisal.domain.periods import Period
from appraisal.domain.results import StreamPosition

YEAR = timedelta(days=366)


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
            mark = current_mark(conn)
        return [Snapshot(history.as_of(m), positions, mark, history.next_known(m)) for m in moments]

    def known_since(self, mark: Mark) -> datetime | None:
        with self._engine.connect() as conn:
            return known_since(conn, mark)

    def _history(self, conn: Connection, known: datetime, period: Period, area: str) -> FactsHistory:
        since = datetime.combine(period.first, time(), UTC) - timedelta(days=1)  # a day's margin for zones
        until = datetime.combine(period.last + timedelta(days=1), time(), self._zone).astimezone(UTC)
        teams = Knowns(reads.teams(conn, known, area))
        contracts = Knowns(reads.contracts(conn, known, area, CONTRACT_STARTS.c.ends_on >= period.first))
        history = FactsHistory(
            teams=teams,
            changes=Knowns(reads.team_changes(conn, known, until, {t.team_id for t in teams.facts})),
            contracts=contracts,
            endings=Knowns(reads.endings(conn, known, {c.contract_id for c in contracts.facts})),
            # a contract year that ends in the period began up to a year before it
            visits=Knowns(reads.visits(conn, known, area, VISITS.c.occurred_at >= since - YEAR)),
            ratings=Knowns(reads.ratings(conn, known, area, RATINGS.c.rated_at >= since)),
            referrals=Knowns(reads.referral_steps(conn, known, area, REFERRAL_STEPS.c.issued_at >= since)),
            care=Knowns(reads.care(conn, known, area, CARE.c.occurred_on >= period.first)),
            register=Knowns(reads.register(conn, known, period.year)),
        )
        return replace(history, later=_later(conn, history, known))

    @contextmanager
    def _consistent(self) -> Iterator[Connection]:
        """One snapshot for every query (PostgreSQL's repeatable read)."""
        with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn


def _later(conn: Connection, history: FactsHistory, known: datetime) -> tuple[datetime, ...]:
    """When each fact read became known, then the earliest a fact not read (recorded as known
    later than the read's moment) does: after it, the facts known could be different."""
    tables = (TEAMS, TEAM_CHANGES, CONTRACT_STARTS, CONTRACT_ENDS, VISITS, RATINGS, REFERRAL_STEPS, CARE)
    earliest = union_all(
        *(select(func.min(t.c.known_at).label("at")).where(t.c.known_at > known) for t in tables),
        select(func.min(REGISTER.c.recorded_at).label("at")).where(REGISTER.c.recorded_at > known),
    ).subquery()
    after = conn.execute(select(func.min(earliest.c.at))).scalar()
    rows = (history.teams, history.changes, history.contracts, history.endings, history.visits, history.ratings,
            history.referrals, history.care, history.register)  # fmt: skip
    read = sorted({at for facts in rows for at in facts.known_at})
    return (*read, reads.aware(after)) if after is not None else tuple(read)
