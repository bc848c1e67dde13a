"""The hospitals' and teams' lists and the expiry job read a page by an index that fits their
filter and order: years of referrals behind them are never read nor sorted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text

from referral.adapters.projections.read_models import OVERVIEW, ReferralOverview
from referral.bootstrap import engine_for
from referral.settings import ReferralSettings
from shared.testing.plans import plans_of

NOW, COUNT = datetime(2026, 4, 1, tzinfo=UTC), 7_300
HOSPITALS, TEAMS = ("H3-4401", "H2-440106"), ("T-1", "T-2", "T-3")


def referral(n: int) -> dict[str, Any]:
    """Four years and more of one referral every few hours: the last fortnight's unanswered."""
    issued = NOW - timedelta(hours=5 * (COUNT - n))
    status = "issued" if issued > NOW - timedelta(days=14) else ("completed", "declined", "expired")[n % 3]
    return {
        "referral_id": f"R-{n:05d}",
        "version": 1,
        "status": status,
        "hospital_id": HOSPITALS[n % 2],
        "team_id": TEAMS[n % 3],
        "resident_ref": f"r_{n:026d}",
        "department": "cardiology",
        "priority": "routine",
        "combined_signing": False,
        "issued_at": issued,
        "expires_at": issued + timedelta(days=7),
    }


ROWS = [referral(n) for n in range(COUNT)]


@pytest.fixture
def engine(settings: ReferralSettings) -> Iterator[Engine]:
    engine = engine_for(settings)
    with engine.begin() as conn:
        conn.execute(insert(OVERVIEW), ROWS)
        conn.execute(text(f'ANALYZE "{settings.database_schema}".referral_overview'))
    yield engine
    engine.dispose()


def newest(column: str, value: str, status: str | None = None) -> list[str]:
    chosen = [r for r in ROWS if r[column] == value and status in (None, r["status"])]
    return [r["referral_id"] for r in sorted(chosen, key=lambda r: r["issued_at"], reverse=True)][:20]


@pytest.mark.parametrize("column", ["hospital_id", "team_id"])
@pytest.mark.parametrize("status", [None, "declined"])  # the unanswered few may be read by their own
def test_a_list_reads_its_newest_by_its_own_index(engine: Engine, column: str, status: str | None) -> None:
    overview, value = ReferralOverview(engine), ROWS[1][column]
    index = f"referral_overview_{column.removesuffix('_id')}_{'status_' if status else ''}issued"

    [plan] = plans_of(engine, lambda: overview.listed(column, value, status, 20))

    assert f"Index Scan Backward using {index} " in plan and "Sort" not in plan, plan
    assert [r["referral_id"] for r in overview.listed(column, value, status, 20)] == newest(column, value, status)


def test_the_expiry_job_reads_only_the_unanswered(engine: Engine) -> None:
    overview, as_of = ReferralOverview(engine), NOW - timedelta(days=3)
    due = [r for r in ROWS if r["status"] == "issued" and r["expires_at"] <= as_of]

    [plan] = plans_of(engine, lambda: overview.overdue(as_of, 10))

    assert "Index Scan using referral_overview_unanswered_expiry " in plan and "Sort" not in plan, plan
    assert overview.overdue(as_of, 10) == [r["referral_id"] for r in due][:10]
    assert len(overview.overdue(as_of, 1000)) == len(due) > 10


def test_migrate_gives_a_database_from_before_the_indexes_and_drops_the_former(
    engine: Engine, settings: ReferralSettings
) -> None:
    schema, present = settings.database_schema, "SELECT indexname FROM pg_indexes WHERE schemaname = :schema"
    with engine.begin() as conn:  # the overview as it was until 2026-12-06
        for index in OVERVIEW.indexes:
            conn.execute(text(f'DROP INDEX "{schema}".{index.name}'))
        for column in ("hospital_id", "team_id", "expires_at"):
            conn.execute(text(f'CREATE INDEX ix_referral_overview_{column} ON "{schema}".referral_overview ({column})'))

    engine_for(settings).dispose()  # what the migrate Job does

    with engine.connect() as conn:
        names = set(conn.execute(text(present), {"schema": schema}).scalars())
    assert {index.name for index in OVERVIEW.indexes} <= names
    assert not {n for n in names if n.startswith("ix_referral_overview")}
