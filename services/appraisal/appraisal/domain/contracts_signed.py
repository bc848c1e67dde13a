"""Indicator "contracts signed": how many contracts each team has signed (pure counting)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Signed:
    """A contract signed with a team (what the indicator needs of `ContractSigned`)."""

    team_id: str
    institution_id: str
    area_code: str


def signed_per_team(signings: Iterable[Signed]) -> Counter[tuple[str, str, str]]:
    return Counter((s.team_id, s.institution_id, s.area_code) for s in signings)
