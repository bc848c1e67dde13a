"""The projected appraisal as the application reads it (`appraising.FiguresSource`): the groups
of cases by each moment, the teams and register known then and the stream positions, from one
consistent snapshot; and the drill-down's residents and their cases."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import cast

from sqlalchemy import Connection, Engine, func, select

from appraisal.adapters.projections import fact_reads as reads
from appraisal.adapters.projections import stamps
from appraisal.adapters.projections.cases_reads import Tally, cases_at, residents_in, tally
from appraisal.adapters.projections.facts_history import FactsHistory
from appraisal.adapters.projections.facts_tables import STREAM_POSITIONS, TEAM_CHANGES, TEAMS
from appraisal.adapters.projections.group_names import GroupNames
from appraisal.adapters.projections.own_views import REGISTER
from appraisal.adapters.projections.totals import Token, digest, keep, kept_token, team_wheres
from appraisal.application.appraising import Read
from appraisal.application.recent import Bounded
from appraisal.domain.appraisal import Counted, counted_by_team
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.facts import Facts, Where
from appraisal.domain.known import Knowns
from appraisal.domain.periods import Period
from appraisal.domain.results import StreamPosition
from appraisal.domain.strata import Stratum


class FiguresReader:
    def __init__(self, engine: Engine, zone: tzinfo) -> None:
        self._engine, self._zone = engine, zone
        self._subjects = Bounded[Hashable, Facts](8)
        """The teams and register of the latest views read, by what they were read from
        (`_known`): a city's thousands of teams, read and made again at each read before."""
        self._team_areas = Bounded[str, str](_TEAMS_KEPT)
        """Each team's area as registered, which never changes: a doctor's poll looks it up."""
        self._group_names = GroupNames()

    def counted(  # noqa: PLR0913
        self, version: CatalogueVersion, period: Period, moments: Sequence[datetime], area: str, tagged: bool = True,
        since: object = None, indicators: Collection[str] | None = None,
    ) -> Read:  # fmt: skip
        """Each moment's midnight totals are kept first (each in a short transaction of its own:
        it may write), then everything is read from one snapshot. `since`: a read of the same
        view before (`Read.since`), to count from. `indicators`: the counts of those only, and
        where every indicator's cases are (`team_wheres`): the subjects of a whole read."""
        for moment in moments:
            with self._engine.begin() as conn:
                keep(conn, period.code, moment, self._zone)
        earlier = since if isinstance(since, _Since) and len(moments) == 1 else None
        with self._consistent() as conn:
            counted, last, bases = [], None, list[tuple[datetime, Hashable]]()
            for moment in moments:
                rows = _known(conn, moment, area)
                known = self._subjects_at(conn, moment, period, area, rows)
                last = tally(
                    conn, version, period.code, moment, self._zone, area, tagged,
                    earlier.tally if earlier else None, indicators, self._group_names,
                )  # fmt: skip
                c = last.counts
                wheres = set(c.wheres) if indicators is None else self._wheres(conn, version, period, last, area)
                counted.append(Counted(c.totals, wheres, known.teams, known.register, _changed(earlier, last, known)))
                bases.append((moment, _basis(conn, period.code, last.kept, moment, area, rows)))
            positions = tuple(StreamPosition(*r) for r in conn.execute(select(STREAM_POSITIONS)))
            stamp = (stamps.stamp(conn), tuple(bases))
        if last is None or indicators is not None:  # a few indicators' counts are no view's to count on from
            return Read(counted, positions, stamp)
        return Read(counted, positions, stamp, _Since(last, counted[-1]))

    @staticmethod
    def _wheres(conn: Connection, version: CatalogueVersion, period: Period, read: Tally, area: str) -> set[Where]:
        by_team = [i.id for i in version.indicators if counted_by_team(i)]
        return team_wheres(conn, period.code, read.kept[0], read.as_of, area, by_team)

    def unchanged(self, stamp: Hashable, period: Period, area: str, since: datetime, until: datetime) -> bool:
        streams, bases = cast(tuple[Hashable, tuple[tuple[datetime, Hashable], ...]], stamp)
        with self._consistent() as conn:
            now, changed = stamps.still(conn, period.code, area, since, until)
            if streams == now and not changed:
                return True
            basis = dict(bases).get(since)
            if since != until or basis is None:  # a later as-of of a view read as of now: it is read again
                return False
            kept = kept_token(conn, period.code, until, self._zone, area)
            return bool(_basis(conn, period.code, kept, until, area) == basis)

    def _subjects_at(self, conn: Connection, moment: datetime, period: Period, area: str, rows: Hashable) -> Facts:
        """The teams and register known at the moment, as read before if the same rows were known
        (`_known`; none is ever changed or removed, so as many rows are the same rows)."""
        key = (period.code, area, rows)
        if (found := self._subjects.get(key)) is None:
            found = _subjects(conn, moment, period, area, self._zone).as_of(moment)
            self._subjects.put(key, found)
        return found

    def team_area(self, team_id: str) -> str | None:
        if (found := self._team_areas.get(team_id)) is None:
            with self._engine.connect() as conn:
                query = select(TEAMS.c.area_code).where(TEAMS.c.team_id == team_id).limit(1)
                found = conn.execute(query).scalar_one_or_none()
            if found is not None:
                self._team_areas.put(team_id, found)
        return found

    def residents(self, stratum: Stratum, after: str, limit: int) -> list[str]:
        with self._engine.connect() as conn:
            return residents_in(conn, stratum, after, limit)

    def cases(
        self, version: CatalogueVersion, period: Period, as_of: datetime, refs: Collection[str]
    ) -> dict[str, list[Case]]:
        with self._engine.connect() as conn:
            return cases_at(conn, version, period, as_of, self._zone, refs)

    @contextmanager
    def _consistent(self) -> Iterator[Connection]:
        """One snapshot for every query (PostgreSQL's repeatable read)."""
        with self._engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn


