"""The one place billing's internal events become public events (relayed to Kafka).

Every charge and settlement goes to `fdcs.billing.settlements` (key: institution id);
those of the insurance fund also go to their bureau's own topic, `fdcs.billing.bureau.<id>`,
keyed by institution too, so one institution's settlements reach a bureau in order.
"""

from __future__ import annotations

from billing.application.streams import EVENTS
from billing.domain import ledger
from shared.contracts import PublicEvent, topics
from shared.contracts import billing as public
from shared.eventstore import RecordedEvent
from shared.messaging import Message
from shared.messaging.outbound import public_message

SOURCE = "/fdcs/billing"


def to_public(recorded: RecordedEvent) -> list[Message]:
    if not EVENTS.knows(recorded.type):
        return []  # command receipts stay inside the service
    internal = EVENTS.decode(recorded.type, recorded.data)
    event = _public(internal)
    if event is None or not isinstance(internal, _PUBLISHED):
        return []  # accounts, ledger openings and the book are internal bookkeeping
    ref = internal.ledger
    wanted = [topics.SETTLEMENTS] + ([topics.bureau(ref.bureau_id)] if ref.bureau_id else [])
    return [public_message(SOURCE, recorded, event, topic, ref.institution_id) for topic in wanted]


_PUBLISHED = ledger.ChargeBooked | ledger.PeriodSettled | ledger.SettlementReversed | ledger.WithheldReleased


def _public(internal: object) -> PublicEvent | None:
    match internal:
        case ledger.ChargeBooked(ledger=ref) as e:
            return public.ContractCharged(
                charge_id=e.charge_id,
                contract_id=e.contract_id,
                resident_ref=e.resident_ref,
                contract_year=e.contract_year,
                period=e.period,
                amount_fen=e.amount_fen,
                reason=e.reason,
                charged_at=e.booked_at,
                **_parties(ref),
            )
        case ledger.PeriodSettled(ledger=ref) as e:
            return public.FeeSettled(
                settlement_id=e.settlement_id,
                period=e.period,
                contracts_charged=e.contracts_charged,
                due_fen=e.due_fen,
                withheld_fen=e.withheld_fen,
                adjustments_fen=e.adjustments_fen,
                payable_fen=e.payable_fen,
                settled_at=e.settled_at,
                **_parties(ref),
            )
        case ledger.SettlementReversed(ledger=ref) as e:
            return public.SettlementReversed(
                reversal_id=e.reversal_id,
                reverses_settlement_id=e.reverses_settlement_id,
                period=e.period,
                contracts_charged=e.contracts_charged,
                due_fen=e.due_fen,
                withheld_fen=e.withheld_fen,
                adjustments_fen=e.adjustments_fen,
                payable_fen=e.payable_fen,
                reason=e.reason,
                reversed_at=e.reversed_at,
                **_parties(ref),
            )
        case ledger.WithheldReleased(ledger=ref) as e:
            return public.WithheldReleased(
                release_id=e.release_id,
                appraisal_result_id=e.appraisal_result_id,
                appraisal_period=e.appraisal_period,
                withheld_fen=e.withheld_fen,
                released_fen=e.released_fen,
                forfeited_fen=e.forfeited_fen,
                released_at=e.released_at,
                **_parties(ref),
            )
    return None


def _parties(ref: ledger.LedgerRef) -> dict[str, str | None]:
    return {
        "payer": ref.payer,
        "bureau_id": ref.bureau_id,
        "institution_id": ref.institution_id,
        "area_code": ref.area_code,
    }
