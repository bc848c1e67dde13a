"""The one place appraisal's internal events become public events (relayed to Kafka).

Every result published or restated becomes `appraisal.AppraisalPublished.v1` or
`appraisal.AppraisalRestated.v2` on `fdcs.appraisal.results`, keyed by its subject, so
billing sees one team's or institution's results in order. Periods' bookkeeping and the
population register stay inside.
"""

from __future__ import annotations

from typing import Any

from appraisal.application.streams import EVENTS
from appraisal.domain.results import ResultPublished, ResultRestated
from shared.contracts import appraisal as public
from shared.contracts import topics
from shared.eventstore import RecordedEvent
from shared.messaging import Message
from shared.messaging.outbound import internal_event, public_message

SOURCE = "/fdcs/appraisal"
PUBLISHES = EVENTS.names_under(ResultPublished)  # a restatement too


def to_public(recorded: RecordedEvent) -> list[Message]:
    event = internal_event(EVENTS, recorded)
    if not isinstance(event, ResultPublished):
        return []  # command receipts, periods' bookkeeping and the population register stay inside
    subject = event.result.subject_id
    return [public_message(SOURCE, recorded, _public(event), topics.APPRAISAL_RESULTS, subject)]


def _public(e: ResultPublished) -> public.AppraisalPublished:
    r = e.result
    fields: dict[str, Any] = {
        "result_id": r.result_id,
        "period": e.period,
        "subject_kind": r.subject_kind,
        "subject_id": r.subject_id,
        "institution_id": r.institution_id,
        "area_code": r.area_code,
        "score": r.score,
        "grade": r.grade,
        "rank_in_county": r.rank_in_county,
        "catalogue_version": e.catalogue_version,
        "computed_as_of": e.computed_as_of,
        "published_at": e.published_at,
    }
    if isinstance(e, ResultRestated):
        return public.AppraisalRestated(**fields, restates_result_id=e.restates_result_id)
    return public.AppraisalPublished(**fields)
