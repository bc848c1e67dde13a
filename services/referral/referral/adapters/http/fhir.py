"""A referral in HL7 FHIR R4, as hospital information systems read it: a `ServiceRequest`
(what is asked, of whom, for whom) and a `Task` carrying its state (the pair the NHS
e-Referral Service uses), with the `Patient`, in a Bundle of type collection.

Built with fhir.resources' R4B models: the package's top-level modules are FHIR R5, and
R4B (4.3.0) is the subpackage whose ServiceRequest, Task, Patient and Bundle have no
structural change from R4 (4.0.1), per the R4B "differences from R4" page.
"""

from __future__ import annotations

from datetime import date, datetime

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task, TaskOutput, TaskRestriction

from referral.application.views import ending
from referral.domain.referral import Referral

MEDIA_TYPE = "application/fhir+json; fhirVersion=4.0"
SNOMED = "http://snomed.info/sct"
REFERRAL, STATUS, PRIORITY = "urn:fdcs:referral", "urn:fdcs:referral-status", "urn:fdcs:referral-priority"
HOSPITAL, TEAM_MEMBER = "urn:fdcs:hospital", "urn:fdcs:team-member"
IDENTITY_NUMBER, RESIDENT_REF = "urn:fdcs:resident-identity-number", "urn:fdcs:resident-ref"

_CLOSED = ("completed", "down_referred", "down_referral_acknowledged")
_REQUEST_STATUS = {
    **dict.fromkeys(("issued", "accepted"), "active"),
    **dict.fromkeys(("declined", "cancelled", "expired"), "revoked"),
    **dict.fromkeys(_CLOSED, "completed"),
}
_TASK_STATUS = {
    "issued": "requested",
    "accepted": "accepted",
    "declined": "rejected",
    **dict.fromkeys(("cancelled", "expired"), "cancelled"),  # the finer state is the businessStatus
    **dict.fromkeys(_CLOSED, "completed"),
}
_PRIORITY = {"routine": "routine", "urgent": "urgent", "green_channel": "asap"}


def bundle(referral: Referral, version: int) -> Bundle:
    resources = [service_request(referral, version), task(referral, version), patient(referral)]
    return Bundle(type="collection", entry=[BundleEntry(resource=resource) for resource in resources])


def service_request(referral: Referral, version: int) -> ServiceRequest:
    i, r = referral.issued, referral.routing
    categories = [
        Coding(system=SNOMED, code="3457005", display="Patient referral"),
        Coding(system=PRIORITY, code=i.priority),
    ]
    if i.combined_signing:
        categories.append(Coding(system=PRIORITY, code="combined_signing", display="'1+1+1' combined-signing hospital"))
    return ServiceRequest(
        id=r.referral_id,
        meta=Meta(versionId=str(version)),
        identifier=[Identifier(system=REFERRAL, value=r.referral_id)],
        status=_REQUEST_STATUS[referral.status],
        intent="order",
        priority=_PRIORITY[i.priority],
        category=[CodeableConcept(coding=categories)],
        code=CodeableConcept(text=i.department),
        subject=Reference(reference=f"Patient/{_patient_id(r.resident_ref)}"),
        authoredOn=r.issued_at,
        occurrenceDateTime=referral.accepted.appointment_at if referral.accepted else None,
        requester=_practitioner(i.issued_by),
        performer=[_hospital(r.hospital_id)],
        reasonCode=[CodeableConcept(text=i.reason)],
        note=[Annotation(text=i.clinical_summary)],
    )


def task(referral: Referral, version: int) -> Task:
    i, r, a = referral.issued, referral.routing, referral.accepted
    request = Reference(reference=f"ServiceRequest/{r.referral_id}")
    ended = ending(referral)
    return Task(
        id=r.referral_id,
        meta=Meta(versionId=str(version)),
        identifier=[Identifier(system=REFERRAL, value=r.referral_id)],
        basedOn=[request],
        focus=request,
        for_fhir=Reference(reference=f"Patient/{_patient_id(r.resident_ref)}"),
        status=_TASK_STATUS[referral.status],
        businessStatus=CodeableConcept(coding=[Coding(system=STATUS, code=referral.status)]),
        statusReason=CodeableConcept(text=ended["reason"]) if ended else None,
        intent="order",
        priority=_PRIORITY[i.priority],
        authoredOn=r.issued_at,
        requester=_practitioner(i.issued_by),
        owner=_hospital(r.hospital_id),
        restriction=TaskRestriction(period=Period(end=i.expires_at)),  # to be accepted by then
        executionPeriod=Period(start=a.accepted_at, end=_completed_at(referral)) if a else None,
        output=_outputs(referral) or None,
    )


def patient(referral: Referral) -> Patient:
    p, ref = referral.issued.patient, referral.routing.resident_ref
    return Patient(
        id=_patient_id(ref),
        identifier=[
            Identifier(system=IDENTITY_NUMBER, value=p.identity_number),
            Identifier(system=RESIDENT_REF, value=ref),
        ],
        name=[HumanName(text=p.name)],
        telecom=[ContactPoint(system="phone", value=p.phone)] if p.phone else None,
        birthDate=_born(p.identity_number),
        gender="male" if int(p.identity_number[16]) % 2 else "female",  # GB 11643: the sequence's parity
    )


def _outputs(referral: Referral) -> list[TaskOutput]:
    c, d = referral.completed, referral.down_referral
    outputs = []
    if c is not None:
        outputs.append(TaskOutput(type=CodeableConcept(text=f"{c.summary_kind} summary"), valueString=c.summary))
    if d is not None:
        outputs.append(
            TaskOutput(type=CodeableConcept(text=f"down-referral for {d.purpose}"), valueString=d.instructions)
        )
    return outputs


def _completed_at(referral: Referral) -> datetime | None:
    return referral.completed.completed_at if referral.completed else None


def _practitioner(member_id: str) -> Reference:
    return Reference(type="Practitioner", identifier=Identifier(system=TEAM_MEMBER, value=member_id))


def _hospital(hospital_id: str) -> Reference:
    return Reference(type="Organization", identifier=Identifier(system=HOSPITAL, value=hospital_id))


def _patient_id(resident_ref: str) -> str:
    return resident_ref.replace("_", "-")  # a FHIR id has no underscore; the ref is an identifier too


def _born(identity_number: str) -> date | None:
    try:
        return date(int(identity_number[6:10]), int(identity_number[10:12]), int(identity_number[12:14]))
    except ValueError:
        return None
