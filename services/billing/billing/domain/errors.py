"""Billing's refusals: each names the rule, so a client can act on it."""

from shared.domain import DomainError


class InvalidPeriod(DomainError):
    code = "invalid-period"


class PeriodNotOver(DomainError):
    code = "period-not-over"


class AsOfInTheFuture(DomainError):
    """A scheduled job acts only on what is over."""

    code = "as-of-in-the-future"


class NoFeeRule(DomainError):
    code = "no-fee-rule"


class InvalidFeeRule(DomainError):
    code = "invalid-fee-rule"


class UnknownContract(DomainError):
    kind = "not_found"
    code = "unknown-contract"


class ContractAlreadyOpened(DomainError):
    kind = "conflict"
    code = "contract-already-opened"


class PeriodNotClosed(DomainError):
    kind = "conflict"
    code = "period-not-closed"


class WithheldAlreadyReleased(DomainError):
    """Money an appraisal result paid out is not taken back by reopening a period."""

    kind = "conflict"
    code = "withheld-already-released"


class InvalidReopeningReason(DomainError):
    code = "invalid-reopening-reason"


class NoCapitationRule(DomainError):
    code = "no-capitation-rule"


class InvalidCapitationRule(DomainError):
    code = "invalid-capitation-rule"


class YearNotOver(DomainError):
    """A year is reconciled once it is over."""

    kind = "conflict"
    code = "year-not-over"


class UnknownReconciliation(DomainError):
    kind = "not_found"
    code = "unknown-reconciliation"


class AppraisalNotPublished(DomainError):
    """Performance pay is drawn by the team's annual appraisal score: none published yet."""

    kind = "conflict"
    code = "appraisal-not-published"


class UnknownDistribution(DomainError):
    kind = "not_found"
    code = "unknown-distribution"


class MonthNotDue(DomainError):
    """An advance is paid from the first day of its month: a scheduled job books only what is due."""

    kind = "conflict"
    code = "month-not-due"


class NotMonthlyAdvances(DomainError):
    """The area's rule pays its advances in fewer parts than the months of the year."""

    kind = "conflict"
    code = "not-monthly-advances"
