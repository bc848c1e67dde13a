"""Residents' devices over HTTP: linking and unlinking (the resident or their team), and the
readings a device posts, authenticated as that device before its body is read."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from pydantic_core import to_json

from health_records.adapters.http.common import PROBLEMS, ResidentRef
from health_records.adapters.http.schemas_devices import (
    BATCH,
    DeviceCreate,
    DeviceLinkedPublic,
    batch_schema,
    readings_of,
)
from health_records.application.commands import LinkDevice, RecordReadings, UnlinkDevice
from health_records.application.devices import Devices, authenticate, hash_secret
from health_records.domain.devices import Device, DeviceLinked
from health_records.domain.readings import MAX_BATCH
from shared.principal import Principal
from shared.web.commands import CommandCall, respond, run_command
from shared.web.held import Held
from shared.web.problems import Problem

router = APIRouter(tags=["devices"], responses=PROBLEMS)
DeviceId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="The device's id, given when it was linked")]
DeviceCredential = Annotated[
    str | None, Header(alias="Authorization", description="`Device <secret>`: the secret given when it was linked")
]


devices = Held[Devices]("devices")


@router.post(
    "/residents/{resident_ref}/devices",
    status_code=201,
    response_model=DeviceLinkedPublic,
    summary="Link a device",
    description="By the resident or a doctor of the team in charge, for a hypertension, diabetes or elderly "
    "resident. The answer carries the device's secret, once: only its hash is kept.",
)
async def link_device(resident_ref: ResidentRef, body: DeviceCreate, call: CommandCall) -> Response:
    secret = secrets.token_urlsafe(32)
    now = call.request.app.state.clock()
    linked = DeviceLinked(str(uuid.uuid4()), resident_ref, body.kind, hash_secret(secret), call.who.subject, now)
    outcome = await call.run(devices(call.request).link_device(call.who, LinkDevice(resident_ref, linked)))
    response = respond(outcome, 201, f"/residents/{resident_ref}/devices/{outcome.result['device_id']}")
    if not outcome.replayed:  # the receipt holds no secret: a replay cannot show it again
        response.body = to_json(outcome.result | {"secret": secret})
        response.headers["Content-Length"] = str(len(response.body))
    return response


@router.delete(
    "/residents/{resident_ref}/devices/{device_id}",
    response_model=DeviceLinkedPublic,
    summary="Unlink a device",
    description="Its credential stops working at once; the readings it sent stay on the record.",
)
async def unlink_device(resident_ref: ResidentRef, device_id: DeviceId, call: CommandCall) -> Response:
    outcome = await call.run(devices(call.request).unlink_device(call.who, UnlinkDevice(resident_ref, device_id)))
    return respond(outcome, 200)


@router.post(
    "/devices/{device_id}/readings",
    summary="Post a device's readings",
    description=f"Authenticated as the device (`Authorization: Device <secret>`). Up to {MAX_BATCH} readings in "
    "the compact form or as FHIR R4 Observations (LOINC 8480-6, 8462-4, 8867-4, 2339-0, 15074-8, 1558-6, "
    "55423-8), or a FHIR Bundle of them. A reading already kept (same device, kind and time) is counted as "
    "repeated; an implausible one is kept and counted; one out of the resident's target alerts their team.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": batch_schema()}},
        }
    },
)
async def post_readings(device_id: DeviceId, request: Request, credential: DeviceCredential = None) -> Response:
    device = await _device(request, device_id, credential)  # before a byte of the body is read
    try:
        batch = BATCH.validate_json(await request.body())
    except ValidationError as bad:
        raise RequestValidationError(bad.errors(include_url=False, include_context=False)) from None
    readings, ignored = readings_of(batch)
    if len(readings) > MAX_BATCH * 2:
        raise Problem(422, "batch-too-large", f"at most {MAX_BATCH * 2} readings in one batch")
    ref = device.linked.resident_ref
    as_device = Principal(f"device:{device_id}", "resident", resident_ref=ref)  # the actor its events name
    work = devices(request).record_readings(RecordReadings(device_id, ref, tuple(readings)))
    outcome = await run_command(request, as_device, f"readings:{uuid.uuid4()}", work)
    return Response(to_json(outcome.result | {"ignored": ignored}), 200, media_type="application/json")


async def _device(request: Request, device_id: str, credential: str | None) -> Device:
    scheme, _, secret = (credential or "").partition(" ")
    if scheme.lower() == "bearer":  # a person's token: who they are decides 401 or 403
        await request.app.state.verifier.verify_async(secret.strip())
        raise Problem(403, "not-a-device", "readings are posted by the device itself")
    if scheme.lower() != "device" or not secret.strip():
        raise Problem(401, "missing-device-credential", "a device credential is required", _CHALLENGE)
    device = await authenticate(request.app.state.store, device_id, secret.strip())
    if device is None:
        raise Problem(401, "invalid-device-credential", "unknown device or wrong secret", _CHALLENGE)
    if not device.active:
        raise Problem(403, "device-not-linked", "the device was unlinked from the record")
    return device


_CHALLENGE = {"WWW-Authenticate": "Device"}
