"""Signing: a resident's contract, or a family's or community's agreement (all or nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from shared.commands import Session, Work
from shared.domain import DomainError
from shared.principal import Principal
from signing.application import access
from signing.application.commands import AgreementMember, SignAgreement, SignContract
from signing.application.starting import Start, Starts
from signing.application.streams import AGREEMENTS, CONTRACTS, ENROLMENTS, TEAMS
from signing.application.views import agreement_view, contract_view
from signing.domain import agreement, enrolment
from signing.domain.contract import Contract
from signing.domain.errors import AlreadyContracted

T = TypeVar("T")


class Signing:
    def __init__(self, starts: Starts) -> None:
        self.starts = starts

    def sign_contract(self, who: Principal, c: SignContract) -> Work:
        resident, ref = self.starts.party(c.resident, c.starts_on)
        access.may_sign(who, c.team_id, ref)
        start = Start(
            contract_id=c.contract_id,
            agreement_id=c.agreement_id,
            agreement_kind=c.agreement_kind,
            resident=resident,
            resident_ref=ref,
            team_id=c.team_id,
            doctor_id=c.doctor_id,
            package_codes=c.package_codes,
            term_years=c.term_years,
            starts_on=c.starts_on,
            ends_on=self.starts.ends_on(c.starts_on, c.term_years),
            combined_signing=c.combined_signing,
        )

        def handle(session: Session) -> dict[str, Any]:
            return contract_view(*self._sign(session, who, start))

        return Work(handle, reads=[(TEAMS, c.team_id), (ENROLMENTS, ref)])

    def sign_agreement(self, who: Principal, c: SignAgreement) -> Work:
        starts = [_as_member(n, self._member_start, c, m) for n, m in enumerate(c.members, 1)]
        refs = [s.resident_ref for s in starts]
        agreement.check_parties(c.kind, c.community, refs)
        access.may_sign_agreement(who, c.team_id, refs)

        def handle(session: Session) -> dict[str, Any]:
            views = []
            for number, start in enumerate(starts, 1):
                views.append(contract_view(*_as_member(number, self._sign, session, who, start)))
            contract_ids = tuple(s.contract_id for s in starts)
            concluded = agreement.AgreementConcluded(
                c.agreement_id, c.kind, c.team_id, c.community, contract_ids, session.context.now
            )
            made, version = session.start(AGREEMENTS, c.agreement_id, concluded)
            assert made is not None
            return agreement_view(made, version, views)

        return Work(handle, reads=[(TEAMS, c.team_id), *((ENROLMENTS, ref) for ref in refs)])

    def _sign(self, session: Session, who: Principal, start: Start) -> tuple[Contract, int]:
        enrolled = _enrol(session, who, start)
        contract, version = self.starts.start(session, start)
        session.record(ENROLMENTS, start.resident_ref, enrolled)
        assert contract is not None
        return contract, version

    def _member_start(self, c: SignAgreement, member: AgreementMember) -> Start:
        resident, ref = self.starts.party(member.resident, c.starts_on)
        return Start(
            contract_id=member.contract_id,
            agreement_id=c.agreement_id,
            agreement_kind=c.kind,
            resident=resident,
            resident_ref=ref,
            team_id=c.team_id,
            doctor_id=c.doctor_id,
            package_codes=member.package_codes,
            term_years=c.term_years,
            starts_on=c.starts_on,
            ends_on=self.starts.ends_on(c.starts_on, c.term_years),
            combined_signing=c.combined_signing,
        )


def _enrol(session: Session, who: Principal, start: Start) -> enrolment.ResidentEnrolled:
    """Only a caller who may read the resident's contract learns which one it is."""
    held = session.load(ENROLMENTS, start.resident_ref).state
    try:
        return enrolment.enrol(held, start.contract_id)
    except AlreadyContracted:
        existing, _ = session.load(CONTRACTS, held.active_contract_id or "")
        if existing is not None and access.reads(who, existing):
            raise AlreadyContracted(f"the resident already has active contract {existing.contract_id}") from None
        raise


def _as_member(number: int, step: Callable[..., T], *args: Any) -> T:
    """A refusal in an agreement says whose signing failed (and nobody is signed)."""
    try:
        return step(*args)
    except DomainError as refusal:
        raise type(refusal)(f"member {number}: {refusal}") from refusal
