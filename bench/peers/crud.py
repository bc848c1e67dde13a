"""The signing rule as a conventional CRUD service: FastAPI, SQLAlchemy, one transaction per
request, the team's row locked (SELECT … FOR UPDATE) so that its cap stays exact; an
idempotency key stored with the contract. Served by `bench/signing.py`:
`uvicorn bench.peers.crud:create_app --factory` with DATABASE_URL set."""

from __future__ import annotations

import os
import uuid
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select, update

from bench.peers.common import Caller, Signing, Team

METADATA = MetaData()
TEAMS = Table(
    "teams",
    METADATA,
    Column("team_id", String, primary_key=True),
    Column("resident_cap", Integer, nullable=False),
    Column("signed", Integer, nullable=False),
)
CONTRACTS = Table(
    "contracts",
    METADATA,
    Column("contract_id", String, primary_key=True),
    Column("identity_number", String, nullable=False, unique=True),
    Column("team_id", String, nullable=False),
    Column("idempotency_key", String, nullable=False, unique=True),
)


def create_app() -> FastAPI:
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_size=16, max_overflow=0)
    METADATA.create_all(engine)
    app = FastAPI()

    @app.post("/teams", status_code=201)
    def register(team: Team, _: Caller) -> dict[str, Any]:
        with engine.begin() as conn:
            conn.execute(TEAMS.insert().values(team_id=team.team_id, resident_cap=team.resident_cap, signed=0))
        return {"team_id": team.team_id}

    @app.post("/contracts", status_code=201)
    def sign(body: Signing, _: Caller, key: Annotated[str, Header(alias="Idempotency-Key")]) -> dict[str, Any]:
        with engine.begin() as conn:
            done = conn.execute(select(CONTRACTS.c.contract_id).where(CONTRACTS.c.idempotency_key == key)).scalar()
            if done is not None:
                return {"contract_id": done}
            team = conn.execute(select(TEAMS).where(TEAMS.c.team_id == body.team_id).with_for_update()).first()
            if team is None:
                raise HTTPException(404, "no such team")
            if team.signed >= team.resident_cap:
                raise HTTPException(409, "the team is full")
            identity = body.resident.identity_number
            if conn.execute(select(CONTRACTS.c.contract_id).where(CONTRACTS.c.identity_number == identity)).first():
                raise HTTPException(409, "already signed")
            contract_id = str(uuid.uuid4())
            conn.execute(
                CONTRACTS.insert().values(
                    contract_id=contract_id, identity_number=identity, team_id=body.team_id, idempotency_key=key
                )
            )
            conn.execute(update(TEAMS).where(TEAMS.c.team_id == body.team_id).values(signed=TEAMS.c.signed + 1))
        return {"contract_id": contract_id}

    return app
