"""How health records' aggregates are kept in its store: stream prefixes, event names, folds.

All of them are keyed by the resident's pseudonymous ref, but rosters (by team), devices (by
device), readings (by device and day; each event names its resident) and agendas (by doctor and day).
"""

from __future__ import annotations

from typing import Any

from health_records.domain import (
    agendas,
    alerts,
    appointments,
    care,
    care_events,
    devices,
    plan,
    readings,
    reads,
    record,
    record_events,
    roster,
)
from shared.erasure import erasures
from shared.eventstore.sealing import resident_ref_in
from shared.eventstore.streams import EventTypes, StreamType

EVENTS_PREFIX = "health_records"
EVENTS = EventTypes(EVENTS_PREFIX)
for event_class in (
    record_events.RecordOpened,
    record_events.BasicInformationRecorded,
    record_events.ConditionRecorded,
    record_events.ConditionResolved,
    record_events.AllergyRecorded,
    record_events.FamilyHistoryRecorded,
    record_events.RecentInformationRecorded,
    care_events.ContractStarted,
    care_events.ContractEnded,
    care_events.ContractReinstated,
    care_events.VisitCompleted,
    care_events.LongPrescriptionIssued,
    care_events.FamilySickbedAdmitted,
    care_events.FamilySickbedDischarged,
    plan.PlanDrawn,
    plan.PlanRevised,
    reads.RecordRead,
    roster.RosterNoted,
    devices.DeviceLinked,
    devices.DeviceUnlinked,
    readings.ReadingRecorded,
    readings.ReadingOutOfTarget,
    readings.ReadingForFollowUp,
    agendas.SessionsPublished,
    agendas.PlaceTaken,
    agendas.PlaceFreed,
    appointments.AppointmentBooked,
    appointments.AppointmentRescheduled,
    appointments.AppointmentCancelled,
    appointments.AppointmentAttended,
    appointments.AppointmentMissed,
    appointments.AppointmentReminderDue,
    alerts.AlertAcknowledged,
    alerts.AlertAcknowledgementWithdrawn,
):
    EVENTS.register(event_class)
_SERVED_BY = ("member_id", "member_role")
# v2 names the member who last served the resident (performance pay); v1 ratings named none.
EVENTS.register(
    care_events.ServiceRated, version=2, upcasters={1: lambda d: d | {"member_id": None, "member_role": None}}
)

RECORDS: StreamType[record.HealthRecord | None] = StreamType("record", None, record.evolve, EVENTS)
CARE: StreamType[care.Care | None] = StreamType("care", None, care.evolve, EVENTS)
PLANS: StreamType[plan.ManagementPlan | None] = StreamType("plan", None, plan.evolve, EVENTS)
# A resident's read log, as its count: the reads are listed from the stream, a page at a time.
READS: StreamType[int] = StreamType("reads", 0, reads.evolve, EVENTS)
ROSTERS: StreamType[roster.RosterNoted | None] = StreamType("roster", None, roster.evolve, EVENTS)
DEVICES: StreamType[devices.Device | None] = StreamType("device", None, devices.evolve, EVENTS)
# A device's readings, one stream per device and local day: a repeat is recognised without
# reading the device's whole history, and late readings go to the day they were taken.
READINGS: StreamType[readings.DayReadings] = StreamType(
    "readings", readings.NO_READINGS, readings.evolve, EVENTS, whole=readings.day_readings
)
# A doctor's sessions and places of one local day (`doctor_id:date`): the unit two bookings of the
# last place race for. A resident's appointments, by their ref.
AGENDAS: StreamType[agendas.Agenda | None] = StreamType("agenda", None, agendas.evolve, EVENTS)
APPOINTMENTS: StreamType[appointments.Appointments] = StreamType(
    "appointments", appointments.NONE, appointments.evolve, EVENTS
)
# An alert of the team's worklist (by its id): its standing acknowledgement, if any.
ALERTS: StreamType[alerts.AlertAcknowledged | None] = StreamType("alert", None, alerts.evolve, EVENTS)
ERASURES = erasures(EVENTS)


def resident_of(stream_id: str, data: dict[str, Any]) -> str | None:
    """Whose personal data an event holds: its resident's ref, else its stream's (a record's
    events do not repeat the resident they are about)."""
    return resident_ref_in(stream_id, data) or stream_id.partition("-")[2]
