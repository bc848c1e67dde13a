"""The strata by a moment: the changes before a local midnight added up into every stratum
they fall in are kept (`stratum_totals`: by the projection worker as it passes the midnight,
`strata_keeper.py`, else by the day's first read; from the latest kept before), so a read
takes the strata as kept and adds only that day's changes, however long the period has run
and however many teams a city has."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    cast,
    column,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
    values,
)

from appraisal.adapters.projections.cases_tables import CASE_CHANGES, CASE_GROUPS, STRATUM_TOTALS
from appraisal.domain.catalogue import LEVELS
from appraisal.domain.facts import Where
from appraisal.domain.strata import stratum_id
from shared.readmodels.together import together

Key = tuple[str, str, str, str, str, str]
"""Indicator, level, code, key population ('' for the whole stratum) and, of a team's, the
institution and area of its cases (which make the team a known subject; '' at other levels)."""
Sums = dict[Key, tuple[int, int]]
"""Each stratum's numerator and denominator."""

_KEY = ("indicator_id", "level", "code", "key_population", "institution_id", "area_code")


Group = tuple[str, str, str, str, str]
"""Indicator, team, institution, area and key populations (comma-separated): changes of one
group fall in the same strata."""
Groups = dict[int, tuple[int, int]]
"""Each group's sums, by its number (`case_groups`)."""


Indicators = Collection[str] | None
"""The indicators a read counts (a series' few); None: every one."""


Token = tuple[datetime | None, str | None]
"""The latest midnight kept by a moment's, and which keep wrote its strata: a keep's rows are
written by one statement, so they share its transaction id; a late change drops them and a
later keep writes them anew."""


def kept_token(conn: Connection, period: str, as_of: datetime, zone: tzinfo, area: str) -> Token:
    """The latest midnight kept by the as-of's, and which keep wrote its strata in the area."""
    t = STRATUM_TOTALS
    before = conn.execute(
        select(func.max(t.c.before)).where(t.c.period == period, t.c.before <= midnight(as_of, zone))
    ).scalar()
    if before is None:
        return None, None
    which: Select[Any] = select(literal_column("xmin::text")).where(
        t.c.period == period, t.c.before == before, _city(t, area)
    )
    token: str | None = conn.execute(which.limit(1)).scalar()
    return before, token


def kept_sums(  # noqa: PLR0913
    conn: Connection, period: str, before: datetime, area: str, tagged: bool, indicators: Indicators = None
) -> Sums:
    """The strata kept by `before` in the area (a city or wider); `tagged`: the key populations'
    too; `indicators`: of those only (None: of every one)."""
    t = STRATUM_TOTALS
    untagged: tuple[ColumnElement[bool], ...] = () if tagged else (t.c.key_population == "",)
    untagged += () if indicators is None else (t.c.indicator_id.in_(indicators),)
    sums: Sums = {}
    kept = select(*_key(t), t.c.numerator, t.c.denominator)
    # Rows as `Any` here and below: compiled, a row is no tuple to unpack.
    rows: Any = conn.execute(kept.where(t.c.period == period, t.c.before == before, _city(t, area), *untagged)).all()
    for i, level, code, kp, inst, area_code, n, d in rows:  # of many cities: a province's strata in each
        _add(sums, (i, level, code, kp, inst, area_code), n, d)
    return sums


def city_read(  # noqa: PLR0913
    conn: Connection, period: str, before: datetime, as_of: datetime, city: str, tagged: bool
) -> tuple[Sums, Groups]:
    """A whole read of a city: its strata kept by `before` (as `kept_sums`) and the changes
    since (as `changes_since`), asked at once and read as psycopg's tuples: one round trip,
    and a city's 15,000-40,000 kept rows and 5,000-15,000 groups made into SQLAlchemy's rows
    took twice the time."""
    params = {"period": period, "before": before, "as_of": as_of, "city": city}
    kept, changed = together(conn, [_KEPT_OF_CITY[tagged], _CHANGED_IN_CITY], params)
    sums = {(i, level, code, kp, inst, area_code): (n, d) for i, level, code, kp, inst, area_code, n, d in kept}
    return sums, {group: (n, d) for group, n, d in changed}


def _kept_of_city(tagged: bool) -> Select[Any]:
    """A city's strata kept by a midnight (`tagged`: the key populations' too), read by
    `together`: a city's 15,000-40,000 rows made into SQLAlchemy's rows took twice the time."""
    t = STRATUM_TOTALS
    where = [t.c.period == bindparam("period"), t.c.before == bindparam("before"), t.c.city == bindparam("city")]
    untagged = [] if tagged else [t.c.key_population == ""]
    return select(*(t.c[name] for name in _KEY), t.c.numerator, t.c.denominator).where(*where, *untagged)


