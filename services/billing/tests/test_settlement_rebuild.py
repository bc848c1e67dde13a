"""Rebuilding the settlement view on a database from before its charge totals: `python -m fdcs
rebuild billing` replays billing's own log, and every table comes out as the live view built it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.schema import DropIndex

from billing.adapters.projections.settlement_view import replay
from billing.adapters.projections.tables import (
    AREA_TOTALS,
    CHARGE_TOTALS,
    CHARGES,
    RETIRED_INDEXES,
    STANDING,
    VIEW_TABLES,
)
from billing.bootstrap import migrate
from fdcs.cli import main

from .conftest import Billing

Rows = dict[str, list[dict[str, Any]]]
INSTITUTION = {"institution_id": "CHC-440106-01", "subject_id": "CHC-440106-01", "period": "2026"}


def follow(billing: Billing, seen: int) -> int:
    """What the live consumer does: apply what the relay published since, a few at a time."""
    new = list(replay(billing.store))[seen:]
    for start in range(0, len(new), 3):
        billing.view.apply(new[start : start + 3])
    return seen + len(new)


def a_year_of_settlements(billing: Billing) -> None:
    """Charges of two bureaus and the residents, a close reversed and made again, a late
    adjustment, and a release restated: every table of the view, each kind of write."""
    seen = 0
    billing.deliver(billing.signed("c1"), billing.signed("c2"), billing.signed("c3", insurance_bureau_id="MIB-440107"))
    seen = follow(billing, seen)
    assert billing.close("2026-01", "2026-02-01").status_code == 200
    reopening = {"Idempotency-Key": str(uuid.uuid4()), **billing.admin}
    path, reason = "/settlement-periods/2026-01/reopening", {"reason": "closed_too_early"}
    assert billing.client.post(path, json=reason, headers=reopening).status_code == 200
    seen = follow(billing, seen)
    billing.deliver(billing.signed("c4"))
    assert billing.close("2026-01", "2026-02-01").status_code == 200
    billing.deliver(billing.signed("late", starts_on="2026-01-20", ends_on="2027-01-19"))
    seen = follow(billing, seen)
    billing.deliver(billing.event("appraisal.AppraisalPublished.v1", score="86.00", **INSTITUTION))
    billing.deliver(billing.event("appraisal.AppraisalRestated.v2", score="70.00", **INSTITUTION))
    follow(billing, seen)


def view(billing: Billing) -> Rows:
    """Every row of the view, but the totals of groups and areas left with nothing (a settlement
    reversed in a later batch than its own leaves them; no read shows them)."""
    with billing.view.engine.connect() as conn:
        rows = {
            t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
            for t in VIEW_TABLES
        }
    return {
        t.name: [r for r in rows[t.name] if any(list(r.values())[len(t.primary_key.columns) :])] for t in VIEW_TABLES
    }


def test_a_database_without_charge_totals_is_rebuilt_to_the_live_view_exactly(
    billing: Billing, test_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a_year_of_settlements(billing)
    live = view(billing)
    figures = billing.get("/settlement-view/figures", period="2026").json()
    with billing.view.engine.begin() as conn:  # a database from before the totals: no such table
        CHARGE_TOTALS.drop(conn)
    migrate(billing.settings)  # the upgrade's migrate Job creates it, empty
    before = view(billing)

    for name, value in {**test_environment, "DATABASE_SCHEMA": billing.settings.database_schema}.items():
        monkeypatch.setenv(name, value)
    assert main(["rebuild", "billing"]) == 0

    assert before[CHARGE_TOTALS.name] == [] and before != live
    assert {name: len(rows) for name, rows in live.items()} == {
        "view_charges": 20,
        "view_charge_totals": 12,  # the groups charged, settled or released
        "view_area_totals": 12 + 3,  # a payer's and bureau's in an area (each institution's own here), a year's
        "view_settlements": 5,
        "view_releases": 3,
    }
    assert view(billing) == live
    assert billing.get("/settlement-view/figures", period="2026").json() == figures


def test_migrate_gives_a_database_from_before_the_charges_current_indexes(billing: Billing) -> None:
    schema = billing.settings.database_schema
    with billing.view.engine.begin() as conn:  # the charges' indexes until 2026-12-03 (the area's until 2026-12-07)
        for name in ("view_charges_area_order", "view_charges_bureau_order"):
            conn.exec_driver_sql(f'DROP INDEX "{schema}".{name}')
        for name in (n for n in RETIRED_INDEXES if n.startswith("ix_")):
            column = name.removeprefix(f"ix_{CHARGES.name}_")
            conn.exec_driver_sql(f'CREATE INDEX {name} ON "{schema}".view_charges ({column})')
        where = "WHERE bureau_id IS NOT NULL"  # the bureau's from 2026-12-03 to 2026-12-07
        conn.exec_driver_sql(f'CREATE INDEX view_charges_bureau ON "{schema}".view_charges (bureau_id) {where}')

    migrate(billing.settings)

    with billing.view.engine.connect() as conn:
        names = conn.scalars(
            text("SELECT indexname FROM pg_indexes WHERE schemaname = :schema AND tablename = 'view_charges'"),
            {"schema": schema},
        )
        assert sorted(names) == sorted(["view_charges_pkey", *(i.name for i in CHARGES.indexes)])
    a_year_of_settlements(billing)  # and the view applies and answers as before
    assert billing.get("/settlement-view/charges", period="2026", limit=5).status_code == 200


def test_migrate_sums_the_settlements_and_releases_of_a_view_from_before_their_sums(billing: Billing) -> None:
    a_year_of_settlements(billing)
    live, figures = view(billing), billing.get("/settlement-view/figures", period="2026").json()
    schema = billing.settings.database_schema
    with billing.view.engine.begin() as conn:  # the totals until 2026-12-06: the charges' alone, by the key alone
        conn.execute(delete(CHARGE_TOTALS).where(CHARGE_TOTALS.c.charges == 0))  # groups only settled or released
        for index in CHARGE_TOTALS.indexes:
            conn.execute(DropIndex(index))
        for name in ("listed_as", *STANDING):  # what the reconciliation lists a group as: from the sums
            conn.exec_driver_sql(f'ALTER TABLE "{schema}".{CHARGE_TOTALS.name} DROP COLUMN {name}')
        AREA_TOTALS.drop(conn)

    migrate(billing.settings)

    assert view(billing) == live
    assert billing.get("/settlement-view/figures", period="2026").json() == figures
    with billing.view.engine.connect() as conn:
        names = conn.scalars(
            text("SELECT indexname FROM pg_indexes WHERE schemaname = :schema AND tablename = :table"),
            {"schema": schema, "table": CHARGE_TOTALS.name},
        )
        assert sorted(names) == sorted(["view_charge_totals_pkey", *(i.name for i in CHARGE_TOTALS.indexes)])
    migrate(billing.settings)  # once: summed again, they would double
    assert view(billing) == live
