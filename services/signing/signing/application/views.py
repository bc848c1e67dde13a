"""What the API shows of an aggregate (the same body for a command's result and a read)."""

from __future__ import annotations

from typing import Any

from signing.domain.contract import Contract
from signing.domain.team import Team


def contract_view(contract: Contract, version: int) -> dict[str, Any]:
    s = contract.signed
    return {
        "contract_id": s.contract_id,
        "version": version,
        "status": contract.status,
        "agreement_id": s.agreement_id,
        "agreement_kind": s.agreement_kind,
        "resident_ref": s.resident_ref,
        "resident_name": s.resident.name,
        "team_id": s.team_id,
        "doctor_id": s.doctor_id,
        "institution_id": s.institution_id,
        "packages": [{"code": p.code, "annual_fee_fen": p.annual_fee_fen} for p in s.packages],
        "key_populations": list(s.resident.key_populations),
        "term_years": s.term_years,
        "starts_on": s.starts_on.isoformat(),
        "ends_on": s.ends_on.isoformat(),
        "signed_at": s.signed_at.isoformat(),
    }


def team_view(team: Team, version: int) -> dict[str, Any]:
    r = team.registration
    return {
        "team_id": r.team_id,
        "version": version,
        "name": r.name,
        "institution_id": r.institution_id,
        "area_code": r.area_code,
        "resident_cap": r.resident_cap,
        "places_taken": team.taken,
        "members": [{"member_id": m.member_id, "role": m.role} for m in r.members],
    }