_KEPT_OF_CITY = {tagged: _kept_of_city(tagged) for tagged in (False, True)}


def changes_since(  # noqa: PLR0913
    conn: Connection, period: str, before: datetime | None, as_of: datetime, area: str, indicators: Indicators = None
) -> Groups:
    """The changes from `before` (none: the period's start) to the as-of, added up per group,
    by its number; `indicators`: of those only. A read names the groups it has not met
    (`group_names`): joined to the groups' names, the day's at a million residents took 2.7
    times as long, and a past as-of's first read 25-30 ms for 74,000 strings."""
    rows: Any = conn.execute(_per_group(*_between(period, before, as_of, area), *_of_indicators(area, indicators)))
    return {group: (n, d) for group, n, d in rows}


def _per_group(*where: ColumnElement[bool]) -> Select[Any]:
    """The changes `where` says, added up per group."""
    c = CASE_CHANGES
    return select(c.c.group_id, _sum(c.c.d_numerator), _sum(c.c.d_denominator)).where(*where).group_by(c.c.group_id)


def named(conn: Connection, groups: Iterable[int]) -> dict[int, Group]:
    """The groups' names, by their numbers (each looked up by its key)."""
    g = CASE_GROUPS
    names = select(g.c.group_id, g.c.indicator_id, g.c.team_id, g.c.institution_id, g.c.area_code, g.c.key_populations)
    numbers = bindparam("numbers", sorted(groups), ARRAY(BigInteger))
    rows: Any = conn.execute(names.where(g.c.group_id == any_(numbers)))
    return {number: tuple(rest) for number, *rest in rows}


def team_wheres(  # noqa: PLR0913
    conn: Connection, period: str, before: datetime | None, as_of: datetime, area: str, by_team: Collection[str]
) -> set[Where]:
    """Where the cases counted by team are (the indicators `by_team`), as a whole read's counts
    find them: each team, institution and area with a sum not zero at the team's level, kept or
    changed since. Added up by PostgreSQL, for a read of a few indicators' counts (a series):
    the subjects known are every indicator's, so its figures are a whole read's."""
    t, c, g = STRATUM_TOTALS, CASE_CHANGES, CASE_GROUPS
    kept = select(t.c.indicator_id, t.c.code.label("team_id"), t.c.institution_id, t.c.area_code,
                  t.c.numerator.label("n"), t.c.denominator.label("d")).where(
        t.c.period == period, t.c.before == before, _city(t, area), t.c.level == "team", t.c.key_population == "",
        t.c.indicator_id.in_(by_team),
    )  # fmt: skip
    changed = (
        select(
            g.c.indicator_id,
            g.c.team_id,
            g.c.institution_id,
            g.c.area_code,
            c.c.d_numerator.label("n"),
            c.c.d_denominator.label("d"),
        )
        .join_from(c, g, and_(g.c.group_id == c.c.group_id, g.c.city == c.c.city))
        .where(*_between(period, before, as_of, area), g.c.indicator_id.in_(by_team))
    )
    both = (union_all(kept, changed) if before is not None else changed).subquery()
    key = (both.c.indicator_id, both.c.team_id, both.c.institution_id, both.c.area_code)
    sums = select(*key[1:]).group_by(*key).having(or_(func.sum(both.c.n) != 0, func.sum(both.c.d) != 0))
    rows: Any = conn.execute(sums.distinct())  # compiled: a row is no tuple to unpack
    return {Where(*row) for row in rows}


def _of_indicators(area: str, indicators: Indicators) -> tuple[ColumnElement[bool], ...]:
    """Changes of these indicators' groups only (none: of every one)."""
    if indicators is None:
        return ()
    c, g = CASE_CHANGES, CASE_GROUPS
    groups = select(g.c.group_id).where(_city(g, area), g.c.indicator_id.in_(indicators))
    return (c.c.group_id.in_(groups),)


def digest(conn: Connection, period: str, before: datetime | None, as_of: datetime, area: str) -> tuple[int, int]:
    """The changes from `before` to the as-of, as `changes_since` reads them, summed up by
    PostgreSQL: how many rows, and the sum of a 64-bit hash of each (another row, or a row
    changed, changes it but for odds of about one in 2^64). Nothing comes over but that."""
    c = CASE_CHANGES
    row = func.concat_ws("|", c.c.group_id, c.c.instant, c.c.d_numerator, c.c.d_denominator)
    hashed = func.hashtextextended(row, 0)
    query = select(func.count(), func.coalesce(func.sum(hashed), 0)).where(*_between(period, before, as_of, area))
    found: Any = conn.execute(query).one()
    n, total = found
    return int(n), int(total)


