"""A family's or a functional community's agreement: several residents, one signing.

Each resident still gets a contract of their own (one active contract per resident);
the agreement binds them: all are signed in one command, or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from signing.domain.errors import DuplicateMember, InvalidAgreement

MOST_MEMBERS = {"family": 20, "community": 1000}
COMMUNITY_KINDS = ("school", "employer", "care_home", "other")


@dataclass(frozen=True)
class Community:
    """A functional community signing as a unit, e.g. a school or an employer."""

    name: str
    kind: str


@dataclass(frozen=True)
class AgreementConcluded:
    agreement_id: str
    kind: str
    team_id: str
    community: Community | None
    contract_ids: tuple[str, ...]
    concluded_at: datetime


@dataclass(frozen=True)
class Agreement:
    concluded: AgreementConcluded


def check_parties(kind: str, community: Community | None, resident_refs: Sequence[str]) -> None:
    """A family or a community of 2 or more different residents; a community names itself."""
    if kind not in MOST_MEMBERS:
        raise InvalidAgreement(f"an agreement is for a family or a community, not {kind!r}")
    if (kind == "community") != (community is not None):
        raise InvalidAgreement("a community agreement names its community; a family agreement does not")
    if community is not None and community.kind not in COMMUNITY_KINDS:
        raise InvalidAgreement(f"a community is one of {', '.join(COMMUNITY_KINDS)}")
    if not 2 <= len(resident_refs) <= MOST_MEMBERS[kind]:
        raise InvalidAgreement(f"a {kind} agreement has 2 to {MOST_MEMBERS[kind]} residents")
    if len(set(resident_refs)) != len(resident_refs):
        raise DuplicateMember("each resident appears once in an agreement")


def evolve(agreement: Agreement | None, event: object) -> Agreement:
    if isinstance(event, AgreementConcluded) and agreement is None:
        return Agreement(event)
    raise ValueError(f"{type(event).__name__} does not apply to agreement {agreement}")
