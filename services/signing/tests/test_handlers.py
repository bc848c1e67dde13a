"""Signing's command handlers through the command processor, on a store alone (no HTTP, no
broker): in memory, and the same class once more on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.commands import CommandContext, CommandProcessor, IdempotencyKeyReused, Outcome, Work
from shared.eventstore import EventStore
from shared.eventstore.cipher import ERASED
from shared.principal import Principal
from shared.testing.eventstore import InMemory, OnPostgres, OpenStore, on_a_loop
from shared.wiring import personal_fields
from signing.adapters.files.catalogue import load_catalogue
from signing.application import erasing, queries
from signing.application.commands import RegisterTeam, SignContract, TerminateContract
from signing.application.lifecycle import Lifecycle
from signing.application.signing import Signing
from signing.application.starting import Starts
from signing.application.streams import EVENTS
from signing.application.teams import Teams
from signing.domain.contract import ResidentParty
from signing.domain.errors import AlreadyContracted, ContractNotActive, TeamFull
from signing.domain.identity import with_check_digit
from signing.domain.team import Member, TeamRegistered

NOW = datetime(2026, 3, 1, 2, tzinfo=UTC)
ADMIN = Principal("admin", "admin")


class Desk:
    """Signing's applications and a processor over one store, as the HTTP routes drive them."""

    def __init__(self, store: EventStore) -> None:
        self.store, self.processor = store, CommandProcessor(store)
        starts = Starts(load_catalogue(), "key")
        self.teams, self.signing, self.lifecycle = Teams(), Signing(starts), Lifecycle(starts)

    def run(self, work: Work, key: str | None = None, fingerprint: str = "f") -> Outcome:
        return self.processor.execute_now(work, context(key, fingerprint))

    def register_team(self, team_id: str, cap: int) -> None:
        members = (Member("doc-1", "family_doctor"), Member("nurse-1", "community_nurse"))
        registered = TeamRegistered(
            team_id, f"Team {team_id}", "CHC-1", "community_health_centre", "440106", members, cap, NOW
        )
        self.run(self.teams.register(ADMIN, RegisterTeam(registered)))

    def sign(self, team_id: str, serial: int = 1, key: str | None = None) -> dict[str, Any]:
        return self.run(self.signing.sign_contract(ADMIN, signing_of(team_id, serial)), key).result

    def terminate(self, contract_id: str, reason: str, last_day: date | None = None) -> dict[str, Any]:
        old, _ = on_a_loop(self.store, queries.contract(self.store, contract_id))
        command = TerminateContract(contract_id, reason, last_day, NOW.date())
        return self.run(
            self.lifecycle.terminate(ADMIN, command, old, on_a_loop(self.store, queries.predecessor(self.store, old)))
        ).result

    def places_taken(self, team_id: str) -> int:
        return on_a_loop(self.store, queries.team(self.store, team_id))[0].taken


def context(key: str | None = None, fingerprint: str = "f") -> CommandContext:
    return CommandContext("admin", key or str(uuid.uuid4()), fingerprint, "corr", "cause", NOW)


def signing_of(team_id: str, serial: int) -> SignContract:
    contract_id = str(uuid.uuid4())
    identity = with_check_digit(f"44010619700101{serial % 1000:03d}")
    resident = ResidentParty(identity, f"Resident {serial}", "440106")
    return SignContract(contract_id, contract_id, "individual", resident, team_id, None, ("basic",), 1, NOW.date())


class SigningHandlerTests:
    """Run by `TestSigningHandlersInMemory` and `TestSigningHandlersOnPostgres` below."""

    @pytest.fixture
    def desk(self, stores: OpenStore) -> Iterator[Desk]:
        opened = Desk(stores(personal_fields(os.urandom(32), EVENTS)))
        yield opened
        opened.processor.close()

    def test_a_resident_signs_once_and_a_full_team_refuses(self, desk: Desk) -> None:
        desk.register_team("T1", cap=1)
        desk.register_team("T2", cap=10)
        desk.sign("T1", serial=1)

        with pytest.raises(AlreadyContracted):
            desk.sign("T2", serial=1)
        with pytest.raises(TeamFull):
            desk.sign("T1", serial=2)
        assert (desk.places_taken("T1"), desk.places_taken("T2")) == (1, 0)

    def test_repeating_a_command_with_its_key_replays_it(self, desk: Desk) -> None:
        desk.register_team("T1", cap=10)
        work = desk.signing.sign_contract(ADMIN, signing_of("T1", 1))
        first = desk.run(work, key="k1")

        again = CommandProcessor(desk.store).execute_now(work, context("k1"))  # another replica
        with pytest.raises(IdempotencyKeyReused):
            desk.run(desk.signing.sign_contract(ADMIN, signing_of("T1", 2)), key="k1", fingerprint="another body")

        assert (again.result, again.replayed) == (first.result, True)
        assert desk.places_taken("T1") == 1

    def test_concurrent_signings_fill_a_team_exactly_to_its_cap(self, desk: Desk) -> None:
        places = 7
        desk.register_team("T1", cap=places)
        processor = CommandProcessor(desk.store)

        async def at_once() -> list[Any]:
            works = [desk.signing.sign_contract(ADMIN, signing_of("T1", i)) for i in range(40)]
            try:
                return await asyncio.gather(*(processor.execute(w, context()) for w in works), return_exceptions=True)
            finally:
                await processor.stop()

        outcomes = asyncio.run(at_once())

        assert sum(isinstance(o, Outcome) for o in outcomes) == places
        assert all(isinstance(o, TeamFull) for o in outcomes if not isinstance(o, Outcome))
        assert desk.places_taken("T1") == places

    def test_a_termination_frees_the_place_and_the_resident(self, desk: Desk) -> None:
        desk.register_team("T1", cap=1)
        old = desk.sign("T1")

        ended = desk.terminate(old["contract_id"], "moved_away", NOW.date())

        assert (ended["status"], ended["last_day"], ended["version"]) == ("terminated", "2026-03-01", 2)
        with pytest.raises(ContractNotActive):
            desk.terminate(old["contract_id"], "death")
        assert desk.sign("T1")["status"] == "active"  # the same resident, the freed place

    def test_erasure_shreds_the_residents_name_and_is_recorded_once(self, desk: Desk) -> None:
        desk.register_team("T1", cap=10)
        signed = desk.sign("T1", serial=1, key="sign-1")
        other = desk.sign("T1", serial=2)
        ref, vault = signed["resident_ref"], desk.store.sealer.vault if desk.store.sealer else None
        assert vault is not None and signed["resident_name"] == "Resident 1"

        vault.erase(ref, "resident_request", NOW)
        desk.run(erasing.erase(ADMIN, ref, "resident_request"), key="erase-1")
        replayed = desk.run(erasing.erase(ADMIN, ref, "resident_request"), key="erase-1")

        contract, _ = on_a_loop(desk.store, queries.contract(desk.store, signed["contract_id"]))
        assert (contract.signed.resident.name, contract.status) == (ERASED, "active")  # the contract stays
        assert (
            on_a_loop(desk.store, queries.contract(desk.store, other["contract_id"]))[0].signed.resident.name
            == "Resident 2"
        )
        assert replayed.replayed and erasing.recorded(desk.store, ref)["reason"] == "resident_request"


class TestSigningHandlersInMemory(InMemory, SigningHandlerTests):
    pass


class TestSigningHandlersOnPostgres(OnPostgres, SigningHandlerTests):
    pass