def _between(period: str, before: datetime | None, as_of: datetime, area: str) -> tuple[ColumnElement[bool], ...]:
    """The period's changes in the area from `before` (none: the period's start) to the as-of."""
    return (*_when(period, before, as_of), *inside(area))


def _when(
    period: str | BindParameter[str],
    before: datetime | BindParameter[datetime] | None,
    as_of: datetime | BindParameter[datetime],
) -> tuple[ColumnElement[bool], ...]:
    """The period's changes from `before` (none: the period's start) to the as-of: values, or
    parameters bound at each execution (`city_read`'s statement is built once)."""
    c = CASE_CHANGES
    since = c.c.instant >= before if before is not None else true()
    return c.c.period == period, since, c.c.instant <= as_of


def _city(t: Table, area: str) -> ColumnElement[bool]:
    return t.c.city == area if len(area) == 4 else t.c.city.startswith(area)  # equal: one partition is read


def keep(conn: Connection, period: str, as_of: datetime, zone: tzinfo) -> None:
    """The strata by the as-of's local midnight, kept if none are kept yet by it or a later one
    (in a transaction of its own, before the read: it may write). Before the latest kept, the
    keeper's serve: a read adds up a week's changes at most, where keeping a city's strata
    costs more than a read (at 500,000 residents, 0.5 s against 0.4-0.6 s)."""
    t, before = STRATUM_TOTALS, midnight(as_of, zone)
    if conn.execute(select(t.c.before).where(t.c.period == period, t.c.before > before).limit(1)).first() is None:
        kept(conn, period, before)


def midnight(as_of: datetime, zone: tzinfo) -> datetime:
    return datetime.combine(as_of.astimezone(zone).date(), time(), zone)


def kept(  # noqa: PLR0913
    conn: Connection,
    period: str,
    before: datetime,
    if_changed: bool = True,
    wait: bool = True,
    today: date | None = None,
) -> bool:
    """The strata of every change before `before`, kept if they were not: from the latest kept
    before it, and the changes between, added up into strata by PostgreSQL (none come over).
    `before`: a local midnight, in the zone's time. `if_changed`: none are kept when no change
    came between (a read takes the latest kept and the changes since, as it would these). The
    writers it would miss are kept out (`writing`), so totals are never kept from changes still
    being written; `wait`: for them to commit, else none are kept now (a writer waits for a keep
    that took the lock, but not behind one waiting for it). `today`: the local date by the clock
    the writers go by (the real one; a read's may be a simulation's). Whether they were kept now."""
    t, c = STRATUM_TOTALS, CASE_CHANGES
    exists = select(t.c.period).where(t.c.period == period, t.c.before == before).limit(1)
    if conn.execute(exists).first() is not None or (if_changed and not _changed(conn, period, before)):
        return False
    keys = keeping(period, before.date(), today or datetime.now(before.tzinfo).date())
    waiting = "count(pg_advisory_xact_lock(hashtext(k))) > 0"
    locked = _each(conn, waiting if wait else "bool_and(pg_try_advisory_xact_lock(hashtext(k)))", keys)
    if locked is False or conn.execute(exists).first() is not None:
        return False  # writers at it (not waiting), or another kept them meanwhile
    latest = conn.execute(select(func.max(t.c.before)).where(t.c.period == period, t.c.before < before)).scalar()
    earlier = select(t.c.city, *_key(t), t.c.numerator, t.c.denominator)
    earlier = earlier.where(t.c.period == period, t.c.before == latest)
    since = c.c.instant >= latest if latest is not None else true()
    both = union_all(earlier, _strata(c.c.period == period, since, c.c.instant < before)).subquery()
    key = [both.c.city, *(both.c[name] for name in _KEY)]
    n, d = func.sum(both.c.numerator), func.sum(both.c.denominator)
    added = select(both.c.city, literal(period), literal(before, t.c.before.type), *key[1:], n, d)
    added = added.group_by(*key).having(or_(n != 0, d != 0))
    names = ["city", "period", "before", *_KEY, "numerator", "denominator"]
    with _hashed(conn):
        conn.execute(insert(t).from_select(names, added))
    return True


def _changed(conn: Connection, period: str, before: datetime) -> bool:
    """Whether a change came before `before` since the latest strata kept before it (if any)."""
    t, c = STRATUM_TOTALS, CASE_CHANGES
    latest = conn.execute(select(func.max(t.c.before)).where(t.c.period == period, t.c.before < before)).scalar()
    since = c.c.instant >= latest if latest is not None else true()
    found = select(c.c.period).where(c.c.period == period, since, c.c.instant < before).limit(1)
    return conn.execute(found).first() is not None


