"""The facts of a few residents, every one known so far, as each resident's history: one
query per fact table for all of them, the eight sent at once (one round trip a batch)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import ARRAY, Connection, Table, Text, all_, any_, bindparam, select

from appraisal.adapters.projections import fact_reads as reads
from appraisal.adapters.projections.facts_tables import (
    APPOINTMENT_STEPS,
    CARE,
    CONTRACT_ENDS,
    CONTRACT_STARTS,
    RATINGS,
    READINGS,
    REFERRAL_STEPS,
    VISITS,
)
from appraisal.domain.known import Knowns, ResidentHistory

EVER = datetime.max.replace(tzinfo=UTC)


def histories(conn: Connection, refs: Collection[str], without: Collection[str] = ()) -> dict[str, ResidentHistory]:
    """In the facts reader's order, so each history is what an appraisal reads of the resident.
    `without`: the ids of events whose facts to leave out (a batch's own, to see the facts before it)."""
    params = {"refs": list(refs), "without": list(without), "ever": EVER}
    contracts, endings, *others = reads.Read.together(conn, _reads(bool(without)), params)
    whose = {c.contract_id: c.resident_ref for _, c in contracts}
    kinds = (
        _by_resident(contracts, lambda c: c.resident_ref),
        _by_resident(endings, lambda e: whose[e[0]]),
        *(_by_resident(rows, lambda fact: fact.resident_ref) for rows in others),
    )
    return {ref: ResidentHistory(*(Knowns(kind.get(ref, ())) for kind in kinds)) for ref in refs}


@cache
def _reads(leaving_out: bool) -> tuple[reads.Read[Any], ...]:
    """Made once, with named parameters: their text is compiled once and stays the same."""
    refs, without = bindparam("refs", type_=ARRAY(Text)), bindparam("without", type_=ARRAY(Text))
    ever: Any = bindparam("ever")

    def of(t: Table, resident: Any) -> Any:
        theirs = resident == any_(refs)
        return theirs & (t.c.event_id != all_(without)) if leaving_out else theirs

    theirs = select(CONTRACT_STARTS.c.contract_id).where(of(CONTRACT_STARTS, CONTRACT_STARTS.c.resident_ref))
    ended = CONTRACT_ENDS.c.contract_id.in_(theirs)
    return (
        reads.contracts(ever, "", of(CONTRACT_STARTS, CONTRACT_STARTS.c.resident_ref)),
        reads.endings(ever, (ended & (CONTRACT_ENDS.c.event_id != all_(without))) if leaving_out else ended),
        reads.visits(ever, "", of(VISITS, VISITS.c.resident_ref)),
        reads.ratings(ever, "", of(RATINGS, RATINGS.c.resident_ref)),
        reads.referral_steps(ever, "", of(REFERRAL_STEPS, REFERRAL_STEPS.c.resident_ref)),
        reads.care(ever, "", of(CARE, CARE.c.resident_ref)),
        reads.appointment_steps(ever, "", of(APPOINTMENT_STEPS, APPOINTMENT_STEPS.c.resident_ref)),
        reads.readings(ever, "", of(READINGS, READINGS.c.resident_ref)),
    )


def _by_resident(rows: list[Any], resident: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        found[resident(row[1])].append(row)
    return found
