"""The application's handlers without a database: what they read, and rules they apply first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.commands.context import CommandContext
from shared.commands.session import Loaded, Session, Staging
from shared.principal import Principal
from signing.adapters.files.catalogue import load_catalogue
from signing.application.commands import SignContract, TerminateContract
from signing.application.lifecycle import Lifecycle
from signing.application.signing import Signing
from signing.application.starting import Starts
from signing.domain import contract, team
from signing.domain.errors import InvalidLastDay, InvalidTerminationReason
from signing.domain.identity import with_check_digit

AT = datetime(2026, 3, 1, 2, tzinfo=UTC)
ADMIN = Principal("admin", "admin")
STARTS = Starts(load_catalogue(), "key")
REGISTERED = team.TeamRegistered(
    "T1", "T", "CHC-1", "community_health_centre", "440106", (team.Member("doc-1", "family_doctor"),), 10, AT
)


class NoStore:
    """A store that must not be read: everything a command needs was loaded with its batch."""

    def read(self, stream_id: str, after: int = 0) -> Any:
        raise AssertionError(f"{stream_id} was read outside the batch's one query")


def test_a_signing_reads_nothing_beyond_the_streams_it_declares() -> None:
    command = SignContract(
        "c1",
        "c1",
        "individual",
        contract.ResidentParty(with_check_digit("44010619800101001"), "Li", "440106"),
        "T1",
        "doc-1",
        ("basic",),
        1,
        date(2026, 3, 1),
    )
    work = Signing(STARTS).sign_contract(ADMIN, command)
    staging = Staging(NoStore(), None)  # type: ignore[arg-type]
    for kind, key in work.reads:  # what the batch's one query would have loaded
        state = team.evolve(None, REGISTERED) if kind.prefix == "team" else kind.initial
        staging.states[kind.stream_id(key)] = Loaded(state, 1 if kind.prefix == "team" else 0)

    result = work.handle(Session(staging, CommandContext("admin", "k", "f", "c", "c", AT)))

    assert [kind.prefix for kind, _ in work.reads] == ["team", "enrolment"]
    assert (result["team_id"], result["status"], result["version"]) == ("T1", "active", 1)


def old_contract() -> contract.Contract:
    signed = contract.ContractSigned(
        "c1",
        "c1",
        "individual",
        "r_1",
        contract.ResidentParty("x", "Li", "440106"),
        "T1",
        None,
        "CHC-1",
        "440106",
        (),
        1,
        date(2026, 3, 1),
        date(2027, 2, 28),
        None,
        None,
        AT,
    )
    return contract.evolve(None, signed)


def test_a_termination_names_its_reason_and_a_day_not_after_today() -> None:
    lifecycle = Lifecycle(STARTS)
    with pytest.raises(InvalidTerminationReason):
        lifecycle.terminate(
            ADMIN, TerminateContract("c1", "switched_team", None, date(2026, 6, 1)), old_contract(), None
        )
    with pytest.raises(InvalidLastDay):
        lifecycle.terminate(
            ADMIN, TerminateContract("c1", "death", date(2026, 6, 2), date(2026, 6, 1)), old_contract(), None
        )
