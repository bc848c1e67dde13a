"""Each referral as HL7 FHIR R4 (a ServiceRequest, a Task carrying its state, the Patient),
validated by the FHIR model library: its structure, cardinalities and required value sets."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from fhir_core.fhirabstractmodel import FHIRAbstractModel

Api = Any  # the `api` fixture (conftest.Api)
Clock = Any
# R4 TaskStatus (http://hl7.org/fhir/R4/valueset-task-status.html): the library lists only the first four.
TASK_STATUS = {"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled", "in-progress"}
TASK_STATUS |= {"on-hold", "failed", "completed", "entered-in-error"}
STEPS = {
    "accept": None,
    "complete": {"summary_kind": "discharge", "summary": "BP 128/80 at discharge"},
    "down-refer": {"purpose": "rehabilitation", "instructions": "Walk daily"},
    "acknowledge-down-referral": {},
}


def referral_in(api: Api, team: str, status: str, clock: Clock) -> dict[str, Any]:
    referral = api.issued(team, 1, priority="green_channel")
    hospital, doctor = api.hospital("H3-4401"), api.doctor(team)
    path = f"/referrals/{referral['referral_id']}"
    if status in ("declined", "cancelled"):
        name, who = ("decline", hospital) if status == "declined" else ("cancel", doctor)
        assert api.post(f"{path}/{name}", {"reason": "no bed"}, who).status_code == 200
    if status == "expired":
        api.catch_up()
        as_of = clock.advance(days=8).isoformat()
        assert api.post("/referrals/expire", {"as_of": as_of}, api.admin).json()["expired"]
    order = ["accepted", "completed", "down_referred", "down_referral_acknowledged"]
    for step, body in list(STEPS.items())[: order.index(status) + 1 if status in order else 0]:
        who = doctor if step.startswith("acknowledge") else hospital
        answer = api.accept(referral) if body is None else api.post(f"{path}/{step}", body, who)
        assert answer.status_code == 200, answer.text
    return referral


def outside_value_sets(resource: FHIRAbstractModel) -> list[str]:
    """Codes not in the value set the library lists for a required binding (it does not check
    them itself); a list ending in "+" is cut short, and is checked against the spec instead."""
    wrong = []
    for name, field in type(resource).model_fields.items():
        value, extra = getattr(resource, name), field.json_schema_extra
        codes = extra.get("enum_values", []) if isinstance(extra, dict) else []
        if value is not None and codes and "+" not in codes and value not in codes:  # type: ignore[operator]
            wrong.append(f"{resource.get_resource_type()}.{name} = {value!r}")
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, FHIRAbstractModel):
                wrong += outside_value_sets(child)
    return wrong


@pytest.mark.parametrize(
    "statuses",
    [
        ("issued", "active", "requested"),
        ("accepted", "active", "accepted"),
        ("declined", "revoked", "rejected"),
        ("cancelled", "revoked", "cancelled"),
        ("expired", "revoked", "cancelled"),
        ("completed", "completed", "completed"),
        ("down_referred", "completed", "completed"),
        ("down_referral_acknowledged", "completed", "completed"),
    ],
)
def test_a_referral_in_each_state_is_a_valid_fhir_r4_service_request_and_task(
    api: Api, team: str, clock: Clock, statuses: tuple[str, str, str]
) -> None:
    status, request_status, task_status = statuses  # ours, the ServiceRequest's, the Task's
    api.contract(api.signed(1, team))
    referral = referral_in(api, team, status, clock)

    answer = api.get(f"/referrals/{referral['referral_id']}/fhir", api.hospital("H3-4401"))
    bundle = Bundle.model_validate_json(answer.text)  # raises on any structural error
    request, task, patient = (entry.resource for entry in bundle.entry or [])

    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert isinstance(request, ServiceRequest) and isinstance(task, Task) and isinstance(patient, Patient)
    assert outside_value_sets(bundle) == []
    assert task.status in TASK_STATUS
    assert (request.status, task.status, task.businessStatus.coding[0].code) == (request_status, task_status, status)
    assert (request.priority, request.intent, task.intent) == ("asap", "order", "order")
    assert request.subject.reference == task.for_fhir.reference == f"Patient/{patient.id}"
    assert task.focus.reference == f"ServiceRequest/{request.id}" == f"ServiceRequest/{referral['referral_id']}"
    assert (request.occurrenceDateTime is not None) == (status not in ("issued", "declined", "cancelled", "expired"))
    assert (task.statusReason is not None) == (status in ("declined", "cancelled", "expired"))


def test_the_patient_is_identified_for_the_hospital_and_the_request_says_what_is_asked(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))
    referral = api.issued(team, 1)

    bundle = Bundle.model_validate_json(api.get(f"/referrals/{referral['referral_id']}/fhir", api.doctor(team)).text)
    request, _, patient = (entry.resource for entry in bundle.entry or [])

    assert [(i.system, i.value) for i in patient.identifier] == [
        ("urn:fdcs:resident-identity-number", api.identity(1)),
        ("urn:fdcs:resident-ref", api.ref(1)),
    ]
    assert (patient.name[0].text, str(patient.birthDate), patient.gender) == ("Li Hua", "1950-01-01", "male")
    assert request.code.text == "cardiology"
    assert request.reasonCode[0].text == "Uncontrolled hypertension despite two drugs"
    assert request.performer[0].identifier.value == "H3-4401"
    assert request.requester.identifier.value == "doc-1"
    assert {c.code for c in request.category[0].coding} == {"3457005", "routine", "combined_signing"}
