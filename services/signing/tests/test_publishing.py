"""Internal events become public ones in one place: every public type, and nothing private."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from shared.contracts import Envelope, parse_event, topics
from shared.eventstore import EventMeta, RecordedEvent
from signing.adapters.publishing import to_public
from signing.application.streams import EVENTS
from signing.domain import agreement, contract, enrolment, erasure, team
from signing.domain.contract import ContractedItem, ContractedPackage, ResidentParty

AT = datetime(2026, 3, 1, 2, tzinfo=UTC)
IDENTITY = "11010519491231002X"
SIGNED = contract.ContractSigned(
    contract_id="c1",
    agreement_id="a1",
    agreement_kind="family",
    resident_ref="r_abcdefghijklmnopqrstuvwxyz",
    resident=ResidentParty(IDENTITY, "Li Hua", "440106001", ("elderly",), True, "MIB-1"),
    team_id="T1",
    doctor_id="doc-1",
    institution_id="CHC-1",
    area_code="440106",
    packages=(ContractedPackage("basic", 12000, (ContractedItem("health_assessment", 1),)),),
    term_years=1,
    starts_on=date(2026, 3, 1),
    ends_on=date(2027, 2, 28),
    combined_signing=contract.CombinedSigning("H2", "H3"),
    replaces_contract_id="c0",
    signed_at=AT,
)
DOCTOR = team.Member("doc-1", "family_doctor", 2000)


subjects: list[str | None] = []


def published(event: object, stream: str) -> list[tuple[str, str, str, object]]:
    type_name, data = EVENTS.encode(event)
    recorded = RecordedEvent(stream, 1, type_name, data, EventMeta("e1", AT, "corr", "cause", "actor"), 1)
    out = []
    for message in to_public(recorded):
        envelope = Envelope.model_validate_json(message.value)
        out.append((message.topic, message.key, envelope.type, parse_event(envelope)))
        subjects.append(envelope.subject)
        assert IDENTITY not in message.value.decode() and "Li Hua" not in message.value.decode()
    return out


def test_contract_events_are_published_keyed_by_resident_about_their_contract() -> None:
    renewed = contract.ContractRenewed(**vars(replace(SIGNED, contract_id="c2")), renews_contract_id="c1")
    terminated = contract.ContractTerminated(
        "c1", SIGNED.resident_ref, "T1", "CHC-1", "440106", "switched_team", date(2026, 5, 31), "c3", AT
    )
    expired = contract.ContractExpired("c1", SIGNED.resident_ref, "T1", "CHC-1", "440106", date(2027, 2, 28), AT)

    [(topic, key, kind, signed)] = published(SIGNED, "contract-c1")
    [(_, _, renewal_kind, renewal)] = published(renewed, "contract-c2")
    [(_, _, _, ended)] = published(terminated, "contract-c1")
    [(_, _, expiry_kind, _)] = published(expired, "contract-c1")
    ref = SIGNED.resident_ref
    undone = contract.ContractReinstated("c1", ref, "T1", "CHC-1", "440106", "clock_error", SIGNED.ends_on, AT)
    [(_, reinstated_key, _, reinstated)] = published(undone, "contract-c1")

    assert (topic, key, kind) == (topics.CONTRACTS.name, SIGNED.resident_ref, "signing.ContractSigned.v1")
    assert subjects[-5:] == ["c1", "c2", "c1", "c1", "c1"]  # what each is about: its contract
    assert signed.model_dump(mode="json")["key_populations"] == ["elderly"]
    assert (signed.medical_assistance, signed.replaces_contract_id, signed.resident_area_code) == (
        True,
        "c0",
        "440106001",
    )
    assert (renewal_kind, renewal.renews_contract_id, renewal.renewed_at) == ("signing.ContractRenewed.v1", "c1", AT)
    assert (ended.reason, ended.replaced_by_contract_id, expiry_kind) == (
        "switched_team",
        "c3",
        "signing.ContractExpired.v1",
    )
    assert (reinstated_key, reinstated.TYPE, reinstated.reason, reinstated.last_day) == (
        SIGNED.resident_ref,
        "signing.ContractReinstated.v1",
        "clock_error",
        SIGNED.ends_on,
    )


def test_team_events_are_published_keyed_by_team() -> None:
    registered = team.TeamRegistered("T1", "Team", "CHC-1", "community_health_centre", "440106", (DOCTOR,), 10, AT)
    events = [
        registered,
        team.MemberJoined("T1", team.Member("nurse-1", "community_nurse"), AT),
        team.MemberLeft("T1", "nurse-1", AT),
        team.CapChanged("T1", "doc-1", 1500, AT),
    ]

    out = [m for e in events for m in published(e, "team-T1")]

    assert [(t, k) for t, k, _, _ in out] == [(topics.TEAMS.name, "T1")] * 4
    assert [kind for _, _, kind, _ in out] == [
        "signing.TeamRegistered.v2",
        "signing.TeamMemberJoined.v1",
        "signing.TeamMemberLeft.v1",
        "signing.ResidentCapChanged.v1",
    ]


def test_bookkeeping_stays_inside_the_service() -> None:
    inside = [
        team.PlaceTaken("c1", None),
        enrolment.ResidentEnrolled("c1"),
        contract.ContractContinued("c1", "c2", AT),
        agreement.AgreementConcluded("a1", "family", "T1", None, ("c1", "c2"), AT),
    ]
    assert [published(e, "x-1") for e in inside] == [[], [], [], []]
    receipt = RecordedEvent("receipt-1", 1, "command.Receipt.v1", {}, EventMeta("e", AT, "c", "c", "a"), 1)
    assert to_public(receipt) == []


def test_an_erasure_is_published_keyed_by_resident_without_its_reason_or_who_asked() -> None:
    erased = erasure.ResidentErased(SIGNED.resident_ref, "deceased", "admin-7", AT)

    [(topic, key, kind, public)] = published(erased, f"erasure-{SIGNED.resident_ref}")

    assert (topic, key, kind) == (topics.CONTRACTS.name, SIGNED.resident_ref, "signing.ResidentErased.v1")
    assert public.model_dump() == {"resident_ref": SIGNED.resident_ref, "erased_at": AT}
