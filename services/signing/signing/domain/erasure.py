"""A resident's erasure: the right to have their personal data made unreadable everywhere.

The erasure itself is the shredding of the resident's key (the store's vault); this is its
record for the audit: who asked, why, when. It holds no personal data. Contracts, their
money and the appraisal stay as they were: only the personal fields read as erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ErasureReason = Literal["resident_request", "administrator_decision", "deceased"]


@dataclass(frozen=True)
class ResidentErased:
    resident_ref: str
    reason: str
    erased_by: str
    erased_at: datetime


def erase(done: ResidentErased | None, resident_ref: str, reason: str, by: str, at: datetime) -> list[ResidentErased]:
    """Erased once: asking again (another key, another reason) changes nothing."""
    return [] if done else [ResidentErased(resident_ref, reason, by, at)]


def evolve(done: ResidentErased | None, event: object) -> ResidentErased | None:
    return event if isinstance(event, ResidentErased) else done
