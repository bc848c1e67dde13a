"""Measurements taken at a visit: each kind in its unit, within a plausible range.

The ranges catch typing errors (a systolic pressure of 900), not clinical abnormality:
a pressure of 190 is alarming but plausible, and must be recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from health_records.domain.care_events import Measurement
from health_records.domain.errors import DuplicateMeasurement, ImplausibleMeasurement, MeasurementMissing, WrongUnit

RANGES: dict[str, tuple[str, float, float]] = {
    "systolic_bp": ("mmHg", 50, 300),
    "diastolic_bp": ("mmHg", 20, 200),
    "fasting_glucose": ("mmol/L", 1.0, 40.0),
    "hba1c": ("%", 3.0, 20.0),
    "weight": ("kg", 0.5, 350),
    "height": ("cm", 30, 250),
    "heart_rate": ("bpm", 20, 250),
    "temperature": ("°C", 30, 45),
}


def check(measurements: Sequence[Measurement]) -> tuple[Measurement, ...]:
    kinds = [m.kind for m in measurements]
    if len(set(kinds)) < len(kinds):
        raise DuplicateMeasurement("each kind of measurement is given once per visit")
    for m in measurements:
        _plausible(m)
    values = {m.kind: m.value for m in measurements}
    if "systolic_bp" in values and "diastolic_bp" in values and values["systolic_bp"] <= values["diastolic_bp"]:
        raise ImplausibleMeasurement("the systolic pressure must be higher than the diastolic")
    return tuple(measurements)


def require(measurements: Iterable[Measurement], kinds: Iterable[str], item_code: str) -> None:
    missing = sorted(set(kinds) - {m.kind for m in measurements})
    if missing:
        raise MeasurementMissing(f"{item_code} needs {', '.join(missing)} measured at the visit")


def _plausible(m: Measurement) -> None:
    if m.kind not in RANGES:
        raise ImplausibleMeasurement(f"{m.kind!r} is not a kind of measurement this record keeps")
    unit, low, high = RANGES[m.kind]
    if m.unit != unit:
        raise WrongUnit(f"{m.kind} is measured in {unit}, not {m.unit}")
    if not low <= m.value <= high:  # written so that NaN fails too
        raise ImplausibleMeasurement(
            f"{m.kind} {m.value:g} {unit} is outside the plausible range {low:g} to {high:g} {unit}"
        )
