"""Signing's contract events and appraisal's results, each turned into a local command.

The event's id is the command's idempotency key (`context_for_event`), so a redelivered
event changes nothing; a refusal is kept on the contract's account, never blocking the stream.
The command happens when its event did (the envelope's `time`), not when the consumer reads it:
a 2025 contract is charged in 2025 and a release follows its appraisal result, however late
the consumer runs (a replay, a lag, the simulation's year driven in minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from billing.application.charging import Charging
from billing.application.commands import ChargeContract, EndContract, ReinstateContract, ReleaseWithheld
from billing.application.settlement import Settlement
from billing.domain.account import ContractTerms
from billing.domain.release import AppraisalResult
from shared.commands import CommandProcessor, Work
from shared.commands.inbound import context_for_event
from shared.contracts import appraisal, signing
from shared.messaging import Delivery

ACTOR = "billing"


class Inbound:
    def __init__(
        self,
        processor: CommandProcessor,
        charging: Charging,
        settlement: Settlement,
        zone: ZoneInfo,
    ) -> None:
        self._processor, self._charging, self._settlement = processor, charging, settlement
        self._zone = zone

    def handle(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            work = self.command_for(delivery.event)
            if work is not None:
                envelope = delivery.envelope
                self._processor.execute_now(work, context_for_event(envelope, ACTOR, envelope.time))

    def command_for(self, event: object) -> Work | None:
        match event:
            case signing.ContractSigned() | signing.ContractRenewed():
                return self._charging.charge_contract(ChargeContract(terms(event)))
            case signing.ContractTerminated() as e:
                return self._end(e.contract_id, e.reason, e.last_day, e.terminated_at)
            case signing.ContractExpired() as e:
                return self._end(e.contract_id, "expired", e.last_day, e.expired_at)
            case signing.ContractReinstated() as e:
                return self._charging.reinstate_contract(ReinstateContract(e.contract_id))
            case appraisal.AppraisalPublished() as e:
                return self._settlement.release_withheld(ReleaseWithheld(result(e)))
        return None

    def _end(self, contract_id: str, reason: str, last_day: date, at: datetime) -> Work:
        known_on = at.astimezone(self._zone).date()  # the day the ending became known, locally
        return self._charging.end_contract(EndContract(contract_id, reason, last_day, known_on))


def terms(e: signing.ContractSigned | signing.ContractRenewed) -> ContractTerms:
    return ContractTerms(
        contract_id=e.contract_id,
        resident_ref=e.resident_ref,
        team_id=e.team_id,
        institution_id=e.institution_id,
        area_code=e.area_code,
        bureau_id=e.insurance_bureau_id,
        medical_assistance=e.medical_assistance,
        annual_fee_fen=sum(p.annual_fee_fen for p in e.packages),
        term_years=e.term_years,
        starts_on=e.starts_on,
        ends_on=e.ends_on,
    )


def result(e: appraisal.AppraisalPublished) -> AppraisalResult:
    """A restatement is a subclass of a publication: it carries the result it restates."""
    restates = e.restates_result_id if isinstance(e, appraisal.AppraisalRestated) else None
    return AppraisalResult(
        e.result_id, restates, e.period, e.subject_kind, e.subject_id, e.institution_id, Fraction(e.score)
    )
