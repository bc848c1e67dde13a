"""Readings on the pure domain: plausibility, targets by key population, and who is alerted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from health_records.domain import readings
from health_records.domain.care_events import Delivered
from health_records.domain.readings import Reading

NOW = datetime(2026, 4, 10, 2, 30, tzinfo=UTC)
TEAM = Delivered("r_" + "a" * 26, "c1", "T1", "CHC-1", "440106")
HYPERTENSION = frozenset({"hypertension"})


def recorded(kind: str, value: float, unit: str, at: datetime = NOW, fasting: bool = False) -> readings.ReadingRecorded:
    return readings.record("d1", TEAM.resident_ref, Reading(kind, value, unit, at, fasting), NOW)


def test_implausible_values_units_and_future_times_are_flagged() -> None:
    assert not recorded("systolic", 190, "mmHg").implausible  # alarming, but a pressure
    assert recorded("systolic", 900, "mmHg").implausible
    assert recorded("systolic", 120, "kPa").implausible
    assert recorded("heart_rate", float("nan"), "bpm").implausible
    assert recorded("steps", 100, "steps", NOW + timedelta(hours=1)).implausible
    assert not recorded("steps", 100, "steps", NOW - timedelta(days=30)).implausible  # late is fine


def test_targets_are_the_residents_own() -> None:
    high = recorded("systolic", 140, "mmHg")
    alert = readings.out_of_target(high, HYPERTENSION, TEAM)
    assert alert is not None and alert.limit == 140 and alert.under == TEAM
    assert alert.reading_id == f"d1:systolic@{NOW.isoformat()}"
    assert readings.out_of_target(recorded("systolic", 139, "mmHg"), HYPERTENSION, TEAM) is None
    assert readings.out_of_target(high, frozenset({"elderly"}), TEAM) is None
    assert readings.out_of_target(high, HYPERTENSION, None) is None  # no team in charge to tell


def test_glucose_targets_depend_on_fasting() -> None:
    diabetes = frozenset({"diabetes"})
    assert readings.out_of_target(recorded("glucose", 7.2, "mmol/L", fasting=True), diabetes, TEAM) is not None
    assert readings.out_of_target(recorded("glucose", 7.2, "mmol/L"), diabetes, TEAM) is None
    assert readings.out_of_target(recorded("glucose", 10.5, "mmol/L"), diabetes, TEAM) is not None


def test_an_implausible_reading_never_alerts() -> None:
    assert readings.out_of_target(recorded("systolic", 400, "mmHg"), HYPERTENSION, TEAM) is None
