"""Events in, each turned into a local command (`EventCommands`): signing's contract events
(re-keyed by institution first, `by_institution`, onto billing's own contracts topic), appraisal's
results, the claims sources' claims and referral's completed referrals; and, in a consumer group
of its own, health records' services, credited to the members who served.

The event's id is the command's idempotency key (`context_for_event`), so a redelivered
event changes nothing; a refusal is kept on the contract's account, never blocking the stream.
The command happens when its event did (the envelope's `time`), not when the consumer reads it:
a 2025 contract is charged in 2025 and a release follows its appraisal result, however late
the consumer runs (a replay, a lag, the simulation's year driven in minutes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from billing.application.capitation import Capitation
from billing.application.charging import Charging
from billing.application.commands import ChargeContract, EndContract, ReinstateContract, ReleaseWithheld
from billing.application.performance import PerformancePay
from billing.application.settlement import Settlement
from billing.application.streams import RESIDENTS
from billing.domain import capitation_year as cy
from billing.domain import performance_year as py
from billing.domain.account import ContractTerms
from billing.domain.release import AppraisalResult
from shared.commands import CommandProcessor, Session, Work
from shared.commands.inbound import EventCommands
from shared.contracts import appraisal, claims, health_records, referral, signing, topics
from shared.messaging import Delivery

ACTOR = "billing"

# Every claims source's topic, those added later too: the client subscribes to a pattern (a
# name starting with "^"), which billing's ACL on the prefix `fdcs.claims.` lets it read.
CLAIMS_PATTERN = "^" + topics.CLAIMS_PREFIX.replace(".", r"\.") + ".+"
# The contracts as billing's router re-keyed them (`by_institution`), not signing's topic.
INPUTS = [topics.CONTRACT_CHARGES.name, topics.APPRAISAL_RESULTS.name, topics.REFERRALS.name, CLAIMS_PATTERN]


def inputs(processor: CommandProcessor, inbound: Inbound) -> EventCommands:
    return EventCommands(processor, ACTOR, lambda d: inbound.command_for(d.event, d.topic))


def by_institution(delivery: Delivery) -> str | None:
    """A contract event's key on billing's own contracts topic: the institution it is charged to.
    An event naming none (a resident's erasure: nothing to charge) is not routed on; an empty id
    goes under one key, so its contract's events keep their order and its charge is refused."""
    institution = getattr(delivery.event, "institution_id", None)
    return None if institution is None else institution or topics.UNKNOWN_INSTITUTION


def health_services(processor: CommandProcessor, zone: ZoneInfo) -> EventCommands:
    """Health records' services, each credited to the team member who served: a visit or a
    follow-up (a visit delivering a follow-up item), and a good rating of the member who last
    served the resident. What performance pay is distributed by. The event's id is also the
    contribution's: a redelivered event counts once. The year is the service's local one."""
    return EventCommands(processor, ACTOR, lambda d: contribution(d.envelope.id, d.event, zone))


class Inbound:
    def __init__(self, charging: Charging, settlement: Settlement, zone: ZoneInfo, capitation: Capitation) -> None:
        self._charging, self._settlement, self._zone, self._capitation = charging, settlement, zone, capitation

    def command_for(self, event: object, topic: str = "") -> Work | None:
        match event:
            case signing.ContractSigned() | signing.ContractRenewed():
                charge = self._charging.charge_contract(ChargeContract(terms(event)))
                noted = coverage(event)
                return _also(charge, lambda s: self._capitation.note_coverage(s, noted), noted.resident_ref)
            case signing.ContractTerminated() as e:
                return self._end(e.contract_id, e.resident_ref, e.reason, e.last_day, e.terminated_at)
            case signing.ContractExpired() as e:
                return self._end(e.contract_id, e.resident_ref, "expired", e.last_day, e.expired_at)
            case signing.ContractReinstated() as e:
                return self._reinstate(e)
            case appraisal.AppraisalPublished() as e:
                return self._appraised(result(e))
            case claims.ClaimRecorded() as e:
                return self._capitation.note_claim(claim(e, topic.removeprefix(topics.CLAIMS_PREFIX)))
            case referral.ReferralCompleted() as e:
                return self._capitation.charge_referral_fee(self._referral_fee(e))
        return None

    def _appraised(self, found: AppraisalResult) -> Work:
        """The withheld fees released, and a team's annual result noted for performance pay."""
        release = self._settlement.release_withheld(ReleaseWithheld(found))

        def handle(session: Session) -> dict[str, Any]:
            done = release.handle(session)
            PerformancePay.note_appraisal(session, found)
            return done

        return Work(handle, reads=release.reads)

    def _reinstate(self, e: signing.ContractReinstated) -> Work:
        reinstate = self._charging.reinstate_contract(ReinstateContract(e.contract_id))
        ends = self._capitation.end_coverage  # covered to its term's end again
        return _also(reinstate, lambda s: ends(s, e.resident_ref, e.contract_id, e.last_day), e.resident_ref)

    def _end(self, contract_id: str, resident_ref: str, reason: str, last_day: date, at: datetime) -> Work:
        known_on = at.astimezone(self._zone).date()  # the day the ending became known, locally
        end = self._charging.end_contract(EndContract(contract_id, reason, last_day, known_on))
        ends = self._capitation.end_coverage
        return _also(end, lambda s: ends(s, resident_ref, contract_id, last_day), resident_ref)

    def _referral_fee(self, e: referral.ReferralCompleted) -> cy.ReferralFeeCharged:
        completed_on = e.completed_at.astimezone(self._zone).date()  # the fee's year is the local one
        return cy.ReferralFeeCharged(e.referral_id, e.team_id, e.institution_id, e.area_code, completed_on)


def _also(work: Work, then: Callable[[Session], None], resident_ref: str) -> Work:
    """The work, then capitation's part of the same event, in one command (one idempotency key)."""

    def handle(session: Session) -> dict[str, Any]:
        done = work.handle(session)
        then(session)
        return done

    return Work(handle, reads=[*work.reads, (RESIDENTS, resident_ref)])


def coverage(e: signing.ContractSigned | signing.ContractRenewed) -> cy.CoverageNoted:
    return cy.CoverageNoted(
        resident_ref=e.resident_ref,
        contract_id=e.contract_id,
        team_id=e.team_id,
        institution_id=e.institution_id,
        area_code=e.area_code,
        bureau_id=e.insurance_bureau_id,
        key_populations=tuple(sorted(e.key_populations)),
        starts_on=e.starts_on,
        ends_on=e.ends_on,
    )


def claim(e: claims.ClaimRecorded, source: str) -> cy.ClaimNoted:
    """The source is the topic the claim came from: a source writes only its own."""
    return cy.ClaimNoted(
        e.resident_ref, f"{source}/{e.claim_id}", e.institution_id, e.amount_fen, e.service_date, e.kind, e.referral_id
    )


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


def contribution(event_id: str, event: object, zone: ZoneInfo) -> Work | None:
    match event:
        case health_records.VisitCompleted() as e:
            on = e.occurred_at.astimezone(zone).date()
            member = py.MemberInTeamYear(e.member_id, e.member_role, e.institution_id, e.area_code)
            factor = py.credited_for(e.fulfils)
            return PerformancePay.credit(event_id, on.year, e.team_id, member, factor, on, e.resident_ref)
        case health_records.ServiceRated(member_id=str(member_id), member_role=str(role)) as e:
            if not py.good(e.ability, e.attitude, e.responsiveness):
                return None
            on = e.rated_at.astimezone(zone).date()
            member = py.MemberInTeamYear(member_id, role, e.institution_id, e.area_code)
            return PerformancePay.credit(event_id, on.year, e.team_id, member, "good_ratings", on, e.resident_ref)
    return None
