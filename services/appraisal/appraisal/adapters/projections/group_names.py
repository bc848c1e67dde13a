"""The groups of changes' names by their numbers, kept across reads: a whole read of a city
added up a few days' changes per group joined to their names, at a million residents 15,000
groups and 74,000 strings a read, the same every read. A group is named once and never renamed
(`case_groups` is only ever added to: `cases._naming`), so a read asks PostgreSQL for the sums by
number and names only the groups it has not met."""

from __future__ import annotations

import sys
import threading
from collections.abc import Collection, Mapping

from sqlalchemy import Connection, literal_column, select

from appraisal.adapters.projections.cases_tables import CASE_GROUPS
from appraisal.adapters.projections.totals import Group, named

LIMIT = 150_000
"""Names kept at most: a city of a million residents has 60,000 groups (about 190 bytes each
kept, their strings shared); past it, the names start again from those of the read."""


class GroupNames:
    def __init__(self, limit: int = LIMIT) -> None:
        self._limit, self._lock = limit, threading.Lock()
        self._table: int | None = None
        self._names: dict[int, Group] = {}

    def __call__(self, conn: Connection, numbers: Collection[int]) -> Mapping[int, Group]:
        """The groups' names (of these numbers at least). A rebuild drops the schema and numbers
        the groups anew in a new table: the names kept are of one table (its OID)."""
        table = conn.execute(select(literal_column("tableoid")).select_from(CASE_GROUPS).limit(1)).scalar()
        with self._lock:
            if table != self._table:
                self._table, self._names = table, {}
            names = self._names
            missing = [n for n in numbers if n not in names]
        if not missing:
            return names
        found = {n: _shared(name) for n, name in named(conn, missing).items()}
        with self._lock:
            if self._table != table or self._names is not names:
                # Another read met a new table, or started the names again, meanwhile: what
                # this read met is in `names` still (a dict here is added to, never emptied).
                return {**{n: names[n] for n in numbers if n in names}, **found}
            if len(names) + len(found) > self._limit:
                self._names = {n: names[n] for n in numbers if n in names}
            self._names.update(found)
            return self._names


def _shared(name: Group) -> Group:
    """A group's strings, one object each however many groups name them (a team's: fifteen
    indicators and its key populations')."""
    indicator_id, team_id, institution_id, area_code, key_populations = name
    return (
        sys.intern(indicator_id),
        sys.intern(team_id),
        sys.intern(institution_id),
        sys.intern(area_code),
        sys.intern(key_populations),
    )
