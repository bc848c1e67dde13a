"""Reading the projected appraisal at an as-of: each stratum is the sum of its changes by then
(`totals`: as kept by that day's midnight, and that day's changes); the drill-down asks the
methods about the facts known then of the residents of a stratum, a page at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Connection, select, union

from appraisal.adapters.projections.facts_tables import OF_A_RESIDENT, RESIDENT_WHERES
from appraisal.adapters.projections.resident_reads import histories
from appraisal.adapters.projections.totals import (
    Group,
    Groups,
    Indicators,
    Key,
    Sums,
    Token,
    add_groups,
    changes_since,
    city_read,
    kept_sums,
    kept_token,
    named,
)
from appraisal.domain.appraisal import counted_by_team
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.facts import Where
from appraisal.domain.indicators import METHODS
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Period, Window
from appraisal.domain.strata import Stratum, area_prefix
from shared.readmodels.areas import within

Totals = dict[str, dict[Stratum, tuple[int, int]]]
"""Per indicator, each stratum's numerator and denominator."""


def counts_at(  # noqa: PLR0913
    conn: Connection, version: CatalogueVersion, period: str, as_of: datetime, zone: tzinfo, area: str = "",
    tagged: bool = True,
) -> tuple[Totals, set[Where]]:  # fmt: skip
    """The cases in the area (a city or wider; by the team's area, or the resident's where
    counted there) by the as-of, in the strata each indicator is reported by; `tagged`: the key
    populations' too. And where the cases counted by team are."""
    counts = tally(conn, version, period, as_of, zone, area, tagged).counts
    return counts.totals, set(counts.wheres)


class Counts:
    """The strata each indicator is reported by, kept current as the sums of the strata they
    are made of change (`change`): a team's sums are kept per institution and area of its
    cases, and a stratum counts while one of its sums is not zero. And where the cases counted
    by team are. `copy` and change the copy: a read shares the totals it returned."""

    def __init__(self, version: CatalogueVersion) -> None:
        self.version = version
        self.reported = {i.id: (i.levels, i.by_key_population, counted_by_team(i)) for i in version.indicators}
        self.totals: Totals = {}
        self.wheres: dict[Where, int] = {}
        """Each where, and how many sums of it are not zero."""
        self._parts: dict[tuple[str, Stratum], int] = {}
        """Each team counted, and how many of its sums (one per institution and area of its
        cases) are not zero; a stratum at another level has one sum."""
        self.changed: dict[str, set[Stratum]] | None = None
        """Of a copy: the strata changed since it was copied."""

    @classmethod
    def of(cls, version: CatalogueVersion, sums: Sums) -> Counts:
        """The counts of these sums: as `change` from nothing, faster (a whole read's)."""
        counts = cls(version)
        reported, totals, wheres, parts = counts.reported, counts.totals, counts.wheres, counts._parts
        made: dict[tuple[str, str, str], Stratum] = {}  # each stratum one object, for all its indicators
        for (indicator_id, level, code, kp, institution_id, area_code), (n, d) in sums.items():
            if not (n or d) or indicator_id not in reported:
                continue
            levels, by_key_population, by_team = reported[indicator_id]
            if by_team and level == "team" and not kp:
                where = Where(code, institution_id, area_code)
                wheres[where] = wheres.get(where, 0) + 1
            if level in levels and (not kp or by_key_population):
                if (stratum := made.get((level, code, kp))) is None:
                    stratum = made[(level, code, kp)] = Stratum(level, code, kp)
                if (of := totals.get(indicator_id)) is None:
                    of = totals[indicator_id] = {}
                was = of.get(stratum)
                of[stratum] = (n, d) if was is None else (was[0] + n, was[1] + d)
                if level == "team":
                    parts[(indicator_id, stratum)] = parts.get((indicator_id, stratum), 0) + 1
        return counts

    def copy(self) -> Counts:
        copied = Counts(self.version)  # not `__new__`: a compiled class's attributes are made by its `__init__`
        copied.reported, copied.wheres, copied._parts = self.reported, dict(self.wheres), dict(self._parts)
        copied.totals, copied.changed = {i: dict(t) for i, t in self.totals.items()}, {}
        return copied

    def change(self, key: Key, was: tuple[int, int], now: tuple[int, int]) -> None:
        indicator_id, level, code, kp, institution_id, area_code = key
        if indicator_id not in self.reported or was == now:
            return
        levels, by_key_population, by_team = self.reported[indicator_id]
        counted, counts = bool(was[0] or was[1]), bool(now[0] or now[1])
        if by_team and level == "team" and not kp and counted != counts:
            _count(self.wheres, Where(code, institution_id, area_code), 1 if counts else -1)
        if level in levels and (not kp or by_key_population):
            stratum, totals = Stratum(level, code, kp), self.totals.setdefault(indicator_id, {})
            if counted != counts and not (
                _count(self._parts, (indicator_id, stratum), 1 if counts else -1) if level == "team" else counts
            ):
                del totals[stratum]
            elif counted or counts:
                n, d = totals.get(stratum, (0, 0))
                totals[stratum] = (n + now[0] - was[0], d + now[1] - was[1])
            if self.changed is not None:
                self.changed.setdefault(indicator_id, set()).add(stratum)


