"""Who looked at a resident's record: every read by a professional is an event the resident can list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RecordRead:
    reader: str
    role: str
    team_id: str | None
    institution_id: str | None
    what: str  # record, history, plan, visits, sickbeds, prescriptions, fulfilment, appointments, readings
    read_at: datetime  # the platform's time, which the simulation may set
    recorded_at: datetime | None = None  # the real time (reads logged before it was kept have none)


def evolve(count: int, event: object) -> int:
    """How many reads the log holds. Logging a read decides nothing on the reads before it, and
    every professional's GET folds the log (whole, when no process has it cached): a count costs
    the same for each read, where the log itself, copied for each, grew with the square of the reads.
    The resident's listing reads the reads themselves from the stream."""
    if isinstance(event, RecordRead):
        return count + 1
    raise ValueError(f"{type(event).__name__} does not apply to a record's read log")
