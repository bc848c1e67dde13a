"""Appointments over HTTP: an institution's schedules, a doctor's slots, a resident's bookings,
and the scheduled reminder run. Routes only translate: the rules are the domain's."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic_core import to_json

from health_records.adapters.http import schemas_appointments as s
from health_records.adapters.http.common import PROBLEMS, Days, ResidentRef, logged_read
from health_records.adapters.projections.appointment_book import ToRemind
from health_records.application.appointment_views import AppointmentViews
from health_records.application.appointments import Appointments
from health_records.application.commands import (
    BookAppointment,
    CancelAppointment,
    PublishSchedule,
    RecordAppointmentOutcome,
    RemindDue,
    RescheduleAppointment,
)
from health_records.application.schedules import Schedules
from health_records.domain.schedules import WeeklySchedule
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import CommandCall, IdempotencyKey, respond, run_command
from shared.web.held import Held

router = APIRouter(tags=["appointments"], responses=PROBLEMS)
InstitutionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$", examples=["CHC-1"])]
DoctorId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$", examples=["doc-1"])]
AppointmentId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="Given when it was booked")]
MINE = "/residents/{resident_ref}/appointments"


_app = Held[Appointments]("appointments")


_schedules = Held[Schedules]("schedules")


_views = Held[AppointmentViews]("appointment_views")


@router.post(
    "/institutions/{institution_id}/schedules",
    status_code=201,
    response_model=s.SchedulePublished,
    summary="Publish a doctor's weekly schedule",
    description="By the institution's staff, for a doctor of one of its teams: a session on each of the "
    "weekdays from `first_day` to `last_day`, but the cancelled days. 409 sessions-overlap if the doctor "
    "already sits then.",
)
async def publish_schedule(institution_id: InstitutionId, body: s.ScheduleCreate, call: CommandCall) -> Response:
    defaults = _schedules(call.request)
    schedule = WeeklySchedule(
        str(uuid.uuid4()), institution_id, body.team_id, body.doctor_id, tuple(body.weekdays), body.starts,
        body.ends, body.slot_minutes, body.capacity,
        defaults.reserved_percent if body.reserved_percent is None else body.reserved_percent,
        defaults.cutoff_minutes if body.cutoff_minutes is None else body.cutoff_minutes,
        body.first_day, body.last_day, tuple(body.cancelled_days),
    )  # fmt: skip
    outcome = await call.run(_schedules(call.request).publish_schedule(call.who, PublishSchedule(schedule)))
    return respond(outcome, 201)


@router.post(
    "/hospitals/{hospital_id}/sources",
    status_code=201,
    response_model=s.SchedulePublished,
    summary="Open a specialist source to grassroots institutions",
    description="By the hospital: weekly sessions of one of its clinics whose places only a family doctor "
    "books, for an up-referral (409 for-referrals-only otherwise). Its slots are listed at "
    "`/institutions/{hospital_id}/doctors/{clinic_id}/slots`.",
)
async def open_sources(hospital_id: InstitutionId, body: s.SourceCreate, call: CommandCall) -> Response:
    source = WeeklySchedule(
        str(uuid.uuid4()), hospital_id, "", body.clinic_id, tuple(body.weekdays), body.starts, body.ends,
        body.slot_minutes, body.capacity, 0, 0, body.first_day, body.last_day, tuple(body.cancelled_days),
        for_referrals=True,
    )  # fmt: skip
    outcome = await call.run(_schedules(call.request).open_sources(call.who, PublishSchedule(source)))
    return respond(outcome, 201)


@router.get(
    "/institutions/{institution_id}/doctors/{doctor_id}/slots",
    response_model=s.SlotsPublic,
    summary="A doctor's sessions and free places",
    description="Free places as counts; who booked them, to the doctor's team only. At most 31 days.",
)
async def slots(
    institution_id: InstitutionId,
    doctor_id: DoctorId,
    request: Request,
    who: CurrentPrincipal,
    days: Annotated[Days, Depends()],
) -> Response:
    now = request.app.state.clock()
    slots_of = _views(request).slots
    view = await asyncio.to_thread(slots_of, who, institution_id, doctor_id, days.first, days.last, now)
    return Response(to_json(view), 200, media_type="application/json")


@router.post(MINE, status_code=201, response_model=s.AppointmentPublic, summary="Book an appointment")
async def book(resident_ref: ResidentRef, body: s.AppointmentCreate, call: CommandCall) -> Response:
    """By the resident, or the team they are contracted with. 409 slot-full, reserved-for-contracted-residents
    (before the cut-off), already-booked (a place at that time already), slot-started."""
    place = body.institution_id, body.doctor_id, body.starts_at, body.referral_id
    command = BookAppointment(resident_ref, str(uuid.uuid4()), *place)
    outcome = await call.run(_app(call.request).book(call.who, command))
    return respond(outcome, 201, f"{MINE.format(resident_ref=resident_ref)}/{outcome.result['appointment_id']}")


@router.get(MINE, response_model=s.AppointmentsPublic, summary="A resident's appointments")
async def list_appointments(resident_ref: ResidentRef, request: Request, who: CurrentPrincipal) -> Response:
    day = today(request)
    views = _views(request)
    return await logged_read(
        request, who, resident_ref, "appointments", lambda: views.of_resident(who, resident_ref, day)
    )


@router.post(f"{MINE}/{{appointment_id}}/reschedule", response_model=s.AppointmentPublic, summary="Move it")
async def reschedule(
    resident_ref: ResidentRef, appointment_id: AppointmentId, body: s.AppointmentMove, call: CommandCall
) -> Response:
    """To another slot, before it starts; the first place is freed in the same step."""
    command = RescheduleAppointment(
        resident_ref, appointment_id, body.institution_id, body.doctor_id, body.starts_at, call.expected
    )
    return respond(await call.run(_app(call.request).reschedule(call.who, command)), 200)


@router.post(f"{MINE}/{{appointment_id}}/cancel", response_model=s.AppointmentPublic, summary="Cancel it")
async def cancel(resident_ref: ResidentRef, appointment_id: AppointmentId, call: CommandCall) -> Response:
    """Before it starts (409 slot-started after)."""
    command = CancelAppointment(resident_ref, appointment_id, call.expected)
    return respond(await call.run(_app(call.request).cancel(call.who, command)), 200)


@router.post(f"{MINE}/{{appointment_id}}/attended", response_model=s.AppointmentPublic, summary="The resident came")
async def attended(resident_ref: ResidentRef, appointment_id: AppointmentId, call: CommandCall) -> Response:
    """By the team the appointment is with, once the slot has started."""
    return await _outcome(call, resident_ref, appointment_id, attended=True)


@router.post(
    f"{MINE}/{{appointment_id}}/missed", response_model=s.AppointmentPublic, summary="The resident did not come"
)
async def missed(resident_ref: ResidentRef, appointment_id: AppointmentId, call: CommandCall) -> Response:
    """By the team the appointment is with, once the slot has started."""
    return await _outcome(call, resident_ref, appointment_id, attended=False)


async def _outcome(call: CommandCall, resident_ref: str, appointment_id: str, attended: bool) -> Response:
    command = RecordAppointmentOutcome(resident_ref, appointment_id, attended, call.expected)
    return respond(await call.run(Appointments.record_outcome(call.who, command)), 200)


@router.post(
    "/appointments/reminders",
    response_model=s.Reminded,
    summary="Scheduled: remind appointments whose lead time is over",
    description="Run by a CronJob with an administrator's token; `as_of` is the moment it runs for, now at the "
    "latest (422 as-of-in-the-future). Each appointment is reminded once.",
)
async def remind(body: s.ReminderRun, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    appointments = _app(request)
    appointments.reminder_run(who, body.as_of, request.app.state.clock())  # before anything is listed
    to_remind: ToRemind = request.app.state.to_remind
    due = await asyncio.to_thread(to_remind.due, body.as_of, appointments.reminder_lead, body.limit)
    work = appointments.remind_due(who, RemindDue(tuple(due), body.as_of))
    return respond(await run_command(request, who, key, work), 200)
