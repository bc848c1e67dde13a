"""Errors of running a command, as opposed to a domain rule saying no."""


class CommandError(Exception):
    """Base of errors raised while running a command (mapped to HTTP problems in one place)."""


class PreconditionFailed(CommandError):
    """The caller said which version it expected (If-Match), and the stream is at another."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"{stream_id} is at version {actual}, not {expected}" if expected >= 0 else f"no {stream_id}")
        self.expected, self.actual = expected, actual


class ConcurrencyConflict(CommandError):
    """Other writers kept winning the race for the same streams; the caller may retry."""


class IdempotencyKeyReused(CommandError):
    """The idempotency key was used before for a different request."""
