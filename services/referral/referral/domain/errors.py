"""The referral rules' refusals: each names the rule, so a client can act on it."""

from shared.domain import DomainError, NotFound


class ReferralNotFound(NotFound):
    code = "referral-not-found"


class NotContracted(DomainError):
    code = "resident-not-contracted"


class GreenChannelUnavailable(DomainError):
    code = "green-channel-unavailable"


class IllegalTransition(DomainError):
    """The referral is not in a state that allows this step (accepting a cancelled one, say)."""

    kind = "conflict"
    code = "illegal-transition"


class AnswerOverdue(DomainError):
    """The time to accept has run out, even if the expiry job has not marked it yet."""

    kind = "conflict"
    code = "answer-overdue"


class StepBeforePreviousStep(DomainError):
    """A step stamped earlier than the referral's step before it (accepted before it was issued,
    say): whoever sent it, the times would be impossible and every interval computed from them wrong."""

    code = "step-before-previous-step"


class AppointmentBeforeAcceptance(DomainError):
    code = "appointment-before-acceptance"


class NotYetDue(DomainError):
    code = "referral-not-yet-due"


class AsOfInTheFuture(DomainError):
    """A scheduled job acts only on what is over."""

    code = "as-of-in-the-future"
