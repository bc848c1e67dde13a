"""A contract signed, as the domain tests of its life take it for given."""

from __future__ import annotations

from datetime import UTC, date, datetime

from signing.domain.contract import ContractSigned, ResidentParty

SIGNED = ContractSigned(
    contract_id="c1",
    agreement_id="c1",
    agreement_kind="individual",
    resident_ref="r_1",
    resident=ResidentParty("440106197001010011", "Li", "440106"),
    team_id="T1",
    doctor_id="doc-1",
    institution_id="CHC-1",
    area_code="440106",
    packages=(),
    term_years=1,
    starts_on=date(2026, 3, 1),
    ends_on=date(2027, 2, 28),
    combined_signing=None,
    replaces_contract_id=None,
    signed_at=datetime(2026, 6, 1, 2, tzinfo=UTC),
)