def lock_totals(conn: Connection, earliest: Mapping[str, datetime], today: datetime) -> None:
    """Before writing changes of these periods (each from its `earliest` instant): no totals the
    changes would make wrong are kept until the commit. `today`: the clock's local midnight."""
    conn.execute(LOCK_WRITING, {"keys": writing_locks(earliest, today)})


def writing_locks(earliest: Mapping[str, datetime], today: datetime) -> list[str]:
    """`LOCK_WRITING`'s keys: `lock_totals`' locks, sorted."""
    return sorted(writing(period, at, today) for period, at in earliest.items())


LOCK_WRITING = text("SELECT count(pg_advisory_xact_lock_shared(hashtext(k))) FROM unnest(CAST(:keys AS text[])) AS k")
"""`lock_totals`' statement, its parameter `keys`: to be sent with others (`together`)."""


def writing(period: str, earliest: datetime, today: datetime) -> str:
    """The lock a writer of the period's changes takes shared. A keep of a midnight adds up the
    changes before it, so it waits for the writers of a change before it, and they for it. A
    writer whose changes are all from the clock's midnight on (the live projection's) takes its
    day's lock, which the keeps of that midnight or an earlier one (the keeper's, a read's of
    today) leave alone: a keep of a city's strata takes a second at a million residents. Any
    other takes the period's, which every keep takes (`keeping`)."""
    return f"case_totals:{period}:{today.date().isoformat()}" if earliest >= today else f"case_totals:{period}"


def keeping(period: str, before: date, today: date) -> list[str]:
    """The locks a keep of the strata by `before`'s midnight takes (`writing`): the period's, and
    the days' of writers that may hold a change before it. A writer of a day's changes began
    that day, by a clock a day apart at most from this one, and a transaction lasts less than a
    day: of those around today, the days before `before`'s (one ahead of the clock is a
    simulation's, with today's changes before it)."""
    days = (today + timedelta(days=n) for n in range(-2, 2))
    return sorted([f"case_totals:{period}", *(f"case_totals:{period}:{d.isoformat()}" for d in days if d < before)])


def _each(conn: Connection, locks: str, keys: list[str]) -> Any:
    """`locks` of each key `k`, in their order (all sorted: takers never wait on each other in a circle)."""
    return conn.execute(text(f"SELECT {locks} FROM unnest(CAST(:keys AS text[])) AS k"), {"keys": keys}).scalar()


@contextmanager
def _hashed(conn: Connection) -> Iterator[None]:
    """Changes added up by hashing: the planner guesses the groups from each column's distinct
    values multiplied (a city's 30,000 as 770,000) and would sort every change instead, three
    times slower. For the statement only: the rest of the transaction plans as usual."""
    conn.execute(text("SET LOCAL work_mem = '64MB'"))
    conn.execute(text("SET LOCAL enable_sort = off"))
    yield
    conn.execute(text("SET LOCAL work_mem TO DEFAULT"))
    conn.execute(text("SET LOCAL enable_sort TO DEFAULT"))


LEVEL = values(column("level", String), name="levels").data([(level,) for level in LEVELS])


def _groups(*where: ColumnElement[bool]) -> Select[Any]:
    """The changes added up per group (each falls in the same strata), then named: the groups
    a read finds are a few thousand, the changes it adds up many more."""
    c, g = CASE_CHANGES, CASE_GROUPS
    sums = select(c.c.city, c.c.group_id, _sum(c.c.d_numerator).label("n"), _sum(c.c.d_denominator).label("d"))
    added = sums.where(*where).group_by(c.c.city, c.c.group_id).subquery()
    named = (g.c.city, g.c.indicator_id, g.c.team_id, g.c.institution_id, g.c.area_code, g.c.key_populations)
    same = and_(g.c.group_id == added.c.group_id, g.c.city == added.c.city)  # only the cities' read are looked at
    return select(added.c.group_id, *named, added.c.n, added.c.d).join_from(added, g, same)


def _sum(column: ColumnElement[int]) -> ColumnElement[int]:
    """A sum of bigints is a numeric, which the driver makes a Decimal: a bigint again."""
    return cast(func.sum(column), BigInteger)


_CHANGED_IN_CITY = _per_group(
    *_when(bindparam("period"), bindparam("before"), bindparam("as_of")), CASE_CHANGES.c.city == bindparam("city")
)
"""A city's changes from a kept midnight to the as-of, added up per group (`changes_since`'s)."""


