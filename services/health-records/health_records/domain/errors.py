"""The health-records rules' refusals: each names the rule, so a client can act on it."""

from shared.domain import DomainError, Forbidden, NotFound


class RecordNotFound(NotFound):
    code = "record-not-found"


class VisitNotFound(NotFound):
    code = "visit-not-found"


class SickbedNotFound(NotFound):
    code = "sickbed-not-found"


class UnknownContract(NotFound):
    code = "unknown-contract"


class NotUnderContract(DomainError):
    kind = "conflict"
    code = "not-under-contract"


class NotATeamMember(DomainError):
    code = "not-a-team-member"


class InFuture(DomainError):
    code = "date-in-future"


class InvalidDates(DomainError):
    code = "invalid-dates"


class InvalidCode(DomainError):
    code = "invalid-icd10-code"


class IdentityMismatch(DomainError):
    code = "identity-mismatch"


class AlreadyRecorded(DomainError):
    kind = "conflict"
    code = "already-recorded"


class ConditionNotActive(DomainError):
    kind = "conflict"
    code = "condition-not-active"


class ImplausibleMeasurement(DomainError):
    code = "implausible-measurement"


class WrongUnit(DomainError):
    code = "wrong-unit"


class DuplicateMeasurement(DomainError):
    code = "duplicate-measurement"


class MeasurementMissing(DomainError):
    code = "measurement-missing"


class ItemNotPlanned(DomainError):
    code = "item-not-planned"


class BelowContract(DomainError):
    code = "below-contracted-frequency"


class InvalidPlan(DomainError):
    code = "invalid-plan"


class NoFamilySickbed(DomainError):
    kind = "conflict"
    code = "no-family-sickbed"


class SickbedAlreadyOpen(DomainError):
    kind = "conflict"
    code = "sickbed-already-open"


class SickbedClosed(DomainError):
    kind = "conflict"
    code = "sickbed-closed"


class InvalidPrescription(DomainError):
    code = "invalid-prescription"


class NotAChronicPatient(DomainError):
    kind = "conflict"
    code = "not-a-chronic-patient"


class PrescriptionStillCovers(DomainError):
    kind = "conflict"
    code = "prescription-still-covers"


class NoRecentContract(Forbidden):
    code = "no-recent-contract"


class RatedRecently(DomainError):
    kind = "conflict"
    code = "rated-recently"


class InvalidScore(DomainError):
    code = "invalid-score"


class DeviceNotFound(NotFound):
    code = "device-not-found"


class NotAKeyPopulation(DomainError):
    kind = "conflict"
    code = "not-a-key-population"


class DeviceNotLinked(DomainError):
    kind = "conflict"
    code = "device-not-linked"


class InvalidReadings(DomainError):
    code = "invalid-readings"


class InvalidSchedule(DomainError):
    code = "invalid-schedule"


class SessionsOverlap(DomainError):
    kind = "conflict"
    code = "sessions-overlap"


class NoSuchSlot(NotFound):
    code = "slot-not-found"


class SlotFull(DomainError):
    kind = "conflict"
    code = "slot-full"


class ReservedForContracted(DomainError):
    kind = "conflict"
    code = "reserved-for-contracted-residents"


class SlotStarted(DomainError):
    kind = "conflict"
    code = "slot-started"


class AlreadyBooked(DomainError):
    kind = "conflict"
    code = "already-booked"


class AppointmentNotFound(NotFound):
    code = "appointment-not-found"


class AppointmentClosed(DomainError):
    kind = "conflict"
    code = "appointment-closed"


class NotStartedYet(DomainError):
    kind = "conflict"
    code = "appointment-not-started"


class ForReferralsOnly(DomainError):
    kind = "conflict"
    code = "for-referrals-only"


class AsOfInFuture(DomainError):
    code = "as-of-in-the-future"


class AlertNotFound(NotFound):
    code = "alert-not-found"


class AlertAlreadyAcknowledged(DomainError):
    kind = "conflict"
    code = "alert-already-acknowledged"


class AlertNotAcknowledged(DomainError):
    kind = "conflict"
    code = "alert-not-acknowledged"
