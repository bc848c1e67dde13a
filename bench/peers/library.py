"""The signing rule on the eventsourcing library's default application, as its documentation
shows it: aggregates (a team counting its places, a contract) saved together by
`Application.save`, PostgreSQL persistence, no cache or snapshots. The contract's id is
derived from the resident, so a second signing of the same resident conflicts; a save that
loses a race for the team is tried again. No idempotency keys: the library has none.
Served by `bench/signing.py`: `uvicorn bench.peers.library:create_app --factory`."""

from __future__ import annotations

import os
import uuid
from typing import Any
from urllib.parse import urlsplit

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, HTTPException

from bench.peers.common import Caller, Signing, Team

IDS = uuid.UUID("6f1d0c3e-2b6a-4d55-9c1e-7a0b5f3d9e21")


class Full(Exception):
    pass


class TeamPlaces(Aggregate):
    @event("Registered")
    def __init__(self, team_id: str, resident_cap: int) -> None:
        self.team_id, self.resident_cap, self.signed = team_id, resident_cap, 0

    @staticmethod
    def create_id(team_id: str, resident_cap: int) -> uuid.UUID:
        return uuid.uuid5(IDS, f"team/{team_id}")

    def take_place(self) -> None:
        if self.signed >= self.resident_cap:
            raise Full
        self._place_taken()

    @event("PlaceTaken")
    def _place_taken(self) -> None:
        self.signed += 1


class Contract(Aggregate):
    @event("Signed")
    def __init__(self, identity_number: str, team_id: str) -> None:
        self.identity_number, self.team_id = identity_number, team_id

    @staticmethod
    def create_id(identity_number: str, team_id: str) -> uuid.UUID:
        return uuid.uuid5(IDS, f"contract/{identity_number}")


class Contracts(Application):
    def register(self, team_id: str, resident_cap: int) -> None:
        self.save(TeamPlaces(team_id, resident_cap))

    def sign(self, identity_number: str, team_id: str) -> str:
        for _ in range(5):  # a lost race for the team's version: read it again
            team = self.repository.get(uuid.uuid5(IDS, f"team/{team_id}"))
            team.take_place()
            contract = Contract(identity_number, team_id)
            try:
                self.save(team, contract)
                return str(contract.id)
            except IntegrityError:
                if uuid.uuid5(IDS, f"contract/{identity_number}") in self.repository:
                    raise
        raise IntegrityError("the team kept changing")


def create_app() -> FastAPI:
    url = urlsplit(os.environ["DATABASE_URL"])
    contracts = Contracts(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "postgres",
            "POSTGRES_PASSWORD": url.password or "",
            "POSTGRES_POOL_SIZE": "16",
        }
    )
    app = FastAPI()

    @app.post("/teams", status_code=201)
    def register(team: Team, _: Caller) -> dict[str, Any]:
        contracts.register(team.team_id, team.resident_cap)
        return {"team_id": team.team_id}

    @app.post("/contracts", status_code=201)
    def sign(body: Signing, _: Caller) -> dict[str, Any]:
        try:
            return {"contract_id": contracts.sign(body.resident.identity_number, body.team_id)}
        except Full as full:
            raise HTTPException(409, "the team is full") from full
        except IntegrityError as taken:
            raise HTTPException(409, "already signed") from taken

    return app
