"""Key populations of a resident: some are facts of the identity number, the others are declared.

Age and sex are in the identity number, so "elderly" (65 and over) and "children" (0 to 6)
are derived for the contract's start, and a declaration the number contradicts is refused.
A package meant for key populations is signed only by residents who belong to one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from signing.domain.catalogue import Package
from signing.domain.errors import KeyPopulationMismatch, PackageNotForResident
from signing.domain.identity import age_on, is_male

KEY_POPULATIONS = (
    "elderly",
    "children",
    "maternal",
    "hypertension",
    "diabetes",
    "tuberculosis",
    "severe_mental_disorder",
    "disabled",
)
BY_AGE = frozenset({"elderly", "children"})


def key_populations(identity: str, declared: Iterable[str], on: date) -> tuple[str, ...]:
    """The resident's tags on `on`: the declared ones checked, the age ones added."""
    age = age_on(identity, on)
    by_age = {"elderly"} if age >= 65 else {"children"} if age <= 6 else set()
    claimed = set(declared)
    contradicted = (claimed & BY_AGE) - by_age
    if contradicted:
        raise KeyPopulationMismatch(f"{', '.join(sorted(contradicted))} does not fit a resident aged {age} on {on}")
    if "maternal" in claimed and is_male(identity):
        raise KeyPopulationMismatch("maternal care is for women: the identity number says otherwise")
    tags = claimed | by_age
    return tuple(p for p in KEY_POPULATIONS if p in tags)


def without_age_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """What carries over to a renewal: ages move on, so the age tags are derived again."""
    return tuple(t for t in tags if t not in BY_AGE)


def check_packages_for(packages: Iterable[Package], tags: Iterable[str]) -> None:
    held = set(tags)
    for package in packages:
        if package.key_populations and not held & set(package.key_populations):
            wanted = ", ".join(package.key_populations)
            raise PackageNotForResident(f"package {package.code!r} is for {wanted}; the resident is not")
