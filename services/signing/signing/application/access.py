"""Who may do what in signing: the one place these decisions are made.

Doctors act for their own team, residents for themselves, officials (the health
commission) within their area, administrators everywhere; the daily jobs run as admin.
A caller who may not read a contract (or an agreement) is told it does not exist, before
any other check: a 403, a version or an id would confirm what they should not learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from shared.domain import Forbidden
from shared.principal import Principal
from signing.application.queries import ContractQuery
from signing.domain.contract import Contract
from signing.domain.errors import AgreementNotFound, ContractNotFound


def may_register_team(who: Principal, area_code: str) -> None:
    if not _governs(who, area_code):
        raise Forbidden("teams are registered by an administrator or an official of their area")


def may_change_team(who: Principal, area_code: str) -> None:
    if not _governs(who, area_code):
        raise Forbidden("a team is changed by an administrator or an official of its area")


def may_sign(who: Principal, team_id: str, resident_ref: str) -> None:
    """A doctor signs for their own team; a resident signs for themselves (online signing)."""
    if who.role == "admin" or _of_team(who, team_id) or _is(who, resident_ref):
        return
    raise Forbidden("you may sign only for your own team, or for yourself as a resident")


def may_sign_agreement(who: Principal, team_id: str, resident_refs: Sequence[str]) -> None:
    """A household member may sign the family's agreement online; a doctor for their team."""
    if who.role == "admin" or _of_team(who, team_id) or any(_is(who, ref) for ref in resident_refs):
        return
    raise Forbidden("you may sign agreements only for your own team, or one you are a party to")


def may_renew(who: Principal, contract: Contract) -> None:
    may_read_contract(who, contract)
    s = contract.signed
    if who.role == "admin" or _of_team(who, s.team_id) or _is(who, s.resident_ref):
        return
    raise Forbidden("a contract is renewed by its resident or its team")


def may_switch(who: Principal, contract: Contract) -> None:
    """The resident's own choice, or their team handing them over: never the receiving team alone."""
    may_read_contract(who, contract)
    s = contract.signed
    if who.role == "admin" or _of_team(who, s.team_id) or _is(who, s.resident_ref):
        return
    raise Forbidden("a switch is made by the resident, or by a doctor of the team they leave")


def may_terminate(who: Principal, contract: Contract, reason: str) -> None:
    may_read_contract(who, contract)
    s = contract.signed
    if who.role == "admin" or _of_team(who, s.team_id) or _in_area(who, s.area_code):
        return
    if reason == "resident_request" and _is(who, s.resident_ref):
        return
    raise Forbidden("a contract is terminated by its team, an official of its area, or its resident on request")


def may_erase(who: Principal, resident_ref: str) -> None:
    """A resident's data is erased at their own request, or by an administrator's decision."""
    if who.role == "admin" or _is(who, resident_ref):
        return
    raise Forbidden("a resident's personal data is erased by the resident or an administrator")


def may_reinstate(who: Principal, contract: Contract) -> None:
    """Undoing a job's mistake is for those who answer for the jobs: an administrator, or an
    official of the contract's area (who may also terminate it)."""
    may_read_contract(who, contract)
    if not _governs(who, contract.signed.area_code):
        raise Forbidden("a contract is reinstated by an administrator or an official of its area")


def may_run_schedules(who: Principal) -> None:
    if who.role != "admin":
        raise Forbidden("scheduled jobs run as an administrator")


def may_read_contract(who: Principal, contract: Contract) -> None:
    if not reads(who, contract):
        raise ContractNotFound(f"no contract {contract.contract_id}")  # as for an id that does not exist


def reads(who: Principal, contract: Contract) -> bool:
    s = contract.signed
    return who.role == "admin" or _in_area(who, s.area_code) or _of_team(who, s.team_id) or _is(who, s.resident_ref)


def may_read_agreement(who: Principal, agreement_id: str, contracts: Sequence[Contract]) -> None:
    if not any(reads(who, contract) for contract in contracts):
        raise AgreementNotFound(f"no agreement {agreement_id}")  # as for an id that does not exist


def contract_scope(who: Principal, query: ContractQuery) -> ContractQuery:
    """The part of a contract search the caller may see: their team, themselves, their area."""
    if who.role == "admin":
        return query
    if who.role == "family_doctor" and who.team_id and query.team_id in (None, who.team_id):
        return replace(query, team_id=who.team_id)
    if who.role == "resident" and who.resident_ref and query.resident_ref in (None, who.resident_ref):
        return replace(query, resident_ref=who.resident_ref)
    area = who.area_code or ""
    if who.role == "official" and area and (query.area or area).startswith(area):
        return replace(query, area=query.area or area)
    raise Forbidden("you may list the contracts of your own team, yourself, or your area")


def _governs(who: Principal, area_code: str) -> bool:
    return who.role == "admin" or _in_area(who, area_code)


def _in_area(who: Principal, area_code: str) -> bool:
    return who.role == "official" and bool(who.area_code) and area_code.startswith(who.area_code or "")


def _of_team(who: Principal, team_id: str) -> bool:
    return who.role == "family_doctor" and who.team_id == team_id


def _is(who: Principal, resident_ref: str) -> bool:
    return who.role == "resident" and who.resident_ref == resident_ref
