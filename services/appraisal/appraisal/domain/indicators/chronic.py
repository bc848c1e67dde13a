"""Follow-up and control of chronic patients (hypertension, diabetes): the same rules,
parameterised by the catalogue (which tag, which service item, which readings and limits).

A patient's outcome rests on their visits in the period, which the passing days do not
change; the days only bring the period's contracts into view, each on its first day, and
with them the managing contract (the patient's team, and whether they carry the tag).

From catalogue 2027.1, readings from the resident's own devices count as the catalogue's
parameters say: `remote_readings_per_month` (with `remote_kinds`) makes each local month of
the period with that many remote readings one follow-up more, beside the visits; `remote_readings`
lets a remote reading (a device's values at one instant) be the period's last reading for control.
Without those parameters (every older version) remote readings change nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from math import ceil
from typing import Any

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.cases import Case, excluded, met, missed
from appraisal.domain.facts import ContractFact, Facts, RemoteReading, VisitFact
from appraisal.domain.indicators.residents import Seen, newly_contracted, readings_in, under_contract, visits_in
from appraisal.domain.periods import Period, Window, local_day


def follow_up(seen: Seen, p: Mapping[str, Any]) -> list[Case]:
    """Patients followed up as often as the period requires (per year x months ÷ 12, rounded up)."""
    window, visits, readings = seen.window, seen.visits_in_period, seen.readings_in_period
    required = _required(window.period, p)
    cases = []
    for resident, contracts in _patients(seen, p).items():
        c = contracts[-1]
        if (late := newly_contracted(contracts, window.period, int(p["new_contract_days"]))) is not None:
            cases.append(excluded(c.where, resident, c.contract_id, _late(late, p)))
            continue
        done = _follow_ups(visits.get(resident, []), readings.get(resident, []), p, window.zone)
        outcome = met if done >= required else missed
        cases.append(outcome(c.where, resident, c.contract_id, f"{done} follow-ups in the period, {required} required"))
    return cases


def follow_up_steps(facts: Facts, ahead: Ahead, p: Mapping[str, Any]) -> list[Step]:
    required = _required(ahead.period, p)
    return _steps(facts, ahead, p, lambda visits, readings: _follow_ups(visits, readings, p, ahead.zone) >= required)


def control(seen: Seen, p: Mapping[str, Any]) -> list[Case]:
    """Patients whose last reading in the period is below every limit; no reading is not controlled."""
    limits: Mapping[str, float] = p["below"]
    window, visits, readings = seen.window, seen.visits_in_period, seen.readings_in_period
    cases = []
    for resident, contracts in _patients(seen, p).items():
        c = contracts[-1]
        if (late := newly_contracted(contracts, window.period, int(p["new_contract_days"]))) is not None:
            cases.append(excluded(c.where, resident, c.contract_id, _late(late, p)))
            continue
        last = _last_reading(visits.get(resident, []), readings.get(resident, []), p)
        cases.append(_judge(c, last, limits, window))
    return cases


def control_steps(facts: Facts, ahead: Ahead, p: Mapping[str, Any]) -> list[Step]:
    limits: Mapping[str, float] = p["below"]

    def controlled(visits: list[VisitFact], readings: list[RemoteReading]) -> bool:
        last = _last_reading(visits, readings, p)
        return last is not None and _below(last.values, limits)

    return _steps(facts, ahead, p, controlled)


def _patients(seen: Seen, p: Mapping[str, Any]) -> dict[str, list[ContractFact]]:
    tag = p["key_population"]
    return {r: cs for r, cs in seen.under_contract.items() if tag in cs[-1].key_populations}


def patient(facts: Facts, p: Mapping[str, Any]) -> bool:
    """Whether a contract of the resident ever carried the tag: else they are no case."""
    tag = p["key_population"]
    return any(tag in c.key_populations for c in facts.contracts)


MetBy = Callable[[list[VisitFact], list[RemoteReading]], bool]


def _steps(facts: Facts, ahead: Ahead, p: Mapping[str, Any], met_by: MetBy) -> list[Step]:
    """Each contract of the period manages from its first day until the next one's, and the
    resident is a patient while it carries the tag. Care began on the first one's day, whenever
    seen, so a late start excludes the resident throughout (an excluded case counts nothing)."""
    tag, period = p["key_population"], ahead.period
    out: list[Step] = []
    if not patient(facts, p):
        return out  # most residents
    zone, code = ahead.zone, period.code  # the same for every chronic indicator of the period: worked out once
    visits = facts.derived(("visits_in", code, zone), lambda: visits_in(facts.visits, period, zone))
    readings = facts.derived(("readings_in", code, zone), lambda: readings_in(facts.readings, period, zone))
    managed = facts.derived(("managing", code), lambda: under_contract(facts.contracts, period.first, period.last))
    for resident, contracts in managed.items():
        if newly_contracted(contracts, period, int(p["new_contract_days"])) is not None:
            continue
        numerator = int(met_by(visits.get(resident, []), readings.get(resident, [])))
        for c, after in zip(contracts, [*contracts[1:], None], strict=True):
            if tag in c.key_populations:
                until = None if after is None else after.starts_on - _DAY
                ahead.holds(out, c.where, (), numerator, 1, c.starts_on, until)
    return out


def _required(period: Period, p: Mapping[str, Any]) -> int:
    return ceil(int(p["follow_ups_per_year"]) * period.months / 12)


def _follow_ups(visits: list[VisitFact], readings: list[RemoteReading], p: Mapping[str, Any], zone: tzinfo) -> int:
    """Visits delivering the item; and, if the catalogue says so, each local month with enough remote readings."""
    done = sum(p["item"] in v.fulfils for v in visits)
    if (per_month := p.get("remote_readings_per_month")) is None:
        return done
    kinds = set(p.get("remote_kinds", ()))
    months = Counter(_month(r.measured_at, zone) for r in readings if r.kind in kinds)
    return done + sum(n >= int(per_month) for n in months.values())


def _month(at: datetime, zone: tzinfo) -> tuple[int, int]:
    local = local_day(at, zone)
    return local.year, local.month


@dataclass(frozen=True)
class _Reading:
    """Values of the limits' kinds measured together: at a visit, or by one device at one instant."""

    at: datetime
    visit: bool  # at the same instant, a visit's reading is the later (measured by the team)
    label: str
    values: dict[str, float]


