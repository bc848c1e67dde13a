"""Publishing a period's results, restating them, and recording the population register:
commands run by the processor, each with its idempotency key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appraisal.application import access
from appraisal.application.appraising import Appraised, Appraising
from appraisal.application.records import population_view, publication_view
from appraisal.application.streams import PERIODS, POPULATION, RESULTS, population_key
from appraisal.domain import population, publication, results
from appraisal.domain.appraisal import drafts
from appraisal.domain.errors import PeriodNotOver
from appraisal.domain.periods import Period
from shared.commands import Session, Work
from shared.commands.processor import Handler
from shared.principal import Principal


class Publications:
    def __init__(self, appraising: Appraising) -> None:
        self._appraising = appraising

    def publish(self, who: Principal, period: Period, as_of: datetime, now: datetime) -> Work:
        """Reads the facts (call it from a thread), then returns the command that publishes."""
        access.may_publish(who)
        appraised = self._final(period, as_of, now)
        found, basis = drafts(appraised.appraisal), _basis(appraised)

        def handle(session: Session) -> dict[str, Any]:
            state, _ = session.load(PERIODS, period.code)
            decided = publication.publish(state, period.code, found, basis, session.context.now)
            return _record(session, period.code, decided)

        return Work(handle, reads=[(PERIODS, period.code)])

    def restate(  # noqa: PLR0913
        self, who: Principal, period: Period, as_of: datetime, now: datetime, reason: str, expected: int | None
    ) -> Work:
        access.may_publish(who)
        appraised = self._final(period, as_of, now)
        found, basis = drafts(appraised.appraisal), _basis(appraised)

        def handle(session: Session) -> dict[str, Any]:
            state, _ = session.load(PERIODS, period.code, expected_version=expected)
            decided = publication.restate(state, period.code, found, basis, reason, session.context.now)
            return _record(session, period.code, decided)

        return Work(handle, reads=[(PERIODS, period.code)])

    def _final(self, period: Period, as_of: datetime, now: datetime) -> Appraised:
        appraised = self._appraising.appraise(period, as_of, now, tagged=False)  # scores and whole strata
        if not appraised.appraisal.window.over:
            raise PeriodNotOver(f"{period.code} runs until {period.last}: publish it once it is over")
        return appraised


def _basis(appraised: Appraised) -> results.Basis:
    a = appraised.appraisal
    return results.Basis(0, a.catalogue.version, a.window.as_of, appraised.positions)


def _record(session: Session, period: str, decided: publication.Decided) -> dict[str, Any]:
    event, published = decided
    _, version = session.record(PERIODS, period, event)
    for r in published:
        session.start(RESULTS, r.result.result_id, r)  # a result id is never written twice
    return publication_view(event, published, version)


def record_population(  # noqa: PLR0913
    who: Principal, year: int, area_code: str, people: int, key: int, by_key: dict[str, int], expected: int | None
) -> Handler:
    access.may_record_population(who)

    def handle(session: Session) -> dict[str, Any]:
        stream = population_key(year, area_code)
        session.load(POPULATION, stream, expected_version=expected)
        event = population.record(year, area_code, people, key, by_key, session.context.now)
        recorded, version = session.record(POPULATION, stream, event)
        assert recorded is not None
        return population_view(recorded, version)

    return handle
