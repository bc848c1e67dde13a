"""What one resident's cases of an indicator add up to, from an as-of on, over facts that no
longer change: a fact known at `since` changes the figures by the difference between these
sums over the facts with it and over the facts before it (when every other fact of the
resident was known before it, the common case).

A method may state its own steps (`Method.steps`): only the day the window sees moves on, so
they follow from the few days its cases turn on. Otherwise they come from asking the method
at its turns (`sampled`). A property test holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.catalogue import CatalogueVersion, Indicator
from appraisal.domain.facts import Facts, Where
from appraisal.domain.indicators import METHODS
from appraisal.domain.known import Knowns, ResidentHistory
from appraisal.domain.trajectory import Segment, segments

Net = dict[tuple[datetime, Where, tuple[str, ...]], tuple[int, int]]
"""Steps added up per as-of, team (or area) and key populations."""


def sampled(version: CatalogueVersion, indicator: Indicator, facts: Facts, ahead: Ahead) -> list[Step]:
    """The steps, by asking the method at every turn of a history where all the facts were known at `since`."""
    known = ahead.since
    history = ResidentHistory(
        Knowns((known, c) for c in facts.contracts),  # their endings already in them,
        Knowns((known, (c.contract_id, c.ending)) for c in facts.contracts if c.ending),  # and the days they turn on
        Knowns((known, v) for v in facts.visits),
        Knowns((known, r) for r in facts.ratings),
        Knowns((known, s) for s in facts.referrals),
        Knowns((known, c) for c in facts.care),
        Knowns((known, a) for a in facts.appointments),
        Knowns((known, r) for r in facts.readings),
    )
    return held(segments(version, ahead.period, ahead.zone, history, known, [indicator]), known)


def held(found: Iterable[Segment], since: datetime) -> list[Step]:
    """Segments as steps from `since` on: each adds its case's counts from when it begins to hold, until it ends."""
    out: list[Step] = []
    for s in found:
        c = s.case
        if s.valid_to is not None and s.valid_to <= since:
            continue
        out.append((max(s.valid_from, since), c.where, c.key_populations, c.numerator, c.denominator))
        if s.valid_to is not None:
            out.append((s.valid_to, c.where, c.key_populations, -c.numerator, -c.denominator))
    return out


def steps_of(version: CatalogueVersion, indicator: Indicator, facts: Facts, ahead: Ahead) -> list[Step]:
    method = METHODS[indicator.method]
    if method.steps is None:
        return sampled(version, indicator, facts, ahead)
    return method.steps(facts, ahead, indicator.parameters)


def net(steps: Iterable[Step], sign: int = 1, into: Net | None = None) -> Net:
    """The steps added up per as-of, team and key populations, with what adds up to nothing left out."""
    found: Net = {} if into is None else into
    for at, where, tags, n, d in steps:
        was = found.get((at, where, tags), (0, 0))
        found[(at, where, tags)] = (was[0] + sign * n, was[1] + sign * d)
    return {key: sums for key, sums in found.items() if sums != (0, 0)}


def changed(
    version: CatalogueVersion, indicator: Indicator, before: Facts | list[Step], after: Facts, ahead: Ahead
) -> tuple[Net, list[Step]]:
    """What the facts known at `since` change from then on: the steps with them less the steps
    before (`before`: the facts before them, or their steps already stated from `since` on); and
    the steps with them, which the next instant's facts before are."""
    if isinstance(before, Facts):
        before = steps_of(version, indicator, before, ahead) if _any(before) else []  # a new resident: nothing before
    new = steps_of(version, indicator, after, ahead)
    return ({} if before == new else net(before, -1, net(new))), new  # most new facts change most indicators not at all


def from_since(steps: list[Step], since: datetime) -> list[Step]:
    """A method's own steps, stated from an earlier as-of, from `since` on: the same steps with
    each earlier as-of moved to `since`. Over the same facts its steps turn only on the days
    the window sees (`Ahead.sees`), so these add up to the steps stated from `since`
    (a case ended by then is counted and taken back at `since`, which `net` leaves out)."""
    return [(max(at, since), where, tags, n, d) for at, where, tags, n, d in steps]


def own_steps(indicator: Indicator) -> bool:
    """Whether the method states its own steps (the others' come from asking it at its turns)."""
    return METHODS[indicator.method].steps is not None


def _any(facts: Facts) -> bool:
    kinds = (facts.contracts, facts.visits, facts.ratings, facts.referrals, facts.care, facts.appointments)
    return any(kinds) or bool(facts.readings)
