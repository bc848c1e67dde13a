"""What the API shows of the aggregates (the same body for a command's result and a read)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from health_records.domain.care import Care, Sickbed
from health_records.domain.care_events import Delivered, LongPrescriptionIssued, ServiceRated, VisitCompleted
from health_records.domain.plan import ManagementPlan
from health_records.domain.reads import RecordRead
from health_records.domain.record import HealthRecord
from shared.eventstore import RecordedEvent


def _json(value: dict[str, Any]) -> dict[str, Any]:
    """Dates as ISO strings, tuples as lists: what the JSON body carries."""
    shown: dict[str, Any] = _plain(value)
    return shown


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def record_view(record: HealthRecord, version: int, care: Care | None) -> dict[str, Any]:
    opened = record.opened
    return {
        "resident_ref": opened.resident_ref,
        "version": version,
        "opened_at": opened.opened_at.isoformat(),
        "key_populations": list(care.contracts[-1].started.key_populations) if care and care.contracts else [],
        "basic_information": _json(asdict(record.basic)) if record.basic else None,
        "conditions": [_json(asdict(c.condition) | {"resolved_on": c.resolved_on}) for c in record.conditions],
        "allergies": [asdict(a) for a in record.allergies],
        "family_history": [asdict(f) for f in record.family_history],
        "recent_information": [_json(asdict(r)) for r in record.recent],
        "latest_measurements": latest_measurements(care),
    }


def latest_measurements(care: Care | None) -> list[dict[str, Any]]:
    """The last value of each kind measured at a visit: the recent medical information visits add."""
    latest: dict[str, dict[str, Any]] = {}
    for v in sorted(care.visits if care else (), key=lambda v: v.occurred_at):
        for m in v.measurements:
            latest[m.kind] = asdict(m) | {"measured_at": v.occurred_at.isoformat()}
    return [latest[k] for k in sorted(latest)]


def history_view(events: list[RecordedEvent]) -> list[dict[str, Any]]:
    return [
        {
            "version": e.version,
            "change": e.type.rsplit(".", 2)[1],  # <service>[.internal].<Change>.v<n>
            "recorded_at": e.meta.occurred_at.isoformat(),
            "recorded_by": e.meta.actor,
            "data": e.data,
        }
        for e in events
    ]


def plan_view(plan: ManagementPlan, version: int) -> dict[str, Any]:
    return {
        "resident_ref": plan.drawn.resident_ref,
        "version": version,
        "contract_id": plan.drawn.contract_id,
        "key_populations": list(plan.drawn.key_populations),
        "drawn_at": plan.drawn.drawn_at.isoformat(),
        "updated_at": plan.updated_at.isoformat(),
        "services": [_json(asdict(s) | {"in_package": s.contracted > 0}) for s in plan.services],
    }


def _under(under: Delivered) -> dict[str, Any]:
    return {"contract_id": under.contract_id, "team_id": under.team_id, "institution_id": under.institution_id}


def visit_view(v: VisitCompleted) -> dict[str, Any]:
    fields = asdict(v)
    del fields["under"]
    return _json(fields) | _under(v.under) | {"resident_ref": v.under.resident_ref}


def prescription_view(p: LongPrescriptionIssued) -> dict[str, Any]:
    fields = asdict(p)
    del fields["under"]
    return _json(fields) | _under(p.under)


def sickbed_view(s: Sickbed) -> dict[str, Any]:
    a = s.admitted
    return {
        "sickbed_id": a.sickbed_id,
        "reason": a.reason,
        "admitted_on": a.admitted_on.isoformat(),
        "discharged_on": s.discharged_on.isoformat() if s.discharged_on else None,
    } | _under(a.under)


def read_view(r: RecordRead) -> dict[str, Any]:
    return _json(asdict(r))


def rating_view(r: ServiceRated) -> dict[str, Any]:
    """The comment is kept, but only the scores are shown back (and published)."""
    return {"rating_id": r.rating_id, **asdict(r.scores), "rated_at": r.rated_at.isoformat()} | _under(r.under)
