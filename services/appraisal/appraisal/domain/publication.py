"""Publishing a period's results, and restating them: a correction is new results that name
the ones they restate, never an overwrite; the originals stay as they were published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from appraisal.domain.errors import AlreadyPublished, NotPublished, ReasonRequired
from appraisal.domain.results import (
    Basis,
    Entry,
    PeriodPublished,
    PeriodRestated,
    ResultPublished,
    ResultRestated,
    SubjectResult,
)


@dataclass(frozen=True)
class PeriodResults:
    revision: int = -1
    """-1 until published; 0 for the publication, n for the n-th restatement."""
    current: Mapping[tuple[str, str], Entry] = field(default_factory=dict)


Decided = tuple[PeriodPublished | PeriodRestated, list[ResultPublished]]


def publish(state: PeriodResults, period: str, drafts: list[SubjectResult], basis: Basis, now: datetime) -> Decided:
    if state.revision >= 0:
        raise AlreadyPublished(f"{period} is published; correct it with a restatement")
    results = [
        _published(period, replace(d, result_id=_id(period, d)), replace(basis, revision=0), now) for d in drafts
    ]
    return PeriodPublished(period, replace(basis, revision=0), now, _entries(results)), results


def restate(  # noqa: PLR0913
    state: PeriodResults, period: str, drafts: list[SubjectResult], basis: Basis, reason: str, now: datetime
) -> Decided:
    """New results for the subjects whose result changed (or that are new); the rest stand."""
    if state.revision < 0:
        raise NotPublished(f"{period} has not been published: there is nothing to restate")
    if not reason.strip():
        raise ReasonRequired("a restatement says why the published results change")
    revision = state.revision + 1
    basis = replace(basis, revision=revision)
    results: list[ResultPublished] = []
    for d in drafts:
        was = state.current.get(d.key)
        if was is None:
            results.append(_published(period, replace(d, result_id=_id(period, d)), basis, now))
        elif was.digest != d.digest:
            now_is = replace(d, result_id=f"{_id(period, d)}-r{revision}")
            restated = _published(period, now_is, basis, now)
            results.append(ResultRestated(**vars(restated), restates_result_id=was.result_id, reason=reason))
    return PeriodRestated(period, basis, reason, now, _entries(results)), results


def evolve(state: PeriodResults, event: object) -> PeriodResults:
    match event:
        case PeriodPublished() | PeriodRestated():
            current = dict(state.current) | {(e.subject_kind, e.subject_id): e for e in event.entries}
            return PeriodResults(event.basis.revision, current)
    raise ValueError(f"{type(event).__name__} does not apply to a period's results")


def evolve_result(_: ResultPublished | None, event: object) -> ResultPublished:
    if isinstance(event, ResultPublished):
        return event
    raise ValueError(f"{type(event).__name__} does not apply to a result")


def _id(period: str, d: SubjectResult) -> str:
    return f"ar-{period}-{d.subject_kind}-{d.subject_id}"


def _published(period: str, result: SubjectResult, basis: Basis, now: datetime) -> ResultPublished:
    return ResultPublished(period, basis.revision, result, basis.catalogue_version, basis.computed_as_of, now)


def _entries(results: list[ResultPublished]) -> tuple[Entry, ...]:
    return tuple(Entry(*r.result.key, r.result.result_id, r.result.digest) for r in results)
