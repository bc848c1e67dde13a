"""Appraisal's command handlers on a store alone (no HTTP, no read model): publishing a period and
restating it from counts a stub hands over (the projection's own tests count them), and recording
the population register; in memory, and the same class once more on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Hashable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from appraisal.adapters.files.catalogue import load_catalogue
from appraisal.application.appraising import Appraising, Read
from appraisal.application.publication import Publications, record_population
from appraisal.application.streams import PERIODS, RESULTS
from appraisal.domain.appraisal import Counted
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.errors import AlreadyPublished, InvalidPopulation, NotPublished, PeriodNotOver
from appraisal.domain.facts import TeamFact, Where
from appraisal.domain.periods import Period
from appraisal.domain.results import StreamPosition
from appraisal.domain.strata import Stratum
from appraisal.settings import AppraisalSettings
from shared.commands import CommandContext, CommandProcessor, PreconditionFailed
from shared.eventstore import EventStore
from shared.principal import Principal
from shared.testing.eventstore import InMemory, OnPostgres, OpenStore

NOW = datetime(2027, 1, 20, 2, tzinfo=UTC)  # 20 January 2027, 10:00 in China
AS_OF = datetime(2027, 1, 14, 16, tzinfo=UTC)
ADMIN = Principal("admin", "admin")
T1, T2 = Where("T1", "I1", "440106"), Where("T2", "I2", "440106")
POSITIONS = (StreamPosition("fdcs.signing.contracts", 0, 41),)


class Counts:
    """A `FiguresSource` that counts nothing itself: satisfaction per team (each the one team of its
    institution), as the test sets it."""

    def __init__(self) -> None:
        self.satisfied = {"T1": (1, 2), "T2": (3, 4)}

    def counted(  # noqa: PLR0913
        self, version: CatalogueVersion, period: Period, moments: Sequence[datetime], area: str, tagged: bool = True,
        since: object = None, indicators: Collection[str] | None = None,
    ) -> Read:  # fmt: skip
        teams = {Stratum("team", team): n for team, n in self.satisfied.items()}
        institutions = {Stratum("institution", team.replace("T", "I")): n for team, n in self.satisfied.items()}
        totals = {"satisfaction": teams | institutions}
        counted = Counted(totals, [T1, T2], (TeamFact(T1), TeamFact(T2)), ())
        return Read([counted for _ in moments], POSITIONS, object())

    def unchanged(self, stamp: Hashable, period: Period, area: str, since: datetime, until: datetime) -> bool:
        return False

    def residents(self, stratum: Stratum, after: str, limit: int) -> list[str]:
        return []

    def cases(
        self, version: CatalogueVersion, period: Period, as_of: datetime, refs: Collection[str]
    ) -> dict[str, list[Case]]:
        return {}


class Office:
    """Appraisal's publications and the population register over one store."""

    def __init__(self, store: EventStore) -> None:
        self.store, self.processor, self.counts = store, CommandProcessor(store), Counts()
        settings = AppraisalSettings()
        appraising = Appraising(load_catalogue(settings.catalogue_file), self.counts, settings.timezone)
        self.publications = Publications(appraising)

    def run(self, work: Any, key: str | None = None) -> dict[str, Any]:
        context = CommandContext("admin", key or str(uuid.uuid4()), "f", "corr", "cause", NOW)
        outcome = self.processor.execute_now(work, context)
        return outcome.result | {"replayed": outcome.replayed}

    def publish(self, period: str = "2026", key: str | None = None) -> dict[str, Any]:
        return self.run(self.publications.publish(ADMIN, Period.parse(period), AS_OF, NOW), key)

    def restate(self, reason: str, expected: int | None = None) -> dict[str, Any]:
        return self.run(self.publications.restate(ADMIN, Period.parse("2026"), AS_OF, NOW, reason, expected))

    def population(self, people: int, key_population: int, expected: int | None = None) -> dict[str, Any]:
        by_key = {"hypertension": 40}
        return self.run(record_population(ADMIN, 2026, "440106", people, key_population, by_key, expected))

    def results(self) -> dict[str, str]:
        """The result standing for each subject."""
        state, _ = PERIODS.fold(self.store.read(PERIODS.stream_id("2026")))
        return {subject: result.result_id for (_, subject), result in state.current.items()}


class AppraisalHandlerTests:
    """Run by `TestAppraisalHandlersInMemory` and `TestAppraisalHandlersOnPostgres` below."""

    @pytest.fixture
    def office(self, stores: OpenStore) -> Iterator[Office]:
        opened = Office(stores())
        yield opened
        opened.processor.close()

    def test_a_period_is_published_once_with_what_it_was_computed_from(self, office: Office) -> None:
        first = office.publish(key="publish-2026")

        again = office.publish(key="publish-2026")
        with pytest.raises(AlreadyPublished):
            office.publish()
        with pytest.raises(PeriodNotOver):
            office.publish("2027")

        assert (first["version"], first["revision"], first["catalogue_version"]) == (1, 0, "2026.1")
        assert first["results_published"] == 4 and first["positions"] == [
            {"topic": "fdcs.signing.contracts", "partition": 0, "offset": 41}
        ]
        assert again == first | {"replayed": True}
        assert office.results() == {
            "T1": "ar-2026-team-T1",
            "T2": "ar-2026-team-T2",
            "I1": "ar-2026-institution-I1",
            "I2": "ar-2026-institution-I2",
        }

    def test_a_restatement_corrects_what_changed_and_keeps_the_original(self, office: Office) -> None:
        with pytest.raises(NotPublished):
            office.restate("too early")
        office.publish()
        office.counts.satisfied["T1"] = (2, 3)  # a late rating

        with pytest.raises(PreconditionFailed):
            office.restate("late ratings", expected=7)
        restated = office.restate("late ratings", expected=1)

        assert (restated["revision"], restated["results_restated"], restated["results_published"]) == (1, 2, 0)
        assert office.results() == {  # T1's satisfaction changed, and so its institution's; T2 and I2 stand
            "T1": "ar-2026-team-T1-r1",
            "T2": "ar-2026-team-T2",
            "I1": "ar-2026-institution-I1-r1",
            "I2": "ar-2026-institution-I2",
        }
        stored = office.store.read(RESULTS.stream_id("ar-2026-team-T1"))
        assert [e.type for e in stored] == ["appraisal.internal.ResultPublished.v1"], "never overwritten"

    def test_the_population_register_is_recorded_with_versions(self, office: Office) -> None:
        first = office.population(1000, 100)

        with pytest.raises(PreconditionFailed):
            office.population(900, 100, expected=0)
        with pytest.raises(InvalidPopulation):
            office.population(1000, 2000)
        second = office.population(900, 100, expected=1)

        assert (first["population"], first["version"], second["population"], second["version"]) == (1000, 1, 900, 2)


class TestAppraisalHandlersInMemory(InMemory, AppraisalHandlerTests):
    pass


class TestAppraisalHandlersOnPostgres(OnPostgres, AppraisalHandlerTests):
    pass