def add_groups(sums: Sums, groups: Iterable[tuple[Group, tuple[int, int]]], tagged: bool) -> None:
    """Each group's sums under each stratum it falls in, as `_strata` in SQL: a read adds up a
    day's few thousand groups faster here than their strata come over. Groups of the same
    indicator falling in the same strata (a team's key populations, when a read leaves them out)
    are added up first: a city's day of 14,750 groups falls in 7,450 such, each in five strata."""
    alike: dict[tuple[str, int], tuple[tuple[Tail, ...], int, int]] = {}
    for (indicator_id, team_id, institution_id, area_code, key_populations), (n, d) in groups:
        tails = _strata_of(team_id, institution_id, area_code, key_populations if tagged else "")
        key = (indicator_id, id(tails))  # the strata's tuple, kept alive in `alike`: hashed by identity
        was = alike.get(key)
        alike[key] = (tails, n, d) if was is None else (tails, was[1] + n, was[2] + d)
    for (indicator_id, _), (tails, n, d) in alike.items():
        for tail in tails:
            stratum = (indicator_id, *tail)
            had = sums.get(stratum)
            sums[stratum] = (n, d) if had is None else (had[0] + n, had[1] + d)


@lru_cache(maxsize=1 << 16)
def _strata_of(team_id: str, institution_id: str, area_code: str, key_populations: str) -> tuple[Tail, ...]:
    """The strata a group's changes fall in, but its indicator: the same for every indicator
    of a team's cases, so found once (a city's read adds up thousands of groups)."""
    where = Where(team_id, institution_id, area_code)
    tags = ("", *key_populations.split(",")) if key_populations else ("",)
    tails = []
    for level in LEVELS:
        code, inside = stratum_id(level, where), (institution_id, area_code) if level == "team" else ("", "")
        tails += [(level, code, kp, *inside) for kp in tags]
    return tuple(tails)


Tail = tuple[str, str, str, str, str]
"""A stratum's key (`Key`) but the indicator."""


def _add(sums: Sums, key: Key, n: int, d: int) -> None:
    """Tuples of ints, not lists: the collector stops tracking them (a city's read makes tens of thousands)."""
    was = sums.get(key)
    sums[key] = (int(n), int(d)) if was is None else (was[0] + int(n), was[1] + int(d))


def _strata(*where: ColumnElement[bool]) -> Select[Any]:
    """The changes under each stratum they fall in, at every level and key population
    (`figures.case_strata` narrows them to an indicator's): a team's with the institution and
    area of its cases. The strata's codes are `strata.stratum_id`'s."""
    g = _groups(*where).subquery()
    level, area = LEVEL.c.level, g.c.area_code
    code = case(
        (level == "team", g.c.team_id),
        (level == "institution", g.c.institution_id),
        (level == "county", func.left(area, 6)),
        (level == "city", func.left(area, 4) + "00"),
        else_=func.left(area, 2) + "0000",
    )
    team = level == "team"
    inside = [case((team, g.c.institution_id), else_=""), case((team, area), else_="")]
    named = func.string_to_array(func.nullif(g.c.key_populations, ""), ",")  # NULL when none
    tags = func.unnest(func.array_prepend("", named)).table_valued("kp").render_derived(name="tags")
    columns = (g.c.city, g.c.indicator_id, level, code, tags.c.kp, *inside, g.c.n, g.c.d)
    return select(*columns).select_from(g).join(LEVEL, true()).join(tags, true())


def _key(t: Table) -> tuple[Any, ...]:
    return tuple(t.c[name] for name in _KEY)


def inside(area: str) -> tuple[ColumnElement[bool], ...]:
    """Changes in the area: of a city or wider, by their partitions; inside a city, in its
    partition, of the groups in the area."""
    return within(reach(area), area, area[:4])


def reach(area: str) -> str:
    """How an area's changes are found: a city's partition, partitions by prefix, or groups."""
    return "city" if len(area) == 4 else "wider" if len(area) < 4 else "inside"


def within(how: str, area: str | BindParameter[str], city: str | BindParameter[str]) -> tuple[ColumnElement[bool], ...]:
    """`inside`, its area and city values or parameters bound at each execution (a statement
    built once, as `stamps` sends)."""
    c, g = CASE_CHANGES, CASE_GROUPS
    if how == "city":
        return (c.c.city == city,)  # one partition is read
    if how == "wider":
        return (c.c.city.startswith(area),)
    groups = select(g.c.group_id).where(g.c.city == city, g.c.area_code.startswith(area))
    return c.c.city == city, c.c.group_id.in_(groups)
