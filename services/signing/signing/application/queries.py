"""Reads: one aggregate from the store (read-your-writes), from the event loop; or a search of
the contract index (a read model: from a thread)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.eventstore import EventStore
from shared.eventstore.streams import read_state
from signing.application.streams import AGREEMENTS, CONTRACTS, TEAMS
from signing.domain.agreement import Agreement
from signing.domain.contract import Contract
from signing.domain.errors import AgreementNotFound, ContractNotFound, TeamNotFound
from signing.domain.team import Team

STATUSES = ("active", "renewed", "terminated", "expired")


@dataclass(frozen=True)
class ContractQuery:
    """A search of contracts; `ends_by` finds those ending on or before a day (renewal planning).
    Results are ordered by last day, then id; `after` is the cursor of the previous page."""

    team_id: str | None = None
    doctor_id: str | None = None
    resident_ref: str | None = None
    agreement_id: str | None = None
    area: str | None = None
    status: str | None = None
    ends_by: date | None = None
    after: tuple[date, str] | None = None
    limit: int = 50


async def contract(store: EventStore, contract_id: str) -> tuple[Contract, int]:
    found, version = CONTRACTS.fold(await store.read_async(CONTRACTS.stream_id(contract_id)))
    if found is None:
        raise ContractNotFound(f"no contract {contract_id}")
    return found, version


async def predecessor(store: EventStore, current: Contract) -> Contract | None:
    """The contract `current` renews, while that one may still be in force."""
    renewed = current.renews_contract_id
    return (await contract(store, renewed))[0] if renewed else None


async def team(store: EventStore, team_id: str) -> tuple[Team, int]:
    """A team's stream holds a place taken and released for each of its residents' contracts,
    years of them: read from its snapshot on (`read_state`)."""
    found, version = await read_state(store, TEAMS, team_id)
    if found is None:
        raise TeamNotFound(f"no team {team_id} is registered")
    return found, version


async def agreement(store: EventStore, agreement_id: str) -> tuple[Agreement, int, list[tuple[Contract, int]]]:
    found, version = AGREEMENTS.fold(await store.read_async(AGREEMENTS.stream_id(agreement_id)))
    if found is None:
        raise AgreementNotFound(f"no agreement {agreement_id}")
    streams = await store.read_many_async([CONTRACTS.stream_id(i) for i in found.concluded.contract_ids])
    contracts = [CONTRACTS.fold(events) for events in streams.values()]
    return found, version, [(c, v) for c, v in contracts if c is not None]