@dataclass(frozen=True)
class _Since:
    tally: Tally
    counted: Counted


_TEAMS_KEPT = 100_000
"""A province's teams: tens of thousands."""


def _changed(earlier: _Since | None, now: Tally, known: Facts) -> Mapping[str, Collection[Stratum]] | None:
    """The strata counted differently from the read `since`, if it was counted from and its
    subjects are the same: the figures of the others are as they were."""
    if earlier is None or now.counts.changed is None:
        return None
    was = earlier.counted
    if (known.teams, known.register) != (was.teams, was.register) or now.counts.wheres.keys() != was.wheres:
        return None
    return now.counts.changed


def _basis(  # noqa: PLR0913
    conn: Connection, period: str, kept: Token, moment: datetime, area: str, known: tuple[int, ...] | None = None
) -> Hashable:
    """What the counts as of a moment are made of: which keep of the strata, the changes since
    (`totals.digest`), and how many teams, changes to them and register figures were known by
    then (their rows are only ever added). Any event applied that touches none of them
    (a fact known later, in another city) leaves a read as of that moment as it was: a past
    as-of, a series' past month."""
    return kept, digest(conn, period, kept[0], moment, area), known or _known(conn, moment, area)


def _known(conn: Connection, moment: datetime, area: str) -> tuple[int, ...]:
    """How many teams in the area, changes to teams and register figures were known by the moment."""
    teams, changes, register = (
        select(func.count()).select_from(TEAMS).where(TEAMS.c.known_at <= moment, TEAMS.c.area_code.startswith(area)),
        select(func.count()).select_from(TEAM_CHANGES).where(TEAM_CHANGES.c.known_at <= moment),
        select(func.count()).select_from(REGISTER).where(REGISTER.c.recorded_at <= moment),
    )
    return tuple(
        conn.execute(select(teams.scalar_subquery(), changes.scalar_subquery(), register.scalar_subquery())).one()
    )


def _subjects(conn: Connection, known: datetime, period: Period, area: str, zone: tzinfo) -> FactsHistory:
    """The teams in the area (with their doctors' caps, as changed before the period's end)
    and the register of the period's year, as known by `known`."""
    until = datetime.combine(period.last + timedelta(days=1), time(), zone).astimezone(UTC)
    teams = Knowns(reads.teams(known, area).run(conn))
    changes = reads.team_changes(known, until, {t.team_id for t in teams.facts}).run(conn)
    register = reads.register(known, period.year).run(conn)
    return FactsHistory(teams=teams, changes=Knowns(changes), register=Knowns(register))
