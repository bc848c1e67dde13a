"""Starting a contract, however it comes about: signed, signed in an agreement, renewed or
switched to. It takes a place in the team (and the doctor's list) and prices the packages
from the catalogue in force in the team's area on the first day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.commands import Session
from shared.commands.session import Loaded
from shared.pseudonyms import resident_ref
from signing.application.streams import CONTRACTS, TEAMS
from signing.domain import team
from signing.domain.catalogue import Catalogue
from signing.domain.contract import (
    CombinedSigning,
    Contract,
    ContractedItem,
    ContractedPackage,
    ContractRenewed,
    ContractSigned,
    ResidentParty,
    term_end,
)
from signing.domain.identity import check_identity_number
from signing.domain.populations import check_packages_for, key_populations


@dataclass(frozen=True)
class Start:
    """A new contract as decided before its batch: the resident checked and pseudonymised,
    key populations resolved for the first day, the term checked."""

    contract_id: str
    agreement_id: str
    agreement_kind: str
    resident: ResidentParty
    resident_ref: str
    team_id: str
    doctor_id: str | None
    package_codes: tuple[str, ...]
    term_years: int
    starts_on: date
    ends_on: date
    combined_signing: CombinedSigning | None = None
    replaces_contract_id: str | None = None
    renews_contract_id: str | None = None


class Starts:
    def __init__(self, catalogue: Catalogue, pseudonym_key: str) -> None:
        self.catalogue, self._pseudonym_key = catalogue, pseudonym_key

    def party(self, resident: ResidentParty, starts_on: date) -> tuple[ResidentParty, str]:
        """The resident as contracted from `starts_on`, and their pseudonymous ref."""
        identity = check_identity_number(resident.identity_number)
        tags = key_populations(identity, resident.key_populations, starts_on)
        return replace(resident, identity_number=identity, key_populations=tags), self.ref(identity)

    def ref(self, identity: str) -> str:
        return resident_ref(identity, self._pseudonym_key)

    @staticmethod
    def ends_on(starts_on: date, term_years: int) -> date:
        return term_end(starts_on, term_years)

    def start(self, session: Session, s: Start) -> Loaded[Contract | None]:
        """Take the place and record the contract's first event (the caller enrols)."""
        the_team, _ = session.load(TEAMS, s.team_id)
        place = team.take_place(the_team, s.team_id, s.contract_id, s.doctor_id)
        assert the_team is not None  # take_place refused an unknown team
        area_code = the_team.registration.area_code
        signed = ContractSigned(
            contract_id=s.contract_id,
            agreement_id=s.agreement_id,
            agreement_kind=s.agreement_kind,
            resident_ref=s.resident_ref,
            resident=s.resident,
            team_id=s.team_id,
            doctor_id=s.doctor_id,
            institution_id=the_team.registration.institution_id,
            area_code=area_code,
            packages=self._packages(s, area_code),
            term_years=s.term_years,
            starts_on=s.starts_on,
            ends_on=s.ends_on,
            combined_signing=s.combined_signing,
            replaces_contract_id=s.replaces_contract_id,
            signed_at=session.context.now,
        )
        if s.renews_contract_id is not None:
            signed = ContractRenewed(**vars(signed), renews_contract_id=s.renews_contract_id)
        session.record(TEAMS, s.team_id, place)
        return session.start(CONTRACTS, s.contract_id, signed)

    def _packages(self, s: Start, area_code: str) -> tuple[ContractedPackage, ...]:
        offers = [self.catalogue.offer(code, area_code, s.starts_on) for code in s.package_codes]
        check_packages_for(offers, s.resident.key_populations)
        return tuple(
            ContractedPackage(
                p.code, p.annual_fee_fen, tuple(ContractedItem(i.code, i.times_per_year) for i in p.items)
            )
            for p in offers
        )
