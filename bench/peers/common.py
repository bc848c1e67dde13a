"""What both peers share with the platform's API, so the comparison is of the write path: the
same request body, a bearer token checked the same way (RS256), 201 with the contract's id."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Annotated

import jwt
from fastapi import Depends, Header, HTTPException
from pydantic import BaseModel, Field


class Resident(BaseModel):
    identity_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    name: str = Field(min_length=1, max_length=100)
    area_code: str = Field(pattern=r"^[0-9]{6}$")


class Signing(BaseModel):
    resident: Resident
    team_id: str = Field(min_length=1, max_length=64)
    packages: list[str] = Field(min_length=1)


class Team(BaseModel):
    team_id: str
    resident_cap: int = Field(ge=1)


@cache
def _key() -> str:
    return Path(os.environ.get("AUTH_JWT_PUBLIC_KEY_FILE", ".local/jwt/public.pem")).read_text()


def _verify(authorization: Annotated[str, Header()]) -> dict[str, object]:
    try:
        claims: dict[str, object] = jwt.decode(
            authorization.removeprefix("Bearer "), _key(), ["RS256"], audience="fdcs", issuer="fdcs-dev"
        )
    except jwt.PyJWTError as bad:
        raise HTTPException(401, "bad token") from bad
    return claims


Caller = Annotated[dict[str, object], Depends(_verify)]
