"""The facts of a few residents, every one known so far, as each resident's history: one
query per fact table for all of them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ARRAY, Connection, Table, Text, all_, any_, bindparam

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
from appraisal.domain.known import Known, Knowns, ResidentHistory

EVER = datetime.max.replace(tzinfo=UTC)


def histories(conn: Connection, refs: Collection[str], without: Collection[str] = ()) -> dict[str, ResidentHistory]:
    """In the facts reader's order, so each history is what an appraisal reads of the resident.
    `without`: the ids of events whose facts to leave out (a batch's own, to see the facts before it)."""

    def of(t: Table) -> Any:
        found = t.c.resident_ref == any_(_texts(refs))
        return found & (t.c.event_id != all_(_texts(without))) if without else found

    contracts = reads.contracts(conn, EVER, "", of(CONTRACT_STARTS))
    whose = {c.contract_id: c.resident_ref for _, c in contracts}
    ended: Any = CONTRACT_ENDS.c.contract_id == any_(_texts(whose))
    if without:
        ended &= CONTRACT_ENDS.c.event_id != all_(_texts(without))
    endings = reads.endings(conn, EVER, whose.keys(), ended)
    kinds = (
        _by_resident(contracts, lambda c: c.resident_ref),
        _by_resident(endings, lambda e: whose[e[0]]),
        _by_resident(reads.visits(conn, EVER, "", of(VISITS)), lambda v: v.resident_ref),
        _by_resident(reads.ratings(conn, EVER, "", of(RATINGS)), lambda r: r.resident_ref),
        _by_resident(reads.referral_steps(conn, EVER, "", of(REFERRAL_STEPS)), lambda s: s.resident_ref),
        _by_resident(reads.care(conn, EVER, "", of(CARE)), lambda c: c.resident_ref),
        _by_resident(reads.appointment_steps(conn, EVER, "", of(APPOINTMENT_STEPS)), lambda a: a.resident_ref),
        _by_resident(reads.readings(conn, EVER, "", of(READINGS)), lambda r: r.resident_ref),
    )
    return {ref: ResidentHistory(*(Knowns(kind.get(ref, ())) for kind in kinds)) for ref in refs}


def _texts(values: Collection[str]) -> Any:
    """One array parameter, not one parameter a value: the statement's text stays the same
    whatever the batch, so the driver need not parse it again for each."""
    return bindparam(None, list(values), type_=ARRAY(Text))


def _by_resident(rows: list[Known[Any]], resident: Any) -> dict[str, list[Known[Any]]]:
    found: dict[str, list[Known[Any]]] = defaultdict(list)
    for row in rows:
        found[resident(row[1])].append(row)
    return found