def _last_reading(visits: list[VisitFact], readings: list[RemoteReading], p: Mapping[str, Any]) -> _Reading | None:
    """The last reading in the period measuring every limit's kind: of the visits, and of the
    devices if the catalogue counts remote readings."""
    limits: Mapping[str, float] = p["below"]
    kinds = set(limits)
    found = [
        _Reading(v.occurred_at, True, v.visit_id, _values(v, limits))
        for v in visits
        if kinds <= {m.kind for m in v.measurements}
    ]
    if p.get("remote_readings", False):
        together: dict[tuple[datetime, str], dict[str, float]] = {}
        for r in readings:
            if r.kind in kinds:
                together.setdefault((r.measured_at, r.device_id), {})[r.kind] = r.value
        found += [_Reading(at, False, f"device {d}", vs) for (at, d), vs in together.items() if kinds <= set(vs)]
    return max(found, key=lambda r: (r.at, r.visit, r.label), default=None)


def _values(visit: VisitFact, limits: Mapping[str, float]) -> dict[str, float]:
    return {m.kind: m.value for m in visit.measurements if m.kind in limits}


def _below(values: Mapping[str, float], limits: Mapping[str, float]) -> bool:
    return all(values[kind] < limit for kind, limit in limits.items())


def _judge(c: ContractFact, last: _Reading | None, limits: Mapping[str, float], window: Window) -> Case:
    if last is None:
        return missed(c.where, c.resident_ref, c.contract_id, "no reading in the period")
    values = last.values
    shown = ", ".join(f"{kind} {values[kind]:g}" for kind in limits)
    bounds = "/".join(f"{limit:g}" for limit in limits.values())
    why = f"last reading {window.day(last.at)} ({last.label}): {shown}"
    if _below(values, limits):
        return met(c.where, c.resident_ref, c.contract_id, f"{why}, below {bounds}")
    return missed(c.where, c.resident_ref, c.contract_id, f"{why}, not below {bounds}")


def _late(began: object, p: Mapping[str, Any]) -> str:
    return f"care began {began}, fewer than {p['new_contract_days']} days before the period's end"


_DAY = timedelta(days=1)