def _count(counts: dict[Any, int], key: Any, by: int) -> int:
    left = counts.get(key, 0) + by
    if left:
        counts[key] = left
    else:
        del counts[key]
    return left


@dataclass(frozen=True)
class Tally:
    """A read of a view, for the next read of it to start from: the strata kept by a midnight
    (which stay as they are while kept: a late change drops them, and a new keep writes them
    anew), the changes since added up per group, and the counts from both. The next read as of
    a later moment, from the same keep, takes the groups again (a day's: thousands) and changes
    the counts by those that differ: a few, where a city's strata are tens of thousands."""

    view: tuple[str, str, bool]
    """Period, area and `tagged`."""
    kept: Token
    """Which keep it started from."""
    as_of: datetime
    groups: Groups
    sums: Sums
    counts: Counts


Naming = Callable[[Connection, Collection[int]], Mapping[int, Group]]
"""The groups' names by their numbers (`totals.named`, or as kept across reads: `group_names`)."""


def tally(  # noqa: PLR0913
    conn: Connection, version: CatalogueVersion, period: str, as_of: datetime, zone: tzinfo, area: str,
    tagged: bool, since: Tally | None = None, indicators: Indicators = None, name: Naming = named,
) -> Tally:  # fmt: skip
    """The counts of the area by the as-of (as `counts_at`): from the tally `since` where it
    is of the same view as of an earlier moment, from the same keep; else read whole, of the
    `indicators` only if given (never counted on from: `since` is then ignored). `name`: how
    the groups added up are named."""
    if len(area) > 4:
        raise ValueError(f"the strata are kept per city: {area!r} is inside one")
    view = (period, area, tagged)
    kept = kept_token(conn, period, as_of, zone, area)
    since = since if indicators is None else None  # a few indicators' counts are no view's to count on from
    if since is not None and since.view == view and since.kept == kept and since.as_of <= as_of:
        groups = changes_since(conn, period, kept[0], as_of, area)
        differ: Groups = {}
        for g, (n, d) in groups.items():
            was = since.groups.get(g, (0, 0))
            if was != (n, d):
                differ[g] = (n - was[0], d - was[1])
        differ.update((g, (-n, -d)) for g, (n, d) in since.groups.items() if g not in groups)
        delta: Sums = {}
        names = name(conn, differ.keys())
        add_groups(delta, ((names[g], by) for g, by in differ.items()), tagged)
        sums, counts = dict(since.sums), since.counts.copy()
        for key, (dn, dd) in delta.items():
            had = sums.get(key, (0, 0))
            sums[key] = now = (had[0] + dn, had[1] + dd)
            counts.change(key, had, now)
        return Tally(view, kept, as_of, groups, sums, counts)
    if kept[0] is not None and len(area) == 4 and indicators is None:
        sums, groups = city_read(conn, period, kept[0], as_of, area, tagged)
    else:
        sums = kept_sums(conn, period, kept[0], area, tagged, indicators) if kept[0] is not None else {}
        groups = changes_since(conn, period, kept[0], as_of, area, indicators)
    names = name(conn, groups.keys())
    add_groups(sums, ((names[g], by) for g, by in groups.items()), tagged)
    return Tally(view, kept, as_of, groups, sums, Counts.of(version, sums))


def residents(conn: Connection) -> list[str]:
    """Everyone a fact is of."""
    return sorted(conn.execute(union(*(select(t.c.resident_ref) for t in OF_A_RESIDENT))).scalars())


def residents_in(conn: Connection, stratum: Stratum, after: str, limit: int) -> list[str]:
    """The next residents after `after` (by ref) with a fact of the stratum's team or
    institution, or in its area, or living there: everyone with a case in the stratum (a
    case is of a team or area one of its resident's facts names), and maybe some with none.
    A range of one index of where the residents are (`RESIDENT_WHERES`), read as far as the page."""
    w = RESIDENT_WHERES
    query = select(w.c.resident_ref).where(*_of(stratum), w.c.resident_ref > after).distinct()
    return list(conn.execute(query.order_by(w.c.resident_ref).limit(limit)).scalars())


def _of(stratum: Stratum) -> list[ColumnElement[bool]]:
    w = RESIDENT_WHERES
    match stratum.level:
        case "team":
            return [w.c.team_id == stratum.id]
        case "institution":
            return [w.c.institution_id == stratum.id]
    return within(w.c.area_code, area_prefix(stratum.id))


def cases_at(  # noqa: PLR0913
    conn: Connection, version: CatalogueVersion, period: Period, as_of: datetime, zone: tzinfo, refs: Collection[str]
) -> dict[str, list[Case]]:
    """Per indicator, these residents' cases at the as-of: each case is of one resident, so
    theirs are what `appraise` finds of them over everyone's facts."""
    window = Window(period, as_of, zone)
    found: dict[str, list[Case]] = defaultdict(list)
    for history in histories(conn, refs).values():
        seen = Seen(history.as_of(as_of), window)
        for i in version.indicators:
            found[i.id] += METHODS[i.method].compute(seen, i.parameters)
    return {i: cases for i, cases in found.items() if cases}
