"""Remote readings through the projection on PostgreSQL: a county's year with its hypertension and
diabetes patients' devices reporting into 2027 (some readings known 40 days late) gives, at every
as-of, the figures and drill-down `appraise` computes from the facts then known (catalogue 2027.1
counts the readings; 2026's periods do not)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_reader import FactsReader
from appraisal.bootstrap import engine_for
from appraisal.domain.appraisal import appraise
from appraisal.domain.periods import Period, Window
from appraisal.settings import AppraisalSettings
from bench.appraisal_year import Year, batches
from services.appraisal.tests.appraisal_events import delivered
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE
from services.appraisal.tests.test_cases_projection import _cases, figures_of, oracle, totals_at
from shared.contracts import signing
from shared.messaging import Delivery

COUNTY = "440183"
MONTHS = ((2026, 11), (2026, 12), (2027, 1), (2027, 2), (2027, 3))
PERIODS = ("2026", "2026-H2", "2027-Q1", "2027")
AS_OF = ("2026-12-20T00:00:00+08:00", "2027-02-15T00:00:00+08:00", "2027-04-10T00:00:00+08:00",
         "2027-05-20T09:00:00+08:00")  # fmt: skip


@pytest.fixture
def engine(service_settings: Callable[..., Any]) -> Iterator[Engine]:
    made = engine_for(service_settings(AppraisalSettings))
    yield made
    made.dispose()


def with_devices(deliveries: list[Delivery], seed: int = 5) -> list[Delivery]:
    """Each hypertension or diabetes contract's patient's device: 0 to 5 readings a month while it runs."""
    rng, found = random.Random(seed), []
    for d in deliveries:
        e = d.event
        if not isinstance(e, signing.ContractSigned | signing.ContractRenewed):
            continue
        followed = [t for t in ("hypertension", "diabetes") if t in e.key_populations]
        for year, month in MONTHS if followed else ():
            for i in range(rng.choice([0, 0, 2, 3, 4, 5])):
                measured = datetime(year, month, 1 + 6 * i, 7, tzinfo=ZONE)
                if not e.starts_on <= measured.date() <= e.ends_on:
                    continue
                lag = rng.choice([timedelta(minutes=5), timedelta(minutes=5), timedelta(days=40)])
                found += _reading(e, rng, rng.choice(followed), measured, measured + lag)
    return deliveries + found


def _reading(e: Any, rng: random.Random, tag: str, measured: datetime, known: datetime) -> list[Delivery]:
    who = {k: getattr(e, k) for k in ("resident_ref", "contract_id", "team_id", "institution_id", "area_code")}
    device = f"{e.contract_id[:8]}-{tag}"
    if tag == "hypertension":
        values = [("systolic", rng.choice([125, 139, 150]), False), ("diastolic", rng.choice([80, 92]), False)]
        unit, device_kind = "mmHg", "bp_monitor"
    else:
        values, unit, device_kind = [("glucose", rng.choice([6.2, 7.4]), rng.random() < 0.6)], "mmol/L", "glucose_meter"
    fixed = who | {"device_id": device, "device_kind": device_kind, "unit": unit, "measured_at": measured.isoformat()}
    return [
        delivered(
            "health_records.ReadingForFollowUp",
            known,
            **fixed,
            reading_id=f"{device}:{kind}@{measured.isoformat()}",
            kind=kind,
            value=value,
            fasting=fasting,
        )
        for kind, value, fasting in values
    ]


def test_the_projection_counts_remote_readings_as_the_oracle_does(engine: Engine) -> None:
    year = Year(COUNTY, 60, 2026, seed=11).deliveries()
    story = sorted(with_devices(year), key=lambda d: d.envelope.time)
    projection = FactsProjection(engine, CasesProjection(CATALOGUE, ZONE))
    for batch in batches(story, 40):
        projection.apply(batch)

    for code in PERIODS:
        period = Period.parse(code)
        for as_of in map(datetime.fromisoformat, AS_OF):
            expected = oracle(engine, period, as_of)
            with engine.begin() as conn:
                assert totals_at(conn, CATALOGUE.for_period(period), code, as_of, ZONE) == figures_of(expected), (
                    code,
                    as_of,
                )
                holding = _cases(conn, period, as_of)
            assert holding == {i: Counter(cases) for i, cases in expected.cases.items() if cases}, (code, as_of)

    # the readings made a difference in 2027 and none in 2026
    as_of = datetime.fromisoformat(AS_OF[-1])
    for code, differs in (("2027-Q1", True), ("2026-H2", False)):
        period = Period.parse(code)
        facts = FactsReader(engine, ZONE).snapshot(as_of, period).facts
        assert facts.readings
        window, version = Window(period, as_of, ZONE), CATALOGUE.for_period(period)
        with_readings = figures_of(appraise(version, facts, window))
        without = figures_of(appraise(version, replace(facts, readings=()), window))
        chronic = ("hypertension_follow_up", "hypertension_control", "diabetes_follow_up", "diabetes_control")
        assert any(with_readings.get(i) != without.get(i) for i in chronic) == differs, code
    assert date(2027, 1, 1) == CATALOGUE.for_period(Period.parse("2027-Q1")).valid_from
