"""What a resident's new facts change in the figures, in every period of every year their
facts name (under the catalogue version in force for it), from the time they were known on:
per period and indicator, the changes by instant, team (or area) and key populations (a
`steps.Net`; the strata follow from them). Only the periods the new facts reach, and there
only the indicators reading their kinds, can change.

- `in_turn`: every other fact of the resident was known before the new ones (facts arrive as
  they happen: the common case). Then, one known instant at a time, the change is each
  method's steps over the facts with the new ones less its steps over the facts before them.
- `late`: a new fact was recorded after others of the resident known since. Then the
  resident's trajectory before and with the new facts is asked anew from when it was known.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.catalogue import Catalogue, CatalogueVersion, Indicator
from appraisal.domain.errors import NoCatalogueInForce
from appraisal.domain.facts import Facts
from appraisal.domain.indicators import METHODS
from appraisal.domain.known import ResidentHistory
from appraisal.domain.periods import Period, periods_of
from appraisal.domain.reach import ON, Reach, reach
from appraisal.domain.steps import Net, changed, from_since, held, net, own_steps
from appraisal.domain.trajectory import segments

_TICK = timedelta(microseconds=1)


Changes = dict[tuple[str, str], Net]
"""Per period code and indicator, the changes to its figures."""


def in_turn(catalogue: Catalogue, zone: tzinfo, history: ResidentHistory, instants: Sequence[datetime]) -> Changes:
    """`instants`: when the new facts were known, in order; every other fact of `history` known before the first."""
    found: Changes = {}
    stated: dict[tuple[str, str], list[Step]] = {}  # per pair, the steps over the last facts
    last: Facts | None = None
    for since in instants:
        before, now = history.as_of(since - _TICK), history.as_of(since)
        if before != last:  # else no other fact was known between: steps stated over them hold from `since` on,
            stated = {}  # and a pair the last instant's facts did not reach has the same steps as before them
        elif last is not None:
            before = last  # the same facts: what the indicators worked out from them holds too (`Facts.derived`)
        new = reach(before, now, zone, shared=True)
        for version, period, chosen in _reached(catalogue, new.years(), new, now):
            ahead = Ahead(period, zone, since)
            for i in chosen:
                key = (period.code, i.id)
                old = from_since(stated[key], since) if key in stated else before
                change, steps = changed(version, i, old, now, ahead)
                if change:
                    _add(found, key, change)
                if own_steps(i):
                    stated[key] = steps
        last = now
    return found


def late(
    catalogue: Catalogue, zone: tzinfo, before: ResidentHistory, after: ResidentHistory, since: datetime
) -> Changes:
    """`before`: the resident's facts without the new ones; `after`: with them, the earliest known at `since`."""
    changes: Changes = {}
    latest = after.as_of(_EVER)
    # The new facts, and what the resident is known by `since` that they were not before: a
    # fact the same as one known later (a step recorded twice) is no new fact, but is known sooner.
    new = reach(before.as_of(_EVER), latest, zone) | reach(before.as_of(since), after.as_of(since), zone)
    for version, period, chosen in _reached(catalogue, new.years(), new, latest):
        old_ones = segments(version, period, zone, before, since, chosen)
        new_ones = segments(version, period, zone, after, since, chosen)
        for i in chosen:
            was, now = ([s for s in found if s.indicator_id == i.id] for found in (old_ones, new_ones))
            if change := net(held(was, since), -1, net(held(now, since))):
                _add(changes, (period.code, i.id), change)
    return changes


_EVER = datetime.max.replace(tzinfo=UTC)


def _add(found: Changes, key: tuple[str, str], change: Net) -> None:
    if key in found:
        change = net(((*k, *sums) for k, sums in change.items()), 1, found[key])
    found[key] = change


def _reached(
    catalogue: Catalogue, years: Sequence[int], new: Reach, facts: Facts
) -> Iterator[tuple[CatalogueVersion, Period, list[Indicator]]]:
    """`years`: those the new facts name a day of, in order (`Reach.years`: any period they reach is
    in one, so they, not all the resident's facts, are where to look); `facts`: theirs with the new
    ones (an indicator they do not concern has no case of them)."""
    readers: dict[int, list[tuple[Indicator, int]]] = {}  # per version: the same for each period
    for year in years:
        for period in periods_of(year):
            within = new.within(period)
            if not any(within):
                continue
            try:
                version = catalogue.for_period(period)
            except NoCatalogueInForce:
                continue  # no appraisal of such a period exists
            if (found := readers.get(id(version))) is None:
                found = readers[id(version)] = _readers(version, new.kinds, facts)
            if chosen := [i for i, on in found if within[on]]:
                yield version, period, chosen


def _readers(version: CatalogueVersion, kinds: frozenset[str], facts: Facts) -> list[tuple[Indicator, int]]:
    """The version's indicators reading a kind of the new facts and concerning the resident,
    each with the days of the new facts it counts its cases on (`Method.counted_on`, `Reach.within`'s index)."""
    found = []
    for i in version.indicators:
        m = METHODS[i.method]
        if m.reads & kinds and (m.concerns is None or m.concerns(facts, i.parameters)):
            found.append((i, ON[m.counted_on]))
    return found
