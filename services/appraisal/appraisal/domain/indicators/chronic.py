"""Follow-up and control of chronic patients (hypertension, diabetes): the same rules,
parameterised by the catalogue (which tag, which service item, which readings and limits)."""

from __future__ import annotations

from collections.abc import Mapping
from math import ceil
from typing import Any

from appraisal.domain.cases import Case, excluded, met, missed
from appraisal.domain.facts import ContractFact, VisitFact
from appraisal.domain.indicators.residents import Seen, newly_contracted
from appraisal.domain.periods import Window


def follow_up(seen: Seen, p: Mapping[str, Any]) -> list[Case]:
    """Patients followed up as often as the period requires (per year x months ÷ 12, rounded up)."""
    window, visits = seen.window, seen.visits_in_period
    required = ceil(int(p["follow_ups_per_year"]) * window.period.months / 12)
    cases = []
    for resident, contracts in _patients(seen, p).items():
        c = contracts[-1]
        if (late := newly_contracted(contracts, window, int(p["new_contract_days"]))) is not None:
            cases.append(excluded(c.where, resident, c.contract_id, _late(late, p)))
            continue
        done = sum(p["item"] in v.fulfils for v in visits.get(resident, []))
        outcome = met if done >= required else missed
        cases.append(outcome(c.where, resident, c.contract_id, f"{done} follow-ups in the period, {required} required"))
    return cases


def control(seen: Seen, p: Mapping[str, Any]) -> list[Case]:
    """Patients whose last reading in the period is below every limit; no reading is not controlled."""
    limits: Mapping[str, float] = p["below"]
    window, visits = seen.window, seen.visits_in_period
    cases = []
    for resident, contracts in _patients(seen, p).items():
        c = contracts[-1]
        if (late := newly_contracted(contracts, window, int(p["new_contract_days"]))) is not None:
            cases.append(excluded(c.where, resident, c.contract_id, _late(late, p)))
            continue
        cases.append(_judge(c, _last_reading(visits.get(resident, []), limits), limits, window))
    return cases


def _patients(seen: Seen, p: Mapping[str, Any]) -> dict[str, list[ContractFact]]:
    tag = p["key_population"]
    return {r: cs for r, cs in seen.under_contract.items() if tag in cs[-1].key_populations}


def _last_reading(visits: list[VisitFact], limits: Mapping[str, float]) -> VisitFact | None:
    readings = [v for v in visits if set(limits) <= {m.kind for m in v.measurements}]
    return readings[-1] if readings else None


def _judge(c: ContractFact, visit: VisitFact | None, limits: Mapping[str, float], window: Window) -> Case:
    if visit is None:
        return missed(c.where, c.resident_ref, c.contract_id, "no reading in the period")
    values = {m.kind: m.value for m in visit.measurements if m.kind in limits}
    shown = ", ".join(f"{kind} {values[kind]:g}" for kind in limits)
    bounds = "/".join(f"{limit:g}" for limit in limits.values())
    why = f"last reading {window.day(visit.occurred_at)} ({visit.visit_id}): {shown}"
    if all(values[kind] < limit for kind, limit in limits.items()):
        return met(c.where, c.resident_ref, c.contract_id, f"{why}, below {bounds}")
    return missed(c.where, c.resident_ref, c.contract_id, f"{why}, not below {bounds}")


def _late(began: object, p: Mapping[str, Any]) -> str:
    return f"care began {began}, fewer than {p['new_contract_days']} days before the period's end"
