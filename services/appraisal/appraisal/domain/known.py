"""Facts with the time each became known, and the facts known by a moment: what the
appraisal's window sees of them (a fact counts from the instant its source recorded it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import compress
from typing import Any, Generic, TypeVar

from appraisal.domain import facts as f

T = TypeVar("T")
Known = tuple[datetime, T]
"""A fact and when its source recorded it."""


class Knowns(Generic[T]):
    """Facts in the order they were read, and when each became known."""

    def __init__(self, rows: Iterable[Known[T]] = ()) -> None:
        pairs = tuple(rows)  # unzipped in C: a resident's readings are hundreds, read again at each new fact
        known_at, facts = zip(*pairs, strict=True) if pairs else ((), ())
        self.known_at: tuple[datetime, ...] = known_at
        self.facts: tuple[T, ...] = facts
        self._latest = max(self.known_at, default=None)
        self._ticks: list[int] | None = None  # made when first asked: most kinds are known whole at a moment asked

    def by(self, moment: datetime) -> tuple[T, ...]:
        """Those known by `moment`, in the same order (a series asks this at every point)."""
        if self._latest is None or self._latest <= moment:
            return self.facts
        if self._ticks is None:
            self._ticks = [_ticks(k) for k in self.known_at]  # integers compare much faster than aware times
        m = _ticks(moment)
        return tuple(compress(self.facts, [known_at <= m for known_at in self._ticks]))


def _ticks(instant: datetime) -> int:
    """Microseconds since 1970, exactly."""
    return (instant - _EPOCH) // _MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)  # made once: a history asks its ticks of every fact


def with_endings(
    starts: Iterable[f.ContractFact], endings: Iterable[tuple[str, f.Ending]]
) -> tuple[f.ContractFact, ...]:
    """Each contract as its start and its ending make it, by id: a start and an ending are
    separate facts, each known from its own time. Given latest known starts first and
    latest ended endings first, a contract's earliest known start and earliest ending win."""
    started = {c.contract_id: c for c in starts}
    ended = _endings(tuple(endings), started)
    return tuple(replace(c, ending=ended[i]) if i in ended else c for i, c in sorted(started.items()))


def _endings(latest_first: tuple[tuple[str, f.Ending], ...], started: dict[str, f.ContractFact]) -> dict[str, f.Ending]:
    """Each contract's earliest known ending, unless a reinstatement known since undid it (an
    expiry the job made too early): then the contract runs on as if it had never expired."""
    endings: dict[str, f.Ending] = {}
    for i, e in reversed(latest_first):
        if i not in started:
            continue
        if e.kind == "reinstated":
            if i in endings and endings[i].kind == "expired":
                del endings[i]
        else:
            endings.setdefault(i, e)
    return endings


KINDS = ("contracts", "endings", "visits", "ratings", "referrals", "care", "appointments", "readings")
"""The kinds of a resident's facts (the fields of a history)."""


@dataclass(frozen=True)
class ResidentHistory:
    """One resident's facts (the cases of every indicator are each of one resident), in the
    order the facts reader gives them: contract starts latest known first, endings latest ended first."""

    contracts: Knowns[f.ContractFact]
    endings: Knowns[tuple[str, f.Ending]]
    visits: Knowns[f.VisitFact]
    ratings: Knowns[f.RatingFact]
    referrals: Knowns[f.ReferralStep]
    care: Knowns[f.CareFact]
    appointments: Knowns[f.AppointmentStep] = field(default_factory=Knowns)
    readings: Knowns[f.RemoteReading] = field(default_factory=Knowns)
    _seen: dict[datetime, f.Facts] = field(default_factory=dict, init=False, repr=False, compare=False)
    """The facts known by each moment asked: every period of the resident's years asks the same moments."""

    def as_of(self, moment: datetime) -> f.Facts:
        if (found := self._seen.get(moment)) is None:
            found = self._seen[moment] = f.Facts(
                contracts=with_endings(self.contracts.by(moment), self.endings.by(moment)),
                visits=self.visits.by(moment),
                ratings=self.ratings.by(moment),
                referrals=self.referrals.by(moment),
                care=self.care.by(moment),
                appointments=self.appointments.by(moment),
                readings=self.readings.by(moment),
            )
        return found

    def known_from(self, moment: datetime) -> int:
        """How many of the facts were known at or after `moment`."""
        return sum(at >= moment for facts in self._kinds for at in facts.known_at)

    @property
    def _kinds(self) -> tuple[Knowns[Any], ...]:
        kinds = (self.contracts, self.endings, self.visits, self.ratings, self.referrals, self.care, self.appointments)
        return (*kinds, self.readings)

    @property
    def known_at(self) -> tuple[datetime, ...]:
        """Every moment a fact of the resident became known."""
        return tuple(sorted({at for facts in self._kinds for at in facts.known_at}))
