"""The appraisal's refusals: each names the rule, so a client can act on it."""

from shared.domain import DomainError, NotFound


class InvalidPeriod(DomainError):
    code = "invalid-period"


class NoCatalogueInForce(DomainError):
    code = "no-catalogue-in-force"


class UnknownIndicator(NotFound):
    code = "unknown-indicator"


class UnknownStratum(NotFound):
    code = "unknown-stratum"


class AsOfInTheFuture(DomainError):
    code = "as-of-in-the-future"


class PeriodNotOver(DomainError):
    code = "period-not-over"


class AlreadyPublished(DomainError):
    kind = "conflict"
    code = "already-published"


class NotPublished(DomainError):
    kind = "conflict"
    code = "not-published"


class ResultNotFound(NotFound):
    code = "result-not-found"


class InvalidPopulation(DomainError):
    code = "invalid-population"


class PopulationNotRecorded(NotFound):
    code = "population-not-recorded"


class ReasonRequired(DomainError):
    code = "reason-required"
