"""The one place billing's internal events become public events (relayed to Kafka).

Every charge and settlement goes to `fdcs.billing.settlements` (key: institution id);
those of the insurance fund also go to their bureau's own topic, `fdcs.billing.bureau.<id>`,
keyed by institution too, so one institution's settlements reach a bureau in order. A
capitation advance or reconciliation goes the same way (its bureau's topic when its residents share one).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import get_args

from billing.application.streams import EVENTS
from billing.domain import capitation_year, ledger
from billing.domain import performance_year as py
from shared.contracts import PublicEvent, topics
from shared.contracts import billing as public
from shared.eventstore import RecordedEvent
from shared.messaging import Message
from shared.messaging.outbound import contract_event, fields_of, internal_event, public_message

SOURCE = "/fdcs/billing"


def to_public(recorded: RecordedEvent) -> list[Message]:
    internal = internal_event(EVENTS, recorded)  # None for a command receipt: it stays inside the service
    event = _public(internal)
    if isinstance(internal, capitation_year.CapitationReconciliationRecorded) and event is not None:
        return _to(recorded, event, internal.bureau_id, internal.institution_id)
    if isinstance(internal, capitation_year.CapitationAdvanceBooked) and event is not None:
        return _to(recorded, event, internal.bureau_id, internal.institution_id)
    if isinstance(internal, py.PerformancePayRecorded) and event is not None:
        return _to(recorded, event, None, internal.institution_id)  # the institution's key on the settlements topic
    if event is None or not isinstance(internal, _PUBLISHED):
        return []  # accounts, ledger openings, the book and capitation's inputs are internal bookkeeping
    return _to(recorded, event, internal.ledger.bureau_id, internal.ledger.institution_id)


def _to(recorded: RecordedEvent, event: PublicEvent, bureau_id: str | None, institution_id: str) -> list[Message]:
    wanted = [topics.SETTLEMENTS] + ([topics.bureau(bureau_id)] if bureau_id else [])
    return [public_message(SOURCE, recorded, event, topic, institution_id) for topic in wanted]


_PUBLISHED = ledger.ChargeBooked | ledger.PeriodSettled | ledger.SettlementReversed | ledger.WithheldReleased
_BY_BUREAU = (capitation_year.CapitationReconciliationRecorded, capitation_year.CapitationAdvanceBooked)
PUBLISHES = EVENTS.names_under(*get_args(_PUBLISHED), *_BY_BUREAU, py.PerformancePayRecorded)


def _public(internal: object) -> PublicEvent | None:
    match internal:
        case ledger.ChargeBooked(ledger=ref) as e:
            return contract_event(public.ContractCharged, fields_of(e), charged_at=e.booked_at, **_parties(ref))
        case ledger.PeriodSettled(ledger=ref) as e:
            return contract_event(public.FeeSettled, fields_of(e), **_parties(ref))
        case ledger.SettlementReversed(ledger=ref) as e:
            return contract_event(public.SettlementReversed, fields_of(e), **_parties(ref))
        case ledger.WithheldReleased(ledger=ref) as e:
            return contract_event(public.WithheldReleased, fields_of(e), **_parties(ref))
        case capitation_year.CapitationReconciliationRecorded() as e:
            return reconciled(e)
        case capitation_year.CapitationAdvanceBooked() as e:
            return advanced(e)
        case py.PerformancePayRecorded() as e:
            return distributed(e)
    return None


def score_of(exact: str) -> Decimal:
    """An exact score ("n/d") as the contract's two decimals."""
    score = Fraction(exact)
    return (Decimal(score.numerator) / Decimal(score.denominator)).quantize(Decimal("0.01"))


def distributed(e: py.PerformancePayRecorded) -> public.PerformancePayDistributed:
    return public.PerformancePayDistributed(
        distribution_id=e.distribution_id,
        team_id=e.team_id,
        institution_id=e.institution_id,
        area_code=e.area_code,
        year=e.year,
        appraisal_result_id=e.appraisal_result_id,
        sequence=e.sequence,
        restates_distribution_id=e.restates_distribution_id,
        score=score_of(e.score),
        contract_fee_income_fen=e.contract_fee_income_fen,
        pool_fen=e.pool_fen,
        undistributed_fen=e.undistributed_fen,
        shares=[
            public.MemberShare(
                member_id=s.member_id,
                role=s.role,  # a role health records published
                visits=s.visits,
                follow_ups=s.follow_ups,
                good_ratings=s.good_ratings,
                key_population_residents=s.key_population_residents,
                amount_fen=s.amount_fen,
                difference_fen=s.difference_fen,
            )
            for s in e.shares
        ],
        distributed_at=e.distributed_at,
    )


def advanced(e: capitation_year.CapitationAdvanceBooked) -> public.CapitationAdvanced:
    return public.CapitationAdvanced(
        advance_id=e.advance_id,
        institution_id=e.institution_id,
        area_code=e.area_code,
        payer=e.payer,
        bureau_id=e.bureau_id,
        period=f"{e.year:04d}-{e.month:02d}",
        residents=e.residents,
        budget_fen=e.budget_fen,
        advance_fen=e.amount_fen,
        advanced_at=e.booked_at,
    )


def reconciled(e: capitation_year.CapitationReconciliationRecorded) -> public.CapitationReconciled:
    return public.CapitationReconciled(
        reconciliation_id=e.reconciliation_id,
        subject_kind=e.subject_kind,
        subject_id=e.subject_id,
        institution_id=e.institution_id,
        area_code=e.area_code,
        payer=e.payer,
        bureau_id=e.bureau_id,
        year=e.year,
        sequence=e.sequence,
        restates_reconciliation_id=e.restates_reconciliation_id,
        residents=e.residents,
        referrals_completed=e.referrals_completed,
        figures=public.CapitationFigures(**vars(e.figures)),
        difference=public.CapitationFigures(**vars(e.difference)) if e.difference else None,
        reconciled_at=e.reconciled_at,
    )


def _parties(ref: ledger.LedgerRef) -> dict[str, str | None]:
    return {
        "payer": ref.payer,
        "bureau_id": ref.bureau_id,
        "institution_id": ref.institution_id,
        "area_code": ref.area_code,
    }
