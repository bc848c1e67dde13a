"""Public events of the appraisal service (topic `fdcs.appraisal.results`, key: subject id)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import PublicEvent
from shared.contracts.vocabulary import AreaCode


class AppraisalPublished(PublicEvent):
    """A team's or institution's result for a period, made public and linked to money."""

    TYPE: ClassVar[str] = "appraisal.AppraisalPublished.v1"

    result_id: str
    period: str = Field(examples=["2026", "2026-H1"])
    subject_kind: Literal["team", "institution"]
    subject_id: str
    institution_id: str
    area_code: AreaCode
    score: Decimal = Field(ge=0, le=100, decimal_places=2)
    grade: Literal["excellent", "qualified", "unqualified"]
    rank_in_county: int = Field(ge=1)
    catalogue_version: str
    computed_as_of: AwareDatetime
    published_at: AwareDatetime


class AppraisalRestated(AppraisalPublished):
    """A correction after publication: a new result that names the one it restates.

    v2 dropped v1's free-text `reason`: it stays with the period, read over appraisal's API."""

    TYPE: ClassVar[str] = "appraisal.AppraisalRestated.v2"

    restates_result_id: str
