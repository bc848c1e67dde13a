"""A resident erased in signing: referral shreds its key and records it; the referral stays,
routed and timed as before, with the patient and what doctors wrote reading as erased."""

from __future__ import annotations

from typing import Any

from referral.settings import ReferralSettings
from shared.eventstore.cipher import ERASED
from shared.testing.dumps import database_dump, found_in

Api = Any  # the `api` fixture (conftest.Api)
REASON, SUMMARY = "Chest pain at rest, Zhou family history", "ECG shows ST depression; lives at 3 Lotus Lane"


def _referred(api: Api, team: str) -> tuple[dict[str, Any], list[str]]:
    api.contract(api.signed(1, team))
    referral = api.issued(team, 1, reason=REASON, clinical_summary=SUMMARY)
    return referral, [api.identity(1), "Li Hua", "13800138000", REASON, SUMMARY]


def test_the_patient_and_what_doctors_wrote_are_sealed_at_rest(api: Api, team: str, settings: ReferralSettings) -> None:
    referral, secrets = _referred(api, team)
    api.catch_up()

    assert found_in(database_dump(settings.database_url, [settings.database_schema]), secrets) == []
    seen = api.get(f"/referrals/{referral['referral_id']}", api.hospital("H3-4401")).json()
    assert (seen["patient"]["name"], seen["reason"], seen["clinical_summary"]) == ("Li Hua", REASON, SUMMARY)


def test_after_erasure_the_referral_stays_and_its_personal_data_reads_erased(
    api: Api, team: str, settings: ReferralSettings
) -> None:
    referral, secrets = _referred(api, team)
    path = f"/referrals/{referral['referral_id']}"
    before = api.get(path, api.hospital("H3-4401")).json()

    erased = api.contract_event("signing.ResidentErased.v1", resident_ref=api.ref(1))
    api.contract(erased, erased)  # delivered twice: recorded once
    after = api.get(path, api.hospital("H3-4401"))

    assert after.status_code == 200, after.text
    assert after.json()["patient"] == {"identity_number": ERASED, "name": ERASED, "phone": ERASED}
    assert (after.json()["reason"], after.json()["clinical_summary"]) == (ERASED, ERASED)
    unchanged = ("status", "version", "resident_ref", "team_id", "hospital_id", "department", "priority", "timing")
    assert {k: after.json()[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert found_in(database_dump(settings.database_url, [settings.database_schema]), secrets) == []
    audit = api.store.read(f"erasure-{api.ref(1)}")
    assert [e.type for e in audit] == ["referral.internal.ErasureNoted.v1"]
