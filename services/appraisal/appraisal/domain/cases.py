"""Cases: what an indicator counted for whom, and why — the figures add them up, the
drill-down shows them (pseudonymous resident refs only)."""

from __future__ import annotations

from dataclasses import dataclass

from appraisal.domain.facts import Where


@dataclass(frozen=True)
class Case:
    """One resident's (or one referral's, rating's…) part in an indicator for a period.

    `numerator` and `denominator` are counts: 1/1 or 0/1 for a rate, 1/0 for a count,
    items delivered/due for package fulfilment; an excluded case counts 0/0 and says why.
    """

    where: Where
    resident_ref: str
    about: str
    numerator: int
    denominator: int
    why: str
    key_populations: tuple[str, ...] = ()
    excluded: bool = False


def met(where: Where, resident: str, about: str, why: str, tags: tuple[str, ...] = ()) -> Case:
    return Case(where, resident, about, 1, 1, why, tags)


def missed(where: Where, resident: str, about: str, why: str, tags: tuple[str, ...] = ()) -> Case:
    return Case(where, resident, about, 0, 1, why, tags)


def counted(where: Where, resident: str, about: str, why: str, tags: tuple[str, ...] = ()) -> Case:
    return Case(where, resident, about, 1, 0, why, tags)


def excluded(where: Where, resident: str, about: str, why: str, tags: tuple[str, ...] = ()) -> Case:
    return Case(where, resident, about, 0, 0, why, tags, excluded=True)
