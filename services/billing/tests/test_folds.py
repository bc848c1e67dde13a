"""A stream read whole from the store folds to the state its events give one at a time (as a
command's cached state takes them): `StreamType.whole` is only the faster way there."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from billing.application.performance import _key_population
from billing.application.streams import BOOKS, EVENTS, INSTITUTION_YEARS, MEMBER_YEARS, RESIDENTS, YEARS
from billing.domain import book
from billing.domain import capitation_year as cy
from billing.domain import performance_year as py
from billing.domain.reconciliation import Figures
from shared.eventstore.memory import open_memory
from shared.eventstore.records import EventMeta, NewEvent, RecordedEvent
from shared.eventstore.streams import StreamType

META = EventMeta("e", datetime(2026, 1, 6, tzinfo=UTC), "c", "c", "test")


def stored(kind: StreamType[Any], events: list[object]) -> list[RecordedEvent]:
    return [RecordedEvent("s", n, *kind.events.encode(e), META) for n, e in enumerate(events, 1)]


def one_at_a_time(kind: StreamType[Any], events: list[object]) -> Any:
    state, version = kind.fold(stored(kind, events), kind.initial)  # a state given: `evolve` for each
    assert version == len(events)
    return state


def read_whole(kind: StreamType[Any], events: list[object]) -> Any:
    assert kind.whole is not None
    state, version = kind.fold(stored(kind, events))
    assert version == len(events)
    return state


def test_a_members_year_read_whole_is_its_services_credited_one_at_a_time() -> None:
    visit = py.ContributionNoted("ev-1", "visits", date(2025, 3, 1), "r_a")
    events: list[object] = [
        visit,
        py.ContributionNoted("ev-2", "follow_ups", date(2025, 3, 2), "r_b"),
        py.ContributionNoted("ev-3", "good_ratings", date(2025, 4, 1), "r_a"),
        py.ContributionNoted("ev-2", "follow_ups", date(2025, 3, 3), "r_b"),  # as `evolve_member`: the latest
    ]

    whole = read_whole(MEMBER_YEARS, events)

    assert whole == one_at_a_time(MEMBER_YEARS, events)
    assert list(whole.credited) == ["ev-1", "ev-2", "ev-3"]
    assert whole.credited["ev-1"] == visit
    assert whole.credited["ev-2"].on == date(2025, 3, 3)
    assert read_whole(MEMBER_YEARS, []) == MEMBER_YEARS.initial
    with pytest.raises(ValueError, match="member's year"):
        py.member_of([py.TeamInYear("T1")])


def test_the_book_read_whole_is_its_ledgers_registered_one_at_a_time_each_institutions_in_order() -> None:
    at = datetime(2026, 2, 1, tzinfo=UTC)
    events: list[object] = [
        book.LedgerRegistered("CHC-1~insurance_fund~MIB-1", "CHC-1"),
        book.LedgerRegistered("CHC-2~resident~-", "CHC-2"),
        book.PeriodsClosed("2026-01", at),
        book.LedgerRegistered("CHC-1~resident~-", "CHC-1"),
        book.LedgerRegistered("CHC-1~insurance_fund~MIB-1", "CHC-1"),  # registered again: nothing new
        book.PeriodsReopened("2026-01", "2025-12", "operator_error", at),
        book.LedgerRegistered("CHC-1~insurance_fund~MIB-2", "CHC-1"),
    ]

    whole = read_whole(BOOKS, events)

    assert whole == one_at_a_time(BOOKS, events)
    assert whole.closed_through == "2025-12"
    assert list(whole.ledgers) == [
        "CHC-1~insurance_fund~MIB-1",
        "CHC-2~resident~-",
        "CHC-1~resident~-",
        "CHC-1~insurance_fund~MIB-2",
    ]
    assert whole.of_institution("CHC-1") == [k for k, i in whole.ledgers.items() if i == "CHC-1"]  # the scan's answer
    assert whole.of_institution("CHC-1") == [
        "CHC-1~insurance_fund~MIB-1",
        "CHC-1~resident~-",
        "CHC-1~insurance_fund~MIB-2",
    ]
    assert (whole.of_institution("CHC-2"), whole.of_institution("CHC-9")) == (["CHC-2~resident~-"], [])
    assert read_whole(BOOKS, []) == BOOKS.initial
    with pytest.raises(ValueError, match="settlement book"):
        book.book_of([py.TeamInYear("T1")])


def an_institutions_year() -> list[object]:
    at = datetime(2026, 1, 31, tzinfo=UTC)
    figures = Figures(1000, 200, 100, 50, 350, 650, 325, 325, 0, 0, 0, 675)
    reconciled = cy.CapitationReconciliationRecorded(
        "capitation/team/T1/2025/0", "team", "T1", "CHC-1", "440106", "insurance_fund", "MIB-1", 2025, 0, None,
        1, figures, None, {"r_a": 1000}, {"r_a": 350}, {"r_a": 365}, at,
    )  # fmt: skip
    restated = replace(reconciled, reconciliation_id="capitation/team/T1/2025/1", sequence=1, difference=figures)
    advance = cy.CapitationAdvanceBooked("adv-1", "CHC-1", "440106", "insurance_fund", "MIB-1", 2025, 1, 1, 80, 80, at)
    return [
        cy.ResidentInYear("r_a"),  # its roster, in the year's own stream before the institutions'
        cy.ReferralFeeCharged("ref-1", "T1", "CHC-1", "440106", date(2025, 5, 6)),
        advance,
        cy.ReferralFeeCharged("ref-2", "T2", "CHC-1", "440106", date(2025, 6, 1)),
        reconciled,
        cy.ReferralFeeCharged("ref-1", "T1", "CHC-1", "440106", date(2025, 5, 7)),  # the same referral again
        replace(advance, advance_id="adv-1b", amount_fen=81),
        restated,
    ]


def test_an_institutions_year_read_whole_is_its_events_one_at_a_time() -> None:
    events = an_institutions_year()

    whole = read_whole(INSTITUTION_YEARS, events)

    assert whole == one_at_a_time(INSTITUTION_YEARS, events)
    assert list(whole.referrals) == ["ref-1", "ref-2"]
    assert whole.referrals["ref-1"].completed_on == date(2025, 5, 7)  # the latest, as `evolve_year` keeps
    assert [a.amount_fen for a in whole.advances.values()] == [81]
    assert [r.sequence for r in whole.latest.values()] == [1]
    assert read_whole(INSTITUTION_YEARS, []) == INSTITUTION_YEARS.initial
    with pytest.raises(ValueError, match="capitation year"):
        cy.year_of_institution([cy.TeamCovered("T1", "CHC-1", "440106")])


def test_a_year_kept_before_in_its_own_stream_reads_whole_as_one_at_a_time() -> None:
    events = [cy.TeamCovered("T1", "CHC-1", "440106"), *an_institutions_year(), cy.TeamCovered("T2", "CHC-1", "440106")]

    whole = read_whole(YEARS, events)

    assert whole == one_at_a_time(YEARS, events)
    assert whole.roster_before and list(whole.teams) == ["T1", "T2"]
    assert whole.before == read_whole(INSTITUTION_YEARS, an_institutions_year())
    assert not read_whole(YEARS, [cy.TeamCovered("T1", "CHC-1", "440106")]).roster_before


def test_a_resident_s_key_population_comes_from_their_coverages_as_ended_not_their_claims() -> None:
    """The distribution reads only the coverage events of a served resident's stream (claims, most
    of it, are not decoded): an ending still shortens a coverage, so a label ended before the
    year is not the year's."""
    store, at = open_memory(), datetime(2025, 1, 1, tzinfo=UTC)
    meta = EventMeta("e", at, "c", "c", "test")
    for ref, last_day in (("r_ended", date(2024, 6, 30)), ("r_kept", None)):
        noted = cy.CoverageNoted(
            ref, f"c-{ref}", "T1", "CHC-1", "440106", None, ("hypertension",), date(2024, 1, 1), date(2025, 12, 31)
        )
        claims = [cy.ClaimNoted(ref, f"x/{ref}-{n}", "CHC-1", 100, date(2025, 3, n + 1), "own_outpatient", None)
                  for n in range(3)]  # fmt: skip
        events = [noted, *([cy.CoverageEnded(noted.contract_id, last_day)] if last_day else []), *claims]
        stream = RESIDENTS.stream_id(ref)
        store.append([NewEvent(stream, n, *EVENTS.encode(e), meta) for n, e in enumerate(events, 1)])

    assert _key_population(store, ["r_ended", "r_kept"], 2025) == ["r_kept"]
    assert _key_population(store, ["r_ended", "r_kept"], 2024) == ["r_ended", "r_kept"]
