"""Public events written by claims sources: the insurance bureaus' claims systems, and
hospitals and institutions that submit their outpatient claims.

Each source writes only its own topic, `fdcs.claims.<source id>` (a literal Kafka ACL on
that name for its user `claims-<source id>`), so billing knows who recorded a claim by the
topic it came from (billing subscribes to the pattern of them all). A claim carries the pseudonymous
`resident_ref` only: no name, identity number or diagnosis text. Money is integer fen.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import PublicEvent
from shared.contracts.vocabulary import AreaCode, Fen, ResidentRef


class ClaimRecorded(PublicEvent):
    """An outpatient claim of a contracted resident, charged to the capitation budget of the
    team the resident was contracted to on the service date (billing decides which)."""

    TYPE: ClassVar[str] = "claims.ClaimRecorded.v1"

    claim_id: str = Field(description="Unique per source: the same id again is the same claim (idempotent)")
    institution_id: str = Field(description="Where the care was given: the primary institution or the hospital")
    area_code: AreaCode = Field(description="The institution's area")
    resident_ref: ResidentRef
    amount_fen: Fen = Field(description="What the insurance fund pays for the claim")
    service_date: date
    kind: Literal["own_outpatient", "referred_care"] = Field(
        description="Care at the resident's primary institution, or at a hospital the resident was referred to"
    )
    referral_id: str | None = Field(default=None, description="For referred care: the referral it followed, if known")
    recorded_at: AwareDatetime
