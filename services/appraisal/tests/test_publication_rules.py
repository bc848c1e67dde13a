"""Given/when/then on the pure publication rules: published once, corrected by restatement."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import reduce

import pytest

from appraisal.domain.errors import AlreadyPublished, NotPublished, ReasonRequired
from appraisal.domain.publication import PeriodResults, evolve, publish, restate
from appraisal.domain.results import Basis, ResultRestated, StreamPosition, SubjectResult

NOW = datetime(2027, 1, 20, tzinfo=UTC)
BASIS = Basis(0, "2026.1", datetime(2027, 1, 15, tzinfo=UTC), (StreamPosition("fdcs.signing.contracts", 0, 41),))


def draft(subject: str, score: str = "70.00") -> SubjectResult:
    return SubjectResult("", "team", subject, "I1", "440106", Decimal(score), "qualified", 1, 1, (), ())


def given(*decisions: tuple[object, list[object]]) -> PeriodResults:
    return reduce(evolve, [d[0] for d in decisions], PeriodResults())


def test_publishing_names_each_result_and_remembers_it_as_current() -> None:
    period_event, results = publish(PeriodResults(), "2026", [draft("T1"), draft("T2")], BASIS, NOW)

    assert [r.result.result_id for r in results] == ["ar-2026-team-T1", "ar-2026-team-T2"]
    assert (period_event.basis, results[0].catalogue_version, results[0].revision) == (BASIS, "2026.1", 0)
    state = evolve(PeriodResults(), period_event)
    assert state.revision == 0 and state.current[("team", "T1")].result_id == "ar-2026-team-T1"


def test_a_period_is_published_once() -> None:
    published = given(publish(PeriodResults(), "2026", [draft("T1")], BASIS, NOW))

    with pytest.raises(AlreadyPublished):
        publish(published, "2026", [draft("T1")], BASIS, NOW)


def test_a_restatement_corrects_only_what_changed_naming_what_it_restates() -> None:
    published = given(publish(PeriodResults(), "2026", [draft("T1"), draft("T2")], BASIS, NOW))
    later = replace(BASIS, computed_as_of=datetime(2027, 2, 1, tzinfo=UTC))

    period_event, results = restate(
        published, "2026", [draft("T1", "64.50"), draft("T2"), draft("T3")], later, "late visits", NOW
    )

    assert period_event.basis.revision == 1 and period_event.reason == "late visits"
    changed, new = results
    assert isinstance(changed, ResultRestated) and not isinstance(new, ResultRestated)
    assert (changed.result.result_id, changed.restates_result_id) == ("ar-2026-team-T1-r1", "ar-2026-team-T1")
    assert (new.result.result_id, new.revision) == ("ar-2026-team-T3", 1)
    state = evolve(published, period_event)
    assert state.current[("team", "T1")].result_id == "ar-2026-team-T1-r1"
    assert state.current[("team", "T2")].result_id == "ar-2026-team-T2"


def test_a_restatement_needs_a_publication_and_a_reason() -> None:
    with pytest.raises(NotPublished):
        restate(PeriodResults(), "2026", [draft("T1")], BASIS, "late visits", NOW)
    published = given(publish(PeriodResults(), "2026", [draft("T1")], BASIS, NOW))
    with pytest.raises(ReasonRequired):
        restate(published, "2026", [draft("T1", "10.00")], BASIS, "  ", NOW)
