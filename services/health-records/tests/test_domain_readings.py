"""Readings on the pure domain: plausibility, targets by key population, and who is alerted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_a_wearable_s_day_is_recognised_reading_by_reading_in_a_few_sets() -> None:
    day = [recorded("steps", 12, "steps", NOW - timedelta(seconds=30 * n)) for n in range(2880)]
    seen = readings.NO_READINGS
    for event in day:
        seen = readings.evolve(seen, event)

    assert len(seen) == 2880 and [len(level) for level in seen.levels] == [2048, 512, 256, 64]  # as in binary
    assert all(f"steps@{e.measured_at.isoformat()}" in seen for e in day)
    assert f"steps@{NOW.isoformat()}" in seen and f"heart_rate@{NOW.isoformat()}" not in seen
    assert f"steps@{(NOW + timedelta(seconds=1)).isoformat()}" not in seen
    whole = readings.day_readings(list(day))
    assert len(whole) == 2880 and all(f"steps@{e.measured_at.isoformat()}" in whole for e in day)


@given(st.lists(st.sampled_from([f"k{n}" for n in range(40)]), max_size=120), st.sampled_from(range(0, 121, 7)))
def test_the_day_s_readings_hold_exactly_the_keys_recorded_and_each_earlier_state_its_own(
    keys: list[str], branch: int
) -> None:
    states = [readings.NO_READINGS]
    for key in keys:
        states.append(states[-1].with_key(key))

    for n, state in enumerate(states):
        assert {k for k in (f"k{i}" for i in range(40)) if k in state} == set(keys[:n])
        assert len(state) == len(set(keys[:n]))
    earlier = states[min(branch, len(keys))]
    assert "elsewhere" in earlier.with_key("elsewhere") and "elsewhere" not in states[-1]


def test_an_alert_or_a_follow_up_adds_no_reading_and_nothing_else_applies() -> None:
    high = recorded("systolic", 150, "mmHg")
    seen = readings.evolve(readings.NO_READINGS, high)
    alert = readings.out_of_target(high, HYPERTENSION, TEAM)

    assert readings.evolve(seen, alert) is seen
    with pytest.raises(ValueError, match="does not apply"):
        readings.evolve(seen, TEAM)
    with pytest.raises(ValueError, match="does not apply"):
        readings.day_readings([high, TEAM])
