"""The groups' names kept across reads: a group met before is not asked again, and a rebuild
(the schema dropped and made again, the groups numbered anew) is not answered with the names
of the table before it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from appraisal.adapters.projections.cases_tables import CASE_GROUPS
from appraisal.adapters.projections.group_names import GroupNames
from appraisal.bootstrap import engine_for
from appraisal.settings import AppraisalSettings


@pytest.fixture
def engine(service_settings: Callable[..., Any]) -> Iterator[Engine]:
    made = engine_for(service_settings(AppraisalSettings))
    yield made
    made.dispose()


def groups(engine: Engine, *teams: str) -> list[int]:
    """A group of each team (coverage, no key population), numbered by the table."""
    rows = [{"city": "4401", "area_code": "440106", "indicator_id": "coverage", "team_id": t,
             "institution_id": "I1", "key_populations": ""} for t in teams]  # fmt: skip
    with engine.begin() as conn:
        return list(conn.execute(insert(CASE_GROUPS).returning(CASE_GROUPS.c.group_id), rows).scalars())


def test_a_group_met_before_is_named_from_memory_and_new_ones_are_asked(engine: Engine) -> None:
    names, (first, second) = GroupNames(), groups(engine, "T1", "T2")
    with engine.connect() as conn:
        assert names(conn, [first]) == {first: ("coverage", "T1", "I1", "440106", "")}
    with engine.begin() as conn:  # were it asked again, it would be found gone
        conn.execute(CASE_GROUPS.delete().where(CASE_GROUPS.c.group_id == first))
    with engine.connect() as conn:
        found = names(conn, [first, second])
    assert (found[first][1], found[second][1]) == ("T1", "T2")


def test_the_groups_of_a_table_made_again_are_named_from_it(engine: Engine) -> None:
    names, (first,) = GroupNames(), groups(engine, "T1")
    with engine.connect() as conn:
        assert names(conn, [first])[first][1] == "T1"
    with engine.begin() as conn:  # as a rebuild does: the table dropped and made anew, numbered from 1 again
        CASE_GROUPS.drop(conn)
        CASE_GROUPS.create(conn)
    (again,) = groups(engine, "T9")
    with engine.connect() as conn:
        assert (again, names(conn, [again])[again][1]) == (first, "T9")


def test_past_the_limit_the_names_start_again_from_the_read(engine: Engine) -> None:
    names, numbers = GroupNames(limit=2), groups(engine, "T1", "T2", "T3")
    with engine.connect() as conn:
        assert len(names(conn, numbers[:2])) == 2
        found = names(conn, numbers[1:])
    assert {found[n][1] for n in numbers[1:]} == {"T2", "T3"}
