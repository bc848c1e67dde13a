"""Running commands: one session per command, many commands per commit, idempotency keys."""

from shared.commands.context import CommandContext
from shared.commands.errors import (
    CommandError,
    ConcurrencyConflict,
    IdempotencyKeyReused,
    PreconditionFailed,
)
from shared.commands.processor import CommandProcessor, Outcome, Work
from shared.commands.session import ANY_VERSION, Session

__all__ = [
    "ANY_VERSION",
    "CommandContext",
    "CommandError",
    "CommandProcessor",
    "ConcurrencyConflict",
    "IdempotencyKeyReused",
    "Outcome",
    "PreconditionFailed",
    "Session",
    "Work",
]
