"""What the API shows of an aggregate (the same body for a command's result and a read)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from signing.domain.agreement import Agreement
from signing.domain.catalogue import Package
from signing.domain.contract import Contract
from signing.domain.team import Team


def contract_view(contract: Contract, version: int) -> dict[str, Any]:
    s, r = contract.signed, contract.signed.resident
    return {
        "contract_id": s.contract_id,
        "version": version,
        "status": contract.status,
        "agreement_id": s.agreement_id,
        "agreement_kind": s.agreement_kind,
        "resident_ref": s.resident_ref,
        "resident_name": r.name,
        "resident_area_code": r.area_code,
        "team_id": s.team_id,
        "doctor_id": s.doctor_id,
        "institution_id": s.institution_id,
        "area_code": s.area_code,
        "packages": [{"code": p.code, "annual_fee_fen": p.annual_fee_fen} for p in s.packages],
        "key_populations": list(r.key_populations),
        "medical_assistance": r.medical_assistance,
        "term_years": s.term_years,
        "starts_on": s.starts_on.isoformat(),
        "ends_on": s.ends_on.isoformat(),
        "last_day": contract.last_day.isoformat() if contract.last_day else None,
        "combined_signing": asdict(s.combined_signing) if s.combined_signing else None,
        "renews_contract_id": contract.renews_contract_id,
        "replaces_contract_id": s.replaces_contract_id,
        "successor_id": contract.successor_id,
        "termination_reason": contract.termination_reason,
        "signed_at": s.signed_at.isoformat(),
    }


def team_view(team: Team, version: int) -> dict[str, Any]:
    r = team.registration
    return {
        "team_id": r.team_id,
        "version": version,
        "subject": r.subject,
        "name": r.name,
        "institution_id": r.institution_id,
        "institution_kind": r.institution_kind,
        "area_code": r.area_code,
        "resident_cap": team.resident_cap,
        "places_taken": team.taken,
        "members": [
            {
                "member_id": m.member_id,
                "role": m.role,
                "resident_cap": m.resident_cap,
                "residents": team.held_by(m.member_id) if m.contracting else None,
            }
            for m in team.members
        ],
    }


def agreement_view(agreement: Agreement, version: int, contracts: list[dict[str, Any]]) -> dict[str, Any]:
    a = agreement.concluded
    return {
        "agreement_id": a.agreement_id,
        "version": version,
        "kind": a.kind,
        "team_id": a.team_id,
        "community": asdict(a.community) if a.community else None,
        "concluded_at": a.concluded_at.isoformat(),
        "contracts": contracts,
    }


def package_view(package: Package) -> dict[str, Any]:
    return {
        "code": package.code,
        "name": package.name,
        "area_prefix": package.area_prefix,
        "valid_from": package.valid_from.isoformat(),
        "valid_to": package.valid_to.isoformat() if package.valid_to else None,
        "annual_fee_fen": package.annual_fee_fen,
        "key_populations": list(package.key_populations),
        "items": [asdict(i) for i in package.items],
    }
