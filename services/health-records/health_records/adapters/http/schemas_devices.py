"""Device bodies: linking, and a batch of readings in the compact form or as HL7 FHIR R4 Observations.

FHIR is read with a small validated model of the few fields a reading needs, not the
`fhir.resources` library: that one models every R4 resource (a large import on the hot path
of 5,000 readings/s) for the five LOINC codes we take.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from health_records.domain.devices import DeviceKind
from health_records.domain.readings import MAX_BATCH, Reading

MG_PER_DL_PER_MMOL_PER_L = 18.016  # glucose, 180.16 g/mol
# LOINC code -> (kind, fasting); glucose by mass (mg/dL) or by moles (mmol/L)
LOINC: dict[str, tuple[str, bool]] = {
    "8480-6": ("systolic", False),
    "8462-4": ("diastolic", False),
    "8867-4": ("heart_rate", False),
    "2339-0": ("glucose", False),
    "15074-8": ("glucose", False),
    "1558-6": ("glucose", True),
    "55423-8": ("steps", False),
}
UCUM = {"mm[Hg]": "mmHg", "/min": "bpm", "mmol/L": "mmol/L", "{steps}": "steps", "/d": "steps", "{#}": "steps"}
Value = Annotated[float, Field(allow_inf_nan=False)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DeviceCreate(_In):
    kind: DeviceKind


class DeviceLinkedPublic(BaseModel):
    device_id: str
    resident_ref: str
    kind: str
    linked_at: datetime
    unlinked_at: datetime | None = None
    secret: str | None = Field(
        default=None, description="The device's credential, shown once: `Authorization: Device <secret>`"
    )


class CompactReading(_In):
    kind: Literal["systolic", "diastolic", "heart_rate", "glucose", "steps"]
    value: Value
    unit: str = Field(max_length=20, examples=["mmHg"])
    measured_at: AwareDatetime
    fasting: bool = False

    def reading(self) -> Reading:
        return Reading(self.kind, self.value, self.unit, self.measured_at, self.fasting)


class _Fhir(BaseModel):
    model_config = ConfigDict(extra="ignore")  # FHIR resources carry much we do not keep


class Coding(_Fhir):
    system: str | None = None
    code: str = Field(max_length=64)


class CodeableConcept(_Fhir):
    coding: list[Coding] = Field(min_length=1, max_length=10)


class Quantity(_Fhir):
    value: Value
    unit: str | None = Field(default=None, max_length=40)
    code: str | None = Field(default=None, max_length=40)


class Component(_Fhir):
    code: CodeableConcept
    valueQuantity: Quantity  # FHIR's name


class Observation(_Fhir):
    resourceType: Literal["Observation"]
    status: Literal["final", "amended", "corrected", "preliminary"]
    code: CodeableConcept
    effectiveDateTime: AwareDatetime
    valueQuantity: Quantity | None = None
    component: list[Component] = Field(default=[], max_length=10)  # a blood-pressure panel: both pressures

    def readings(self) -> list[Reading]:
        parts = [(self.code, self.valueQuantity)] if self.valueQuantity else []
        parts += [(c.code, c.valueQuantity) for c in self.component]
        return [r for code, q in parts if (r := _reading(code, q, self.effectiveDateTime)) is not None]


class Entry(_Fhir):
    resource: Observation


class Bundle(_Fhir):
    resourceType: Literal["Bundle"]
    type: Literal["batch", "collection", "transaction"]
    entry: list[Entry] = Field(min_length=1, max_length=MAX_BATCH)


class ReadingsIn(_In):
    readings: list[CompactReading | Observation] = Field(min_length=1, max_length=MAX_BATCH)


BATCH: TypeAdapter[ReadingsIn | Bundle] = TypeAdapter(ReadingsIn | Bundle)


def batch_schema() -> dict[str, Any]:
    """The batch's JSON schema with its definitions inlined (none is recursive), for the route's
    OpenAPI: the body is parsed by the route, after the device is authenticated."""
    schema = BATCH.json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items()}
        return [inline(v) for v in node] if isinstance(node, list) else node

    inlined: dict[str, Any] = inline(schema)
    return inlined


def readings_of(batch: ReadingsIn | Bundle) -> tuple[list[Reading], int]:
    """The readings, and how many observations carried none we keep (another LOINC code)."""
    items = batch.readings if isinstance(batch, ReadingsIn) else [e.resource for e in batch.entry]
    found = [[i.reading()] if isinstance(i, CompactReading) else i.readings() for i in items]
    return [r for rs in found for r in rs], sum(1 for rs in found if not rs)


def _reading(code: CodeableConcept, q: Quantity, at: datetime) -> Reading | None:
    """A LOINC-coded quantity as a reading in our units; other codes are not readings we keep."""
    known = next((LOINC[c.code] for c in code.coding if c.code in LOINC and "loinc" in (c.system or "loinc")), None)
    if known is None:
        return None
    kind, fasting = known
    unit = q.code or q.unit or ""
    if kind == "glucose" and unit == "mg/dL":
        return Reading(kind, round(q.value / MG_PER_DL_PER_MMOL_PER_L, 2), "mmol/L", at, fasting)
    return Reading(kind, q.value, UCUM.get(unit, unit), at, fasting)
