"""A ledger that forgets what a paid-out settlement puts beyond any reopening decides exactly as
the ledger that kept everything (its `evolve` before, kept here as the oracle): the same
bookings, settlements, reversals or refusals, releases and restatements, whatever the order of
charges, closes, reopenings and appraisal results, and from a snapshot the code before kept."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from fractions import Fraction
from functools import reduce

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from billing.application.streams import LEDGERS
from billing.domain import book, ledger, release, reopening
from billing.domain.errors import WithheldAlreadyReleased
from billing.domain.fee_rules import ReleaseRule
from billing.domain.periods import Calendar

NOW = datetime(2026, 4, 2, 2, tzinfo=UTC)
MONTHLY = Calendar(1)
REF = ledger.LedgerRef("CHC-1", "440106", "insurance_fund", "MIB-1")
PERIODS = [f"{year}-{month:02}" for year in (2025, 2026) for month in range(1, 13)]
APPRAISALS = ["2025", "2025-H1", "2025-H2", "2025-Q4", "2026", "2026-Q1", "2026-03"]
SUBJECTS = [("institution", "CHC-1"), ("team", "T0"), ("team", "T1")]


def unbounded(state: ledger.Ledger | None, event: object) -> ledger.Ledger | None:
    """The oracle: `ledger.evolve` as it was, keeping every settlement and its contracts."""
    match event:
        case ledger.PeriodSettled(period=p) if state is not None:
            new = tuple(ledger.Withheld(p, team, fen) for team, fen in event.withheld_by_team.items())
            return replace(
                state,
                open={k: c for k, c in state.open.items() if k != p},
                withheld=state.withheld + new,
                settlements={**state.settlements, p: event},
                settled=ledger._adding(state.settled, p, state.open.get(p)),
            )
        case ledger.WithheldReleased() if state is not None:
            paid = set(ledger.withheld_pot(state, event.appraisal_period, event.subject_kind, event.subject_id))
            return replace(
                state,
                withheld=tuple(w for w in state.withheld if w not in paid),
                releases={**state.releases, event.release_id: event},
            )
    return ledger.evolve(state, event)


def share(period: str) -> Fraction:
    return Fraction(0) if period.endswith("-06") else Fraction(3, 10)  # June withholds nothing


@dataclass
class Twins:
    """One ledger's events decided on the bounded state and on the oracle's, which must agree."""

    bounded: ledger.Ledger
    whole: ledger.Ledger
    book_closed: str | None = None
    stream: list[object] = field(default_factory=list)

    def decided(self, bounded: object, whole: object) -> None:
        assert bounded == whole
        decided = bounded if isinstance(bounded, list) else [bounded] if bounded is not None else []
        for e in decided:
            self.bounded, self.whole = ledger.evolve(self.bounded, e), unbounded(self.whole, e)  # type: ignore[assignment]
        self.stream += decided

    def post(self, n: int, origin: str, contract: int, fen: int) -> None:
        charged = ledger.ChargeBooked(
            REF, f"ch{n}", f"c{contract}", "r_x", f"T{contract % 2}", 1, origin, origin, fen, "annual_fee", NOW
        )
        self.decided(*(ledger.book(s, charged, MONTHLY, self.book_closed) for s in (self.bounded, self.whole)))

    def close(self, through: str) -> None:
        self.book_closed = ledger.later(self.book_closed, through)
        self.decided(*(ledger.settle(s, self.book_closed, share, NOW) for s in (self.bounded, self.whole)))

    def reopen(self, period: str) -> str:
        if self.book_closed is None or period > self.book_closed:
            return "not closed"
        reopened = book.reopening(period, "closed_too_early", MONTHLY, NOW)
        kept = [bool(reopening.released(s, period)) for s in (self.bounded, self.whole)]
        assert kept[0] == kept[1]
        if kept[0]:
            whole_refusals = {s.settlement_id for s in reopening.released(self.whole, period)}
            for state in (self.bounded, self.whole):
                with pytest.raises(WithheldAlreadyReleased) as refused:
                    reopening.reverse(state, reopened)
                assert any(f"{s} was released" in str(refused.value) for s in whole_refusals)  # as the oracle
            return "refused"
        self.decided(reopening.reverse(self.bounded, reopened), reopening.reverse(self.whole, reopened))
        self.book_closed = reopened.through
        return "reopened"

    def appraise(self, n: int, appraisal: str, subject: int, score: int) -> None:
        kind, subject_id = SUBJECTS[subject]
        result = release.AppraisalResult(f"ar-{n}", None, appraisal, kind, subject_id, "CHC-1", Fraction(score))
        rule = ReleaseRule(subject_kind=kind)  # type: ignore[arg-type]
        self.decided(*(release.release(s, result, rule, NOW) for s in (self.bounded, self.whole)))

    def restart_from_a_snapshot_kept_before(self) -> None:
        """A process of this code reads the snapshot the code before kept (same shape)."""
        kept = LEDGERS.snapshots
        assert kept is not None
        self.bounded = kept.load(kept.dump(self.whole))  # type: ignore[assignment]


Step = tuple[str, int, int, int]
posts = st.tuples(st.just("post"), st.integers(0, 23), st.integers(0, 5), st.integers(-3000, 9000))
appraisals = st.tuples(st.just("appraise"), st.integers(0, len(APPRAISALS) - 1), st.integers(0, 2), st.integers(0, 100))
steps = st.lists(
    st.one_of(
        *(posts, posts, appraisals, appraisals),  # twice as often: a close, reopening or release finds its part
        st.tuples(st.just("close"), st.integers(0, 23), st.just(0), st.just(0)),
        st.tuples(st.just("reopen"), st.integers(0, 23), st.just(0), st.just(0)),
        st.tuples(st.just("restart"), st.just(0), st.just(0), st.just(0)),
    ),
    min_size=30,
    max_size=80,
)


@settings(max_examples=300)
@given(steps)
def test_the_bounded_ledger_decides_as_the_one_that_kept_everything(interleaved: list[Step]) -> None:
    opened = ledger.LedgerOpened(REF, None)
    twins = Twins(ledger.Ledger(REF), ledger.Ledger(REF), stream=[opened])
    for n, (kind, at, which, amount) in enumerate(interleaved):
        if kind == "post":
            twins.post(n, PERIODS[at], which, amount)
        elif kind == "close":
            twins.close(PERIODS[at])
        elif kind == "reopen":
            event(f"reopening {twins.reopen(PERIODS[at])}")
        elif kind == "appraise":
            twins.appraise(n, APPRAISALS[at], which, amount)
        else:
            twins.restart_from_a_snapshot_kept_before()

    folded = reduce(ledger.evolve, twins.stream, None)  # the stream as this code folds it
    assert folded is not None
    paid = [p for p, s in twins.whole.settlements.items() if ledger.paid_out(twins.whole, s)]
    event("periods paid out" if paid else "none paid out")
    if paid:
        assert all(p > max(paid) for p in folded.settled)  # nothing of a period paid out kept...
        assert min(folded.settlements) == max(paid)  # ...but the latest one paid out: the refusal's marker


def test_a_snapshot_kept_by_the_code_before_decides_alike_and_is_bounded_from_its_next_settlement() -> None:
    """The state's fields are as they were, and so is the snapshot's shape: one written before
    this code holds every period's contracts, is read back, and forgets them at its next settlement."""
    twins = Twins(ledger.Ledger(REF), ledger.Ledger(REF))
    for n, period in enumerate(PERIODS[:15]):
        twins.post(n, period, n % 3, 1000)
        twins.close(period)
    twins.appraise(99, "2025", 0, 90)
    twins.restart_from_a_snapshot_kept_before()

    assert len(twins.bounded.settled) == 15  # as the code before kept it
    assert twins.reopen("2025-06") == "refused"  # alike: the twins assert it
    assert twins.reopen("2026-02") == "reopened"
    twins.post(100, "2026-04", 1, 10)
    twins.close("2026-04")

    assert sorted(twins.bounded.settled) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert twins.book_closed == "2026-04" and twins.bounded.reversals == {"2026-02": 1, "2026-03": 1}
