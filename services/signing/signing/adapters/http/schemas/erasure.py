"""A resident's erasure: request and response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from signing.adapters.http.schemas import In
from signing.domain.erasure import ErasureReason


class ErasureCreate(In):
    """Why the resident's personal data is erased (a code: the audit keeps no text)."""

    reason: ErasureReason


class ErasurePublic(BaseModel):
    resident_ref: str
    reason: ErasureReason
    erased_at: datetime
