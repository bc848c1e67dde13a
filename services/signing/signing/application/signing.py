"""The signing application: command handlers (run inside a batch) and queries."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared.commands import Session, Work
from shared.commands.processor import Handler
from shared.eventstore import EventStore
from shared.principal import Principal
from shared.pseudonyms import resident_ref
from signing.application import access
from signing.application.commands import RegisterTeam, SignContract
from signing.application.streams import CONTRACTS, ENROLMENTS, TEAMS
from signing.application.views import contract_view, team_view
from signing.domain import enrolment, team
from signing.domain.catalogue import Catalogue
from signing.domain.contract import ContractedItem, ContractedPackage, ContractSigned, term_end
from signing.domain.errors import ContractNotFound, UnknownTeam
from signing.domain.identity import check_identity_number


class Signing:
    def __init__(self, catalogue: Catalogue, pseudonym_key: str) -> None:
        self.catalogue, self._pseudonym_key = catalogue, pseudonym_key

    def register_team(self, who: Principal, command: RegisterTeam) -> Handler:
        access.may_register_team(who)
        registration = command.registration

        def handle(session: Session) -> dict[str, Any]:
            existing, _ = session.load(TEAMS, registration.team_id)
            event = team.register(existing, registration)
            registered, version = session.record(TEAMS, registration.team_id, event)
            assert registered is not None
            return team_view(registered, version)

        return handle

    def sign_contract(self, who: Principal, command: SignContract) -> Work:
        identity = check_identity_number(command.resident.identity_number)
        ref = resident_ref(identity, self._pseudonym_key)
        access.may_sign(who, command.team_id, ref)
        resident = replace(command.resident, identity_number=identity)
        ends_on = term_end(command.starts_on, command.term_years)

        def handle(session: Session) -> dict[str, Any]:
            c = command
            the_team, _ = session.load(TEAMS, c.team_id)
            place = team.take_place(the_team, c.team_id, c.contract_id, c.doctor_id)
            enrolled = enrolment.enrol(session.load(ENROLMENTS, ref).state, c.contract_id)
            assert the_team is not None  # take_place refused an unknown team
            reg = the_team.registration
            signed = ContractSigned(
                contract_id=c.contract_id,
                agreement_id=c.agreement_id,
                agreement_kind=c.agreement_kind,
                resident_ref=ref,
                resident=resident,
                team_id=c.team_id,
                doctor_id=c.doctor_id,
                institution_id=reg.institution_id,
                area_code=reg.area_code,
                packages=self._packages(c, reg.area_code),
                term_years=c.term_years,
                starts_on=c.starts_on,
                ends_on=ends_on,
                combined_signing=c.combined_signing,
                replaces_contract_id=None,
                signed_at=session.context.now,
            )
            session.record(TEAMS, c.team_id, place)
            session.record(ENROLMENTS, ref, enrolled)
            contract, version = session.start(CONTRACTS, c.contract_id, signed)
            assert contract is not None
            return contract_view(contract, version)

        return Work(handle, reads=[(TEAMS, command.team_id), (ENROLMENTS, ref)])

    def _packages(self, c: SignContract, area_code: str) -> tuple[ContractedPackage, ...]:
        offers = (self.catalogue.offer(code, area_code, c.starts_on) for code in c.package_codes)
        return tuple(
            ContractedPackage(
                p.code, p.annual_fee_fen, tuple(ContractedItem(i.code, i.times_per_year) for i in p.items)
            )
            for p in offers
        )

    @staticmethod
    def contract(store: EventStore, who: Principal, contract_id: str) -> dict[str, Any]:
        found, version = CONTRACTS.fold(store.read(CONTRACTS.stream_id(contract_id)))
        if found is None:
            raise ContractNotFound(f"no contract {contract_id}")
        access.may_read_contract(who, found)
        return contract_view(found, version)

    @staticmethod
    def team(store: EventStore, team_id: str) -> dict[str, Any]:
        found, version = TEAMS.fold(store.read(TEAMS.stream_id(team_id)))
        if found is None:
            raise UnknownTeam(f"no team {team_id} is registered")
        return team_view(found, version)
