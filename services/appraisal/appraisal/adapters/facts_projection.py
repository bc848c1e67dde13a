"""The projection of the public streams into appraisal's fact tables (a KafkaSubscription handler).

One transaction per batch: claim the event ids, insert the facts of the new ones, and
advance the stream positions; a redelivered event changes nothing, so the projection is
idempotent and a replay from the beginning into empty tables rebuilds the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, case, delete, insert
from sqlalchemy.dialects import postgresql, sqlite

from appraisal.adapters.facts_tables import (
    APPLIED,
    CARE,
    CONTRACT_ENDS,
    CONTRACT_STARTS,
    FACT_TABLES,
    RATINGS,
    REFERRAL_STEPS,
    STREAM_POSITIONS,
    TEAMS,
    VISITS,
)
from shared.contracts import health_records as care
from shared.contracts import referral, signing
from shared.contracts.base import PublicEvent
from shared.messaging import Delivery

READER = "appraisal-facts"
CONTRACTING_ROLES = {"family_doctor", "general_practitioner", "chinese_medicine_doctor"}
_STEPS: dict[type[PublicEvent], tuple[str, str]] = {
    referral.ReferralIssued: ("issued", "issued_at"),
    referral.ReferralAccepted: ("accepted", "accepted_at"),
    referral.ReferralDeclined: ("declined", "declined_at"),
    referral.ReferralCompleted: ("completed", "completed_at"),
    referral.ReferralCancelled: ("cancelled", "cancelled_at"),
    referral.ReferralExpired: ("expired", "expired_at"),
    referral.DownReferralIssued: ("down_issued", "down_referred_at"),
    referral.DownReferralAcknowledged: ("down_acknowledged", "acknowledged_at"),
}
_CARE: dict[type[PublicEvent], tuple[str, str, str]] = {
    care.LongPrescriptionIssued: ("long_prescription", "prescription_id", "issued_on"),
    care.FamilySickbedAdmitted: ("sickbed_admitted", "sickbed_id", "admitted_on"),
    care.FamilySickbedDischarged: ("sickbed_discharged", "sickbed_id", "discharged_on"),
}


class FactsProjection:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def apply(self, deliveries: Sequence[Delivery]) -> None:
        with self._engine.begin() as conn:
            fresh = APPLIED.claim(conn, READER, (d.envelope.id for d in deliveries))
            rows: dict[Table, list[dict[str, Any]]] = defaultdict(list)
            for d in deliveries:
                if d.envelope.id in fresh and (fact := fact_of(d)) is not None:
                    fresh.discard(d.envelope.id)  # once, even if the batch holds it twice
                    rows[fact[0]].append(fact[1])
            for table, values in rows.items():
                conn.execute(insert(table), values)
            _advance(conn, deliveries)

    def forget_everything(self) -> None:
        """Empty the facts, the applied ids and the positions: a rebuild then replays the
        streams from the beginning (with a new consumer group) into empty tables."""
        with self._engine.begin() as conn:
            for table in FACT_TABLES:
                conn.execute(delete(table))
            conn.execute(delete(APPLIED.table).where(APPLIED.table.c.reader == READER))


def fact_of(d: Delivery) -> tuple[Table, dict[str, Any]] | None:
    """The table and row a public event becomes, or None for events the appraisal does not use."""
    e, known = d.event, {"event_id": d.envelope.id, "known_at": _utc(d.envelope.time)}
    match e:
        case signing.TeamRegistered():
            caps = [m.resident_cap for m in e.members if m.role in CONTRACTING_ROLES]
            return TEAMS, known | _where(e) | {"doctor_caps": caps}
        case signing.ContractSigned() | signing.ContractRenewed():
            return CONTRACT_STARTS, known | _where(e) | _started(e)
        case signing.ContractTerminated() | signing.ContractExpired():
            return CONTRACT_ENDS, known | _where(e) | _ended(e)
        case care.VisitCompleted():
            measured = [m.model_dump(mode="json") for m in e.measurements]
            visit = {
                "visit_id": e.visit_id,
                "contract_id": e.contract_id,
                "fulfils": e.fulfils,
                "measurements": measured,
            }
            return VISITS, known | _where(e) | visit | {"occurred_at": _utc(e.occurred_at)}
        case care.ServiceRated():
            scores = {"ability": e.ability, "attitude": e.attitude, "responsiveness": e.responsiveness}
            return RATINGS, known | _where(e) | scores | {"rating_id": e.rating_id, "rated_at": _utc(e.rated_at)}
    return _referral_or_care(e, known)


def _referral_or_care(e: Any, known: dict[str, Any]) -> tuple[Table, dict[str, Any]] | None:
    """Every referral event carries the referral and when it was issued; care events their day."""
    if type(e) in _STEPS:
        step, at = _STEPS[type(e)]
        priority = e.priority if isinstance(e, referral.ReferralIssued) else None
        values = {"referral_id": e.referral_id, "step": step, "priority": priority}
        times = {"issued_at": _utc(e.issued_at), "step_at": _utc(getattr(e, at))}
        return REFERRAL_STEPS, known | _where(e) | values | times
    if type(e) in _CARE:
        kind, ref, on = _CARE[type(e)]
        return CARE, known | _where(e) | {"kind": kind, "ref": getattr(e, ref), "occurred_on": getattr(e, on)}
    return None


def _where(e: Any) -> dict[str, Any]:
    fields = {"team_id": e.team_id, "institution_id": e.institution_id, "area_code": e.area_code}
    return fields | ({"resident_ref": e.resident_ref} if hasattr(e, "resident_ref") else {})


def _started(e: signing.ContractSigned | signing.ContractRenewed) -> dict[str, Any]:
    if isinstance(e, signing.ContractRenewed):
        how = {"kind": "renewed", "renews_contract_id": e.renews_contract_id, "signed_at": _utc(e.renewed_at)}
    else:
        how = {"kind": "signed", "renews_contract_id": None, "signed_at": _utc(e.signed_at)}
    return how | {
        "contract_id": e.contract_id,
        "resident_area_code": e.resident_area_code,
        "items": [i.model_dump() for p in e.packages for i in p.items],
        "key_populations": list(e.key_populations),
        "starts_on": e.starts_on,
        "ends_on": e.ends_on,
    }


def _ended(e: signing.ContractTerminated | signing.ContractExpired) -> dict[str, Any]:
    ending = {"contract_id": e.contract_id, "last_day": e.last_day}
    if isinstance(e, signing.ContractTerminated):
        return ending | {"kind": "terminated", "reason": e.reason, "ended_at": _utc(e.terminated_at)}
    return ending | {"kind": "expired", "reason": None, "ended_at": _utc(e.expired_at)}


def _advance(conn: Connection, deliveries: Sequence[Delivery]) -> None:
    """Remember the furthest offset applied per partition (the positions a result records)."""
    furthest: dict[tuple[str, int], int] = {}
    for d in deliveries:
        if d.offset >= 0:
            furthest[(d.topic, d.partition)] = max(d.offset, furthest.get((d.topic, d.partition), -1))
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    t = STREAM_POSITIONS
    for (topic, partition), offset in sorted(furthest.items()):
        statement = dialect.insert(t).values(topic=topic, partition=partition, offset=offset)
        later = case((statement.excluded.offset > t.c.offset, statement.excluded.offset), else_=t.c.offset)
        conn.execute(statement.on_conflict_do_update(index_elements=["topic", "partition"], set_={"offset": later}))


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)
