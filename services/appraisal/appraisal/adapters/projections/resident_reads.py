"""The facts of a few residents, every one known so far, as each resident's history: one
query per fact table for all of them, the eight sent at once (one round trip a batch), each
in the partitions of the cities where their facts are (a resident's team may move city)."""

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
    RESIDENT_WHERES,
    VISITS,
    city_of,
)
from appraisal.domain.known import Knowns, ResidentHistory

EVER = datetime.max.replace(tzinfo=UTC)


def histories(
    conn: Connection, refs: Collection[str], without: Collection[str] = (), cities: Collection[str] | None = None
) -> dict[str, ResidentHistory]:
    """In the facts reader's order, so each history is what an appraisal reads of the resident.
    `without`: the ids of events whose facts to leave out (a batch's own, to see the facts before it).
    `cities`: where their facts are, if the caller asked already (`CITIES`; a few more do no harm)."""
    found = cities_of(conn, refs) if cities is None else cities
    params = {"refs": list(refs), "without": list(without), "ever": EVER, "cities": list(found)}
    contracts, endings, *others = reads.Read.together(conn, _reads(bool(without)), params)
    whose = {c.contract_id: c.resident_ref for _, c in contracts}
    kinds = (
        _by_resident(contracts, lambda c: c.resident_ref),
        _by_resident(endings, lambda e: whose[e[0]]),
        *(_by_resident(rows, lambda fact: fact.resident_ref) for rows in others),
    )
    return {ref: ResidentHistory(*(Knowns(kind.get(ref, ())) for kind in kinds)) for ref in refs}


def cities_of(conn: Connection, refs: Collection[str]) -> list[str]:
    """Every city whose partitions hold a fact of these residents: those of the areas their facts
    name, noted with the facts (`RESIDENT_WHERES`), read in the key of its rows. A few index
    probes where the reads would probe each city's indexes (22 in a province) for each resident."""
    return in_cities(conn.execute(CITIES, {"refs": list(refs)}).all())


def in_cities(areas: Collection[tuple[str]]) -> list[str]:
    """The cities of `CITIES`' rows."""
    return sorted({city_of(area) for (area,) in areas})


_REFS = bindparam("refs", type_=ARRAY(Text))
CITIES = select(RESIDENT_WHERES.c.area_code).where(RESIDENT_WHERES.c.resident_ref == any_(_REFS)).distinct()
"""The areas the residents `refs`' facts name (`cities_of`); a constant, to be sent with other statements."""


@cache
def _reads(leaving_out: bool) -> tuple[reads.Read[Any], ...]:
    """Made once, with named parameters: their text is compiled once and stays the same."""
    refs, without, cities = _REFS, bindparam("without", type_=ARRAY(Text)), bindparam("cities", type_=ARRAY(Text))
    ever: Any = bindparam("ever")

    def of(t: Table, resident: Any) -> Any:
        theirs = resident == any_(refs)
        if "city" in t.c:  # in their cities' partitions only
            theirs = theirs & (t.c.city == any_(cities))
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
